//! The engine behind [`Seq::flat_map`] and [`Seq::flatten`]: run an outer
//! sequence, and each inner sequence made from its elements in turn.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    pub(crate) struct Flat<S, U> {
        #[pin]
        outer: S,
        // The inner sequence being drained, if any.
        #[pin]
        inner: Option<U>,
        // `outer` has returned `None` or finished its stop.
        outer_done: bool,
        // The consumer stopped: start no new inner sequence.
        stopping: bool,
    }
}

impl<S, U> Flat<S, U> {
    pub(crate) fn new(outer: S) -> Self {
        Flat {
            outer,
            inner: None,
            outer_done: false,
            stopping: false,
        }
    }
}

impl<S: Seq, U: Seq> Flat<S, U> {
    /// The next element of the current inner sequence; an exhausted inner
    /// sequence is replaced by `make(next outer element)`.
    #[inline]
    pub(crate) fn poll_next_with(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut make: impl FnMut(S::Item) -> U,
    ) -> Poll<Option<U::Item>> {
        if self.stopping {
            ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let mut this = self.project();
        loop {
            if let Some(inner) = this.inner.as_mut().as_pin_mut() {
                match ready!(inner.poll_next(cx)) {
                    Some(item) => return Poll::Ready(Some(item)),
                    // It has returned and cleaned up: drop it now.
                    None => this.inner.set(None),
                }
            }
            if *this.outer_done {
                return Poll::Ready(None);
            }
            match ready!(this.outer.as_mut().poll_next(cx)) {
                Some(item) => this.inner.set(Some(make(item))),
                None => {
                    *this.outer_done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }

    /// Stops the current inner sequence, then the outer one, as nested Go
    /// loops unwind: innermost cleanup first.
    pub(crate) fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.stopping = true;
        if let Some(inner) = this.inner.as_mut().as_pin_mut() {
            ready!(inner.poll_stop(cx));
            this.inner.set(None);
        }
        if !*this.outer_done {
            ready!(this.outer.poll_stop(cx));
            *this.outer_done = true;
        }
        Poll::Ready(())
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let (lo, hi) = self.inner.as_ref().map_or((0, Some(0)), U::size_hint);
        let outer_empty = self.outer_done || self.outer.size_hint().1 == Some(0);
        if outer_empty { (lo, hi) } else { (lo, None) }
    }
}

impl<S, U> Flat<S, U> {
    pub(crate) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        S: fmt::Debug,
        U: fmt::Debug,
    {
        f.debug_struct(name)
            .field("outer", &self.outer)
            .field("inner", &self.inner)
            .field("stopping", &self.stopping)
            .finish()
    }
}

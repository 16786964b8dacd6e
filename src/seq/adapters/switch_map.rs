//! [`Seq::switch_map`]: a sequence per element of the outer one, each
//! replacing the one before.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::switch_map`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct SwitchMap<S: Seq, F, U> {
        #[pin]
        outer: S,
        #[pin]
        inner: Option<U>,
        f: F,
        // An outer element whose inner waits for the current inner's stop.
        next: Option<S::Item>,
        // The outer has returned, or finished its stop.
        outer_done: bool,
        // The consumer stopped: stop both, then end.
        stopping: bool,
    }
}

impl<S: Seq, F, U> SwitchMap<S, F, U> {
    pub(crate) fn new(outer: S, f: F) -> Self {
        SwitchMap {
            outer,
            inner: None,
            f,
            next: None,
            outer_done: false,
            stopping: false,
        }
    }
}

impl<S, F, U> Seq for SwitchMap<S, F, U>
where
    S: Seq,
    F: FnMut(S::Item) -> U,
    U: Seq,
{
    type Item = U::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U::Item>> {
        if self.stopping {
            return self.poll_stop(cx).map(|()| None);
        }
        let mut this = self.project();
        loop {
            if this.next.is_some() {
                // Replace the current inner: stop it (heard, its cleanup
                // waited for; waiting elsewhere, dropped) before the new
                // one starts. The outer waits meanwhile.
                if let Some(inner) = this.inner.as_mut().as_pin_mut() {
                    if inner.poll_stop(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.inner.set(None);
                }
                let item = this.next.take().expect("checked above");
                this.inner.set(Some((this.f)(item)));
            }
            // The outer first, every time: an always-ready inner cannot
            // hold a switch back.
            if !*this.outer_done {
                match this.outer.as_mut().poll_next(cx) {
                    Poll::Ready(Some(item)) => {
                        *this.next = Some(item);
                        continue;
                    }
                    Poll::Ready(None) => *this.outer_done = true,
                    Poll::Pending => {}
                }
            }
            if let Some(inner) = this.inner.as_mut().as_pin_mut() {
                match inner.poll_next(cx) {
                    Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
                    // The inner has returned: nothing left to stop.
                    Poll::Ready(None) => this.inner.set(None),
                    Poll::Pending => return Poll::Pending,
                }
            }
            return if *this.outer_done {
                Poll::Ready(None)
            } else {
                Poll::Pending
            };
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.stopping = true;
        // An outer element whose inner never started is never mapped.
        *this.next = None;
        // Both stops are driven together, neither waiting for the other.
        if !*this.outer_done && this.outer.poll_stop(cx).is_ready() {
            *this.outer_done = true;
        }
        if let Some(inner) = this.inner.as_mut().as_pin_mut() {
            if inner.poll_stop(cx).is_ready() {
                this.inner.set(None);
            }
        }
        if *this.outer_done && this.inner.is_none() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let outer_empty = self.outer_done || self.outer.size_hint().1 == Some(0);
        match (&self.inner, outer_empty && self.next.is_none()) {
            // The current inner is the last: it runs to its end.
            (Some(inner), true) => inner.size_hint(),
            (None, true) => (0, Some(0)),
            // Any inner may be cut short by the next outer element.
            _ => (0, None),
        }
    }
}

impl<S, F, U> fmt::Debug for SwitchMap<S, F, U>
where
    S: Seq + fmt::Debug,
    U: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwitchMap")
            .field("outer", &self.outer)
            .field("inner", &self.inner)
            .field("switching", &self.next.is_some())
            .field("outer_done", &self.outer_done)
            .field("stopping", &self.stopping)
            .finish()
    }
}

//! [`Seq::chain`]: one sequence, then another.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::chain`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Chain<A, B> {
        #[pin]
        first: A,
        #[pin]
        second: B,
        // `first` has returned `None` or finished its stop.
        first_done: bool,
        // The consumer stopped: `second` must never start from here on.
        stopping: bool,
    }
}

impl<A, B> Chain<A, B> {
    pub(crate) fn new(first: A, second: B) -> Self {
        Chain {
            first,
            second,
            first_done: false,
            stopping: false,
        }
    }
}

impl<A, B> Seq for Chain<A, B>
where
    A: Seq,
    B: Seq<Item = A::Item>,
{
    type Item = A::Item;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        if self.stopping {
            // A stop is under way: finish it; deliver nothing.
            ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let this = self.project();
        if !*this.first_done {
            match ready!(this.first.poll_next(cx)) {
                Some(item) => return Poll::Ready(Some(item)),
                // `first` has returned and cleaned up: start `second`.
                None => *this.first_done = true,
            }
        }
        this.second.poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.stopping = true;
        if !*this.first_done {
            ready!(this.first.poll_stop(cx));
            *this.first_done = true;
        }
        // Never started if `first` was still running: nothing to clean up.
        this.second.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let second = self.second.size_hint();
        if self.first_done {
            return second;
        }
        size_hint::add(self.first.size_hint(), second)
    }
}

impl<A: fmt::Debug, B: fmt::Debug> fmt::Debug for Chain<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("first", &self.first)
            .field("second", &self.second)
            .field("first_done", &self.first_done)
            .field("stopping", &self.stopping)
            .finish()
    }
}

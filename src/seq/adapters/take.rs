//! [`Seq::take`]: the first `n` elements.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::take`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Take<S> {
        #[pin]
        seq: S,
        remaining: usize,
    }
}

impl<S> Take<S> {
    pub(crate) fn new(seq: S, n: usize) -> Self {
        Take { seq, remaining: n }
    }
}

impl<S: Seq> Seq for Take<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if *this.remaining == 0 {
            // Asked past the n-th element: the producer's pending `yield_`
            // of element n resolves to `false`; it is never asked for n + 1.
            ready!(this.seq.poll_stop(cx));
            return Poll::Ready(None);
        }
        let next = ready!(this.seq.poll_next(cx));
        match next {
            Some(_) => *this.remaining -= 1,
            None => *this.remaining = 0,
        }
        Poll::Ready(next)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.remaining == 0 {
            return (0, Some(0));
        }
        let (lower, upper) = self.seq.size_hint();
        let upper = match upper {
            Some(upper) => upper.min(self.remaining),
            None => self.remaining,
        };
        (lower.min(self.remaining), Some(upper))
    }
}

impl<S: fmt::Debug> fmt::Debug for Take<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Take")
            .field("seq", &self.seq)
            .field("remaining", &self.remaining)
            .finish()
    }
}

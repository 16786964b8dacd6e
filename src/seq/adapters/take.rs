//! [`Seq::take`]: the first `n` elements.

use std::fmt;
use std::ops::ControlFlow;
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

    #[inline]
    fn poll_each<F>(self: Pin<&mut Self>, cx: &mut Context<'_>, f: &mut F) -> Poll<Option<()>>
    where
        F: FnMut(S::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        if *this.remaining == 0 {
            // As `poll_next`: asked past the n-th element, stop the source.
            ready!(this.seq.poll_stop(cx));
            return Poll::Ready(None);
        }
        // The count lives in a local for the call (in a register, not
        // reloaded around each element), written back however the call
        // ends, a panic in `f` included.
        let mut left = Left {
            n: *this.remaining,
            home: this.remaining,
        };
        let n = &mut left.n;
        let each = this.seq.poll_each(cx, &mut |item, cx| {
            *n -= 1;
            let flow = f(item, cx);
            // The n-th element is the last one taken: the source is not
            // asked for another until the next call, which stops it.
            if *n == 0 {
                ControlFlow::Break(())
            } else {
                flow
            }
        });
        if let Poll::Ready(None) = each {
            left.n = 0;
        }
        each
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

/// A [`Take`]'s count, copied out for one `poll_each` call and written
/// back when the call ends, however it ends.
struct Left<'a> {
    n: usize,
    home: &'a mut usize,
}

impl Drop for Left<'_> {
    #[inline]
    fn drop(&mut self) {
        *self.home = self.n;
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

//! [`Seq::try_skip_while`]: everything from the first `Ok` value that fails
//! a predicate on, and every error.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::{Seq, TrySeq};
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::try_skip_while`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TrySkipWhile<S, P> {
        #[pin]
        seq: S,
        pred: P,
        // No `Ok` value has failed `pred` yet.
        skipping: bool,
    }
}

impl<S, P> TrySkipWhile<S, P> {
    pub(crate) fn new(seq: S, pred: P) -> Self {
        TrySkipWhile {
            seq,
            pred,
            skipping: true,
        }
    }
}

impl<S, P> Seq for TrySkipWhile<S, P>
where
    S: TrySeq,
    P: FnMut(&S::Ok) -> bool,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        while *this.skipping {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Ok(item)) if (this.pred)(&item) => {}
                // An error passes through and skipping goes on after it.
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                next => {
                    *this.skipping = false;
                    return Poll::Ready(next);
                }
            }
        }
        this.seq.poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.skipping {
            size_hint::at_most(self.seq.size_hint())
        } else {
            self.seq.size_hint()
        }
    }
}

impl<S: fmt::Debug, P> fmt::Debug for TrySkipWhile<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrySkipWhile")
            .field("seq", &self.seq)
            .field("skipping", &self.skipping)
            .finish()
    }
}

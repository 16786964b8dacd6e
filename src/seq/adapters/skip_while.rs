//! [`Seq::skip_while`]: everything from the first element that fails a
//! predicate on.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::skip_while`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct SkipWhile<S, P> {
        #[pin]
        seq: S,
        pred: P,
        // No element has failed `pred` yet.
        skipping: bool,
    }
}

impl<S, P> SkipWhile<S, P> {
    pub(crate) fn new(seq: S, pred: P) -> Self {
        SkipWhile {
            seq,
            pred,
            skipping: true,
        }
    }
}

impl<S, P> Seq for SkipWhile<S, P>
where
    S: Seq,
    P: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        while *this.skipping {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) if (this.pred)(&item) => {}
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

impl<S: fmt::Debug, P> fmt::Debug for SkipWhile<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipWhile")
            .field("seq", &self.seq)
            .field("skipping", &self.skipping)
            .finish()
    }
}

//! [`Seq::take_while`]: the elements before the first that fails a
//! predicate.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::take_while`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TakeWhile<S, P> {
        #[pin]
        seq: S,
        pred: P,
        // An element failed `pred` or the source ended: from now on, only
        // stop the source.
        done: bool,
    }
}

impl<S, P> TakeWhile<S, P> {
    pub(crate) fn new(seq: S, pred: P) -> Self {
        TakeWhile {
            seq,
            pred,
            done: false,
        }
    }
}

impl<S, P> Seq for TakeWhile<S, P>
where
    S: Seq,
    P: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if !*this.done {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) if (this.pred)(&item) => return Poll::Ready(Some(item)),
                // The first failing element is dropped, and the producer's
                // pending `yield_` of it resolves to `false` below: it is
                // never asked for the element after it.
                Some(_) => *this.done = true,
                None => {
                    *this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
        // Stopping a finished source is immediate.
        ready!(this.seq.poll_stop(cx));
        Poll::Ready(None)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            size_hint::at_most(self.seq.size_hint())
        }
    }
}

impl<S: fmt::Debug, P> fmt::Debug for TakeWhile<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeWhile")
            .field("seq", &self.seq)
            .field("done", &self.done)
            .finish()
    }
}

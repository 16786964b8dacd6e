//! [`Seq::filter`]: keep the elements that match a predicate.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::filter`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Filter<S, P> {
        #[pin]
        seq: S,
        pred: P,
    }
}

impl<S, P> Filter<S, P> {
    pub(crate) fn new(seq: S, pred: P) -> Self {
        Filter { seq, pred }
    }
}

impl<S, P> Seq for Filter<S, P>
where
    S: Seq,
    P: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        loop {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) if !(this.pred)(&item) => {}
                next => return Poll::Ready(next),
            }
        }
    }

    #[inline]
    fn poll_each<F>(self: Pin<&mut Self>, cx: &mut Context<'_>, f: &mut F) -> Poll<Option<()>>
    where
        F: FnMut(S::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        let pred = this.pred;
        this.seq.poll_each(cx, &mut |item, cx| {
            if pred(&item) {
                f(item, cx)
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::at_most(self.seq.size_hint())
    }
}

impl<S: fmt::Debug, P> fmt::Debug for Filter<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter").field("seq", &self.seq).finish()
    }
}

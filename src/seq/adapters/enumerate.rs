//! [`Seq::enumerate`]: elements paired with their index.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::enumerate`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Enumerate<S> {
        #[pin]
        seq: S,
        count: usize,
    }
}

impl<S> Enumerate<S> {
    pub(crate) fn new(seq: S) -> Self {
        Enumerate { seq, count: 0 }
    }
}

impl<S: Seq> Seq for Enumerate<S> {
    type Item = (usize, S::Item);

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let next = ready!(this.seq.poll_next(cx));
        Poll::Ready(next.map(|item| {
            let i = *this.count;
            *this.count += 1;
            (i, item)
        }))
    }

    #[inline]
    fn poll_each<G>(self: Pin<&mut Self>, cx: &mut Context<'_>, g: &mut G) -> Poll<Option<()>>
    where
        G: FnMut(Self::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        let count = this.count;
        this.seq.poll_each(cx, &mut |item, cx| {
            let i = *count;
            *count += 1;
            g((i, item), cx)
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug> fmt::Debug for Enumerate<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enumerate")
            .field("seq", &self.seq)
            .field("count", &self.count)
            .finish()
    }
}

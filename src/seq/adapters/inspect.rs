//! [`Seq::inspect`]: look at each element on its way through.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::inspect`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Inspect<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> Inspect<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        Inspect { seq, f }
    }
}

impl<S, F> Seq for Inspect<S, F>
where
    S: Seq,
    F: FnMut(&S::Item),
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let next = ready!(this.seq.poll_next(cx));
        if let Some(item) = &next {
            (this.f)(item);
        }
        Poll::Ready(next)
    }

    #[inline]
    fn poll_each<G>(self: Pin<&mut Self>, cx: &mut Context<'_>, g: &mut G) -> Poll<Option<()>>
    where
        G: FnMut(S::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        let f = this.f;
        this.seq.poll_each(cx, &mut |item, cx| {
            f(&item);
            g(item, cx)
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for Inspect<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspect").field("seq", &self.seq).finish()
    }
}

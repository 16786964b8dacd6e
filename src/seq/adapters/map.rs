//! [`Seq::map`]: transform each element with a closure.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::map`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Map<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> Map<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        Map { seq, f }
    }
}

impl<S, F, B> Seq for Map<S, F>
where
    S: Seq,
    F: FnMut(S::Item) -> B,
{
    type Item = B;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<B>> {
        let this = self.project();
        this.seq.poll_next(cx).map(|next| next.map(this.f))
    }

    #[inline]
    fn poll_each<G>(self: Pin<&mut Self>, cx: &mut Context<'_>, g: &mut G) -> Poll<Option<()>>
    where
        G: FnMut(B, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        let f = this.f;
        this.seq.poll_each(cx, &mut |item, cx| g(f(item), cx))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for Map<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map").field("seq", &self.seq).finish()
    }
}

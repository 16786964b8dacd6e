//! [`Seq::filter_map`]: transform elements and keep the `Some`s.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::filter_map`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct FilterMap<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> FilterMap<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        FilterMap { seq, f }
    }
}

impl<S, F, B> Seq for FilterMap<S, F>
where
    S: Seq,
    F: FnMut(S::Item) -> Option<B>,
{
    type Item = B;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<B>> {
        let mut this = self.project();
        loop {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => {
                    if let Some(mapped) = (this.f)(item) {
                        return Poll::Ready(Some(mapped));
                    }
                }
                None => return Poll::Ready(None),
            }
        }
    }

    #[inline]
    fn poll_each<G>(self: Pin<&mut Self>, cx: &mut Context<'_>, g: &mut G) -> Poll<Option<()>>
    where
        G: FnMut(B, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = self.project();
        let f = this.f;
        this.seq.poll_each(cx, &mut |item, cx| match f(item) {
            Some(mapped) => g(mapped, cx),
            None => ControlFlow::Continue(()),
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::at_most(self.seq.size_hint())
    }
}

impl<S: fmt::Debug, F> fmt::Debug for FilterMap<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterMap").field("seq", &self.seq).finish()
    }
}

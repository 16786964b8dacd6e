//! [`Seq::inspect_ok`]: look at each `Ok` value on its way through.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Sequence returned by [`Seq::inspect_ok`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct InspectOk<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> InspectOk<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        InspectOk { seq, f }
    }
}

impl<S, F> Seq for InspectOk<S, F>
where
    S: TrySeq,
    F: FnMut(&S::Ok),
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let next = ready!(this.seq.poll_next(cx));
        if let Some(Ok(item)) = &next {
            (this.f)(item);
        }
        Poll::Ready(next)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for InspectOk<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectOk").field("seq", &self.seq).finish()
    }
}

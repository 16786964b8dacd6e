//! [`Seq::inspect_err`]: look at each error on its way through.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Sequence returned by [`Seq::inspect_err`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct InspectErr<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> InspectErr<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        InspectErr { seq, f }
    }
}

impl<S, F> Seq for InspectErr<S, F>
where
    S: TrySeq,
    F: FnMut(&S::Error),
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let next = ready!(this.seq.poll_next(cx));
        if let Some(Err(e)) = &next {
            (this.f)(e);
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

impl<S: fmt::Debug, F> fmt::Debug for InspectErr<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectErr")
            .field("seq", &self.seq)
            .finish()
    }
}

//! [`Seq::map_ok`]: transform the `Ok` values of a fallible sequence.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::map_ok`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapOk<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> MapOk<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        MapOk { seq, f }
    }
}

impl<S, F, T, E, U> Seq for MapOk<S, F>
where
    S: Seq<Item = Result<T, E>>,
    F: FnMut(T) -> U,
{
    type Item = Result<U, E>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<U, E>>> {
        let this = self.project();
        this.seq
            .poll_next(cx)
            .map(|next| next.map(|item| item.map(this.f)))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for MapOk<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapOk").field("seq", &self.seq).finish()
    }
}

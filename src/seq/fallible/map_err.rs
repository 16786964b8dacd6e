//! [`Seq::map_err`]: transform the errors of a fallible sequence.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::map_err`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapErr<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> MapErr<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        MapErr { seq, f }
    }
}

impl<S, F, T, E, G> Seq for MapErr<S, F>
where
    S: Seq<Item = Result<T, E>>,
    F: FnMut(E) -> G,
{
    type Item = Result<T, G>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, G>>> {
        let this = self.project();
        this.seq
            .poll_next(cx)
            .map(|next| next.map(|item| item.map_err(this.f)))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for MapErr<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapErr").field("seq", &self.seq).finish()
    }
}

//! [`Seq::flat_map`]: each element mapped to a sequence, run in turn.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::flat::Flat;

pin_project! {
    /// Sequence returned by [`Seq::flat_map`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct FlatMap<S, F, U> {
        #[pin]
        flat: Flat<S, U>,
        f: F,
    }
}

impl<S, F, U> FlatMap<S, F, U> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        FlatMap {
            flat: Flat::new(seq),
            f,
        }
    }
}

impl<S, F, U> Seq for FlatMap<S, F, U>
where
    S: Seq,
    F: FnMut(S::Item) -> U,
    U: Seq,
{
    type Item = U::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U::Item>> {
        let this = self.project();
        this.flat.poll_next_with(cx, this.f)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().flat.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.flat.size_hint()
    }
}

impl<S: fmt::Debug, F, U: fmt::Debug> fmt::Debug for FlatMap<S, F, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.flat.fmt_as("FlatMap", f)
    }
}

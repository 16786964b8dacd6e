//! [`Seq::flatten`]: a sequence of sequences, run one after another.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::flat::Flat;

pin_project! {
    /// Sequence returned by [`Seq::flatten`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Flatten<S: Seq> {
        #[pin]
        flat: Flat<S, S::Item>,
    }
}

impl<S: Seq> Flatten<S> {
    pub(crate) fn new(seq: S) -> Self {
        Flatten {
            flat: Flat::new(seq),
        }
    }
}

impl<S> Seq for Flatten<S>
where
    S: Seq,
    S::Item: Seq,
{
    type Item = <S::Item as Seq>::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project().flat.poll_next_with(cx, |inner| inner)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().flat.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.flat.size_hint()
    }
}

impl<S> fmt::Debug for Flatten<S>
where
    S: Seq + fmt::Debug,
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.flat.fmt_as("Flatten", f)
    }
}

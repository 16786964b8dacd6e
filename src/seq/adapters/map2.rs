//! [`Seq::map2`]: each pair of a [`Seq2`](crate::seq::Seq2) mapped to a new pair.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::map2`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Map2<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> Map2<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        Map2 { seq, f }
    }
}

impl<S, F, K, V, K2, V2> Seq for Map2<S, F>
where
    S: Seq<Item = (K, V)>,
    F: FnMut(K, V) -> (K2, V2),
{
    type Item = (K2, V2);

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(K2, V2)>> {
        let this = self.project();
        let next = ready!(this.seq.poll_next(cx));
        Poll::Ready(next.map(|(k, v)| (this.f)(k, v)))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, F> fmt::Debug for Map2<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map2").field("seq", &self.seq).finish()
    }
}

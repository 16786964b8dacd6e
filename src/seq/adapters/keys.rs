//! [`Seq::keys`]: the first halves of a [`Seq2`](crate::seq::Seq2)'s pairs.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::keys`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Keys<S> {
        #[pin]
        seq: S,
    }
}

impl<S> Keys<S> {
    pub(crate) fn new(seq: S) -> Self {
        Keys { seq }
    }
}

impl<S, K, V> Seq for Keys<S>
where
    S: Seq<Item = (K, V)>,
{
    type Item = K;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<K>> {
        let next = ready!(self.project().seq.poll_next(cx));
        Poll::Ready(next.map(|(k, _)| k))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug> fmt::Debug for Keys<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").field("seq", &self.seq).finish()
    }
}

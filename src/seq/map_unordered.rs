//! [`Seq::map_unordered`]: up to `limit` futures in flight, outputs in
//! completion order.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::FuturesUnordered;
use pin_project_lite::pin_project;

use super::Seq;
use super::concurrent::Concurrent;

pin_project! {
    /// Sequence returned by [`Seq::map_unordered`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapUnordered<S, F, Fut: Future> {
        #[pin]
        inner: Concurrent<S, F, FuturesUnordered<Fut>>,
    }
}

impl<S, F, Fut: Future> MapUnordered<S, F, Fut> {
    /// `limit` is checked by [`Seq::map_unordered`].
    pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
        MapUnordered {
            inner: Concurrent::new(seq, limit, f),
        }
    }
}

impl<S, F, Fut> Seq for MapUnordered<S, F, Fut>
where
    S: Seq,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.project().inner.poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, F, Fut> fmt::Debug for MapUnordered<S, F, Fut>
where
    S: fmt::Debug,
    Fut: Future,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapUnordered")
            .field("seq", self.inner.seq())
            .field("limit", &self.inner.limit())
            .field("in_flight", &self.inner.queue().len())
            .finish()
    }
}

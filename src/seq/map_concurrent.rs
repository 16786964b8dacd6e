//! [`Seq::map_concurrent`]: up to `limit` futures in flight, outputs in
//! source order.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::FuturesOrdered;
use pin_project_lite::pin_project;

use super::Seq;
use super::concurrent::Concurrent;

pin_project! {
    /// Sequence returned by [`Seq::map_concurrent`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapConcurrent<S, F, Fut: Future> {
        #[pin]
        inner: Concurrent<S, F, FuturesOrdered<Fut>>,
    }
}

impl<S, F, Fut: Future> MapConcurrent<S, F, Fut> {
    /// `limit` is checked by [`Seq::map_concurrent`].
    pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
        MapConcurrent {
            inner: Concurrent::new(seq, limit, f),
        }
    }
}

impl<S, F, Fut> Seq for MapConcurrent<S, F, Fut>
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

impl<S, F, Fut> fmt::Debug for MapConcurrent<S, F, Fut>
where
    S: fmt::Debug,
    Fut: Future,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapConcurrent")
            .field("seq", self.inner.seq())
            .field("limit", &self.inner.limit())
            .field("in_flight", &self.inner.queue().len())
            .finish()
    }
}

//! [`Seq::for_each_concurrent`](crate::seq::Seq::for_each_concurrent)'s
//! future: up to `limit` bodies at once, on the map_concurrent engine.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::stream::FuturesUnordered;
use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::concurrent::{Concurrent, Guarded};

pin_project! {
    /// Future returned by [`Seq::for_each_concurrent`](crate::seq::Seq::for_each_concurrent).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ForEachConcurrent<S, F, Fut: Future> {
        #[pin]
        inner: Concurrent<S, F, FuturesUnordered<Guarded<Fut>>>,
    }
}

impl<S, F, Fut: Future> ForEachConcurrent<S, F, Fut> {
    /// `limit` is checked by the `Seq` method that builds it.
    pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
        ForEachConcurrent {
            inner: Concurrent::new(seq, limit, f),
        }
    }
}

impl<S, F, Fut> Future for ForEachConcurrent<S, F, Fut>
where
    S: Seq,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = ()>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.project().inner;
        // Each completed body frees a slot for the next element; the source
        // and the bodies return `Pending` when they wait (and the source
        // spends tokio's budget), which ends this loop.
        while ready!(inner.as_mut().poll_next(cx)).is_some() {}
        Poll::Ready(())
    }
}

impl<S: fmt::Debug, F, Fut: Future> fmt::Debug for ForEachConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForEachConcurrent")
            .field("seq", self.inner.seq())
            .field("limit", &self.inner.limit())
            .field("in_flight", &self.inner.queue().len())
            .finish()
    }
}

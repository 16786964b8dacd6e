//! [`Seq::conflate`]: only the newest element waits for a slow consumer.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::runtime::Handle;

use crate::seq::{Overflow, Prefetch, Seq};

/// Sequence returned by [`Seq::conflate`] and [`Seq::conflate_on`].
#[must_use = "sequences do nothing unless consumed"]
pub struct Conflate<S: Seq> {
    // `prefetch_with(1, Overflow::DropOldest)`: the producer runs on its
    // own task into a buffer of one, the newest element replacing the one
    // waiting.
    inner: Prefetch<S>,
}

impl<S: Seq> Conflate<S> {
    pub(crate) fn new(seq: S, handle: Option<Handle>) -> Self {
        Conflate {
            inner: Prefetch::new(seq, 1, Overflow::DropOldest, handle),
        }
    }
}

impl<S> Seq for Conflate<S>
where
    S: Seq + Send + 'static,
    S::Item: Send + 'static,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().inner).poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: Seq> fmt::Debug for Conflate<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conflate")
            .field("inner", &self.inner)
            .finish()
    }
}

//! [`Seq::all`]'s future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::Drain;
use crate::seq::terminals::any::Probe;

pin_project! {
    /// Future returned by [`Seq::all`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct All<S, F> {
        #[pin]
        inner: Drain<S, Probe<F>>,
    }
}

impl<S, F> All<S, F> {
    pub(crate) fn new(seq: S, pred: F) -> Self {
        All {
            // Stop at the first element that fails the predicate.
            inner: Drain::new(seq, Probe::new(pred, false)),
        }
    }
}

impl<S: Seq, F: FnMut(S::Item) -> bool> Future for All<S, F> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let met_a_failure = ready!(self.project().inner.poll_drain(cx));
        Poll::Ready(!met_a_failure)
    }
}

impl<S: fmt::Debug, F> fmt::Debug for All<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("All")
            .field("seq", self.inner.seq())
            .field("failed", &self.inner.consumer().map(Probe::met))
            .finish()
    }
}

//! [`Seq::then`]: transform each element with an async closure.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::one_call::{OneCall, Route};

pin_project! {
    /// Sequence returned by [`Seq::then`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Then<S, F, Fut> {
        #[pin]
        inner: OneCall<S, Fut>,
        f: F,
    }
}

impl<S, F, Fut> Then<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        Then {
            inner: OneCall::new(seq),
            f,
        }
    }
}

impl<S, F, Fut> Seq for Then<S, F, Fut>
where
    S: Seq,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let this = self.project();
        let f = this.f;
        this.inner.poll_next(cx, |item| Route::Call(f(item)))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for Then<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Then")
            .field("seq", self.inner.seq())
            .field("running", &self.inner.is_running())
            .finish()
    }
}

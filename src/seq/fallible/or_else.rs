//! [`Seq::or_else`]: recover from the errors of a fallible sequence with an
//! async step.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::engine::one_call::{OneCall, Route};
use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Sequence returned by [`Seq::or_else`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct OrElse<S, F, Fut> {
        #[pin]
        inner: OneCall<S, Fut>,
        f: F,
    }
}

impl<S, F, Fut> OrElse<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        OrElse {
            inner: OneCall::new(seq),
            f,
        }
    }
}

impl<S, F, Fut, G> Seq for OrElse<S, F, Fut>
where
    S: TrySeq,
    F: FnMut(S::Error) -> Fut,
    Fut: Future<Output = Result<S::Ok, G>>,
{
    type Item = Result<S::Ok, G>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let f = this.f;
        this.inner.poll_next(cx, |item| match item {
            Err(e) => Route::Call(f(e)),
            Ok(v) => Route::Pass(Ok(v)),
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for OrElse<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrElse")
            .field("seq", self.inner.seq())
            .field("running", &self.inner.is_running())
            .finish()
    }
}

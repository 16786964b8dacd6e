//! [`Seq::and_then`]: chain an async fallible step onto the `Ok` values of
//! a fallible sequence.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::engine::one_call::{OneCall, Route};
use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Sequence returned by [`Seq::and_then`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct AndThen<S, F, Fut> {
        #[pin]
        inner: OneCall<S, Fut>,
        f: F,
    }
}

impl<S, F, Fut> AndThen<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        AndThen {
            inner: OneCall::new(seq),
            f,
        }
    }
}

impl<S, F, Fut, U> Seq for AndThen<S, F, Fut>
where
    S: TrySeq,
    F: FnMut(S::Ok) -> Fut,
    Fut: Future<Output = Result<U, S::Error>>,
{
    type Item = Result<U, S::Error>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let f = this.f;
        this.inner.poll_next(cx, |item| match item {
            Ok(v) => Route::Call(f(v)),
            Err(e) => Route::Pass(Err(e)),
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for AndThen<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AndThen")
            .field("seq", self.inner.seq())
            .field("running", &self.inner.is_running())
            .finish()
    }
}

//! [`Seq::try_filter_map`]: transform the `Ok` values and keep the `Some`
//! results, and every error.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::{Seq, TrySeq};
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::try_filter_map`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryFilterMap<S, F> {
        #[pin]
        seq: S,
        f: F,
    }
}

impl<S, F> TryFilterMap<S, F> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        TryFilterMap { seq, f }
    }
}

impl<S, F, U> Seq for TryFilterMap<S, F>
where
    S: TrySeq,
    F: FnMut(S::Ok) -> Option<U>,
{
    type Item = Result<U, S::Error>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Ok(item)) => {
                    if let Some(out) = (this.f)(item) {
                        return Poll::Ready(Some(Ok(out)));
                    }
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::at_most(self.seq.size_hint())
    }
}

impl<S: fmt::Debug, F> fmt::Debug for TryFilterMap<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryFilterMap")
            .field("seq", &self.seq)
            .finish()
    }
}

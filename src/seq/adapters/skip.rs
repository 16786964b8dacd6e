//! [`Seq::skip`]: everything after the first `n` elements.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::skip`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Skip<S> {
        #[pin]
        seq: S,
        remaining: usize,
    }
}

impl<S> Skip<S> {
    pub(crate) fn new(seq: S, n: usize) -> Self {
        Skip { seq, remaining: n }
    }
}

impl<S: Seq> Seq for Skip<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        while *this.remaining > 0 {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(_) => *this.remaining -= 1,
                None => {
                    *this.remaining = 0;
                    return Poll::Ready(None);
                }
            }
        }
        this.seq.poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::sub_scalar(self.seq.size_hint(), self.remaining)
    }
}

impl<S: fmt::Debug> fmt::Debug for Skip<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Skip")
            .field("seq", &self.seq)
            .field("remaining", &self.remaining)
            .finish()
    }
}

//! [`Seq::and_then`]: chain an async fallible step onto the `Ok` values of
//! a fallible sequence.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::{Seq, TrySeq};
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::and_then`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct AndThen<S, F, Fut> {
        #[pin]
        seq: S,
        f: F,
        // The call of `f` for the current `Ok` value.
        #[pin]
        running: Option<Fut>,
    }
}

impl<S, F, Fut> AndThen<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        AndThen {
            seq,
            f,
            running: None,
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
        let mut this = self.project();
        if this.running.is_none() {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Ok(item)) => this.running.set(Some((this.f)(item))),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
        let running = this.running.as_mut().as_pin_mut().expect("set above");
        let out = ready!(running.poll(cx));
        this.running.set(None);
        Poll::Ready(Some(out))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // The consumer wants no more elements: a call still running is
        // dropped, its output never delivered.
        this.running.set(None);
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::add_scalar(self.seq.size_hint(), usize::from(self.running.is_some()))
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for AndThen<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AndThen")
            .field("seq", &self.seq)
            .field("running", &self.running.is_some())
            .finish()
    }
}

//! [`Seq::or_else`]: recover from the errors of a fallible sequence with an
//! async step.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::{Seq, TrySeq};
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::or_else`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct OrElse<S, F, Fut> {
        #[pin]
        seq: S,
        f: F,
        // The call of `f` for the current error.
        #[pin]
        running: Option<Fut>,
    }
}

impl<S, F, Fut> OrElse<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        OrElse {
            seq,
            f,
            running: None,
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
        let mut this = self.project();
        if this.running.is_none() {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Err(e)) => this.running.set(Some((this.f)(e))),
                Some(Ok(item)) => return Poll::Ready(Some(Ok(item))),
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

impl<S: fmt::Debug, F, Fut> fmt::Debug for OrElse<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrElse")
            .field("seq", &self.seq)
            .field("running", &self.running.is_some())
            .finish()
    }
}

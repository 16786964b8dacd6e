//! [`Seq::then`]: transform each element with an async closure.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::then`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Then<S, F, Fut> {
        #[pin]
        seq: S,
        f: F,
        // The call of `f` for the current element.
        #[pin]
        running: Option<Fut>,
    }
}

impl<S, F, Fut> Then<S, F, Fut> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        Then {
            seq,
            f,
            running: None,
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
        let mut this = self.project();
        if this.running.is_none() {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => this.running.set(Some((this.f)(item))),
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

impl<S: fmt::Debug, F, Fut> fmt::Debug for Then<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Then")
            .field("seq", &self.seq)
            .field("running", &self.running.is_some())
            .finish()
    }
}

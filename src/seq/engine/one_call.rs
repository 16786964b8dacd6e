//! The engine shared by [`Then`](crate::seq::Then), [`AndThen`](crate::seq::AndThen)
//! and [`OrElse`](crate::seq::OrElse): take an element, and either run one async
//! call on it to its end before taking the next, or pass it through.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

/// What to do with an element: run a call on it, or pass it on as it is.
pub(crate) enum Route<Fut, T> {
    Call(Fut),
    Pass(T),
}

pin_project! {
    /// A sequence and the call running for its current element.
    pub(crate) struct OneCall<S, Fut> {
        #[pin]
        seq: S,
        #[pin]
        running: Option<Fut>,
    }
}

impl<S, Fut> OneCall<S, Fut> {
    pub(crate) fn new(seq: S) -> Self {
        OneCall { seq, running: None }
    }

    /// The source, for `Debug`.
    pub(crate) fn seq(&self) -> &S {
        &self.seq
    }

    /// Whether a call is running, for `Debug`.
    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

impl<S: Seq, Fut: Future> OneCall<S, Fut> {
    /// The next output: an element routed past the call, or the output of
    /// the call started on it (which runs to its end first).
    #[inline]
    pub(crate) fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        route: impl FnOnce(S::Item) -> Route<Fut, Fut::Output>,
    ) -> Poll<Option<Fut::Output>> {
        let mut this = self.project();
        if this.running.is_none() {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => match route(item) {
                    Route::Call(fut) => this.running.set(Some(fut)),
                    Route::Pass(out) => return Poll::Ready(Some(out)),
                },
                None => return Poll::Ready(None),
            }
        }
        let running = this.running.as_mut().as_pin_mut().expect("set above");
        let out = ready!(running.poll(cx));
        this.running.set(None);
        Poll::Ready(Some(out))
    }

    /// The consumer wants no more elements: a call still running is
    /// dropped, its output never delivered, and the source is stopped.
    pub(crate) fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        this.running.set(None);
        this.seq.poll_stop(cx)
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        size_hint::add_scalar(self.seq.size_hint(), usize::from(self.running.is_some()))
    }
}

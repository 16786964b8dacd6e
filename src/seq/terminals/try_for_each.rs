//! [`Seq::try_for_each`]'s future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::TrySeq;

pin_project! {
    /// Future returned by [`Seq::try_for_each`](crate::Seq::try_for_each).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryForEach<S: TrySeq, F, Fut> {
        #[pin]
        seq: S,
        body: F,
        // The body running for the current element.
        #[pin]
        running: Option<Fut>,
        // The first error; once set, the producer is being stopped.
        error: Option<S::Error>,
    }
}

impl<S: TrySeq, F, Fut> TryForEach<S, F, Fut> {
    pub(crate) fn new(seq: S, body: F) -> Self {
        TryForEach {
            seq,
            body,
            running: None,
            error: None,
        }
    }
}

impl<S, F, Fut> Future for TryForEach<S, F, Fut>
where
    S: TrySeq,
    F: FnMut(S::Ok) -> Fut,
    Fut: Future<Output = Result<(), S::Error>>,
{
    type Output = Result<(), S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Some(running) = this.running.as_mut().as_pin_mut() {
                let res = ready!(running.poll(cx));
                this.running.set(None);
                if let Err(e) = res {
                    *this.error = Some(e);
                }
            }
            if this.error.is_some() {
                ready!(this.seq.as_mut().poll_stop(cx));
                let e = this.error.take().expect("checked above");
                return Poll::Ready(Err(e));
            }
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Ok(item)) => this.running.set(Some((this.body)(item))),
                Some(Err(e)) => *this.error = Some(e),
                None => return Poll::Ready(Ok(())),
            }
        }
    }
}

impl<S: TrySeq + fmt::Debug, F, Fut> fmt::Debug for TryForEach<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryForEach")
            .field("seq", &self.seq)
            .field("body_running", &self.running.is_some())
            .field("failed", &self.error.is_some())
            .finish()
    }
}

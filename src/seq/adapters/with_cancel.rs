//! [`Seq::with_cancel`]: end the sequence when a cancellation token fires.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::Error;
use crate::seq::Seq;
use crate::seq::engine::early_end::State;

pin_project! {
    /// Sequence returned by [`Seq::with_cancel`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct WithCancel<S> {
        #[pin]
        seq: S,
        token: CancellationToken,
        // Registered while the producer waits, so that a cancellation wakes
        // the consumer; created on first need (a sequence is cold).
        #[pin]
        cancelled: Option<WaitForCancellationFutureOwned>,
        state: State,
    }
}

impl<S> WithCancel<S> {
    pub(crate) fn new(seq: S, token: CancellationToken) -> Self {
        WithCancel {
            seq,
            token,
            cancelled: None,
            state: State::Running,
        }
    }

    /// Returns the cancellation token.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_util::sync::CancellationToken;
    /// use seqflow::{seq, Seq};
    ///
    /// let token = CancellationToken::new();
    /// let s = seq::iter([1]).with_cancel(token.clone());
    /// token.cancel();
    /// assert!(s.token().is_cancelled());
    /// ```
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl<S: Seq> WithCancel<S> {
    /// The engine of `with_cancel` and `try_with_cancel`: the next element,
    /// or `Err(Error::Cancelled)` once, as soon as the token is seen
    /// cancelled; then the producer is stopped and the sequence ends.
    pub(crate) fn poll_next_checked(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<S::Item, Error>>> {
        let mut this = self.project();
        if let Some(end) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return end;
        }
        // Checked before each element: none is asked for once cancelled.
        if !this.token.is_cancelled() {
            if let Poll::Ready(next) = this.seq.as_mut().poll_next(cx) {
                if next.is_none() {
                    *this.state = State::Done;
                    this.cancelled.set(None);
                }
                return Poll::Ready(next.map(Ok));
            }
            // The producer waits: wake up on cancellation too, so that the
            // stop reaches it (and a producer that can stop at once does).
            if this.cancelled.is_none() {
                this.cancelled
                    .set(Some(this.token.clone().cancelled_owned()));
            }
            let cancelled = this
                .cancelled
                .as_mut()
                .as_pin_mut()
                .expect("registered just above");
            ready!(cancelled.poll(cx));
        }
        *this.state = State::Stopping;
        this.cancelled.set(None);
        Poll::Ready(Some(Err(Error::Cancelled)))
    }
}

impl<S: Seq> Seq for WithCancel<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        loop {
            match ready!(self.as_mut().poll_next_checked(cx)) {
                Some(Ok(item)) => return Poll::Ready(Some(item)),
                // Cancelled: the sequence ends once the producer has returned.
                Some(Err(_)) => continue,
                None => return Poll::Ready(None),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        this.cancelled.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.state {
            // A cancellation may end it at any point.
            State::Running => (0, self.seq.size_hint().1),
            State::Stopping | State::Done => (0, Some(0)),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for WithCancel<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithCancel")
            .field("seq", &self.seq)
            .field("token", &self.token)
            .field("state", &self.state)
            .finish()
    }
}

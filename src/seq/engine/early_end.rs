//! The state shared by the adapters that end their source early:
//! [`Seq::timeout`] at a late element and [`Seq::with_cancel`] when its
//! token fires. Once ended (or stopped by the consumer), such an adapter
//! drives the source's stop to its end before it reports its own end.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::seq::Seq;

/// Where an adapter that can end its source early stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Running,
    /// Ended early or stopped by the consumer: stopping the producer.
    Stopping,
    /// The producer has returned.
    Done,
}

impl State {
    /// The first step of `poll_next`: `None` while running, so that the
    /// adapter goes on; once stopping, drives the source's stop and gives
    /// the end of the sequence (`Ready(None)`) when it is over.
    pub(crate) fn poll_ended<S: Seq, T>(
        &mut self,
        seq: Pin<&mut S>,
        cx: &mut Context<'_>,
    ) -> Option<Poll<Option<T>>> {
        match self {
            State::Running => None,
            State::Stopping => Some(self.poll_stop(seq, cx).map(|()| None)),
            State::Done => Some(Poll::Ready(None)),
        }
    }

    /// The adapter's `poll_stop`, and the end of an early end: stops the
    /// source and waits for its producer to return.
    pub(crate) fn poll_stop<S: Seq>(&mut self, seq: Pin<&mut S>, cx: &mut Context<'_>) -> Poll<()> {
        if *self == State::Running {
            *self = State::Stopping;
        }
        ready!(seq.poll_stop(cx));
        *self = State::Done;
        Poll::Ready(())
    }
}

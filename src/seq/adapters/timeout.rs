//! [`Seq::timeout`]: a time limit on each element.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::Error;
use crate::seq::Seq;
use crate::seq::engine::early_end::State;

pin_project! {
    /// Sequence returned by [`Seq::timeout`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Timeout<S> {
        #[pin]
        seq: S,
        // Created on the first demand (a sequence is cold), dropped at the end.
        #[pin]
        timer: Option<Sleep>,
        per_item: Duration,
        // The clock runs: the consumer waits for an element.
        waiting: bool,
        state: State,
    }
}

/// `now + after`, or a far future (about 30 years) when that overflows, as
/// tokio's own timeouts do: `Duration::MAX` means "never".
pub(crate) fn deadline(now: Instant, after: Duration) -> Instant {
    now.checked_add(after)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

impl<S> Timeout<S> {
    pub(crate) fn new(seq: S, per_item: Duration) -> Self {
        Timeout {
            seq,
            timer: None,
            per_item,
            waiting: false,
            state: State::Running,
        }
    }

    /// Returns the time limit for each element.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([1]).timeout(Duration::from_secs(2));
    /// assert_eq!(s.per_item(), Duration::from_secs(2));
    /// ```
    pub fn per_item(&self) -> Duration {
        self.per_item
    }
}

impl<S: Seq> Seq for Timeout<S> {
    type Item = Result<S::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(end) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return end;
        }
        // The source first: an element due at the deadline is in time.
        match this.seq.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => {
                *this.waiting = false;
                return Poll::Ready(Some(Ok(item)));
            }
            Poll::Ready(None) => {
                *this.state = State::Done;
                this.timer.set(None);
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        if !*this.waiting {
            // The consumer starts waiting for an element: its clock starts
            // now, so the time the consumer spent on the previous one does
            // not count. (An element that is ready at once never touches
            // the clock.)
            *this.waiting = true;
            let at = deadline(Instant::now(), *this.per_item);
            match this.timer.as_mut().as_pin_mut() {
                Some(timer) => timer.reset(at),
                None => this.timer.set(Some(sleep_until(at))),
            }
        }
        let timer = this
            .timer
            .as_mut()
            .as_pin_mut()
            .expect("the timer is set while the consumer waits");
        ready!(timer.poll(cx));
        // Late: report it at once; the next poll (or the consumer's stop)
        // stops the producer, whose late element, if any, is never delivered.
        *this.state = State::Stopping;
        this.timer.set(None);
        Poll::Ready(Some(Err(Error::Timeout)))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.state {
            State::Running => {
                // Any element may be the late one: an error takes its place
                // and ends the sequence, even after the last element.
                let (lower, upper) = self.seq.size_hint();
                (lower.min(1), upper.and_then(|upper| upper.checked_add(1)))
            }
            State::Stopping | State::Done => (0, Some(0)),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Timeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("seq", &self.seq)
            .field("per_item", &self.per_item)
            .field("state", &self.state)
            .finish()
    }
}

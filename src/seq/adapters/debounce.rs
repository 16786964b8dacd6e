//! [`Seq::debounce`]: the last element of each burst, once the source has
//! been silent for a while.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::Seq;
use crate::seq::engine::early_end::State;
use crate::seq::engine::timer::{after, poll_deadline};

pin_project! {
    /// Sequence returned by [`Seq::debounce`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Debounce<S: Seq> {
        #[pin]
        seq: S,
        // Created when the first element has to wait, reset afterwards;
        // dropped when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        period: Duration,
        // The newest element, and when it may go out: `d` after its
        // arrival.
        pending: Option<S::Item>,
        due: Option<Instant>,
        // The source has returned; the pending element goes out at once.
        source_done: bool,
        state: State,
    }
}

impl<S: Seq> Debounce<S> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        Debounce {
            seq,
            timer: None,
            period,
            pending: None,
            due: None,
            source_done: false,
            state: State::Running,
        }
    }

    /// Returns the silence `d` that lets an element through.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([1]).debounce(Duration::from_millis(50));
    /// assert_eq!(s.period(), Duration::from_millis(50));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl<S: Seq> Seq for Debounce<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        // The source first: an element that arrives at the instant the
        // pending one would go out replaces it (the burst goes on).
        let mut arrived = false;
        while !*this.source_done {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    *this.pending = Some(item);
                    arrived = true;
                }
                Poll::Ready(None) => *this.source_done = true,
                Poll::Pending => break,
            }
        }
        if *this.source_done {
            // The source has returned: the last element goes out at once.
            this.timer.set(None);
            *this.due = None;
            return match this.pending.take() {
                Some(item) => Poll::Ready(Some(item)),
                None => {
                    *this.state = State::Done;
                    Poll::Ready(None)
                }
            };
        }
        if this.pending.is_none() {
            return Poll::Pending;
        }
        // The clock is read once per poll, not per element: the elements
        // taken in one poll arrive at the same instant.
        let now = Instant::now();
        if arrived {
            *this.due = Some(after(now, *this.period));
        }
        let due = this.due.expect("set with the pending element");
        ready!(poll_deadline(this.timer, due, now, cx));
        *this.due = None;
        Poll::Ready(this.pending.take())
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // No element is delivered after a stop: drop the pending one and
        // release the timer.
        *this.pending = None;
        *this.due = None;
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let pending = usize::from(self.pending.is_some());
        let upper = if self.source_done {
            Some(pending)
        } else {
            self.seq.size_hint().1.and_then(|u| u.checked_add(pending))
        };
        // The source's last element, or the pending one, always comes out.
        let lower = usize::from(pending > 0 || self.seq.size_hint().0 > 0);
        (lower, upper)
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for Debounce<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Debounce")
            .field("seq", &self.seq)
            .field("period", &self.period)
            .field("has_pending", &self.pending.is_some())
            .field("state", &self.state)
            .finish()
    }
}

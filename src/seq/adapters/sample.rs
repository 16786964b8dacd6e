//! [`Seq::sample`]: the latest element of each period of a fixed grid.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::Seq;
use crate::seq::engine::early_end::State;
use crate::seq::engine::timer::{period_end, poll_deadline};

pin_project! {
    /// Sequence returned by [`Seq::sample`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Sample<S: Seq> {
        #[pin]
        seq: S,
        // Armed only while an element waits for the end of its period (no
        // wake-up in a quiet period); dropped when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        period: Duration,
        // Where the grid starts: the first `poll_next`.
        start: Option<Instant>,
        // The latest element of the current period, and that period's end.
        latest: Option<(S::Item, Instant)>,
        state: State,
    }
}

impl<S: Seq> Sample<S> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        Sample {
            seq,
            timer: None,
            period,
            start: None,
            latest: None,
            state: State::Running,
        }
    }

    /// Returns the sampling period `d`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([1]).sample(Duration::from_millis(50));
    /// assert_eq!(s.period(), Duration::from_millis(50));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl<S: Seq> Seq for Sample<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        let start = *this.start.get_or_insert_with(Instant::now);
        // The clock is read at most once per poll: the elements taken in
        // one poll arrive at the same instant.
        let mut now = None;
        // The source first: an element that arrives at the instant a period
        // ends belongs to that period.
        loop {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let due = match this.latest.take() {
                        // A later element of the same period replaces it.
                        Some((_, due)) => due,
                        None => {
                            let now = *now.get_or_insert_with(Instant::now);
                            period_end(start, *this.period, now)
                        }
                    };
                    *this.latest = Some((item, due));
                }
                Poll::Ready(None) => {
                    // The source has returned: the element of a period that
                    // is over goes out; that of an unfinished period is
                    // dropped (RxJS `sampleTime`, Kotlin `sample`).
                    this.timer.set(None);
                    *this.state = State::Done;
                    let now = now.unwrap_or_else(Instant::now);
                    return Poll::Ready(match this.latest.take() {
                        Some((item, due)) if due <= now => Some(item),
                        _ => None,
                    });
                }
                Poll::Pending => break,
            }
        }
        let Some((_, due)) = this.latest else {
            return Poll::Pending;
        };
        let now = now.unwrap_or_else(Instant::now);
        ready!(poll_deadline(this.timer, *due, now, cx));
        Poll::Ready(this.latest.take().map(|(item, _)| item))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.latest = None;
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let latest = usize::from(self.latest.is_some());
        (
            0,
            self.seq.size_hint().1.and_then(|u| u.checked_add(latest)),
        )
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for Sample<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sample")
            .field("seq", &self.seq)
            .field("period", &self.period)
            .field("has_latest", &self.latest.is_some())
            .field("state", &self.state)
            .finish()
    }
}

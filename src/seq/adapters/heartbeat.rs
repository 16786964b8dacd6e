//! [`Seq::heartbeat`]: signs of life while the source is silent.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::observe::Beat;
use crate::seq::Seq;
use crate::seq::adapters::timeout::deadline;

pin_project! {
    /// Sequence returned by [`Seq::heartbeat`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Heartbeat<S> {
        #[pin]
        seq: S,
        // Created on the first demand (a sequence is cold), dropped at the end.
        #[pin]
        timer: Option<Sleep>,
        every: Duration,
        // When the current silence began: `None` until the consumer, asking
        // for an element, has to wait for it.
        silent_since: Option<Instant>,
        stopping: bool,
        done: bool,
    }
}

impl<S> Heartbeat<S> {
    pub(crate) fn new(seq: S, every: Duration) -> Self {
        Heartbeat {
            seq,
            timer: None,
            every,
            silent_since: None,
            stopping: false,
            done: false,
        }
    }

    /// Returns the period of the heartbeat.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([1]).heartbeat(Duration::from_secs(5));
    /// assert_eq!(s.every(), Duration::from_secs(5));
    /// ```
    pub fn every(&self) -> Duration {
        self.every
    }
}

/// The first beat after `now` on the grid `since + k * every`: beats the
/// consumer was too busy to take are skipped, not delivered in a burst.
fn next_beat(since: Instant, every: Duration, now: Instant) -> Instant {
    let periods = now.saturating_duration_since(since).as_nanos() / every.as_nanos() + 1;
    u32::try_from(periods)
        .ok()
        .and_then(|periods| every.checked_mul(periods))
        .and_then(|offset| since.checked_add(offset))
        .unwrap_or_else(|| deadline(now, every))
}

impl<S: Seq> Seq for Heartbeat<S> {
    type Item = Beat<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Beat<S::Item>>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        if *this.stopping {
            ready!(this.seq.poll_stop(cx));
            *this.done = true;
            return Poll::Ready(None);
        }
        // The source first: an element due at the same instant as a beat
        // wins, so no beat separates elements closer than `every`.
        match this.seq.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => {
                *this.silent_since = None;
                return Poll::Ready(Some(Beat::Item(item)));
            }
            Poll::Ready(None) => {
                *this.done = true;
                this.timer.set(None);
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        let since = match *this.silent_since {
            Some(since) => since,
            None => {
                // The consumer starts waiting: the silence starts now. (An
                // element that is ready at once never touches the clock.)
                let now = Instant::now();
                *this.silent_since = Some(now);
                let first = deadline(now, *this.every);
                match this.timer.as_mut().as_pin_mut() {
                    Some(timer) => timer.reset(first),
                    None => this.timer.set(Some(sleep_until(first))),
                }
                now
            }
        };
        let mut timer = this
            .timer
            .as_mut()
            .as_pin_mut()
            .expect("the timer is set while the consumer waits");
        ready!(timer.as_mut().poll(cx));
        let now = Instant::now();
        timer.reset(next_beat(since, *this.every, now));
        Poll::Ready(Some(Beat::Idle(now.saturating_duration_since(since))))
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.stopping = true;
        this.timer.set(None);
        *this.silent_since = None;
        ready!(this.seq.poll_stop(cx));
        *this.done = true;
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done || self.stopping {
            (0, Some(0))
        } else {
            // Every element comes through; beats may come between them.
            (self.seq.size_hint().0, None)
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Heartbeat<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heartbeat")
            .field("seq", &self.seq)
            .field("every", &self.every)
            .field("silent_since", &self.silent_since)
            .field("done", &self.done)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_beat_stays_on_the_grid_and_skips_missed_beats() {
        let since = Instant::now();
        let every = Duration::from_millis(100);
        let ms = Duration::from_millis;
        assert_eq!(next_beat(since, every, since + ms(100)), since + ms(200));
        assert_eq!(next_beat(since, every, since + ms(130)), since + ms(200));
        // The consumer came back 350 ms late: one beat at 400, not three.
        assert_eq!(next_beat(since, every, since + ms(350)), since + ms(400));
    }

    #[test]
    fn next_beat_survives_huge_gaps() {
        let since = Instant::now();
        let every = Duration::from_nanos(1);
        let now = since + Duration::from_secs(3600 * 24 * 365);
        assert_eq!(next_beat(since, every, now), now + every);
    }
}

//! [`Seq::throttle_latest`]: at most one element per period, the latest,
//! with the first of a quiet spell at once.

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
    /// Sequence returned by [`Seq::throttle_latest`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct ThrottleLatest<S: Seq> {
        #[pin]
        seq: S,
        // Armed only while an element waits for the window to end; dropped
        // when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        period: Duration,
        // The end of the window opened by the last element let through;
        // `None` when the source has been quiet for a whole window.
        window_end: Option<Instant>,
        // The latest element that arrived inside the window.
        latest: Option<S::Item>,
        // The source has returned; the latest element goes out at once.
        source_done: bool,
        state: State,
    }
}

impl<S: Seq> ThrottleLatest<S> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        ThrottleLatest {
            seq,
            timer: None,
            period,
            window_end: None,
            latest: None,
            source_done: false,
            state: State::Running,
        }
    }

    /// Returns the period `d`: at most one element goes out per period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([1]).throttle_latest(Duration::from_millis(50));
    /// assert_eq!(s.period(), Duration::from_millis(50));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl<S: Seq> Seq for ThrottleLatest<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        // The clock is read at most once per poll: the elements taken in
        // one poll arrive at the same instant.
        let mut now = None;
        // The source first: an element that arrives at the instant the
        // window ends is the one the window's end lets through.
        while !*this.source_done {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    if this.latest.is_some() {
                        // Inside a window, and not its first late element.
                        *this.latest = Some(item);
                        continue;
                    }
                    let now = *now.get_or_insert_with(Instant::now);
                    match *this.window_end {
                        // At the very end of the window, it waits for the
                        // window's end, which follows at once.
                        Some(end) if now <= end => *this.latest = Some(item),
                        // After a quiet window: this one goes out at once
                        // and opens a window.
                        _ => {
                            *this.window_end = Some(after(now, *this.period));
                            return Poll::Ready(Some(item));
                        }
                    }
                }
                Poll::Ready(None) => *this.source_done = true,
                Poll::Pending => break,
            }
        }
        if *this.source_done {
            // The source has returned: the latest element goes out at once
            // (RxJava `throttleLatest` with `emitLast`).
            this.timer.set(None);
            return match this.latest.take() {
                Some(item) => Poll::Ready(Some(item)),
                None => {
                    *this.state = State::Done;
                    Poll::Ready(None)
                }
            };
        }
        if this.latest.is_none() {
            // Nothing waits: the window closes on its own (the next
            // element compares its arrival with `window_end`).
            return Poll::Pending;
        }
        let end = this
            .window_end
            .expect("an element waits only inside a window");
        let now = now.unwrap_or_else(Instant::now);
        ready!(poll_deadline(this.timer, end, now, cx));
        // The window is over: its latest element goes out and opens the
        // next window.
        let now = Instant::now();
        *this.window_end = Some(after(now, *this.period));
        Poll::Ready(this.latest.take())
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
        if self.source_done {
            return (latest, Some(latest));
        }
        let (lower, upper) = self.seq.size_hint();
        // The latest element at the end always goes out.
        let lower = usize::from(latest > 0 || lower > 0);
        (lower, upper.and_then(|u| u.checked_add(latest)))
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for ThrottleLatest<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThrottleLatest")
            .field("seq", &self.seq)
            .field("period", &self.period)
            .field("window_end", &self.window_end)
            .field("has_latest", &self.latest.is_some())
            .field("state", &self.state)
            .finish()
    }
}

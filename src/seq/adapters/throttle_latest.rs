//! [`Seq::throttle_latest`]: at most one element per period, the latest,
//! with the first of a quiet spell at once. The state machine,
//! [`ThrottleLatestCore`], also runs [`Seq::try_throttle_latest`], which
//! lets errors through at once.
//!
//! [`Seq::try_throttle_latest`]: crate::seq::Seq::try_throttle_latest

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::Seq;
use crate::seq::engine::early_end::State;
use crate::seq::engine::timer::{Passthrough, Plain, after, delegate_timed, poll_deadline};

pin_project! {
    /// Sequence returned by [`Seq::throttle_latest`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct ThrottleLatest<S: Seq> {
        #[pin]
        inner: ThrottleLatestCore<S, Plain>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(
    ThrottleLatest,
    Seq,
    ThrottleLatestCore,
    "throttle_latest",
    "[1]"
);

// ===== impl ThrottleLatestCore =====

pin_project! {
    /// The state machine of [`Seq::throttle_latest`], and of
    /// [`Seq::try_throttle_latest`](crate::seq::Seq::try_throttle_latest)
    /// with `P` = [`Errors`](crate::seq::engine::timer::Errors).
    pub(crate) struct ThrottleLatestCore<S: Seq, P> {
        #[pin]
        seq: S,
        // Armed only while an element waits for the window to end; dropped
        // when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        pub(crate) period: Duration,
        // The end of the window opened by the last element let through;
        // `None` when the source has been quiet for a whole window.
        window_end: Option<Instant>,
        // The latest element that arrived inside the window.
        latest: Option<S::Item>,
        // An element that passes at once (`P`), held while the latest
        // element it flushed goes out first.
        held: Option<S::Item>,
        // The source has returned; the latest element goes out at once.
        source_done: bool,
        state: State,
        passthrough: PhantomData<P>,
    }
}

impl<S: Seq, P> ThrottleLatestCore<S, P> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        ThrottleLatestCore {
            seq,
            timer: None,
            period,
            window_end: None,
            latest: None,
            held: None,
            source_done: false,
            state: State::Running,
            passthrough: PhantomData,
        }
    }

    pub(crate) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        S: fmt::Debug,
    {
        f.debug_struct(name)
            .field("seq", &self.seq)
            .field("period", &self.period)
            .field("window_end", &self.window_end)
            .field("has_latest", &self.latest.is_some())
            .field("has_held", &self.held.is_some())
            .field("state", &self.state)
            .finish()
    }
}

impl<S: Seq, P: Passthrough<S::Item>> Seq for ThrottleLatestCore<S, P> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        if let Some(item) = this.held.take() {
            return Poll::Ready(Some(item));
        }
        // The clock is read at most once per poll: the elements taken in
        // one poll arrive at the same instant.
        let mut now = None;
        // The source first: an element that arrives at the instant the
        // window ends is the one the window's end lets through.
        while !*this.source_done {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) if P::passes(&item) => {
                    let Some(latest) = this.latest.take() else {
                        // Nothing waits: it goes out, and the window (if
                        // one is open) goes on as it was.
                        return Poll::Ready(Some(item));
                    };
                    // The waiting element first, early, as the window's
                    // end would let it out: it opens the next window.
                    let now = *now.get_or_insert_with(Instant::now);
                    *this.window_end = Some(after(now, *this.period));
                    *this.held = Some(item);
                    return Poll::Ready(Some(latest));
                }
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
        *this.held = None;
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let waiting = usize::from(self.latest.is_some()) + usize::from(self.held.is_some());
        if self.source_done {
            return (waiting, Some(waiting));
        }
        let (lower, upper) = self.seq.size_hint();
        // The held and latest elements always go out; so does the first
        // element of the source, or its last.
        let lower = waiting.max(usize::from(lower > 0));
        (lower, upper.and_then(|u| u.checked_add(waiting)))
    }
}

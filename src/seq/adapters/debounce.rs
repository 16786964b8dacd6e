//! [`Seq::debounce`]: the last element of each burst, once the source has
//! been silent for a while. The state machine, [`DebounceCore`], also runs
//! [`Seq::try_debounce`], which lets errors through at once.
//!
//! [`Seq::try_debounce`]: crate::seq::Seq::try_debounce

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
    /// Sequence returned by [`Seq::debounce`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Debounce<S: Seq> {
        #[pin]
        inner: DebounceCore<S, Plain>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(Debounce, Seq, DebounceCore, "debounce", "[1]");

// ===== impl DebounceCore =====

pin_project! {
    /// The state machine of [`Seq::debounce`], and of
    /// [`Seq::try_debounce`](crate::seq::Seq::try_debounce) with `P` =
    /// [`Errors`](crate::seq::engine::timer::Errors).
    pub(crate) struct DebounceCore<S: Seq, P> {
        #[pin]
        seq: S,
        // Created when the first element has to wait, reset afterwards;
        // dropped when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        pub(crate) period: Duration,
        // The newest element, and when it may go out: `d` after its
        // arrival.
        pending: Option<S::Item>,
        due: Option<Instant>,
        // An element that passes at once (`P`), held while the pending
        // element it flushed goes out first.
        held: Option<S::Item>,
        // The source has returned; the pending element goes out at once.
        source_done: bool,
        state: State,
        passthrough: PhantomData<P>,
    }
}

impl<S: Seq, P> DebounceCore<S, P> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        DebounceCore {
            seq,
            timer: None,
            period,
            pending: None,
            due: None,
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
            .field("has_pending", &self.pending.is_some())
            .field("has_held", &self.held.is_some())
            .field("state", &self.state)
            .finish()
    }
}

impl<S: Seq, P: Passthrough<S::Item>> Seq for DebounceCore<S, P> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        if let Some(item) = this.held.take() {
            return Poll::Ready(Some(item));
        }
        // The source first: an element that arrives at the instant the
        // pending one would go out replaces it (the burst goes on).
        let mut arrived = false;
        while !*this.source_done {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) if P::passes(&item) => {
                    // It goes out now; the pending element first, at once
                    // (it would have gone out eventually). The burst is
                    // over: the next element starts a fresh wait.
                    *this.due = None;
                    return Poll::Ready(Some(match this.pending.take() {
                        Some(pending) => {
                            *this.held = Some(item);
                            pending
                        }
                        None => item,
                    }));
                }
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
        // No element is delivered after a stop: drop the pending and held
        // ones, and release the timer.
        *this.pending = None;
        *this.held = None;
        *this.due = None;
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let waiting = usize::from(self.pending.is_some()) + usize::from(self.held.is_some());
        let upper = if self.source_done {
            Some(waiting)
        } else {
            self.seq.size_hint().1.and_then(|u| u.checked_add(waiting))
        };
        // The held and pending elements always come out; so does the
        // source's last element.
        let lower = waiting.max(usize::from(self.seq.size_hint().0 > 0));
        (lower, upper)
    }
}

//! [`Seq::throttle`]: an element, then nothing for a while. The state
//! machine, [`ThrottleCore`], also runs [`Seq::try_throttle`], which lets
//! errors through at once.
//!
//! [`Seq::try_throttle`]: crate::seq::Seq::try_throttle

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::seq::Seq;
use crate::seq::engine::early_end::State;
use crate::seq::engine::timer::{Passthrough, Plain, after, delegate_timed};

pin_project! {
    /// Sequence returned by [`Seq::throttle`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Throttle<S> {
        #[pin]
        inner: ThrottleCore<S, Plain>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(Throttle, Seq, ThrottleCore, "throttle", "[1]");

// ===== impl ThrottleCore =====

pin_project! {
    /// The state machine of [`Seq::throttle`], and of
    /// [`Seq::try_throttle`](crate::seq::Seq::try_throttle) with `P` =
    /// [`Errors`](crate::seq::engine::timer::Errors).
    pub(crate) struct ThrottleCore<S, P> {
        #[pin]
        seq: S,
        pub(crate) period: Duration,
        // Until when the source is ignored: `d` after the last element let
        // through. No timer: an element is let through or dropped when it
        // arrives.
        quiet_until: Option<Instant>,
        state: State,
        passthrough: PhantomData<P>,
    }
}

impl<S, P> ThrottleCore<S, P> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        ThrottleCore {
            seq,
            period,
            quiet_until: None,
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
            .field("quiet_until", &self.quiet_until)
            .field("state", &self.state)
            .finish()
    }
}

impl<S: Seq, P: Passthrough<S::Item>> Seq for ThrottleCore<S, P> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        // The clock is read at most once per poll: the elements taken in
        // one poll arrive at the same instant.
        let mut now = None;
        loop {
            match this.seq.as_mut().poll_next(cx) {
                // It goes out now, and neither opens nor closes a window.
                Poll::Ready(Some(item)) if P::passes(&item) => return Poll::Ready(Some(item)),
                Poll::Ready(Some(item)) => {
                    let now = *now.get_or_insert_with(Instant::now);
                    // The window is closed: an element exactly `d` after
                    // the last one is still inside it (RxJS's marbles).
                    if this.quiet_until.is_none_or(|until| now > until) {
                        *this.quiet_until = Some(after(now, *this.period));
                        return Poll::Ready(Some(item));
                    }
                    // Inside the window: dropped here, at once.
                }
                Poll::Ready(None) => {
                    *this.state = State::Done;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let (lower, upper) = self.seq.size_hint();
        // The first element to arrive after the window goes through.
        let lower = match self.quiet_until {
            None => usize::from(lower > 0),
            Some(_) => 0,
        };
        (lower, upper)
    }
}

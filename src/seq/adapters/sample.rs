//! [`Seq::sample`]: the latest element of each period of a fixed grid. The
//! state machine, [`SampleCore`], also runs [`Seq::try_sample`], which lets
//! errors through at once.
//!
//! [`Seq::try_sample`]: crate::seq::Seq::try_sample

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::Seq;
use crate::seq::engine::early_end::State;
use crate::seq::engine::timer::{Passthrough, Plain, delegate_timed, period_end, poll_deadline};

pin_project! {
    /// Sequence returned by [`Seq::sample`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Sample<S: Seq> {
        #[pin]
        inner: SampleCore<S, Plain>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(Sample, Seq, SampleCore, "sample", "[1]");

// ===== impl SampleCore =====

pin_project! {
    /// The state machine of [`Seq::sample`], and of
    /// [`Seq::try_sample`](crate::seq::Seq::try_sample) with `P` =
    /// [`Errors`](crate::seq::engine::timer::Errors).
    pub(crate) struct SampleCore<S: Seq, P> {
        #[pin]
        seq: S,
        // Armed only while an element waits for the end of its period (no
        // wake-up in a quiet period); dropped when the sequence ends.
        #[pin]
        timer: Option<Sleep>,
        pub(crate) period: Duration,
        // Where the grid starts: the first `poll_next`.
        start: Option<Instant>,
        // The latest element of the current period, and that period's end.
        latest: Option<(S::Item, Instant)>,
        // An element that passes at once (`P`), held while the latest
        // element it flushed goes out first.
        held: Option<S::Item>,
        state: State,
        passthrough: PhantomData<P>,
    }
}

impl<S: Seq, P> SampleCore<S, P> {
    pub(crate) fn new(seq: S, period: Duration) -> Self {
        SampleCore {
            seq,
            timer: None,
            period,
            start: None,
            latest: None,
            held: None,
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
            .field("has_latest", &self.latest.is_some())
            .field("has_held", &self.held.is_some())
            .field("state", &self.state)
            .finish()
    }
}

impl<S: Seq, P: Passthrough<S::Item>> Seq for SampleCore<S, P> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if let Some(ended) = this.state.poll_ended(this.seq.as_mut(), cx) {
            return ended;
        }
        if let Some(item) = this.held.take() {
            return Poll::Ready(Some(item));
        }
        let start = *this.start.get_or_insert_with(Instant::now);
        // The clock is read at most once per poll: the elements taken in
        // one poll arrive at the same instant.
        let mut now = None;
        // The source first: an element that arrives at the instant a period
        // ends belongs to that period.
        loop {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) if P::passes(&item) => {
                    // It goes out now; the latest element of the period
                    // first, early (it came before). The grid stays: a
                    // later element of this period goes out at its end.
                    return Poll::Ready(Some(match this.latest.take() {
                        Some((latest, _)) => {
                            *this.held = Some(item);
                            latest
                        }
                        None => item,
                    }));
                }
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
        *this.held = None;
        this.timer.set(None);
        this.state.poll_stop(this.seq, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state != State::Running {
            return (0, Some(0));
        }
        let held = usize::from(self.held.is_some());
        let latest = usize::from(self.latest.is_some());
        (
            held,
            self.seq
                .size_hint()
                .1
                .and_then(|u| u.checked_add(latest + held)),
        )
    }
}

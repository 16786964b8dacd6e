//! [`Seq::instrumented`]: report an iteration's start, elements and end to
//! an [`Observer`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::observe::{Observer, Outcome};
use crate::seq::Seq;
use crate::seq::engine::abandon;

pin_project! {
    /// Sequence returned by [`Seq::instrumented`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Instrumented<S, O: Observer> {
        #[pin]
        seq: S,
        // Declared after `seq`: when the sequence is dropped mid-iteration,
        // the producer is dropped first and the `Cancelled` report counts
        // the time its `Drop` cleanup took.
        run: Run<O>,
    }
}

/// Where an iteration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing asked yet: nothing reported.
    Unstarted,
    /// Started: `on_start` was reported.
    Running,
    /// The consumer asked to stop; waiting for the producer's cleanup.
    Stopping,
    /// `on_end` was reported (or the sequence was stopped before it started,
    /// which is never reported).
    Ended,
}

/// The observer and the state of the one iteration it watches. Reports
/// `Cancelled` when dropped mid-iteration.
struct Run<O: Observer> {
    observer: O,
    phase: Phase,
    items: u64,
    started_at: Option<Instant>,
    // A stop inside this iteration dropped a producer that did not hear it.
    abandoned: bool,
}

impl<O: Observer> Run<O> {
    fn start(&mut self) {
        self.phase = Phase::Running;
        self.started_at = Some(Instant::now());
        self.observer.on_start();
    }

    fn end(&mut self, outcome: Outcome) {
        self.phase = Phase::Ended;
        let outcome = match outcome {
            Outcome::Exhausted | Outcome::BrokeEarly if self.abandoned => Outcome::Abandoned,
            outcome => outcome,
        };
        let elapsed = self.started_at.map(|at| at.elapsed()).unwrap_or_default();
        self.observer.on_end(outcome, self.items, elapsed);
    }

    fn is_live(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Stopping)
    }
}

impl<O: Observer> Drop for Run<O> {
    fn drop(&mut self) {
        if self.is_live() {
            self.end(Outcome::Cancelled);
        }
    }
}

/// Armed around each poll of the inner sequence: if a panic unwinds through
/// that poll, it reports [`Outcome::Panicked`] as it is dropped.
struct PanicGuard<'a, O: Observer> {
    // `Some` while armed.
    run: Option<&'a mut Run<O>>,
}

impl<'a, O: Observer> PanicGuard<'a, O> {
    fn arm(run: &'a mut Run<O>) -> Self {
        PanicGuard { run: Some(run) }
    }

    /// The poll returned: give the run back.
    fn disarm(mut self) -> &'a mut Run<O> {
        self.run.take().expect("a guard is disarmed once")
    }
}

impl<O: Observer> Drop for PanicGuard<'_, O> {
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            if run.is_live() {
                run.end(Outcome::Panicked);
            }
        }
    }
}

impl<S, O: Observer> Instrumented<S, O> {
    pub(crate) fn new(seq: S, observer: O) -> Self {
        Instrumented {
            seq,
            run: Run {
                observer,
                phase: Phase::Unstarted,
                items: 0,
                started_at: None,
                abandoned: false,
            },
        }
    }

    /// Returns a reference to the observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq, Stats};
    ///
    /// let s = seq::iter([1]).instrumented(Stats::new());
    /// assert_eq!(s.observer().active(), 0);
    /// ```
    pub fn observer(&self) -> &O {
        &self.run.observer
    }
}

impl<S: Seq, O: Observer> Seq for Instrumented<S, O> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let run = this.run;
        match run.phase {
            Phase::Unstarted => run.start(),
            // Over (or stopped before it started): nothing left to report.
            Phase::Ended => return this.seq.poll_next(cx),
            Phase::Running | Phase::Stopping => {}
        }
        let guard = PanicGuard::arm(run);
        let (next, abandoned) = abandon::during(|| this.seq.poll_next(cx));
        let run = guard.disarm();
        run.abandoned |= abandoned != 0;
        match &next {
            Poll::Ready(Some(_)) => {
                run.items += 1;
                run.observer.on_item();
            }
            Poll::Ready(None) => {
                // After a stop, `poll_next` finishes the stop (see `Seq`).
                let outcome = if run.phase == Phase::Stopping {
                    Outcome::BrokeEarly
                } else {
                    Outcome::Exhausted
                };
                run.end(outcome);
            }
            Poll::Pending => {}
        }
        next
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let run = this.run;
        match run.phase {
            // Stopped before it started: the producer never runs, and an
            // iteration that never started is not reported.
            Phase::Unstarted => {
                run.phase = Phase::Ended;
                return this.seq.poll_stop(cx);
            }
            Phase::Ended => return this.seq.poll_stop(cx),
            Phase::Running => run.phase = Phase::Stopping,
            Phase::Stopping => {}
        }
        let guard = PanicGuard::arm(run);
        let (stopped, abandoned) = abandon::during(|| this.seq.poll_stop(cx));
        let run = guard.disarm();
        run.abandoned |= abandoned != 0;
        if stopped.is_ready() {
            run.end(Outcome::BrokeEarly);
        }
        stopped
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.seq.size_hint()
    }
}

impl<S: fmt::Debug, O: Observer> fmt::Debug for Instrumented<S, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumented")
            .field("seq", &self.seq)
            .field("phase", &self.run.phase)
            .field("items", &self.run.items)
            .finish_non_exhaustive()
    }
}

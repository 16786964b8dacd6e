//! The state machine shared by [`FromFn`](crate::seq::FromFn) and
//! [`TryFromFn`](crate::seq::TryFromFn): start the producer on first demand,
//! poll it through the `Yield` hand-off, and end it by the stop rule.
//!
//! The stop rule lives here, once: a stop polls the producer one more time
//! with the stop flag set, and what the producer does in that poll decides:
//!
//! - If a `yield_`, `yield_all` or `until_stopped` of the producer sees the
//!   flag, the producer has *heard* the stop: it is driven to its return,
//!   so its async cleanup runs before the stop completes.
//! - If the poll ends with the producer inside a `shield`, the stop waits
//!   too, and looks again at the next poll: the shielded future completes,
//!   and the producer's next wait decides as above.
//! - Otherwise it waits somewhere that cannot hear a stop (a hung read, a
//!   sleep) and its future is dropped at once: Rust cancellation, `Drop`
//!   cleanup only. That drop is reported (`abandon.rs`): observers count it,
//!   and the `tracing` feature logs it.
//!
//! Every adapter and handle of the crate ends a producer through
//! [`Seq::poll_stop`](crate::seq::Seq::poll_stop), which for a producer is
//! [`Producer::poll_stop`].

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::engine::abandon;
use crate::seq::engine::budget::Budget;
use crate::yield_::{Polled, RunId, Yield, poll_producer};

pin_project! {
    #[project = StateProj]
    enum State<F, Fut> {
        Idle { f: Option<F> },
        Running { #[pin] fut: Fut },
        Done,
    }
}

/// What one poll of the producer gave.
pub(crate) enum Step<T, R> {
    /// The producer yielded an element.
    Item(T),
    /// The producer returned this value (once; it has no element left).
    Returned(R),
    /// The producer returned earlier.
    Finished,
    /// The consumer had stopped: no element is delivered any more, and the
    /// producer's return value, if it had one left, is not delivered
    /// either; it is handed back here for the sequence to drop (a fallible
    /// producer's error from its cleanup, say).
    Stopped(Option<R>),
}

pin_project! {
    pub(crate) struct Producer<T, F, Fut: Future> {
        #[pin]
        state: State<F, Fut>,
        // A return value that arrived together with the last element.
        ret: Option<Fut::Output>,
        run: RunId,
        // The consumer stopped: no element is delivered any more.
        stopped: bool,
        // The producer heard the stop: it is driven to its return.
        heard: bool,
        // tokio's cooperative budget, spent in batches (contract 21).
        budget: Budget,
        _item: PhantomData<fn() -> T>,
    }
}

impl<T, F, Fut: Future> Producer<T, F, Fut> {
    pub(crate) fn new(f: F) -> Self {
        Producer {
            state: State::Idle { f: Some(f) },
            ret: None,
            run: RunId::UNSTARTED,
            stopped: false,
            heard: false,
            budget: Budget::default(),
            _item: PhantomData,
        }
    }

    fn is_started(&self) -> bool {
        !matches!(self.state, State::Idle { .. })
    }

    fn is_finished(&self) -> bool {
        matches!(self.state, State::Done) && self.ret.is_none()
    }

    /// A producer's length is unknown until it has returned.
    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.is_finished() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }

    /// `Debug` for the sequence types built on a producer: progress, not
    /// closures.
    pub(crate) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("started", &self.is_started())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T, F, Fut> Producer<T, F, Fut>
where
    F: FnOnce(Yield<T>) -> Fut,
    Fut: Future,
{
    /// Runs the producer until it yields one element, returns, or waits.
    ///
    /// Spends tokio's cooperative budget, one unit per [`Budget::BATCH`]
    /// elements (see `budget.rs`): an always-ready producer
    /// returns `Pending` once the task's budget is spent, so other tasks on
    /// its thread get to run.
    ///
    /// After a stop this finishes the stop and reports `Finished` (or the
    /// return value, if it has not been delivered).
    // `always`, like the `poll_next` of `FromFn` and `TryFromFn` that call
    // it: the per-element path must inline into the consumer's loop.
    #[inline(always)]
    pub(crate) fn poll_step(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Step<T, Fut::Output>> {
        // Through the projection, never `&self`: a shared reference to the
        // whole state would also cover the suspended producer future, whose
        // own live borrows (a `pin!`ned local, say) it would invalidate.
        //
        // One check on the per-element path: the batch count is 0 when a
        // batch of the cooperative budget ends and also once the consumer
        // stopped (`poll_stop` ends the batch), so the stop flag is read
        // only then.
        if self.as_mut().project().budget.batch_ended() {
            if *self.as_mut().project().stopped {
                return self.poll_stop_cold(cx).map(Step::Stopped);
            }
            std::task::ready!(self.as_mut().project().budget.spend(cx));
        }
        let mut this = self.project();
        start_if_idle(this.state.as_mut(), this.run);
        let StateProj::Running { fut } = this.state.as_mut().project() else {
            return Poll::Ready(match this.ret.take() {
                Some(ret) => Step::Returned(ret),
                None => Step::Finished,
            });
        };
        let Polled { poll, item, .. } = poll_producer(fut, *this.run, false, false, cx);
        match (poll, item) {
            // Nothing happened: the batch is kept for the next elements.
            (Poll::Pending, None) => Poll::Pending,
            (Poll::Pending, Some(item)) => {
                this.budget.made_progress();
                Poll::Ready(Step::Item(item))
            }
            (Poll::Ready(ret), item) => {
                this.budget.made_progress();
                // Drop the finished future now: it may hold resources.
                this.state.set(State::Done);
                Poll::Ready(match item {
                    // It returned right after yielding (its `yield_` lost a
                    // `select!`): deliver the return value next time.
                    Some(item) => {
                        *this.ret = Some(ret);
                        Step::Item(item)
                    }
                    None => Step::Returned(ret),
                })
            }
        }
    }

    /// [`poll_stop`](Self::poll_stop) for [`poll_step`](Self::poll_step)
    /// after a stop, out of line: inlined, the stop path made the
    /// per-element path save more registers. It returns the small
    /// `Poll<Option<return value>>`, not a `Step`: a `Step` carrying an
    /// element is returned through memory, and the stack slot for it cost
    /// the per-element path two instructions (BENCHMARKS.md, "Shield and
    /// abandoned reports: cost").
    #[cold]
    #[inline(never)]
    fn poll_stop_cold(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.poll_stop(cx)
    }

    /// Stops the producer by the stop rule (see the module docs) and
    /// resolves once it has returned or been dropped, with its return value
    /// if it returned and that value had not been delivered yet.
    ///
    /// A producer that never started is never started.
    pub(crate) fn poll_stop(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Fut::Output>> {
        let mut this = self.project();
        *this.stopped = true;
        // Sends `poll_step` to its stop path (see there).
        this.budget.end_batch();
        let fut = match this.state.as_mut().project() {
            StateProj::Idle { .. } => {
                this.state.set(State::Done);
                return Poll::Ready(None);
            }
            StateProj::Done => return Poll::Ready(this.ret.take()),
            StateProj::Running { fut } => fut,
        };
        let polled: Polled<_, T> = poll_producer(fut, *this.run, true, *this.heard, cx);
        *this.heard |= polled.heard;
        // A stopped frame hands nothing over.
        debug_assert!(polled.item.is_none());
        match polled.poll {
            Poll::Ready(ret) => {
                this.state.set(State::Done);
                Poll::Ready(Some(ret))
            }
            // It heard the stop and is cleaning up, or it is inside a
            // shield: wait for it.
            Poll::Pending if *this.heard || polled.shielded => Poll::Pending,
            // It waits where no stop can be heard: drop it, and say so.
            Poll::Pending => {
                this.state.set(State::Done);
                abandon::report(std::any::type_name::<F>());
                Poll::Ready(None)
            }
        }
    }
}

impl<T, F: Clone, Fut: Future> Clone for Producer<T, F, Fut> {
    /// An unstarted copy: it runs the producer afresh.
    fn clone(&self) -> Self {
        let f = match &self.state {
            State::Idle { f: Some(f) } => f.clone(),
            _ => panic!(
                "cannot clone a sequence whose producer has started: \
                 its `FnOnce` closure was consumed by the run; clone the sequence before consuming it"
            ),
        };
        Producer::new(f)
    }
}

/// Starts the producer on the first demand for an element. (A producer
/// stopped before that is never started: `poll_stop` marks it done.)
fn start_if_idle<T, F, Fut>(mut state: Pin<&mut State<F, Fut>>, run: &mut RunId)
where
    F: FnOnce(Yield<T>) -> Fut,
{
    let StateProj::Idle { f } = state.as_mut().project() else {
        return;
    };
    let f = f
        .take()
        .expect("producer state is `Idle` only until started");
    // A fresh id per run: a `Yield` kept from an earlier run, or from a
    // clone of this sequence, is told apart.
    *run = RunId::fresh();
    let fut = f(Yield::new(*run));
    state.set(State::Running { fut });
}

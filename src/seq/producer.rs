//! The state machine shared by [`FromFn`](super::FromFn) and
//! [`TryFromFn`](super::TryFromFn): start the producer on first demand, poll
//! it through the `Yield` hand-off, drive it to its return once stopped.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::yield_::{RunId, Yield, poll_producer};

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
}

pin_project! {
    pub(crate) struct Producer<T, F, Fut: Future> {
        #[pin]
        state: State<F, Fut>,
        // A return value that arrived together with the last element.
        ret: Option<Fut::Output>,
        run: RunId,
        stopped: bool,
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
    /// Every way of driving the producer goes through here, so that its
    /// future is polled from a single place.
    #[inline]
    pub(crate) fn poll_step(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Step<T, Fut::Output>> {
        let mut this = self.project();
        start_if_idle(this.state.as_mut(), this.run, *this.stopped);
        let StateProj::Running { fut } = this.state.as_mut().project() else {
            return Poll::Ready(match this.ret.take() {
                Some(ret) => Step::Returned(ret),
                None => Step::Finished,
            });
        };
        match poll_producer(fut, *this.run, *this.stopped, cx) {
            (Poll::Pending, None) => Poll::Pending,
            (Poll::Pending, Some(item)) => Poll::Ready(Step::Item(item)),
            (Poll::Ready(ret), item) => {
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

    /// Makes every pending and later `yield_` resolve to `false` and drives
    /// the producer to its return. Resolves with its return value, if it had
    /// not been delivered yet.
    pub(crate) fn poll_stop(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Fut::Output>> {
        *self.as_mut().project().stopped = true;
        loop {
            match std::task::ready!(self.as_mut().poll_step(cx)) {
                // Impossible once stopped: `yield_` resolves to `false` and
                // hands nothing over.
                Step::Item(item) => drop(item),
                Step::Returned(ret) => return Poll::Ready(Some(ret)),
                Step::Finished => return Poll::Ready(None),
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

/// Starts the producer on the first demand for an element. A producer
/// stopped before that is never started (contract 13, `take(0)`).
fn start_if_idle<T, F, Fut>(mut state: Pin<&mut State<F, Fut>>, run: &mut RunId, stopped: bool)
where
    F: FnOnce(Yield<T>) -> Fut,
{
    let StateProj::Idle { f } = state.as_mut().project() else {
        return;
    };
    if stopped {
        state.set(State::Done);
        return;
    }
    let f = f
        .take()
        .expect("producer state is `Idle` only until started");
    // A fresh id per run: a `Yield` kept from an earlier run, or from a
    // clone of this sequence, is told apart.
    *run = RunId::fresh();
    let fut = f(Yield::new(*run));
    state.set(State::Running { fut });
}

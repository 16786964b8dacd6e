//! [`Seq::prefetch`]: run the producer ahead on its own task, through a
//! bounded buffer.
//!
//! Implementation notes for maintainers. `prefetch(n)` moves the sequence
//! into a task spawned at its first poll. The task and the consumer share one
//! `Mutex` holding a queue, returned credits, a stop flag, each side's waker
//! and how the producer ended. The task holds `n` credits, one per element
//! it may produce. It collects elements locally while the producer is ready,
//! then publishes up to `n / 4` (at most 64) under one lock with at most one
//! wake-up. The consumer takes everything published in one go, by swapping
//! buffers, and serves it without locking. It returns credits in chunks, and
//! only for elements it handed out in earlier calls, so the producer is never
//! more than `n` elements ahead of what the consumer has received.
//! Per-element synchronisation is what makes channel-based prefetch slow;
//! moving chunks is what makes this one cheap. A stop sets the flag; the
//! task then drives the producer's `poll_stop` and reports its end. A panic
//! is caught on the task and resumed in the consumer after the earlier
//! elements. On multi-thread runtimes, a side whose peer is still running
//! re-polls itself (through the scheduler, like `yield_now`) a bounded,
//! adaptive number of times before parking, because an OS-level wake-up
//! costs more than a chunk of cheap elements. `handoff.rs` has the details.

use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::runtime::{Handle, RuntimeFlavor};

use self::handoff::{Flow, Panic, Receiver, Recv, Sender};
use crate::seq::Seq;
use crate::seq::engine::abandon;

mod handoff;
#[cfg(all(test, seqflow_loom))]
mod loom_model;

// ===== Overflow =====

/// What [`Seq::prefetch_with`] does when the producer is `n` elements ahead
/// of the consumer, like the `onBufferOverflow` of Kotlin's `buffer`.
///
/// The end of the sequence and a producer's panic are never dropped.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Overflow, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // An always-ready source, so the producer task runs through it before
/// // the consumer looks at the buffer of 2.
/// let newest: Vec<_> = seq::iter(0..10).prefetch_with(2, Overflow::DropOldest).collect().await;
/// assert_eq!(newest, [8, 9]);
/// let first: Vec<_> = seq::iter(0..10).prefetch_with(2, Overflow::DropLatest).collect().await;
/// assert_eq!(first, [0, 1]);
/// let all: Vec<_> = seq::iter(0..10).prefetch_with(2, Overflow::Suspend).collect().await;
/// assert_eq!(all, (0..10).collect::<Vec<_>>());
/// assert_eq!(Overflow::default(), Overflow::Suspend);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// The producer waits: its `yield_` does not resolve until the consumer
    /// has taken elements. Nothing is dropped. This is
    /// [`prefetch(n)`](Seq::prefetch).
    #[default]
    Suspend,
    /// The producer never waits. When it yields an element while `n`
    /// elements are waiting, the oldest waiting element is dropped, never
    /// delivered, and the new one joins the end of the buffer: the
    /// consumer sees the newest elements.
    DropOldest,
    /// The producer never waits. When it yields an element while `n`
    /// elements are waiting, the new element is dropped, never delivered:
    /// the consumer sees the elements that were waiting first.
    DropLatest,
}

// ===== impl Prefetch =====

/// Sequence returned by [`Seq::prefetch`], [`Seq::prefetch_with`] and
/// [`Seq::prefetch_on`].
#[must_use = "sequences do nothing unless consumed"]
pub struct Prefetch<S: Seq> {
    state: State<S>,
    capacity: usize,
    overflow: Overflow,
    /// The inner sequence's `size_hint` when its task started.
    hint: (usize, Option<usize>),
    /// Elements delivered since then.
    delivered: usize,
}

enum State<S: Seq> {
    /// Not started: the sequence has not been polled.
    Idle { seq: S, handle: Option<Handle> },
    /// The producer runs on its task; elements arrive through `rx`.
    Running {
        rx: Receiver<S::Item>,
        stopping: bool,
    },
    /// Ended, stopped, or never started and stopped.
    Done,
}

// `Prefetch` never pins its inner sequence: it is moved into a box on the
// producer task before its first poll. So `Prefetch` may move freely.
impl<S: Seq> Unpin for Prefetch<S> {}

/// The message `Prefetch` panics with when first polled outside a runtime.
const NO_RUNTIME: &str = "`prefetch` must be polled within a tokio runtime: \
it spawns its producer task on the current runtime at the first `poll_next`; \
use `Seq::prefetch_on` to name a runtime";

/// The message `Prefetch` panics with when its task vanished.
const ABANDONED: &str = "the `prefetch` producer task was dropped before its sequence ended \
(its runtime shut down); elements may have been lost";

impl<S: Seq> Prefetch<S> {
    pub(crate) fn new(seq: S, n: usize, overflow: Overflow, handle: Option<Handle>) -> Self {
        Prefetch {
            state: State::Idle { seq, handle },
            capacity: n,
            overflow,
            hint: (0, None),
            delivered: 0,
        }
    }

    /// Returns the capacity `n`: how many elements may be buffered ahead of
    /// the consumer.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter(0..3).prefetch(16).capacity(), 16);
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns the overflow policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Overflow, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::iter(0..3).prefetch_with(4, Overflow::DropLatest);
    /// assert_eq!(s.overflow(), Overflow::DropLatest);
    /// # }
    /// ```
    pub fn overflow(&self) -> Overflow {
        self.overflow
    }
}

impl<S> Prefetch<S>
where
    S: Seq + Send + 'static,
    S::Item: Send + 'static,
{
    /// Spawns the producer task: on the first `poll_next`.
    #[cold]
    fn start(&mut self) {
        let State::Idle { handle, .. } = &mut self.state else {
            return;
        };
        let handle = match handle.take() {
            Some(handle) => handle,
            None => Handle::try_current().unwrap_or_else(|_| panic!("{NO_RUNTIME}")),
        };
        let State::Idle { seq, .. } = std::mem::replace(&mut self.state, State::Done) else {
            unreachable!("checked above");
        };
        self.hint = seq.size_hint();
        // On a multi-thread runtime, each side yields after waking its
        // parked peer, so that the two run on two workers (see `handoff`).
        // Not for the rendezvous: its two sides take turns, and taking them
        // on one worker is cheaper than spinning on two (measured, P4b).
        let spread =
            self.capacity > 0 && !matches!(handle.runtime_flavor(), RuntimeFlavor::CurrentThread);
        let (tx, rx) = handoff::channel(self.capacity, self.overflow, spread);
        // The task is detached: it ends on its own once the producer has
        // returned, which a stop or a drop of the consumer brings about.
        drop(handle.spawn(Feed {
            seq: Some(Box::pin(seq)),
            tx: Some(tx),
            stopping: false,
        }));
        self.state = State::Running {
            rx,
            stopping: false,
        };
    }

    /// `poll_next` when not running: start, finish a stop, or stay ended.
    #[cold]
    fn poll_next_cold(&mut self, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        match self.state {
            State::Idle { .. } => {
                self.start();
                Pin::new(self).poll_next(cx)
            }
            State::Running { stopping: true, .. } => {
                // `poll_stop` was called: finish the stop, deliver nothing.
                ready!(Pin::new(self).poll_stop(cx));
                Poll::Ready(None)
            }
            State::Running { .. } | State::Done => Poll::Ready(None),
        }
    }

    /// The producer ended: deliver the end, or resume its panic.
    #[cold]
    fn end(&mut self, end: Recv<S::Item>) -> Poll<Option<S::Item>> {
        self.state = State::Done;
        match end {
            Recv::Item(_) => unreachable!("`end` is only given an end"),
            Recv::Finished => Poll::Ready(None),
            Recv::Panicked(payload) => resume_unwind(payload),
            Recv::Abandoned => panic!("{ABANDONED}"),
        }
    }
}

impl<S> Seq for Prefetch<S>
where
    S: Seq + Send + 'static,
    S::Item: Send + 'static,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        let State::Running {
            rx,
            stopping: false,
        } = &mut this.state
        else {
            return this.poll_next_cold(cx);
        };
        match ready!(rx.poll_recv(cx)) {
            Recv::Item(item) => {
                this.delivered += 1;
                Poll::Ready(Some(item))
            }
            end => this.end(end),
        }
    }

    #[inline]
    fn poll_each<G>(mut self: Pin<&mut Self>, cx: &mut Context<'_>, g: &mut G) -> Poll<Option<()>>
    where
        G: FnMut(S::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        loop {
            let this = &mut *self;
            let State::Running {
                rx,
                stopping: false,
            } = &mut this.state
            else {
                // Not running: start, finish a stop, or stay ended, as
                // `poll_next` does.
                let Some(item) = ready!(this.poll_next_cold(cx)) else {
                    return Poll::Ready(None);
                };
                if g(item, cx).is_break() {
                    return Poll::Ready(Some(()));
                }
                continue;
            };
            // The elements at hand, one after another, without going back
            // to the consumer between them.
            loop {
                match ready!(rx.poll_recv(cx)) {
                    Recv::Item(item) => {
                        this.delivered += 1;
                        if g(item, cx).is_break() {
                            return Poll::Ready(Some(()));
                        }
                    }
                    end => return this.end(end).map(|none| none.map(drop)),
                }
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &mut this.state {
            State::Idle { .. } => {
                // Never started, never starts: the inner sequence is dropped
                // unpolled.
                this.state = State::Done;
                Poll::Ready(())
            }
            State::Running { rx, stopping } => {
                *stopping = true;
                let panic = ready!(rx.poll_stop(cx));
                this.state = State::Done;
                if let Some(payload) = panic {
                    resume_unwind(payload);
                }
                Poll::Ready(())
            }
            State::Done => Poll::Ready(()),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lower, upper) = match &self.state {
            State::Idle { seq, .. } => seq.size_hint(),
            State::Running {
                stopping: false, ..
            } => {
                let (lower, upper) = self.hint;
                (
                    lower.saturating_sub(self.delivered),
                    upper.map(|u| u.saturating_sub(self.delivered)),
                )
            }
            State::Running { stopping: true, .. } | State::Done => return (0, Some(0)),
        };
        match self.overflow {
            Overflow::Suspend => (lower, upper),
            // Any element may be dropped.
            Overflow::DropOldest | Overflow::DropLatest => (0, upper),
        }
    }
}

impl<S: Seq> fmt::Debug for Prefetch<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (state, ready) = match &self.state {
            State::Idle { .. } => ("idle", 0),
            State::Running {
                stopping: false,
                rx,
            } => ("running", rx.ready_len()),
            State::Running { stopping: true, .. } => ("stopping", 0),
            State::Done => ("done", 0),
        };
        f.debug_struct("Prefetch")
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("state", &state)
            .field("ready", &ready)
            .finish()
    }
}

// ===== impl Feed =====

/// Elements the task produces per poll before it yields to the runtime:
/// with a drop policy, or a consumer that keeps returning credit, a producer
/// that is always ready would otherwise never let other tasks run.
const BUDGET: usize = 1024;

/// The producer task: drives the inner sequence into the hand-off.
struct Feed<S: Seq> {
    // Declared before `tx`: if the task is dropped unfinished, the sequence
    // is dropped before the consumer hears of it.
    seq: Option<Pin<Box<S>>>,
    tx: Option<Sender<S::Item>>,
    /// The consumer stopped: drive the sequence's `poll_stop` to its end.
    stopping: bool,
}

// `Feed` never pins anything but through its boxed sequence.
impl<S: Seq> Unpin for Feed<S> {}

impl<S: Seq> Feed<S> {
    fn run(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let seq = self.seq.as_mut().expect("Feed polled after completion");
        let tx = self.tx.as_mut().expect("Feed polled after completion");
        let mut budget = BUDGET;
        loop {
            if self.stopping {
                return seq.as_mut().poll_stop(cx);
            }
            match tx.poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_stopped)) => {
                    self.stopping = true;
                    continue;
                }
                Poll::Pending => return Poll::Pending,
            }
            if budget == 0 {
                if tx.flush() == Flow::Stopped {
                    self.stopping = true;
                    continue;
                }
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            // The elements the source has ready, through its `poll_each`:
            // each is sent at once, and the hand-off pauses when this poll's
            // budget, the credit, or the channel says so.
            let mut flow = Flow::Continue;
            let each = seq.as_mut().poll_each(cx, &mut |item, cx| {
                budget -= 1;
                flow = tx.send(item, cx);
                if flow == Flow::Continue && budget > 0 {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            });
            match each {
                Poll::Ready(Some(())) => match flow {
                    Flow::Continue | Flow::Refill => {}
                    Flow::Yield => {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    Flow::Parked => return Poll::Pending,
                    Flow::Stopped => self.stopping = true,
                },
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => {
                    if tx.park(cx).is_ok() {
                        return Poll::Pending;
                    }
                    self.stopping = true;
                }
            }
        }
    }

    /// The producer returned or panicked: drop it (its `Drop` cleanup may
    /// panic too), then tell the consumer.
    fn finish(&mut self, mut panic: Option<Panic>) {
        let seq = self.seq.take();
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(seq))) {
            panic.get_or_insert(payload);
        }
        if let Some(tx) = self.tx.take() {
            tx.close(panic);
        }
    }
}

impl<S: Seq> Future for Feed<S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // A panic in the producer (or in an element's `Drop`) is caught and
        // handed to the consumer, after the elements produced before it.
        let (polled, abandoned) =
            abandon::during(|| catch_unwind(AssertUnwindSafe(|| this.run(cx))));
        if let Some(tx) = this.tx.as_mut() {
            tx.abandoned += abandoned;
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => {
                this.finish(None);
                Poll::Ready(())
            }
            Err(payload) => {
                this.finish(Some(payload));
                Poll::Ready(())
            }
        }
    }
}

//! The hand-off between a blocking producer thread and an async consumer.
//!
//! One `Mutex` guards a small queue, the stop flag, how the producer ended,
//! the consumer's waker and whether the producer sleeps on the `Condvar`.
//! The producer pushes an element and waits (spinning briefly, then on the
//! condvar) until the queue holds at most `ahead` elements again: with
//! `ahead == 0` that is the rendezvous, `yield_` returns once the consumer
//! took its element. A producer that had to sleep is woken once the queue
//! drained to half its bound. The consumer pops one element per poll under the lock;
//! nobody allocates per element (the queue keeps its capacity).
//!
//! Wake-ups cost a system call, so each side signals the other only when
//! the other really sleeps: the consumer notifies the condvar only when the
//! producer parked on it, and the producer wakes the consumer's task only
//! when the consumer left its waker here. A side whose peer is busy
//! re-checks a few times before it sleeps, because a cross-thread wake-up
//! costs more than the element.
//!
//! This file uses the primitives of `super::sync` and nothing else of the
//! crate, so the model test `integration/tests/from_blocking_loom.rs`
//! compiles it a second time on loom's (keep it that way).

use std::any::Any;
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use super::sync::{AtomicBool, AtomicU32, Condvar, Mutex, MutexGuard, Ordering, SPINS, spin_hint};

/// A caught panic of the producer.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// How long one side re-checks its busy peer before it sleeps, adapted to
/// how often that paid off: doubled (up to [`SPINS`]) when the peer showed
/// up while spinning, halved (down to 1) when the side had to sleep anyway.
/// On a machine with a free core for each side the hand-off then happens
/// without a system call; on a loaded machine, where the peer is not
/// running while we spin, spinning shrinks to nothing.
struct Spin(AtomicU32);

impl Spin {
    fn new() -> Self {
        Spin(AtomicU32::new(SPINS))
    }

    /// Spins while `busy()` holds, at most the current limit; returns
    /// whether it stopped holding.
    fn wait_while(&self, busy: impl Fn() -> bool) -> bool {
        // Only one side's thread uses each `Spin`: plain loads and stores.
        let limit = self.0.load(Ordering::Relaxed);
        for _ in 0..limit {
            if !busy() {
                self.0.store((limit * 2).min(SPINS), Ordering::Relaxed);
                return true;
            }
            spin_hint();
        }
        self.0.store((limit / 2).max(1), Ordering::Relaxed);
        false
    }
}

/// Whether the consumer, having taken an element and left `queued`, wakes
/// the producer parked on a full queue: once the queue drained to half its
/// bound (to empty for the rendezvous), so that it wakes to a run of free
/// places, not once per element. A parked producer is always woken before
/// the queue runs dry, whatever the threshold; the threshold is a matter of
/// speed only.
fn wakes_producer(parked: bool, queued: usize, ahead: usize) -> bool {
    parked && queued <= ahead / 2
}

/// The producer's outcome, as the consumer sees it.
pub(crate) enum End {
    /// Still running.
    Running,
    /// `f` returned.
    Returned,
    /// `f` panicked; the payload is resumed by the consumer.
    Panicked(Payload),
    /// The payload was handed to the consumer already.
    Reported,
}

/// What became of an offered element.
pub(crate) enum Offered {
    /// The consumer took it (or, buffered, there was room for it).
    Taken,
    /// The consumer stopped or was dropped; the element was dropped.
    Stopped,
    /// The producer's run is over: the handle outlived `f`.
    Orphaned,
}

/// What the consumer found.
pub(crate) enum Taken<T> {
    /// The next element.
    Item(T),
    /// The producer returned: no more elements.
    Returned,
    /// The producer panicked.
    Panicked(Payload),
}

struct State<T> {
    queue: VecDeque<T>,
    /// The consumer stopped or was dropped.
    stopped: bool,
    end: End,
    /// The consumer's waker, left here when it sleeps.
    consumer: Option<Waker>,
    /// The producer sleeps on the condvar.
    producer_parked: bool,
}

/// The state both sides share (behind an `Arc`).
pub(crate) struct Shared<T> {
    state: Mutex<State<T>>,
    producer: Condvar,
    /// Elements the producer may have queued and not yet seen taken.
    ahead: usize,
    /// `true` while the producer waits for the queue to drain to `ahead`
    /// and nothing told it to stop: what its spin watches.
    waiting: AtomicBool,
    /// `true` while the producer is between `offer`s (running `f`'s code):
    /// what the consumer's spin watches.
    busy: AtomicBool,
    producer_spin: Spin,
    consumer_spin: Spin,
}

impl<T> Shared<T> {
    pub(crate) fn new(ahead: usize) -> Self {
        Shared {
            state: Mutex::new(State {
                queue: VecDeque::with_capacity(ahead + 1),
                stopped: false,
                end: End::Running,
                consumer: None,
                producer_parked: false,
            }),
            producer: Condvar::new(),
            ahead,
            waiting: AtomicBool::new(false),
            busy: AtomicBool::new(true),
            producer_spin: Spin::new(),
            consumer_spin: Spin::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No user code runs under this lock, so it is never poisoned; if it
        // were, its state is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ===== producer side =====

    /// Queues `value` and waits until the consumer took enough that at most
    /// `ahead` elements are queued. `Stopped` (and `value` dropped, outside
    /// the lock) once the consumer stopped or was dropped.
    pub(crate) fn offer(&self, value: T) -> Offered {
        let mut state = self.lock();
        if !matches!(state.end, End::Running) {
            drop(state);
            drop(value);
            return Offered::Orphaned;
        }
        if state.stopped {
            let left = std::mem::take(&mut state.queue);
            drop(state);
            drop((value, left));
            return Offered::Stopped;
        }
        state.queue.push_back(value);
        let waker = state.consumer.take();
        if state.queue.len() <= self.ahead {
            // Room left: run on without waiting (the buffered variant).
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Offered::Taken;
        }
        self.waiting.store(true, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        // The consumer usually takes the element within a few hundred
        // nanoseconds when it runs on another core; sleeping on the condvar
        // costs microseconds.
        self.producer_spin
            .wait_while(|| self.waiting.load(Ordering::SeqCst));
        let mut state = self.lock();
        while state.queue.len() > self.ahead && !state.stopped {
            state.producer_parked = true;
            state = self.producer.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.producer_parked = false;
        self.busy.store(true, Ordering::SeqCst);
        // Taken (or, buffered, within the bound) is `Taken` even if the
        // consumer stopped right after: the answer must not depend on which
        // thread ran first.
        let taken = state.queue.len() <= self.ahead;
        if state.stopped {
            // Elements the consumer will never take: drop them here, on the
            // producer's thread, outside the lock.
            let left = std::mem::take(&mut state.queue);
            drop(state);
            drop(left);
            if !taken {
                return Offered::Stopped;
            }
        }
        Offered::Taken
    }

    /// After `f` returned: the elements still queued if the consumer has
    /// stopped (it will never take them), for the caller to drop outside
    /// the lock before it reports the end, so that the consumer's stop
    /// completes after their `Drop`. Empty while the consumer may still
    /// take them.
    pub(crate) fn take_undelivered(&self) -> VecDeque<T> {
        let mut state = self.lock();
        if state.stopped {
            std::mem::take(&mut state.queue)
        } else {
            VecDeque::new()
        }
    }

    /// Records how `f` ended and wakes the consumer.
    pub(crate) fn finish(&self, end: End) {
        let mut state = self.lock();
        state.end = end;
        self.busy.store(false, Ordering::SeqCst);
        let waker = state.consumer.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the consumer stopped or was dropped.
    pub(crate) fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    // ===== consumer side =====

    /// Takes the next element, or reports the producer's end, or leaves the
    /// waker of `cx` and returns `Pending`.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Taken<T>> {
        let mut spun = false;
        loop {
            let mut state = self.lock();
            if let Some(value) = state.queue.pop_front() {
                let wake = wakes_producer(state.producer_parked, state.queue.len(), self.ahead);
                if state.queue.len() <= self.ahead {
                    self.waiting.store(false, Ordering::SeqCst);
                }
                drop(state);
                if wake {
                    self.producer.notify_one();
                }
                return Poll::Ready(Taken::Item(value));
            }
            match std::mem::replace(&mut state.end, End::Reported) {
                End::Running => state.end = End::Running,
                End::Returned => {
                    state.end = End::Returned;
                    return Poll::Ready(Taken::Returned);
                }
                End::Panicked(payload) => return Poll::Ready(Taken::Panicked(payload)),
                End::Reported => return Poll::Ready(Taken::Returned),
            }
            // The producer is computing its next element. If it is on a
            // core right now, it is often faster to look again than to
            // sleep and be woken.
            if !spun && self.busy.load(Ordering::SeqCst) {
                spun = true;
                drop(state);
                self.consumer_spin
                    .wait_while(|| self.busy.load(Ordering::SeqCst));
                continue;
            }
            match &state.consumer {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                _ => state.consumer = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
    }

    /// Tells the producer that the consumer stopped: its pending and later
    /// `offer`s return `false`. Never blocks (beyond the short lock).
    pub(crate) fn stop(&self) {
        let mut state = self.lock();
        state.stopped = true;
        self.waiting.store(false, Ordering::SeqCst);
        let parked = state.producer_parked;
        drop(state);
        if parked {
            self.producer.notify_one();
        }
    }

    /// Waits for the producer's end: `Ready(None)` once it returned,
    /// `Ready(Some(payload))` once it panicked (reported once). Elements
    /// still queued then were never delivered: they are dropped here, on
    /// the consumer's thread and outside the lock, before it returns.
    pub(crate) fn poll_end(&self, cx: &mut Context<'_>) -> Poll<Option<Payload>> {
        let mut state = self.lock();
        let end = match std::mem::replace(&mut state.end, End::Reported) {
            End::Running => {
                state.end = End::Running;
                match &state.consumer {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => state.consumer = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            End::Panicked(payload) => Some(payload),
            End::Returned | End::Reported => {
                state.end = End::Returned;
                None
            }
        };
        let left = std::mem::take(&mut state.queue);
        drop(state);
        drop(left);
        Poll::Ready(end)
    }
}

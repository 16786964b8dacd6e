//! The chunked, bounded hand-off between a prefetch task ([`Sender`]) and
//! its consumer ([`Receiver`]).
//!
//! Per-element synchronisation is what makes a channel-based prefetch slow,
//! so elements cross in chunks:
//!
//! * The sender owns a number of *credits*, permissions to produce one
//!   element each. It collects elements in a local chunk while it has credit
//!   and publishes the whole chunk under one lock, with at most one wake-up.
//! * The receiver takes everything published under one lock into a local
//!   buffer and serves from it without locking.
//! * Credits come back in chunks too: the receiver returns them once it has
//!   handed `chunk` elements to its caller (or whenever it locks anyway), so
//!   the sender refills while the receiver still serves.
//!
//! Credits start at the capacity `n` and an element's credit comes back only
//! after the caller of the receiver has taken the element *and called
//! again*, so at any time at most `n` elements have been produced that the
//! consumer has not received: in the sender's chunk, in the shared state,
//! or in the receiver's buffer.
//!
//! **The cost per element** is what decides this structure: everything
//! else happens once per chunk. The chunk, the published elements and the
//! receiver's buffer are plain `Vec`s that swap their buffers, so nothing
//! is allocated in a steady state. The sender pushes on its chunk and
//! compares its length with one precomputed `limit` (the chunk size or the
//! credit in hand, whichever is less): its credit is settled only when the
//! chunk is published. The receiver reverses what it takes, once per chunk,
//! so that serving an element is a `pop` off the end. (Two `VecDeque`s
//! cost about 15 instructions more per element, a fifth of the whole
//! hand-off: BENCHMARKS.md, P5.)
//!
//! With [`Overflow::DropOldest`] and [`Overflow::DropLatest`] there are no
//! credits: the sender never waits, publishes each element at once and
//! applies the policy to a separate shared `VecDeque`, which holds at most
//! `n` and loses its oldest from the front; the receiver takes one element
//! per lock, so every waiting element stays within the policy's reach.
//!
//! **Capacity 0, the rendezvous.** The sender starts with no credit, and
//! the receiver gives the credit of one element only when its caller waits
//! and nothing has arrived (once per element: the demand). So the producer
//! runs only while the consumer waits, one element at a time; an element
//! whose caller gave up waiting stays published for the next call. The
//! sender registers for the next demand under the lock that publishes the
//! element. The two sides take turns, so neither spreads nor spins.
//!
//! All state is behind one `std::sync::Mutex`, wakers included: no atomics
//! of our own, and no user code (element drops, wake-ups) runs under the
//! lock. Element drops also wait until the stop is recorded and the peer
//! woken (STYLE.md rule 17): a `Drop` that panics cannot leave a side
//! parked for ever.
//!
//! `loom_model.rs` checks all of this under loom, with loom's `Mutex` and
//! `Arc` in place of std's.
//!
//! **Spreading over workers.** On a multi-thread tokio runtime, a task woken
//! from a worker goes into that worker's LIFO slot, which other workers
//! cannot steal: the woken peer would wait until the waker's own task
//! yields, and producer and consumer would take turns on one worker instead
//! of overlapping on two. So on such runtimes, a side that has just woken a
//! parked peer yields once (wakes itself and returns `Pending`): tokio then
//! puts it at the back of the stealable run queue and notifies an idle
//! worker, which takes it over, while the peer runs where it was woken.
//!
//! **Waiting without parking.** Waking a parked worker, or a consumer
//! parked in `block_on`, is an OS-level wake-up that costs more than
//! producing a whole chunk of cheap elements; if every chunk paid two of
//! them, the cost per element would be dominated by them. So on
//! multi-thread runtimes a side that finds nothing to do while its peer is
//! *running* (the producer is neither waiting for credit nor waiting in its
//! own sequence; the consumer is not parked) re-polls itself a number of
//! times before it parks. Each re-poll is a self-wake and `Pending`, so a
//! worker runs its other tasks in between. A peer that waits for I/O is
//! never spun on, and the number adapts (see [`Spin`]): it halves whenever
//! spinning ended in a park anyway, so a side facing a slow peer soon stops
//! spending CPU on it.

use std::any::Any;
use std::collections::VecDeque;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::PoisonError;
// The loom model (`loom_model.rs`) checks this hand-off over loom's
// `Mutex` and `Arc`, which explore every interleaving of the two sides.
#[cfg(all(test, seqflow_loom))]
use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(all(test, seqflow_loom)))]
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::Overflow;
use crate::seq::engine::abandon;

/// A panic payload caught on the prefetch task.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// The most times in a row a side re-polls itself, on a multi-thread
/// runtime, rather than park while its peer is busy.
#[cfg(not(all(test, seqflow_loom)))]
const SPINS: u32 = 256;
/// Under the loom model: as many as the fewest, so that the limit does not
/// depend on the clock (loom replays every interleaving, and needs each
/// run to take the same branches).
#[cfg(all(test, seqflow_loom))]
const SPINS: u32 = MIN_SPINS;

/// The fewest: the limit adapts between the two (see [`Spin`]).
const MIN_SPINS: u32 = 2;

/// Adaptive spinning: how long a side re-polls itself before it parks.
///
/// The limit follows the waits it sees, between [`MIN_SPINS`] and
/// [`SPINS`]. It doubles when a spin caught the peer's progress, or when
/// the peer, after this side had parked, made its progress sooner than a
/// full spin would have lasted (the waking side stamps the time of its
/// wake-up: the parked side's own clock would add the OS wake-up latency).
/// It halves when the peer took longer: it is slow, and spinning on it only
/// wastes CPU. The clock is read once or twice per wait, never per element.
#[derive(Debug)]
struct Spin {
    /// Re-polls in the current wait.
    count: u32,
    limit: u32,
    /// When the current wait began spinning.
    started: Option<Instant>,
    /// The cost of one re-poll, measured when the current wait parked.
    per_spin: Option<Duration>,
}

impl Spin {
    fn new() -> Self {
        Spin {
            count: 0,
            limit: SPINS,
            started: None,
            per_spin: None,
        }
    }

    /// Whether to re-poll once more (and count it).
    fn again(&mut self) -> bool {
        if self.count >= self.limit {
            return false;
        }
        if self.count == 0 {
            self.started = Some(Instant::now());
        }
        self.count += 1;
        true
    }

    /// The side is about to park.
    fn parked(&mut self) {
        if let (Some(started), None) = (self.started, self.per_spin) {
            self.per_spin = Some(started.elapsed() / self.count.max(1));
        }
    }

    /// The side got what it waited for; `woken_at` is when the peer woke
    /// it, if it parked.
    fn progressed(&mut self, woken_at: Option<Instant>) {
        if let Some(started) = self.started.take() {
            let grow = match (self.per_spin.take(), woken_at) {
                // Caught while spinning.
                (None, _) => Some(true),
                (Some(per_spin), Some(woken_at)) => {
                    Some(woken_at.saturating_duration_since(started) < per_spin * (2 * SPINS))
                }
                (Some(_), None) => None,
            };
            match grow {
                Some(true) => self.limit = (self.limit * 2).min(SPINS),
                Some(false) => self.limit = (self.limit / 2).max(MIN_SPINS),
                None => {}
            }
        }
        self.count = 0;
    }
}

/// The largest chunk, whatever the capacity: beyond this, chunking saves
/// nothing measurable and only delays the first element.
const MAX_CHUNK: usize = 64;

/// How the sender side ended.
enum End {
    /// The producer returned (normally, or after a stop); `abandoned`
    /// producers were dropped on the task by stops they did not hear
    /// (`engine/abandon.rs`), reported again on the consumer's thread.
    Finished { abandoned: u64 },
    /// The producer panicked; the payload is resumed in the consumer.
    Panicked(Panic),
    /// The task was dropped before the producer returned (its runtime shut
    /// down).
    Abandoned,
}

/// What [`Receiver::poll_recv`] gives.
pub(crate) enum Recv<T> {
    Item(T),
    /// The producer returned and every element was delivered.
    Finished,
    /// The producer panicked after every earlier element was delivered.
    Panicked(Panic),
    /// The task was dropped before the producer returned.
    Abandoned,
}

/// The consumer has stopped (or was dropped): the producer must stop too.
#[derive(Debug)]
pub(crate) struct Stopped;

/// What [`Sender::send`] and [`Sender::flush`] ask of the task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Go on producing: the credit is not spent.
    Continue,
    /// The credit in hand is spent (the chunk was published): go back to
    /// [`Sender::poll_ready`], which takes what came back or parks.
    Refill,
    /// A parked consumer was woken; yield once so that the runtime can run
    /// it on another worker (see the module docs).
    Yield,
    /// The consumer has stopped.
    Stopped,
    /// The task is registered to be woken when credit comes back: return
    /// `Pending`.
    Parked,
}

struct Shared<T> {
    /// Published elements the receiver has not taken yet, oldest first
    /// (`Overflow::Suspend`): the receiver takes them all at once.
    published: Vec<T>,
    /// The elements waiting under a drop policy, oldest first: at most
    /// `n`, taken one at a time, and the oldest dropped from the front.
    queue: VecDeque<T>,
    /// Credits returned by the receiver that the sender has not taken yet
    /// (`Overflow::Suspend` only).
    credit: usize,
    /// The consumer stopped or was dropped.
    stopped: bool,
    /// Set once by the sender; taken once by the receiver.
    end: Option<End>,
    consumer: Option<Waker>,
    producer: Option<Waker>,
    /// The producer is parked until credit comes back (as opposed to parked
    /// in its own sequence, which only a stop needs to interrupt).
    producer_wants_credit: bool,
    /// The producer is parked in its own sequence (waiting for I/O, say).
    producer_in_seq: bool,
    /// When the producer last woke the parked consumer, and the other way
    /// round (for [`Spin`]).
    consumer_woken_at: Option<Instant>,
    producer_woken_at: Option<Instant>,
    /// Whether to stamp wake-ups: only [`Spin`] reads the stamps, and only
    /// spreading sides spin.
    stamp: bool,
}

impl<T> Shared<T> {
    /// Takes the parked consumer's waker, stamping the wake-up.
    fn wake_consumer(&mut self) -> Option<Waker> {
        let waker = self.consumer.take();
        if waker.is_some() && self.stamp {
            self.consumer_woken_at = Some(Instant::now());
        }
        waker
    }

    /// Takes the parked producer's waker, stamping the wake-up.
    fn wake_producer(&mut self) -> Option<Waker> {
        let waker = self.producer.take();
        if waker.is_some() && self.stamp {
            self.producer_woken_at = Some(Instant::now());
        }
        waker
    }
}

type Link<T> = Arc<Mutex<Shared<T>>>;

/// Locks the shared state. No user code runs under this lock, so a poisoned
/// lock (a panic in a waker's `clone`) still holds consistent state.
fn lock<T>(link: &Link<T>) -> MutexGuard<'_, Shared<T>> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stores `cx`'s waker in `slot`, unless it already holds an equivalent one.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

/// Creates a hand-off of capacity `n` with the given policy; `n = 0` (only
/// with `Overflow::Suspend`) is a rendezvous: the producer gets the credit
/// of one element each time the consumer waits for one.
/// `spread` turns on the yield after waking a parked peer (multi-thread
/// runtimes; see the module docs); never with `n = 0`, whose two sides
/// take turns.
pub(crate) fn channel<T>(n: usize, overflow: Overflow, spread: bool) -> (Sender<T>, Receiver<T>) {
    debug_assert!(
        n > 0 || overflow == Overflow::Suspend,
        "checked by the public constructors"
    );
    debug_assert!(n > 0 || !spread, "a rendezvous never spreads");
    let suspend = overflow == Overflow::Suspend;
    let chunk = if suspend {
        (n / 4).clamp(1, MAX_CHUNK)
    } else {
        1
    };
    let link = Arc::new(Mutex::new(Shared {
        published: Vec::new(),
        queue: VecDeque::new(),
        credit: 0,
        stopped: false,
        end: None,
        consumer: None,
        producer: None,
        producer_wants_credit: false,
        producer_in_seq: false,
        consumer_woken_at: None,
        producer_woken_at: None,
        stamp: spread,
    }));
    let tx = Sender {
        link: link.clone(),
        chunk: Vec::new(),
        chunk_size: chunk,
        // A drop policy never waits: its credit never runs out.
        credit: if suspend { n } else { usize::MAX },
        limit: chunk.min(n),
        capacity: n,
        overflow,
        spread,
        spin: Spin::new(),
        closed: false,
        parked: 0,
        panic: None,
        abandoned: 0,
    };
    let rx = Receiver {
        link,
        local: Vec::new(),
        unreleased: 0,
        chunk,
        suspend,
        spread,
        spin: Spin::new(),
        stopping: false,
        rendezvous: n == 0,
        demanded: false,
        done: false,
    };
    (tx, rx)
}

// ===== impl Sender =====

/// The producer task's end of the hand-off.
pub(crate) struct Sender<T> {
    link: Link<T>,
    /// Elements produced but not yet published, oldest first.
    chunk: Vec<T>,
    chunk_size: usize,
    /// Credits in hand, counting those of the elements in `chunk`, which
    /// are spent when it is published (`usize::MAX` under a drop policy).
    credit: usize,
    /// How many elements `chunk` takes before it is published: the chunk
    /// size or the credit, whichever is less. Set whenever the chunk is
    /// empty, the only time the credit changes, so `send` compares once.
    limit: usize,
    capacity: usize,
    overflow: Overflow,
    spread: bool,
    /// Spinning for credit.
    spin: Spin,
    closed: bool,
    /// Credit set aside by the last `park`, which registered the task while
    /// its sequence waits: with `credit` at 0 meanwhile, the next
    /// `poll_ready` checks for a stop first (and takes this back).
    parked: usize,
    /// A panic in the `Drop` of an element discarded after the stop.
    panic: Option<Panic>,
    /// Producers abandoned on the task (see [`End::Finished`]).
    pub(crate) abandoned: u64,
}

impl<T> Sender<T> {
    /// Ready when the producer may produce one more element; pending (the
    /// task is woken when credit comes back) when `n` elements are ahead of
    /// the consumer. Never pending with a drop policy.
    ///
    /// After a [`park`](Self::park), it first checks for a stop, so that a
    /// producer woken by the stop is not resumed for one more element.
    #[inline]
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Stopped>> {
        if self.has_credit() {
            return Poll::Ready(Ok(()));
        }
        self.poll_credit(cx)
    }

    /// Whether [`poll_ready`](Self::poll_ready) would be ready at once,
    /// without looking at the shared state: a `send` may follow.
    #[inline]
    fn has_credit(&self) -> bool {
        self.chunk.len() < self.credit
    }

    /// Out of credit (the last `send` published the chunk), or back from a
    /// park: takes the credit returned meanwhile, or parks until some comes
    /// back.
    #[cold]
    #[inline(never)]
    fn poll_credit(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Stopped>> {
        debug_assert!(self.chunk.is_empty());
        let mut shared = lock(&self.link);
        if shared.stopped {
            return Poll::Ready(Err(Stopped));
        }
        shared.producer_in_seq = false;
        self.credit += mem::take(&mut self.parked) + mem::take(&mut shared.credit);
        self.limit = self.chunk_size.min(self.credit);
        if self.credit > 0 {
            self.spin.progressed(shared.producer_woken_at.take());
            return Poll::Ready(Ok(()));
        }
        if self.spread && shared.consumer.is_none() && self.spin.again() {
            // The consumer is running and will return credit soon: waiting
            // a moment is cheaper than a park and a cross-thread wake-up.
            drop(shared);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.spin.parked();
        shared.producer_wants_credit = true;
        register(&mut shared.producer, cx);
        Poll::Pending
    }

    /// Hands one element over; call only after `poll_ready` was ready.
    /// [`Flow::Continue`] means another `send` may follow at once.
    /// With capacity 0, the element a demand allowed also registers the
    /// task for the next demand: `send` then returns [`Flow::Parked`].
    #[inline]
    pub(crate) fn send(&mut self, item: T, cx: &Context<'_>) -> Flow {
        if self.overflow != Overflow::Suspend {
            return self.send_dropping(item);
        }
        self.chunk.push(item);
        if self.chunk.len() < self.limit {
            Flow::Continue
        } else if self.capacity == 0 {
            self.flush_and_park(Some(cx))
        } else {
            self.flush()
        }
    }

    /// `send` under a drop policy: publish at once, keeping at most
    /// `capacity` elements waiting.
    #[inline(never)]
    fn send_dropping(&mut self, item: T) -> Flow {
        let mut shared = lock(&self.link);
        if shared.stopped {
            drop(shared);
            self.chunk.push(item);
            self.discard_chunk();
            return Flow::Stopped;
        }
        let dropped = if shared.queue.len() < self.capacity {
            shared.queue.push_back(item);
            None
        } else if self.overflow == Overflow::DropOldest {
            let oldest = shared.queue.pop_front();
            shared.queue.push_back(item);
            oldest
        } else {
            Some(item)
        };
        let consumer = shared.wake_consumer();
        drop(shared);
        // Wake first: the dropped element's `Drop` is user code and may
        // panic (STYLE.md rule 17).
        let flow = self.wake_consumer(consumer);
        drop(dropped);
        flow
    }

    /// Publishes the chunk under one lock, takes any credit returned
    /// meanwhile, and wakes the consumer if it is parked.
    #[inline(never)]
    pub(crate) fn flush(&mut self) -> Flow {
        self.flush_and_park(None)
    }

    /// `flush`; then, given a context and out of credit, registers the
    /// task for credit under the same lock and returns [`Flow::Parked`]
    /// (the rendezvous: it saves a lock per element).
    fn flush_and_park(&mut self, park: Option<&Context<'_>>) -> Flow {
        if self.chunk.is_empty() {
            return Flow::Continue;
        }
        let mut shared = lock(&self.link);
        if shared.stopped {
            drop(shared);
            self.discard_chunk();
            return Flow::Stopped;
        }
        self.credit -= self.chunk.len();
        publish(&mut shared.published, &mut self.chunk);
        self.credit += mem::take(&mut shared.credit);
        self.limit = self.chunk_size.min(self.credit);
        shared.producer_in_seq = false;
        let parked = match park {
            Some(cx) if self.credit == 0 => {
                shared.producer_wants_credit = true;
                register(&mut shared.producer, cx);
                true
            }
            _ => false,
        };
        let consumer = shared.wake_consumer();
        drop(shared);
        let flow = self.wake_consumer(consumer);
        if parked {
            Flow::Parked
        } else {
            self.refill(flow)
        }
    }

    /// [`Flow::Refill`] in place of `Continue` when the credit in hand is
    /// spent (after a publish, which settles it), so that `Continue` always
    /// lets one more `send` follow.
    fn refill(&self, flow: Flow) -> Flow {
        match flow {
            Flow::Continue if self.limit == 0 => Flow::Refill,
            flow => flow,
        }
    }

    /// The producer's own sequence is pending: publish what is in hand and
    /// register the task so that a stop can interrupt the wait.
    pub(crate) fn park(&mut self, cx: &mut Context<'_>) -> Result<(), Stopped> {
        let mut shared = lock(&self.link);
        if shared.stopped {
            drop(shared);
            self.discard_chunk();
            return Err(Stopped);
        }
        self.credit -= self.chunk.len();
        publish(&mut shared.published, &mut self.chunk);
        self.credit += mem::take(&mut shared.credit);
        shared.producer_wants_credit = false;
        shared.producer_in_seq = true;
        self.parked = mem::take(&mut self.credit);
        // `poll_ready` sets it again, after it took back the credit.
        self.limit = 0;
        register(&mut shared.producer, cx);
        let consumer = shared.wake_consumer();
        drop(shared);
        // Returning `Pending` anyway: no need to yield after this wake.
        if let Some(w) = consumer {
            w.wake();
        }
        Ok(())
    }

    /// Ends the hand-off: publishes what is in hand (unless the consumer
    /// stopped) and records how the producer ended.
    ///
    /// A panic in the `Drop` of an element discarded after a stop was
    /// kept for this moment: it is the first, so it is the one reported.
    pub(crate) fn close(mut self, panic: Option<Panic>) {
        self.closed = true;
        let mut shared = lock(&self.link);
        if shared.stopped && !self.chunk.is_empty() {
            // Elements the stopped consumer will never see: drop them
            // outside the lock, before the end is recorded, so that a
            // panic in their `Drop` reaches the consumer's stop.
            drop(shared);
            self.discard_chunk();
            shared = lock(&self.link);
        }
        let panic = self.panic.take().or(panic);
        if !shared.stopped {
            publish(&mut shared.published, &mut self.chunk);
        }
        shared.end = Some(match panic {
            Some(payload) => End::Panicked(payload),
            None => End::Finished {
                abandoned: self.abandoned,
            },
        });
        let consumer = shared.wake_consumer();
        drop(shared);
        if let Some(w) = consumer {
            w.wake();
        }
    }

    /// Drops the elements in hand, which the stopped consumer will never
    /// see, outside the lock. Their `Drop` is user code: a panic there is
    /// kept for [`close`](Self::close), and the producer is still stopped
    /// and waited for, so that its cleanup runs.
    fn discard_chunk(&mut self) {
        let chunk = mem::take(&mut self.chunk);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(chunk))) {
            self.panic.get_or_insert(payload);
        }
    }

    fn wake_consumer(&self, consumer: Option<Waker>) -> Flow {
        match consumer {
            Some(w) => {
                w.wake();
                if self.spread {
                    Flow::Yield
                } else {
                    Flow::Continue
                }
            }
            None => Flow::Continue,
        }
    }
}

/// Moves the chunk to the end of the published elements, reusing buffers:
/// when nothing is published the two swap, so in a steady state nothing is
/// allocated.
fn publish<T>(published: &mut Vec<T>, chunk: &mut Vec<T>) {
    if published.is_empty() {
        mem::swap(published, chunk);
    } else {
        published.append(chunk);
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        // The task was dropped without finishing (its runtime shut down):
        // tell the consumer rather than leave it waiting forever.
        let mut shared = lock(&self.link);
        shared.end = Some(End::Abandoned);
        let consumer = shared.wake_consumer();
        drop(shared);
        if let Some(w) = consumer {
            w.wake();
        }
    }
}

// ===== impl Receiver =====

/// The consumer's end of the hand-off.
pub(crate) struct Receiver<T> {
    link: Link<T>,
    /// Elements taken from the shared state, served without locking:
    /// *newest first*, so that the next one is popped off the end.
    local: Vec<T>,
    /// Elements handed to the caller whose credit has not been returned.
    unreleased: usize,
    chunk: usize,
    suspend: bool,
    spread: bool,
    /// Spinning for elements.
    spin: Spin,
    /// `poll_stop` was called.
    stopping: bool,
    /// Capacity 0: the producer gets credit only on demand (see
    /// [`poll_rendezvous`](Self::poll_rendezvous)).
    rendezvous: bool,
    /// The rendezvous gave the credit of one element that has not arrived.
    demanded: bool,
    /// The end was observed: nothing is left to receive or wait for.
    done: bool,
}

impl<T> Receiver<T> {
    /// Elements received and ready to be served without waiting.
    pub(crate) fn ready_len(&self) -> usize {
        self.local.len()
    }

    /// Receives the next element, or how the producer ended.
    ///
    /// Must not be called after `poll_stop`; returns `Finished` once the
    /// end was received.
    #[inline]
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Recv<T>> {
        // The fast path: serve from the local buffer, without a lock.
        if self.unreleased < self.chunk {
            if let Some(item) = self.local.pop() {
                self.unreleased += usize::from(self.suspend);
                return Poll::Ready(Recv::Item(item));
            }
        }
        self.poll_recv_slow(cx)
    }

    /// Once per chunk: return credit, or take what was published.
    #[cold]
    #[inline(never)]
    fn poll_recv_slow(&mut self, cx: &mut Context<'_>) -> Poll<Recv<T>> {
        debug_assert!(!self.stopping, "poll_recv after poll_stop");
        if self.done {
            return Poll::Ready(Recv::Finished);
        }
        if self.rendezvous {
            return self.poll_rendezvous(cx);
        }
        // Return credit only for elements handed out by *earlier* calls: by
        // now the caller has taken them, so the producer never gets more
        // than `n` ahead of what the consumer has received.
        if !self.local.is_empty() {
            let mut shared = lock(&self.link);
            let producer = release(&mut self.unreleased, &mut shared);
            drop(shared);
            if self.wake_producer(producer, cx) {
                return Poll::Pending;
            }
            let item = self.local.pop().expect("checked above");
            self.unreleased += usize::from(self.suspend);
            return Poll::Ready(Recv::Item(item));
        }
        let mut shared = lock(&self.link);
        let producer = release(&mut self.unreleased, &mut shared);
        if self.suspend {
            // Everything published, in one go (the buffers swap; `local`
            // is reversed below, outside the lock).
            mem::swap(&mut shared.published, &mut self.local);
        } else if let Some(item) = shared.queue.pop_front() {
            // One at a time: waiting elements stay within the drop policy's
            // reach.
            self.local.push(item);
        }
        let end = if self.local.is_empty() {
            let end = shared.end.take();
            if end.is_none() {
                let producer_busy = !shared.producer_wants_credit && !shared.producer_in_seq;
                if self.spread && producer_busy && self.spin.again() {
                    // The producer is running and will publish soon: waiting
                    // a moment is cheaper than a park and a cross-thread
                    // wake-up.
                    drop(shared);
                    self.wake_producer(producer, cx);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                self.spin.parked();
                register(&mut shared.consumer, cx);
            }
            end
        } else {
            self.spin.progressed(shared.consumer_woken_at.take());
            None
        };
        drop(shared);
        // Newest first: each element is then served by a `pop`.
        self.local.reverse();
        if let Some(end) = end {
            self.done = true;
            if let Some(w) = producer {
                w.wake();
            }
            return Poll::Ready(match end {
                End::Finished { abandoned } => {
                    abandon::add(abandoned);
                    Recv::Finished
                }
                End::Panicked(payload) => Recv::Panicked(payload),
                End::Abandoned => Recv::Abandoned,
            });
        }
        let yielded = self.wake_producer(producer, cx);
        match self.local.pop() {
            Some(item) if !yielded => {
                self.unreleased += usize::from(self.suspend);
                Poll::Ready(Recv::Item(item))
            }
            Some(item) => {
                // Serve it on the next call, after the yield.
                self.local.push(item);
                Poll::Pending
            }
            None => Poll::Pending,
        }
    }

    /// `poll_recv` of a rendezvous (capacity 0): asks the producer for one
    /// element, once, and waits for it. The credit of one element is the
    /// demand; it is given only while the consumer waits and nothing has
    /// arrived, so the producer runs only then and is never more than the
    /// one element asked for ahead. If the caller gives up waiting (its
    /// future dropped), the element still arrives, stays published, and
    /// the next call takes it.
    ///
    /// A rendezvous never spreads (see [`channel`]): it neither yields nor
    /// spins, and its buffer stays empty.
    fn poll_rendezvous(&mut self, cx: &mut Context<'_>) -> Poll<Recv<T>> {
        debug_assert!(self.local.is_empty() && !self.spread);
        let mut shared = lock(&self.link);
        if let Some(item) = shared.published.pop() {
            debug_assert!(shared.published.is_empty(), "one element at a time");
            self.demanded = false;
            return Poll::Ready(Recv::Item(item));
        }
        if let Some(end) = shared.end.take() {
            drop(shared);
            self.done = true;
            return Poll::Ready(match end {
                End::Finished { abandoned } => {
                    abandon::add(abandoned);
                    Recv::Finished
                }
                End::Panicked(payload) => Recv::Panicked(payload),
                End::Abandoned => Recv::Abandoned,
            });
        }
        let mut producer = None;
        if !self.demanded {
            self.demanded = true;
            shared.credit = 1;
            if shared.producer_wants_credit {
                shared.producer_wants_credit = false;
                producer = shared.wake_producer();
            }
        }
        register(&mut shared.consumer, cx);
        drop(shared);
        if let Some(w) = producer {
            w.wake();
        }
        Poll::Pending
    }

    /// Stops the producer and waits for its task to end: ready with the
    /// producer's panic, if it panicked and the panic was not delivered yet.
    /// Elements not yet received are dropped. Idempotent.
    ///
    /// The discarded elements are dropped last, once the stop is recorded
    /// and the producer woken: their `Drop` is user code, and if it panics
    /// the panic unwinds out of this call, but the task still ends, and a
    /// later call completes the stop.
    pub(crate) fn poll_stop(&mut self, cx: &mut Context<'_>) -> Poll<Option<Panic>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut shared = lock(&self.link);
        let mut discarded = (Vec::new(), Vec::new(), VecDeque::new());
        let mut producer = None;
        if !self.stopping {
            self.stopping = true;
            shared.stopped = true;
            discarded = discard(&mut self.local, &mut shared);
            producer = shared.wake_producer();
        }
        let end = shared.end.take();
        if end.is_none() {
            register(&mut shared.consumer, cx);
        }
        drop(shared);
        if let Some(w) = producer {
            w.wake();
        }
        if end.is_some() {
            self.done = true;
        }
        drop(discarded);
        match end {
            None => Poll::Pending,
            Some(end) => Poll::Ready(match end {
                End::Panicked(payload) => Some(payload),
                End::Finished { abandoned } => {
                    abandon::add(abandoned);
                    None
                }
                End::Abandoned => None,
            }),
        }
    }

    /// Wakes the producer, if given one; returns whether the caller should
    /// yield now (see the module docs), in which case its task is woken.
    fn wake_producer(&self, producer: Option<Waker>, cx: &mut Context<'_>) -> bool {
        let Some(w) = producer else {
            return false;
        };
        w.wake();
        if self.spread {
            cx.waker().wake_by_ref();
        }
        self.spread
    }
}

/// The elements a stop discards, taken out under the lock to be dropped
/// outside it: the receiver's, then the published ones, then those
/// waiting under a drop policy (so the oldest first, the order they were
/// produced in).
type Discarded<T> = (Vec<T>, Vec<T>, VecDeque<T>);

fn discard<T>(local: &mut Vec<T>, shared: &mut Shared<T>) -> Discarded<T> {
    let mut local = mem::take(local);
    // The receiver keeps its elements newest first.
    local.reverse();
    (
        local,
        mem::take(&mut shared.published),
        mem::take(&mut shared.queue),
    )
}

/// Returns the credit of the elements handed out so far; returns the
/// producer's waker if it is parked waiting for credit.
fn release<T>(unreleased: &mut usize, shared: &mut Shared<T>) -> Option<Waker> {
    if *unreleased == 0 {
        return None;
    }
    shared.credit += mem::take(unreleased);
    if shared.producer_wants_credit {
        shared.producer_wants_credit = false;
        shared.wake_producer()
    } else {
        None
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.done || self.stopping {
            return;
        }
        // Dropped mid-sequence: signal the task, which stops the producer
        // and ends on its own. Nothing waits here.
        let mut shared = lock(&self.link);
        shared.stopped = true;
        let discarded = discard(&mut self.local, &mut shared);
        let producer = shared.wake_producer();
        drop(shared);
        if let Some(w) = producer {
            w.wake();
        }
        // User code last (STYLE.md rule 17): the elements' `Drop` may
        // panic, and the task has already been told.
        drop(discarded);
    }
}

#[cfg(all(test, not(seqflow_loom)))]
mod tests {
    use std::task::{Context, Poll, Waker};

    use super::*;

    fn cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    fn recv<T>(rx: &mut Receiver<T>) -> Poll<Option<T>> {
        rx.poll_recv(&mut cx()).map(|r| match r {
            Recv::Item(x) => Some(x),
            Recv::Finished => None,
            Recv::Panicked(_) => panic!("unexpected panic"),
            Recv::Abandoned => panic!("unexpected abandon"),
        })
    }

    #[test]
    fn credit_bounds_the_producer_and_comes_back_in_chunks() {
        let (mut tx, mut rx) = channel::<u32>(8, Overflow::Suspend, false);
        let mut sent = 0;
        while tx.poll_ready(&mut cx()).is_ready() {
            tx.send(sent, &cx());
            sent += 1;
        }
        assert_eq!(sent, 8, "n credits to start with");
        // The consumer takes everything at once, then returns credit only
        // after handing out a chunk (2) and being called again.
        assert_eq!(recv(&mut rx), Poll::Ready(Some(0)));
        assert_eq!(recv(&mut rx), Poll::Ready(Some(1)));
        assert!(tx.poll_ready(&mut cx()).is_pending());
        assert_eq!(recv(&mut rx), Poll::Ready(Some(2)));
        assert!(tx.poll_ready(&mut cx()).is_ready());
        assert_eq!(tx.credit, 2);
    }

    #[test]
    fn elements_stay_in_the_sender_until_a_chunk_is_full() {
        let (mut tx, mut rx) = channel::<u32>(16, Overflow::Suspend, false);
        for i in 0..3 {
            assert_eq!(tx.send(i, &cx()), Flow::Continue);
        }
        assert_eq!(recv(&mut rx), Poll::Pending);
        // The fourth fills the chunk (16 / 4) and publishes.
        assert_eq!(tx.send(3, &cx()), Flow::Continue);
        assert_eq!(rx.ready_len(), 0);
        assert_eq!(recv(&mut rx), Poll::Ready(Some(0)));
        assert_eq!(rx.ready_len(), 3);
    }

    #[test]
    fn close_publishes_the_rest_then_ends() {
        let (mut tx, mut rx) = channel::<u32>(16, Overflow::Suspend, false);
        tx.send(1, &cx());
        tx.close(None);
        assert_eq!(recv(&mut rx), Poll::Ready(Some(1)));
        assert_eq!(recv(&mut rx), Poll::Ready(None));
        assert_eq!(recv(&mut rx), Poll::Ready(None));
    }

    #[test]
    fn a_panic_comes_after_the_elements_before_it() {
        let (mut tx, mut rx) = channel::<u32>(16, Overflow::Suspend, false);
        tx.send(1, &cx());
        tx.close(Some(Box::new("boom")));
        assert_eq!(recv(&mut rx), Poll::Ready(Some(1)));
        let Poll::Ready(Recv::Panicked(p)) = rx.poll_recv(&mut cx()) else {
            panic!("expected the panic");
        };
        assert_eq!(*p.downcast::<&str>().unwrap(), "boom");
    }

    #[test]
    fn a_dropped_sender_is_reported_as_abandoned() {
        let (tx, mut rx) = channel::<u32>(4, Overflow::Suspend, false);
        drop(tx);
        assert!(matches!(
            rx.poll_recv(&mut cx()),
            Poll::Ready(Recv::Abandoned)
        ));
    }

    #[test]
    fn stop_discards_and_reaches_the_sender() {
        let (mut tx, mut rx) = channel::<u32>(16, Overflow::Suspend, false);
        assert_eq!(tx.send(0, &cx()), Flow::Continue); // kept in the chunk
        assert!(rx.poll_stop(&mut cx()).is_pending());
        assert_eq!(tx.flush(), Flow::Stopped);
        assert!(tx.park(&mut cx()).is_err());
        tx.close(None);
        assert!(matches!(rx.poll_stop(&mut cx()), Poll::Ready(None)));
        assert!(matches!(rx.poll_stop(&mut cx()), Poll::Ready(None)));
    }

    /// Records its value when dropped.
    struct Noted(u32, Arc<Mutex<Vec<u32>>>);

    impl Drop for Noted {
        fn drop(&mut self) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn a_stop_drops_what_the_consumer_never_received_oldest_first() {
        let dropped = Arc::new(Mutex::new(Vec::new()));
        let noted = |i| Noted(i, dropped.clone());
        // Capacity 8: chunks of 2.
        let (mut tx, mut rx) = channel::<Noted>(8, Overflow::Suspend, false);
        for i in 0..4 {
            assert!(tx.poll_ready(&mut cx()).is_ready());
            tx.send(noted(i), &cx());
        }
        // The receiver takes 0..4 at once and serves 0; 4 and 5 are
        // published after that, and 6 stays in the sender's chunk.
        match rx.poll_recv(&mut cx()) {
            Poll::Ready(Recv::Item(first)) => assert_eq!(first.0, 0),
            _ => panic!("the first element was published"),
        }
        for i in 4..7 {
            assert!(tx.poll_ready(&mut cx()).is_ready());
            tx.send(noted(i), &cx());
        }
        assert_eq!(*dropped.lock().unwrap(), [0]);
        assert!(rx.poll_stop(&mut cx()).is_pending());
        assert_eq!(*dropped.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
        tx.close(None);
        assert_eq!(*dropped.lock().unwrap(), [0, 1, 2, 3, 4, 5, 6]);
        assert!(matches!(rx.poll_stop(&mut cx()), Poll::Ready(None)));
    }

    #[test]
    fn send_continues_only_while_credit_is_left() {
        // Capacity 8: chunks of 2, so elements 1, 3, 5 and 7 publish.
        let (mut tx, mut rx) = channel::<u32>(8, Overflow::Suspend, false);
        for i in 0..7 {
            assert_eq!(tx.send(i, &cx()), Flow::Continue, "element {i}");
            assert!(tx.has_credit());
        }
        assert_eq!(tx.send(7, &cx()), Flow::Refill);
        assert!(!tx.has_credit());
        assert!(tx.poll_ready(&mut cx()).is_pending());
        // Capacity 4: chunks of 1, each element published on its own.
        let (mut tx4, _rx4) = channel::<u32>(4, Overflow::Suspend, false);
        for i in 0..3 {
            assert_eq!(tx4.send(i, &cx()), Flow::Continue, "element {i}");
        }
        assert_eq!(tx4.send(3, &cx()), Flow::Refill);
        // Credit comes back (a chunk handed out, then a call), and the
        // sender takes it in `poll_ready`.
        for i in 0..3 {
            assert_eq!(recv(&mut rx), Poll::Ready(Some(i)));
        }
        assert!(tx.poll_ready(&mut cx()).is_ready());
        assert_eq!(tx.send(8, &cx()), Flow::Continue);
    }

    #[test]
    fn drop_oldest_keeps_the_newest_n() {
        let (mut tx, mut rx) = channel::<u32>(3, Overflow::DropOldest, false);
        for i in 0..10 {
            assert!(tx.poll_ready(&mut cx()).is_ready());
            tx.send(i, &cx());
        }
        tx.close(None);
        let got: Vec<_> = std::iter::from_fn(|| match recv(&mut rx) {
            Poll::Ready(x) => x,
            Poll::Pending => panic!("pending"),
        })
        .collect();
        assert_eq!(got, [7, 8, 9]);
    }

    #[test]
    fn drop_latest_keeps_the_first_n() {
        let (mut tx, mut rx) = channel::<u32>(3, Overflow::DropLatest, false);
        for i in 0..10 {
            tx.send(i, &cx());
        }
        assert_eq!(recv(&mut rx), Poll::Ready(Some(0)));
        // Room for one more now.
        tx.send(10, &cx());
        tx.send(11, &cx());
        tx.close(None);
        let mut rest = Vec::new();
        while let Poll::Ready(Some(x)) = recv(&mut rx) {
            rest.push(x);
        }
        assert_eq!(rest, [1, 2, 10]);
    }

    #[test]
    fn spreading_spins_while_the_peer_is_busy_then_parks() {
        let (mut tx, mut rx) = channel::<u32>(4, Overflow::Suspend, true);
        // The producer is running: the consumer re-polls itself (it is
        // not registered, so a publish wakes nobody)...
        for _ in 0..SPINS {
            assert_eq!(recv(&mut rx), Poll::Pending);
            assert!(lock(&rx.link).consumer.is_none());
        }
        // ...then parks.
        assert_eq!(recv(&mut rx), Poll::Pending);
        assert!(lock(&rx.link).consumer.is_some());
        // Waking a parked peer asks the waker to yield.
        assert_eq!(tx.send(0, &cx()), Flow::Yield);
        assert_eq!(recv(&mut rx), Poll::Ready(Some(0)));
        assert_eq!(rx.spin.count, 0, "elements reset the spin count");
    }

    #[test]
    fn the_spin_limit_adapts_to_the_peer() {
        let mut spin = Spin::new();
        // A peer much slower than a full spin halves the limit, down to the
        // least.
        for _ in 0..8 {
            while spin.again() {}
            spin.parked();
            spin.progressed(Some(Instant::now() + Duration::from_secs(1)));
        }
        assert_eq!(spin.limit, MIN_SPINS);
        // Parking without having spun (the peer waits for I/O) changes
        // nothing.
        spin.parked();
        spin.progressed(Some(Instant::now() + Duration::from_secs(1)));
        assert_eq!(spin.limit, MIN_SPINS);
        // A peer that woke this side sooner than a full spin would have
        // lasted doubles it, even though the short spin missed it...
        while spin.again() {}
        spin.parked();
        spin.progressed(Some(Instant::now()));
        assert_eq!(spin.limit, 2 * MIN_SPINS);
        // ...and so does spinning that pays off, up to the most.
        for _ in 0..8 {
            assert!(spin.again());
            spin.progressed(None);
        }
        assert_eq!(spin.limit, SPINS);
    }

    #[test]
    fn spreading_parks_at_once_while_the_producer_waits_in_its_sequence() {
        let (mut tx, mut rx) = channel::<u32>(4, Overflow::Suspend, true);
        assert!(tx.park(&mut cx()).is_ok());
        assert_eq!(recv(&mut rx), Poll::Pending);
        assert!(lock(&rx.link).consumer.is_some(), "no spinning for I/O");
    }

    #[test]
    fn spreading_producer_spins_for_credit_while_the_consumer_runs() {
        let (mut tx, mut rx) = channel::<u32>(1, Overflow::Suspend, true);
        tx.send(0, &cx());
        for _ in 0..SPINS {
            assert!(tx.poll_ready(&mut cx()).is_pending());
            assert!(!lock(&tx.link).producer_wants_credit);
        }
        assert!(tx.poll_ready(&mut cx()).is_pending());
        assert!(lock(&tx.link).producer_wants_credit);
        assert_eq!(recv(&mut rx), Poll::Ready(Some(0)));
        assert!(recv(&mut rx).is_pending()); // returns the credit
        assert!(tx.poll_ready(&mut cx()).is_ready());
    }
}

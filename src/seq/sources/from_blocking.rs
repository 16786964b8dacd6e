//! [`from_blocking`] and [`from_blocking_buffered`]: a sequence from a
//! synchronous producer on tokio's blocking pool.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use crate::seq::Seq;

mod slot;

use self::slot::{End, Offered, Shared, Taken};

/// The primitives `slot.rs` is built on (loom's in the model test,
/// `integration/tests/from_blocking_loom.rs`, which compiles `slot.rs` again).
mod sync {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

    /// How often a side re-checks its busy peer before it sleeps.
    pub(crate) const SPINS: u32 = 64;

    pub(crate) fn spin_hint() {
        std::hint::spin_loop();
    }
}

/// How many elements [`from_blocking`]'s producer may run ahead of the
/// consumer: the smallest bound that stayed near the fastest on both
/// runtime flavours in the P7 benchmark (`BENCHMARKS.md`, `p7_bounds`).
const DEFAULT_AHEAD: usize = 256;

/// Creates a sequence from a synchronous producer that runs on tokio's
/// blocking pool: Go's `func(yield func(T) bool)`, for blocking code.
///
/// Use this one unless you have a reason not to. `f` may run up to 256
/// elements ahead of the consumer, so the two threads rarely have to wake
/// each other: handing over an element cost 0.1-0.2 µs on a loaded 2-core
/// machine, against 9-13 µs when `f` waits for each element to be taken
/// (the rendezvous, [`from_blocking_buffered`]`(0, f)`), and 0.5-0.7 µs
/// for a hand-written `spawn_blocking` + tokio `mpsc(256)` +
/// `blocking_send` (`BENCHMARKS.md`, P7). Reading a 200,000-line file,
/// that is the difference between tens of milliseconds and most of a
/// second. Smaller bounds cost more per element (64: 0.3-1 µs, 8: 2-4 µs).
/// Choose [`from_blocking_buffered`]`(n, f)` with a smaller `n` when
/// elements are large (about `n` wait in memory), and `n = 0` when `f` must
/// not go on before its element was taken (it holds a lock or a cursor per
/// element).
///
/// `f` receives a [`BlockingYield`] and calls `y.yield_(v)` once per
/// element. The call returns `true` once `v` is queued (blocking `f`'s
/// thread only while 256 elements already wait), and `false` once the
/// consumer has stopped or was dropped; `f` should then clean up and
/// return. This is the shape for a synchronous source: a blocking database
/// driver, a `csv::Reader`, a blocking file or socket API. It replaces the
/// hand-written `spawn_blocking` + channel + `blocking_send`, and keeps
/// what that loses: the stop reaches the producer, its cleanup finishes
/// before the consumer goes on, and its panic reaches the consumer.
///
/// - **Cold.** `f` is started (with
///   [`spawn_blocking`](tokio::task::spawn_blocking)) at the first poll, never
///   before; a sequence stopped or dropped before that never runs it.
/// - **Bounded.** At most 256 elements wait between `f` and the consumer
///   (besides the one `f` is blocked on), in a queue allocated once; nothing is allocated per element and there
///   is no second task. Elements queued but never delivered are dropped
///   (their `Drop` runs) when the sequence ends: by the time a stop
///   completes, or soon after the sequence is dropped (on `f`'s thread if
///   it is still running). Each run gives back all its memory.
/// - **Stop waits for `f`.** When the consumer stops early (a `for_each`
///   body returns `false`, [`take`](Seq::take) reached its count,
///   [`Pull::stop`](crate::Pull::stop)), `f`'s next `yield_` returns
///   `false`, and the stop completes only after `f` returned: a statement
///   is finalized, a file closed, before the consumer resumes. A thread
///   cannot be cancelled, so unlike an async producer (which a stop drops where it waits) an `f`
///   stuck in a blocking call is waited for: it hears the stop at its next
///   `yield_` (or by checking [`BlockingYield::is_stopped`]). The same
///   holds for every early end around it (`timeout`, `with_cancel`,
///   `take` after `heartbeat`, ...). Bound its blocking calls (a read
///   timeout) if the stop must be prompt.
/// - **Drop never blocks.** Dropping the sequence tells `f` the same way and
///   returns at once: `f` finishes on its own thread and the thread goes
///   back to the pool.
///
/// The hand-off is a queue behind a mutex, a condvar and the consumer's
/// waker; each side signals the other only when the other sleeps, and a
/// producer that had to sleep is woken only once the consumer drained half
/// the queue. It is faster than tokio's `mpsc` of the same bound at every
/// bound measured (`BENCHMARKS.md`, P7). The consumer spends tokio's
/// cooperative budget per element, like a channel receiver.
///
/// # Panics
///
/// The first poll panics if it is not within a tokio runtime (it spawns on
/// the runtime's blocking pool).
///
/// A panic in `f` is resumed in the consumer after the elements `f`
/// yielded before it: by the `poll_next` that would have returned the next
/// element, or by the stop. Calling `yield_` again after it returned
/// `false` is a bug in `f` and panics (see [`BlockingYield::yield_`]); that
/// panic reaches the consumer likewise.
///
/// # Cancel safety
///
/// The sequence owns the hand-off: dropping a consumer future (`next()` of
/// a [`stream`](Seq::stream), a [`Pull::next`](crate::Pull::next) in
/// `select!`) loses no element, because an element leaves the hand-off
/// only in the poll that returns it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use seqflow::{seq, BlockingYield, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let closed = Arc::new(AtomicBool::new(false));
/// let flag = closed.clone();
/// let lines = seq::from_blocking(move |mut y: BlockingYield<String>| {
///     // A blocking source: imagine `BufReader::lines()` on a file.
///     for i in 1.. {
///         if !y.yield_(format!("line {i}")) {
///             break; // the consumer stopped
///         }
///     }
///     flag.store(true, Ordering::SeqCst); // cleanup: close the file
/// });
/// let first: Vec<String> = lines.take(2).collect().await;
/// assert_eq!(first, ["line 1", "line 2"]);
/// assert!(closed.load(Ordering::SeqCst), "the stop waited for the cleanup");
/// # }
/// ```
pub fn from_blocking<T, F>(f: F) -> FromBlocking<T, F>
where
    T: Send + 'static,
    F: FnOnce(BlockingYield<T>) + Send + 'static,
{
    from_blocking_buffered(DEFAULT_AHEAD, f)
}

/// Like [`from_blocking`], with the bound chosen: `f` may run up to `n`
/// elements ahead of the consumer; `n == 0` is the rendezvous.
///
/// `y.yield_(v)` returns `true` as soon as `v` is queued while fewer than
/// `n` elements wait to be taken, so `f` blocks only when it is `n`
/// elements ahead (and then, if it had to sleep, until the consumer has
/// taken about half of them, so that the two threads do not wake each
/// other per element). The elements wait in a queue allocated once:
/// bounded memory, no second task.
///
/// With `n == 0`, `yield_(v)` returns only once the consumer took `v`:
/// Go's unbuffered hand-off. `f` runs at most one element ahead (it
/// computes the next one while the consumer handles `v`), but each element
/// costs two cross-thread wake-ups, 70-90 times [`from_blocking`]'s
/// per-element cost in `BENCHMARKS.md` (P7). Choose it when `f` must not
/// go on before its element was taken.
///
/// Everything else (cold start, the stop waiting for `f`, drop, dropping
/// undelivered elements, panics) is as for [`from_blocking`].
///
/// # Panics
///
/// As [`from_blocking`].
///
/// # Cancel safety
///
/// As [`from_blocking`]: no element is lost when a consumer future is
/// dropped.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, BlockingYield, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let squares = seq::from_blocking_buffered(16, |mut y: BlockingYield<u64>| {
///     for i in 0..1000 {
///         if !y.yield_(i * i) {
///             return;
///         }
///     }
/// });
/// assert_eq!(squares.fold(0, |acc, v| acc + v).await, 332_833_500);
///
/// // The rendezvous: `yield_` returns once the consumer took the element.
/// let one_at_a_time = seq::from_blocking_buffered(0, |mut y: BlockingYield<u32>| {
///     for i in 0..3 {
///         if !y.yield_(i) {
///             return;
///         }
///     }
/// });
/// assert_eq!(one_at_a_time.collect::<Vec<_>>().await, [0, 1, 2]);
/// # }
/// ```
pub fn from_blocking_buffered<T, F>(n: usize, f: F) -> FromBlocking<T, F>
where
    T: Send + 'static,
    F: FnOnce(BlockingYield<T>) + Send + 'static,
{
    FromBlocking {
        run: Run::Unstarted(f),
        ahead: n,
    }
}

// ===== impl BlockingYield =====

/// The handle a [`from_blocking`] producer yields its elements through:
/// `y.yield_(v)` is `true` once `v` is queued, `false` once the consumer
/// stopped.
///
/// `BlockingYield` is `Send`: `f` may hand it to a thread of its own, as
/// long as every `yield_` happens before `f` returns.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, BlockingYield, Seq};
///
/// /// A blocking reader of numbered records (a file, a driver's cursor).
/// fn read_all(mut y: BlockingYield<u32>) {
///     for record in 0..100 {
///         if !y.yield_(record) {
///             return; // stopped: close the reader
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(seq::from_blocking(read_all).count().await, 100);
/// # }
/// ```
pub struct BlockingYield<T> {
    shared: Arc<Shared<T>>,
    /// `yield_` returned `false`: calling it again is a bug.
    heard_stop: bool,
}

impl<T> BlockingYield<T> {
    /// Hands `value` to the consumer and returns `true` once it is queued,
    /// blocking this thread while the queue is full (for
    /// [`from_blocking_buffered`]`(0, f)`, the rendezvous, until the
    /// consumer has taken it). Returns `false`, and drops `value`, once the
    /// consumer has stopped or was dropped: `f` should then clean up and
    /// return. Elements queued before that which the consumer never takes
    /// are dropped when the sequence ends.
    ///
    /// # Panics
    ///
    /// - When called again after it returned `false`: the producer continued
    ///   after `yield_` returned `false`, which is a bug (Go's rule: a
    ///   producer that continues iteration after `yield` returned `false`
    ///   panics). The panic names the caller's location and reaches the
    ///   consumer.
    /// - When called after `f` returned (the handle was kept elsewhere).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, BlockingYield, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // The rendezvous: `yield_` returns once the element was taken.
    /// let s = seq::from_blocking_buffered(0, |mut y: BlockingYield<&str>| {
    ///     assert!(y.yield_("one"));
    ///     assert!(!y.yield_("two")); // `take(1)` stopped the consumer
    /// });
    /// assert_eq!(s.take(1).collect::<Vec<_>>().await, ["one"]);
    /// # }
    /// ```
    #[track_caller]
    pub fn yield_(&mut self, value: T) -> bool {
        if self.heard_stop {
            continued_after_false();
        }
        match self.shared.offer(value) {
            Offered::Taken => true,
            Offered::Stopped => {
                self.heard_stop = true;
                false
            }
            Offered::Orphaned => orphaned(),
        }
    }

    /// Whether the consumer has stopped or was dropped: for a producer that
    /// blocks a long time between elements and wants to give up early.
    /// When it returns `true`, the next `yield_` returns `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, BlockingYield, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::from_blocking(|mut y: BlockingYield<u32>| {
    ///     assert!(!y.is_stopped());
    ///     y.yield_(1);
    /// });
    /// assert_eq!(s.collect::<Vec<_>>().await, [1]);
    /// # }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.heard_stop || self.shared.is_stopped()
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn continued_after_false() -> ! {
    panic!(
        "the producer continued after `BlockingYield::yield_` returned `false`: \
         the consumer has stopped, so the producer must clean up and return instead of \
         yielding again (Go: \"continued iteration after function for loop body returned false\")"
    )
}

#[cold]
#[inline(never)]
#[track_caller]
fn orphaned() -> ! {
    panic!("`BlockingYield::yield_` was called after its producer (`from_blocking`'s `f`) returned")
}

impl<T> fmt::Debug for BlockingYield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingYield")
            .field("is_stopped", &self.is_stopped())
            .finish()
    }
}

// ===== impl FromBlocking =====

/// Sequence returned by [`from_blocking`] and [`from_blocking_buffered`].
#[must_use = "sequences do nothing unless consumed"]
pub struct FromBlocking<T, F> {
    run: Run<T, F>,
    /// How many elements `f` may run ahead (0: rendezvous).
    ahead: usize,
}

enum Run<T, F> {
    Unstarted(F),
    Running(Arc<Shared<T>>),
    /// Stopped; waiting for `f` to return.
    Stopping(Arc<Shared<T>>),
    Done,
}

// Nothing is pinned: `f` is moved to its thread, the rest is behind an `Arc`.
impl<T, F> Unpin for FromBlocking<T, F> {}

impl<T, F> FromBlocking<T, F>
where
    T: Send + 'static,
    F: FnOnce(BlockingYield<T>) + Send + 'static,
{
    fn start(&mut self) {
        let Run::Unstarted(f) = std::mem::replace(&mut self.run, Run::Done) else {
            unreachable!("started twice")
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            panic!("`seq::from_blocking` must be polled within a tokio runtime")
        };
        let shared = Arc::new(Shared::new(self.ahead));
        let ended = Ended {
            shared: shared.clone(),
            reported: false,
        };
        let y = BlockingYield {
            shared: shared.clone(),
            heard_stop: false,
        };
        drop(handle.spawn_blocking(move || {
            let mut end = match catch_unwind(AssertUnwindSafe(move || f(y))) {
                Ok(()) => End::Returned,
                Err(payload) => End::Panicked(payload),
            };
            // Elements a stopped consumer will never take are dropped here,
            // before the end is reported, so the stop completes after their
            // `Drop`; a panicking `Drop` reaches the consumer as `f`'s panic.
            let left = ended.shared.take_undelivered();
            if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(left))) {
                if let End::Returned = end {
                    end = End::Panicked(payload);
                }
            }
            ended.report(end);
        }));
        self.run = Run::Running(shared);
    }
}

/// Reports the producer's end; if the blocking task is dropped unrun (the
/// runtime shuts down), reports a return so no consumer waits forever.
struct Ended<T> {
    shared: Arc<Shared<T>>,
    reported: bool,
}

impl<T> Ended<T> {
    fn report(mut self, end: End) {
        self.shared.finish(end);
        // Its `Drop` must not report a second time, but it must still run:
        // it gives back the producer's share of the state (the queue, the
        // elements in it, a panic payload).
        self.reported = true;
    }
}

impl<T> Drop for Ended<T> {
    fn drop(&mut self) {
        if !self.reported {
            self.shared.finish(End::Returned);
        }
    }
}

impl<T, F> Seq for FromBlocking<T, F>
where
    T: Send + 'static,
    F: FnOnce(BlockingYield<T>) + Send + 'static,
{
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match &self.run {
            Run::Unstarted(_) => self.start(),
            Run::Running(_) => {}
            Run::Stopping(_) => return self.poll_stop(cx).map(|()| None),
            Run::Done => return Poll::Ready(None),
        }
        let Run::Running(shared) = &self.run else {
            unreachable!("started above")
        };
        // Like a channel receiver: one unit of the task's budget per element.
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        match ready!(shared.poll_take(cx)) {
            Taken::Item(item) => {
                coop.made_progress();
                Poll::Ready(Some(item))
            }
            Taken::Returned => {
                self.run = Run::Done;
                Poll::Ready(None)
            }
            Taken::Panicked(payload) => {
                self.run = Run::Done;
                resume_unwind(payload)
            }
        }
    }

    fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = match std::mem::replace(&mut self.run, Run::Done) {
            // Never started: `f` is dropped unrun.
            Run::Unstarted(_) | Run::Done => return Poll::Ready(()),
            Run::Running(shared) => {
                shared.stop();
                shared
            }
            Run::Stopping(shared) => shared,
        };
        match shared.poll_end(cx) {
            Poll::Pending => {
                self.run = Run::Stopping(shared);
                Poll::Pending
            }
            Poll::Ready(None) => Poll::Ready(()),
            Poll::Ready(Some(payload)) => resume_unwind(payload),
        }
    }
}

impl<T, F> Drop for FromBlocking<T, F> {
    fn drop(&mut self) {
        // Tell `f`; never wait for it here.
        if let Run::Running(shared) = &self.run {
            shared.stop();
        }
    }
}

impl<T, F> fmt::Debug for FromBlocking<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.run {
            Run::Unstarted(_) => "unstarted",
            Run::Running(_) => "running",
            Run::Stopping(_) => "stopping",
            Run::Done => "done",
        };
        f.debug_struct("FromBlocking")
            .field("state", &state)
            .field("ahead", &self.ahead)
            .finish()
    }
}

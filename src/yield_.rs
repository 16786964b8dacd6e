//! The hand-off between a producer's [`Yield`] and the consumer driving it.
//!
//! This is the only module of the crate that uses `unsafe`. Implementation
//! notes for maintainers (they used to close the crate page; users never
//! need them).
//!
//! # The idea in plain words
//!
//! A sequence is a poll-driven state machine, like a `Stream`. When the
//! consumer asks for an element, the sequence polls the producer's future.
//! For that one poll it builds, on its own stack, a small *frame*: the id of
//! this run, whether the consumer has stopped, whether the producer heard
//! that, and an empty one-element slot. It hands the producer a waker that
//! carries a pointer to that frame and otherwise forwards every wake-up to
//! the task's real waker. When the producer awaits `yield_(v)`, the `yield_`
//! future looks at the waker it is polled with, recognises the frame (a
//! private vtable marks it) and checks the run id; then it puts `v` in the
//! slot and returns `Pending`. The producer's future returns `Pending` up to
//! the sequence, which finds the slot full and returns the element. On the
//! next demand the `yield_` future is polled again, sees its value taken,
//! and resolves to `true`; once the consumer has stopped the frame says so
//! and it resolves to `false`.
//!
//! **The stop rule** (DESIGN.md contract 19; the code is in
//! `seq/engine/producer.rs`). A stop polls the producer once more, with the
//! frame's stop flag set. A `yield_` or `until_stopped` that sees the flag
//! marks the frame "heard"; the sequence then keeps polling the producer
//! until it returns, so its async cleanup runs before the stop completes. If
//! that poll ends with the frame not heard, the producer is waiting where no
//! stop can reach it, and the sequence drops its future at once. Every
//! adapter and handle ends its source through `poll_stop`, so they all keep
//! the rule.
//!
//! **Cost.** No element crosses a thread, a channel or a lock, and the only
//! atomic operation is one counter increment per run. After inlining, what
//! remains per element is the producer's own state machine, the frame on the
//! stack with its identity check (the waker's vtable and the run id) and the
//! budget count (`BENCHMARKS.md` has the instruction counts).
//!
//! **Misuse and soundness.** A `Yield` awaited anywhere else (another task, a
//! later run, another sequence's producer) sees a foreign waker or a foreign
//! run id and panics with [`MISUSE`], which says what went wrong and where
//! the `yield_` was called. The identity check, and accessing the frame one
//! field at a time (never through a reference over the whole frame), are
//! what make the frame access sound: a `yield_` future polled on a scoped
//! thread with the producer's own waker, while another thread wakes it, is
//! accepted and touches no data that thread reads. Every `unsafe` block
//! carries its argument, and the tests that exercise this module run under
//! Miri (`scripts/test-all`).
//!
//! This is the same idea as `async-stream`'s generator, with the frame found
//! through the waker rather than a thread-local, so a `Yield` moved to
//! another task, or kept past its run, is caught rather than miscompiled.
//!
//! # The mechanism, precisely
//!
//! * The consumer polls the producer future through [`poll_producer`], which
//!   builds a [`Frame`] on its own stack (the run's id, whether the consumer
//!   has stopped, whether the producer heard it, an empty slot) and a waker
//!   whose data pointer is that frame and whose vtable is this module's
//!   private [`VTABLE`]. The waker forwards every wake-up to the task's real
//!   waker.
//! * The futures of [`Yield`] ([`Yielding`], [`UntilStopped`], [`YieldAll`])
//!   look at the waker they are polled with. Only a waker built by
//!   `poll_producer` has our vtable, and only the frame of its own run
//!   carries its run id. If both match, the future is running inside the
//!   consumer's poll of *its* producer while the consumer is suspended in
//!   that call: it may fill the slot and mark the stop as heard. Anything
//!   else is a misused `Yield` and panics with [`MISUSE`].
//! * After the producer's poll returns, the consumer takes the slot and reads
//!   whether the stop was heard.
//!
//! The frame is never accessed through a reference that covers it whole:
//! each access reads or writes one field through a raw pointer. A producer
//! may hand `cx.waker()` to a scoped thread and poll its `yield_` there while
//! another thread wakes the same waker; the wakers only read the header's
//! `outer` field, the `Yield` futures only read `run` and `stopped` and write
//! `heard`, `shielded` and `slot`, so no two threads ever touch the same field with a
//! write between them (a scoped thread is joined before the producer's poll
//! returns, which orders its writes before the consumer's reads).
//!
//! No thread-locals, no atomics per element, no allocation.
#![allow(unsafe_code)] // the crate's only unsafe module; each block argues its soundness
#![deny(clippy::undocumented_unsafe_blocks)]

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker, ready};

use pin_project_lite::pin_project;

use crate::Seq;

/// The message a misused [`Yield`] panics with.
pub(crate) const MISUSE: &str = "`Yield::yield_` was awaited outside the producer it was given to: \
a `Yield` belongs to one run of one sequence; it must not be moved to another task, \
kept after its sequence finished, or awaited inside another sequence's producer";

/// The message of a producer that yields again after `yield_` returned `false`.
pub(crate) const CONTINUED: &str = "the producer continued after `yield_` returned `false` \
(or after `until_stopped` returned `None`): the consumer has stopped, so the producer must \
clean up and return instead of yielding again \
(Go: \"continued iteration after function for loop body returned false\")";

/// Identifies one run of one producer; never reused within a process.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RunId(u64);

impl RunId {
    /// Placeholder before a run starts; [`RunId::fresh`] never returns it.
    pub(crate) const UNSTARTED: RunId = RunId(0);

    /// A fresh id. One relaxed atomic increment per run (not per element).
    pub(crate) fn fresh() -> RunId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RunId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

// ===== the frame =====

/// The type-independent head of a [`Frame`]: what the waker functions and the
/// identity check read before the element type is known.
#[repr(C)]
struct Header {
    /// Read by the `Yield` futures; never written during the poll.
    run: RunId,
    /// Read by the `Yield` futures; never written during the poll.
    stopped: bool,
    /// Whether the producer has heard the stop, in an earlier poll or in
    /// this one: read and written by the `Yield` futures of this run (one at
    /// a time, see `FramePtr::hear`).
    heard: bool,
    /// Whether a [`Yield::shield`] of the producer was pending when this
    /// poll returned: written by the `Shield` future of this run (the only
    /// `Yield` future being polled, see `FramePtr::shield`), read by the
    /// consumer after the poll. `false` at the start of every poll; set
    /// when the shield returns `Pending`, cleared when it completes. A
    /// shield dropped while pending cannot clear it (its `Drop` has no
    /// frame): it wakes the task instead, and the next poll starts afresh.
    shielded: bool,
    /// Read by the waker functions; never written during the poll.
    outer: *const Waker,
}

/// Lives on the stack of one [`poll_producer`] call.
#[repr(C)]
struct Frame<T> {
    header: Header,
    /// Where `yield_` leaves its value for the consumer.
    slot: Option<T>,
}

// ===== the waker =====

/// The vtable that marks a waker as built by [`poll_producer`]. A `static`,
/// so its address is unique and comparable.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// Returns the task's own waker that the frame at `data` wraps.
///
/// # Safety
///
/// `data` must be the data pointer of a waker with [`VTABLE`], that is, a
/// pointer to the `Header` of a live `Frame` inside a running `poll_producer`.
unsafe fn outer<'a>(data: *const ()) -> &'a Waker {
    // SAFETY: by this function's contract `data` points to a live `Header`
    // (the first field of a `repr(C)` `Frame`). We read only its `outer`
    // field, through a raw field pointer, and nobody writes that field while
    // the frame is live. It points to the task's waker borrowed by that
    // `poll_producer` call, which outlives the frame.
    unsafe { &*(&raw const (*data.cast::<Header>()).outer).read() }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: wakers with VTABLE are only reachable by reference through the
    // `Context` handed to the producer during `poll_producer`, so the frame
    // is live whenever one of them is cloned.
    let owned = ManuallyDrop::new(unsafe { outer(data) }.clone());
    // A clone is a plain clone of the task's waker: it may outlive the frame.
    RawWaker::new(owned.data(), owned.vtable())
}

unsafe fn wake(data: *const ()) {
    // Our wakers own nothing, so waking by value is waking by reference.
    // SAFETY: as for `clone`: the frame is live while the waker is reachable.
    unsafe { outer(data) }.wake_by_ref();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as for `clone`: the frame is live while the waker is reachable.
    unsafe { outer(data) }.wake_by_ref();
}

unsafe fn drop_waker(_data: *const ()) {}

/// A pointer to the frame of the `poll_producer` call that is polling the
/// current `Yield` future, checked to belong to that future's run.
struct FramePtr<T>(*mut Frame<T>, PhantomData<fn(T)>);

impl<T> Clone for FramePtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for FramePtr<T> {}

impl<T> FramePtr<T> {
    /// The frame of run `run`, found through `cx`.
    ///
    /// # Panics
    ///
    /// With [`MISUSE`] (naming `at`) unless `cx` is the context a
    /// `poll_producer` call built for run `run`.
    #[inline]
    fn of(cx: &Context<'_>, run: RunId, at: &'static Location<'static>) -> Self {
        let waker = cx.waker();
        if !ptr::eq(waker.vtable(), &VTABLE) {
            misused(at);
        }
        let data = waker.data();
        // SAFETY: only `poll_producer` builds wakers with VTABLE, and their
        // data pointer is the `Header` of its live `Frame`; the waker is
        // borrowed from `cx`, so that call is still running. `run` is never
        // written while the frame is live; we read that field alone.
        let frame_run = unsafe { (&raw const (*data.cast::<Header>()).run).read() };
        if frame_run != run {
            misused(at);
        }
        // The run id is unique to one run, and the run's frames are built by
        // `poll_producer::<T, _>` for the producer that received the
        // `Yield<T>` of that run, so the frame has type `Frame<T>`. `data`
        // was derived from `&raw mut frame`, so it may be written through.
        FramePtr(data.cast::<Frame<T>>().cast_mut(), PhantomData)
    }

    /// Whether the consumer has stopped.
    #[inline]
    fn stopped(self) -> bool {
        // SAFETY: `self` came from `FramePtr::of` within the current poll of
        // a `Yield` future, so the frame is live (see `of`). `stopped` is
        // never written while the frame is live.
        unsafe { (&raw const (*self.0).header.stopped).read() }
    }

    /// Whether the producer has already heard the stop.
    #[inline]
    fn heard(self) -> bool {
        // SAFETY: the frame is live (see `stopped`); `heard` is written only
        // by the `Yield` future being polled, which is the caller (see
        // `hear`).
        unsafe { (&raw const (*self.0).header.heard).read() }
    }

    /// Records that the producer waits inside a shield.
    #[inline]
    fn shield(self) {
        // SAFETY: the frame is live (see `stopped`). Only the `Shield`
        // future of this run writes `shielded`; it borrows the run's one
        // `Yield` mutably, so no other `Yield` future of the run is polled
        // meanwhile, and the consumer reads the field only after the
        // producer's poll (and any scoped thread inside it) has returned.
        unsafe { (&raw mut (*self.0).header.shielded).write(true) }
    }

    /// Records that the producer's shield completed: it no longer waits
    /// inside it.
    #[inline]
    fn unshield(self) {
        // SAFETY: as for `shield`.
        unsafe { (&raw mut (*self.0).header.shielded).write(false) }
    }

    /// Records that the producer heard the stop.
    #[inline]
    fn hear(self) {
        // SAFETY: the frame is live (see `stopped`). Only the `Yield`
        // futures of this run write `heard`; they all borrow the run's one
        // `Yield` mutably, so at most one of them is being polled at a time,
        // and the consumer reads `heard` only after the producer's poll (and
        // any scoped thread inside it) has returned.
        unsafe { (&raw mut (*self.0).header.heard).write(true) }
    }

    /// Whether the slot is free for an element.
    #[inline]
    fn slot_is_free(self) -> bool {
        // SAFETY: the frame is live (see `stopped`); the slot is written only
        // by the one `Yield` future of this run being polled (see `hear`),
        // which is the caller, and read by the consumer after the poll.
        unsafe { (*self.0).slot.is_none() }
    }

    /// Fills the free slot with `value`.
    #[inline]
    fn fill(self, value: T) {
        debug_assert!(self.slot_is_free());
        // SAFETY: as for `slot_is_free`. The slot holds `None`, so
        // overwriting it without a drop leaks nothing.
        unsafe { (&raw mut (*self.0).slot).write(Some(value)) }
    }
}

// ===== the consumer side =====

/// What one poll of a producer gave: see [`poll_producer`].
pub(crate) struct Polled<O, T> {
    /// The producer future's own poll result.
    pub(crate) poll: Poll<O>,
    /// The element it yielded, if any.
    pub(crate) item: Option<T>,
    /// Whether a `yield_`, `yield_all` or `until_stopped` of the producer
    /// saw the stop during this poll. Only ever `true` when `stopped`.
    pub(crate) heard: bool,
    /// Whether the producer returned `Pending` from inside a
    /// [`Yield::shield`]: a stop waits for it.
    pub(crate) shielded: bool,
}

/// Polls a producer future (of run `run`) once, so that its [`Yield`] can
/// hand over one element.
///
/// When `stopped` is set, the producer's `yield_` and `until_stopped`
/// futures resolve to `false`/`None` at once, nothing is yielded, and
/// [`Polled::heard`] says whether the producer has heard the stop (in this
/// poll, or before it: `heard`, which the caller keeps between polls). A
/// `yield_` awaited once the stop was heard is the producer's bug and
/// panics.
///
/// This is the only place a producer future is polled: with a single call
/// site the compiler inlines the producer into its consumer.
#[inline]
pub(crate) fn poll_producer<T, F: Future>(
    fut: Pin<&mut F>,
    run: RunId,
    stopped: bool,
    heard: bool,
    cx: &mut Context<'_>,
) -> Polled<F::Output, T> {
    debug_assert!(stopped || !heard);
    let mut frame = Frame::<T> {
        header: Header {
            run,
            stopped,
            heard,
            shielded: false,
            outer: cx.waker(),
        },
        slot: None,
    };
    let data = (&raw mut frame).cast::<()>().cast_const();
    // SAFETY: the RawWaker contract. The four VTABLE functions only read the
    // frame's `outer` field through `data`, and a waker with VTABLE is
    // reachable only through `inner`, which borrows this `waker` local and is
    // dropped before `frame` is read again or goes out of scope (a scoped
    // thread holding `&Waker` is joined before `fut.poll` returns); clones are
    // clones of the task's waker and carry no pointer to the frame. The waker
    // is never dropped (ManuallyDrop), and dropping it would be a no-op anyway.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) });
    let mut inner = Context::from_waker(&waker);
    let poll = fut.poll(&mut inner);
    Polled {
        poll,
        item: frame.slot,
        heard: frame.header.heard,
        shielded: frame.header.shielded,
    }
}

#[cold]
#[inline(never)]
fn misused(at: &'static Location<'static>) -> ! {
    panic!("{MISUSE} (the `Yield` future was created at {at})")
}

#[cold]
#[inline(never)]
fn continued(at: &'static Location<'static>) -> ! {
    panic!("{CONTINUED} (`yield_` called at {at})")
}

/// What a `Yield` future does if the producer has already heard the stop.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Heard {
    /// `yield_`, `yield_all`: the producer continued after `false`.
    Panics,
    /// `until_stopped`: `None` again.
    IsFine,
}

/// Validates the frame of the current poll for a future of run `run`
/// created at `at`, and applies the stop rule: `None` (the stop is heard,
/// and recorded in the frame) once the consumer has stopped.
///
/// # Panics
///
/// With [`MISUSE`] outside the producer's own poll, and with [`CONTINUED`]
/// when the producer had already heard the stop and `heard` says so.
#[inline]
fn open_frame<T>(
    cx: &Context<'_>,
    run: RunId,
    at: &'static Location<'static>,
    heard: Heard,
) -> Option<FramePtr<T>> {
    let frame = FramePtr::of(cx, run, at);
    if !frame.stopped() {
        return Some(frame);
    }
    if heard == Heard::Panics && frame.heard() {
        continued(at);
    }
    frame.hear();
    None
}

// ===== impl Yield =====

/// The producer's handle for handing elements to the consumer.
///
/// A producer passed to [`seq::from_fn`](crate::seq::from_fn) receives a
/// `Yield<T>` and calls [`yield_`](Yield::yield_) once per element. The
/// protocol, in Go's words for `yield`:
///
/// 1. `y.yield_(v).await` hands `v` to the consumer and resolves once the
///    consumer wants the next element, with `true`.
/// 2. Once the consumer has stopped (a `for_each` body returned `false`,
///    `take` reached its count, a [`Pull`](crate::Pull) was stopped or
///    dropped), the pending `yield_` resolves to `false`: the producer has
///    *heard* the stop. It should then clean up and return; the consumer's
///    `for_each`/`stop` completes only after that return, so async cleanup
///    runs.
/// 3. A producer that awaits `yield_` again after it resolved to `false`
///    (or after `until_stopped` resolved to `None`) has a bug: that `yield_`
///    panics with a message naming its call site, and the panic reaches the
///    consumer like any producer panic. (Go's rule: "continued iteration
///    after function for loop body returned false".)
/// 4. A stop is heard only at a pending `yield_` (or [`yield_all`]), or
///    inside [`until_stopped`]. A producer that is waiting anywhere else
///    when the consumer stops (a hung read, a sleep) is dropped at once:
///    Rust cancellation, its `Drop` cleanup runs, its async cleanup does
///    not. Wrap a long wait in [`until_stopped`] to hear the stop there and
///    still clean up asynchronously, and cleanup that must finish in
///    [`shield`]: a stop that finds the producer inside a shield waits for
///    it, then applies this rule to wherever the producer waits next.
/// 5. A `Yield` belongs to one run of one producer. Awaiting its futures
///    from another task, after its sequence finished, or inside another
///    sequence's producer panics with a message that says so. It is never
///    undefined behaviour.
///
/// `yield_` must be awaited by the producer future itself, or through
/// combinators that pass the task's [`Context`] along (`select!`, `join!`,
/// `tokio::time::timeout`, ...). Executors-inside-a-future that install a
/// waker of their own (`FuturesUnordered`, `tokio::spawn`) count as "another
/// task" and panic. A future polled on a scoped thread with the producer's
/// own waker is accepted and sound: the hand-off never lets two threads
/// touch the same data.
///
/// [`yield_all`]: Yield::yield_all
/// [`until_stopped`]: Yield::until_stopped
/// [`shield`]: Yield::shield
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let evens = seq::from_fn(|mut y: Yield<u32>| async move {
///     for i in 0.. {
///         if !y.yield_(2 * i).await {
///             return; // the consumer stopped: clean up here
///         }
///     }
/// });
/// let v: Vec<u32> = evens.take(3).collect().await;
/// assert_eq!(v, [0, 2, 4]);
/// # }
/// ```
pub struct Yield<T> {
    run: RunId,
    _item: PhantomData<fn(T)>,
}

impl<T> Yield<T> {
    pub(crate) fn new(run: RunId) -> Self {
        Yield {
            run,
            _item: PhantomData,
        }
    }

    /// Hands `value` to the consumer; resolves to `false` once the consumer
    /// has stopped.
    ///
    /// When this resolves to `true` the consumer has taken `value` and asks
    /// for the next element. When it resolves to `false` the consumer has
    /// stopped, and the producer must clean up and return. `false` does not
    /// say whether `value` was delivered: the last element a consumer takes
    /// before it stops (the `n`-th under `take(n)`, the one a `for_each`
    /// body answered `false` to) was delivered, and its `yield_` still
    /// resolves to `false`; a value the consumer never took is dropped.
    ///
    /// # Panics
    ///
    /// - If awaited after an earlier `yield_` (or `yield_all`) of this
    ///   producer resolved to `false`, or an `until_stopped` resolved to
    ///   `None`: the producer continued after the consumer stopped. The
    ///   message names this call's location.
    /// - If awaited outside the producer this `Yield` was given to (see the
    ///   [type docs](Yield)).
    ///
    /// # Cancel safety
    ///
    /// The value is handed over on the first poll, and then **it has been
    /// delivered even if the future is dropped** (it lost a `select!` in the
    /// producer). There is one exception: the consumer takes one element per
    /// poll of the producer, so if an earlier `yield_` future of the same
    /// producer handed over an element in the *same* poll and was dropped,
    /// this one keeps its value until the producer's next poll, and **if it
    /// is dropped before then, its value is dropped**. A future dropped
    /// before its first poll drops its value too. To yield inside a
    /// `select!` loop without losing anything, create the future once,
    /// outside the loop, pin it, and poll it by `&mut` in each round, as
    /// tokio's docs advise for its channels' `send`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::from_fn(|mut y: Yield<&str>| async move {
    ///     assert!(y.yield_("one").await);      // the consumer asked for more
    ///     assert!(!y.yield_("two").await);     // it stopped after this one
    ///     // a third `yield_` here would panic: clean up and return instead
    /// });
    /// assert_eq!(s.take(2).collect::<Vec<_>>().await, ["one", "two"]);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn yield_(&mut self, value: T) -> Yielding<'_, T> {
        Yielding {
            run: self.run,
            value: Some(value),
            at: Location::caller(),
            _yield: PhantomData,
        }
    }

    /// Runs `fut` until it completes or the consumer stops, whichever comes
    /// first: `Some(output)`, or `None` once the consumer has stopped.
    ///
    /// This is how a producer hears a stop while it waits for something
    /// other than the consumer, typically I/O. A producer that is waiting
    /// outside `yield_` and `until_stopped` when the consumer stops is
    /// dropped (its async cleanup does not run); one waiting in
    /// `until_stopped` sees `None` instead, `fut` is dropped, and the
    /// producer goes on to its cleanup, which the consumer waits for, as
    /// after a `yield_` that returned `false`.
    ///
    /// Once the producer has heard the stop (here or at `yield_`), every
    /// later `until_stopped` resolves to `None` at once: cleanup I/O runs
    /// plainly, not inside `until_stopped`. And a producer that heard the
    /// stop is waited for, whatever it awaits next: `until_stopped` inside
    /// a `join!` with a future that never completes makes the stop wait for
    /// that future too.
    ///
    /// `fut` is dropped when the stop comes, as a whole: whatever runs inside
    /// it gets no say. A sequence consumed inside `fut` (a `for_each` over
    /// another producer, say) is dropped mid-run, so its producer is
    /// cancelled like any dropped future, and a `shield` inside that inner
    /// producer does not hold the outer stop back. Consume such a sequence
    /// outside `until_stopped`, or shield the part of `fut` that must finish.
    ///
    /// # Panics
    ///
    /// If awaited outside the producer this `Yield` was given to (see the
    /// [type docs](Yield)).
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `fut`: dropping this future drops `fut`.
    ///
    /// # Examples
    ///
    /// A producer that reads from a source that may stall, and closes its
    /// connection asynchronously when the consumer stops:
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let events = log.clone();
    /// let s = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     let mut n = 0;
    ///     // a "read" that stalls for an hour after the second element
    ///     let read = |n: u32| async move {
    ///         if n >= 2 { tokio::time::sleep(Duration::from_secs(3600)).await }
    ///         n
    ///     };
    ///     while let Some(v) = y.until_stopped(read(n)).await {
    ///         if !y.yield_(v).await { break }
    ///         n += 1;
    ///     }
    ///     tokio::task::yield_now().await; // async cleanup: "close the connection"
    ///     events.lock().unwrap().push("closed");
    /// });
    /// let first = s.timeout(Duration::from_secs(1)).collect::<Vec<_>>().await;
    /// assert_eq!(first.len(), 3); // 0, 1, then the timeout error
    /// assert_eq!(*log.lock().unwrap(), ["closed"]); // heard inside the read
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn until_stopped<F: Future>(&mut self, fut: F) -> UntilStopped<'_, T, F> {
        UntilStopped {
            run: self.run,
            fut: Some(fut),
            at: Location::caller(),
            _yield: PhantomData,
        }
    }

    /// Runs `fut` to completion even if the consumer stops meanwhile: the
    /// way to protect cleanup that must not be cut short.
    ///
    /// A stop that finds the producer waiting outside `yield_` and
    /// [`until_stopped`](Yield::until_stopped) drops it (Rust cancellation:
    /// its `Drop` cleanup runs, its async cleanup does not). That is what a
    /// stop should do to a hung read, and what it must not do to the
    /// cleanup itself: a producer that ran ahead (under `merge`,
    /// `map_unordered` or `prefetch`, say), finished its last element and
    /// is deleting its temporary file when the consumer stops would lose
    /// the deletion. Inside `shield`, it does not: a stop that finds the
    /// producer in a shield waits for `fut` to complete, then treats the
    /// producer as it finds it next: its next `yield_` resolves to
    /// `false`, its next `until_stopped` to `None`, and if it waits
    /// anywhere else, it is dropped there.
    ///
    /// Which await needs what, in a producer that reads a socket and
    /// closes it:
    ///
    /// - the read (it may stall): [`until_stopped`](Yield::until_stopped),
    ///   so that a stop is heard there and the producer goes on to its
    ///   cleanup;
    /// - the cleanup (it must finish): `shield`. After a `yield_` that
    ///   returned `false` the producer has heard the stop and is waited
    ///   for anyway; `shield` is what protects cleanup the producer reaches
    ///   without having heard it (at its natural end, or after an error).
    ///
    /// Keep a shielded future short and sure to complete: the stop waits
    /// for it, however long it takes (a `timeout`, `with_cancel` or
    /// `Pull::stop` included). Dropping the sequence itself (or the
    /// [`stream`](crate::Seq::stream) over it) is Rust cancellation and
    /// drops a shield like any other future.
    ///
    /// A shield that the producer itself drops before it completes (it lost
    /// a `select!`, a `timeout` around it elapsed) protects nothing from
    /// then on: a stop under way applies the rule to wherever the producer
    /// waits after it.
    ///
    /// # Panics
    ///
    /// If awaited outside the producer this `Yield` was given to (see the
    /// [type docs](Yield)). A panic of `fut` unwinds through the producer
    /// to the consumer.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `fut`: dropping this future drops `fut`.
    ///
    /// # Examples
    ///
    /// A producer that removes its spool file when it is done, even when the
    /// consumer stops while the removal is under way:
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let events = log.clone();
    /// let spool = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for v in [1, 2] {
    ///         if !y.yield_(v).await { break }
    ///     }
    ///     // cleanup that takes a while: "remove the spool file"
    ///     y.shield(tokio::time::sleep(Duration::from_millis(50))).await;
    ///     events.lock().unwrap().push("removed");
    /// });
    /// // A `timeout` of 10 ms stops the producer during its cleanup: the
    /// // stop waits for the shielded removal instead of dropping it.
    /// let got: Vec<_> = spool.timeout(Duration::from_millis(10)).collect().await;
    /// assert_eq!(got.len(), 3); // 1, 2, then the timeout error
    /// assert_eq!(*log.lock().unwrap(), ["removed"]);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn shield<F: Future>(&mut self, fut: F) -> Shield<'_, T, F> {
        Shield {
            run: self.run,
            fut,
            pending: WakeOnDrop(None),
            at: Location::caller(),
            _yield: PhantomData,
        }
    }

    /// Re-yields every element of `seq`, in order: Go's
    /// `for v := range inner { if !yield(v) { return } }`.
    ///
    /// Resolves to `true` once `seq` is exhausted, and to `false` once the
    /// consumer has stopped, after stopping `seq` (its producer hears the
    /// stop, or is dropped if it waits elsewhere, as any stopped sequence's)
    /// and waiting for its cleanup.
    ///
    /// # Panics
    ///
    /// As [`yield_`](Yield::yield_); a panic of `seq` unwinds through it.
    ///
    /// # Cancel safety
    ///
    /// **Not cancel safe**: dropping the future drops `seq` (Rust
    /// cancellation) and an element it has produced but not yet handed over.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let framed = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     if !y.yield_(0).await { return }
    ///     if !y.yield_all(seq::iter([1, 2, 3])).await { return }
    ///     y.yield_(4).await;
    /// });
    /// assert_eq!(framed.collect::<Vec<_>>().await, [0, 1, 2, 3, 4]);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn yield_all<S: Seq<Item = T>>(&mut self, seq: S) -> YieldAll<'_, T, S> {
        YieldAll {
            run: self.run,
            _yield: PhantomData,
            seq,
            held: None,
            handed_over: false,
            stopping: false,
            at: Location::caller(),
        }
    }
}

impl<T> fmt::Debug for Yield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yield").field("run", &self.run.0).finish()
    }
}

// ===== impl Yielding =====

/// Future returned by [`Yield::yield_`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Yielding<'a, T> {
    run: RunId,
    /// `Some` until the value is handed over (or dropped, once stopped).
    value: Option<T>,
    /// Where `yield_` was called, for the panic messages.
    at: &'static Location<'static>,
    /// Borrows the `Yield` mutably: one of its futures at a time. (Only a
    /// marker: the future holds no reference into the producer's state.)
    _yield: PhantomData<&'a mut Yield<T>>,
}

// `Yielding` never pins `T`: the value is moved out, never projected.
impl<T> Unpin for Yielding<'_, T> {}

impl<T> Future for Yielding<'_, T> {
    type Output = bool;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = self.get_mut();
        let Some(frame) = open_frame(cx, this.run, this.at, Heard::Panics) else {
            // `T::drop` is user code: it runs after the last use of the frame.
            drop(this.value.take());
            return Poll::Ready(false);
        };
        match this.value.take() {
            Some(value) => {
                if frame.slot_is_free() {
                    frame.fill(value);
                } else {
                    // An earlier `yield_` of this producer (dropped by a
                    // `select!`) filled the slot during this same poll. The
                    // consumer takes that element when the producer returns
                    // `Pending`, and polls again: we hand over then.
                    this.value = Some(value);
                }
                Poll::Pending
            }
            // Handed over earlier. The slot can only be full if we were
            // polled again within the same producer poll: the consumer has
            // not taken it yet.
            None if !frame.slot_is_free() => Poll::Pending,
            None => Poll::Ready(true),
        }
    }
}

impl<T> fmt::Debug for Yielding<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielding")
            .field("run", &self.run.0)
            .field("handed_over", &self.value.is_none())
            .finish()
    }
}

// ===== impl UntilStopped =====

pin_project! {
    /// Future returned by [`Yield::until_stopped`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct UntilStopped<'a, T, F> {
        run: RunId,
        // `None` once the consumer stopped: dropped at once.
        #[pin]
        fut: Option<F>,
        at: &'static Location<'static>,
        _yield: PhantomData<&'a mut Yield<T>>,
    }
}

impl<T, F: Future> Future for UntilStopped<'_, T, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let mut this = self.project();
        if open_frame::<T>(cx, *this.run, this.at, Heard::IsFine).is_none() {
            // Heard now, or earlier (then `None` at once, as documented).
            this.fut.set(None);
            return Poll::Ready(None);
        }
        match this.fut.as_pin_mut() {
            Some(fut) => fut.poll(cx).map(Some),
            None => Poll::Ready(None),
        }
    }
}

impl<T, F> fmt::Debug for UntilStopped<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntilStopped")
            .field("run", &self.run.0)
            .finish()
    }
}

// ===== impl Shield =====

pin_project! {
    /// Future returned by [`Yield::shield`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Shield<'a, T, F> {
        run: RunId,
        #[pin]
        fut: F,
        // Armed while the last poll returned `Pending`.
        pending: WakeOnDrop,
        at: &'static Location<'static>,
        _yield: PhantomData<&'a mut Yield<T>>,
    }
}

/// The task's waker, kept by a pending [`Shield`]: if the shield is dropped
/// before it completes (it lost a `select!`, a `timeout` around it
/// elapsed), the frame may still say the producer waits in a shield, and a
/// stop would wait for a producer that waits elsewhere. Waking the task
/// makes the consumer poll again, with a fresh frame. A spurious wake-up
/// (the shield dropped in a later poll, or with its producer) is harmless.
///
/// A field of its own, not a `Drop` of `Shield`: a `Drop` there would make
/// the borrow of the `Yield` last until the shield goes out of scope.
struct WakeOnDrop(Option<Waker>);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

impl<T, F: Future> Future for Shield<'_, T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // Checks the run (a misplaced `Yield` panics) whether or not the
        // consumer has stopped: a shield hears no stop.
        let frame = FramePtr::<T>::of(cx, *this.run, this.at);
        let poll = this.fut.poll(cx);
        // The frame is still live: `fut` returned, and the consumer's poll
        // of the producer has not.
        if poll.is_pending() {
            frame.shield();
            // A clone of our waker is a clone of the task's.
            match &mut this.pending.0 {
                Some(waker) => waker.clone_from(cx.waker()),
                none => *none = Some(cx.waker().clone()),
            }
        } else {
            // Pending earlier in this same poll, it may have marked it.
            frame.unshield();
            this.pending.0 = None;
        }
        poll
    }
}

impl<T, F> fmt::Debug for Shield<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("run", &self.run.0).finish()
    }
}

// ===== impl YieldAll =====

pin_project! {
    /// Future returned by [`Yield::yield_all`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct YieldAll<'a, T, S> {
        run: RunId,
        _yield: PhantomData<&'a mut Yield<T>>,
        #[pin]
        seq: S,
        // An element of `seq` that found the slot busy (see `Yielding`).
        held: Option<T>,
        // The slot holds our element until the consumer takes it.
        handed_over: bool,
        // The consumer stopped: `seq` is being stopped.
        stopping: bool,
        at: &'static Location<'static>,
    }
}

impl<T, S: Seq<Item = T>> Future for YieldAll<'_, T, S> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let mut this = self.project();
        if *this.stopping {
            // We heard the stop in an earlier poll: finish stopping `seq`.
            FramePtr::<T>::of(cx, *this.run, this.at);
            ready!(this.seq.as_mut().poll_stop(cx));
            return Poll::Ready(false);
        }
        let Some(frame) = open_frame(cx, *this.run, this.at, Heard::Panics) else {
            *this.stopping = true;
            *this.handed_over = false;
            drop(this.held.take());
            ready!(this.seq.as_mut().poll_stop(cx));
            return Poll::Ready(false);
        };
        if *this.handed_over {
            if !frame.slot_is_free() {
                return Poll::Pending;
            }
            *this.handed_over = false;
        }
        let item = match this.held.take() {
            Some(item) => item,
            None => match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => item,
                None => return Poll::Ready(true),
            },
        };
        if frame.slot_is_free() {
            frame.fill(item);
            *this.handed_over = true;
        } else {
            *this.held = Some(item);
        }
        Poll::Pending
    }
}

impl<T, S: fmt::Debug> fmt::Debug for YieldAll<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldAll")
            .field("run", &self.run.0)
            .field("seq", &self.seq)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// Polls once, as `poll_next` does.
    fn step<T, F: Future>(
        fut: Pin<&mut F>,
        run: RunId,
        stopped: bool,
    ) -> (Poll<F::Output>, Option<T>) {
        let mut cx = Context::from_waker(Waker::noop());
        let polled = poll_producer(fut, run, stopped, false, &mut cx);
        assert!(stopped || !polled.heard, "only a stopped frame is heard");
        (polled.poll, polled.item)
    }

    #[test]
    fn slot_receives_the_value_and_the_future_completes_on_next_poll() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move { y.yield_(7).await });
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        assert_eq!(item, Some(7));
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert_eq!(poll, Poll::Ready(true));
        assert_eq!(item, None);
    }

    #[test]
    fn stopped_frame_resolves_false_keeps_the_slot_empty_and_is_heard() {
        let run = RunId::fresh();
        let mut y = Yield::<String>::new(run);
        let mut fut = pin!(async move { y.yield_("x".to_owned()).await });
        let mut cx = Context::from_waker(Waker::noop());
        let polled = poll_producer::<String, _>(fut.as_mut(), run, true, false, &mut cx);
        assert_eq!(polled.poll, Poll::Ready(false));
        assert_eq!(polled.item, None);
        assert!(polled.heard);
    }

    #[test]
    fn stopped_frame_waiting_elsewhere_is_not_heard() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            y.yield_(1).await;
            std::future::pending::<()>().await;
        });
        let (_, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert_eq!(item, Some(1));
        let (poll, _) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        let mut cx = Context::from_waker(Waker::noop());
        let polled = poll_producer::<u8, _>(fut.as_mut(), run, true, false, &mut cx);
        assert!(polled.poll.is_pending() && !polled.heard);
    }

    #[test]
    #[should_panic(expected = "continued after `yield_` returned `false`")]
    fn yield_after_false_panics() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            assert!(!y.yield_(1).await);
            y.yield_(2).await
        });
        let _ = step::<u8, _>(fut.as_mut(), run, true);
    }

    #[test]
    #[should_panic(expected = "continued after `yield_` returned `false`")]
    fn yield_in_a_later_poll_after_the_stop_was_heard_panics() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            assert!(!y.yield_(1).await);
            std::future::poll_fn(|cx| {
                cx.waker().wake_by_ref();
                Poll::Ready(())
            })
            .await;
            crate::yield_::tests::PendOnce(false).await; // async cleanup
            y.yield_(2).await
        });
        let mut cx = Context::from_waker(Waker::noop());
        let polled = poll_producer::<u8, _>(fut.as_mut(), run, true, false, &mut cx);
        assert!(polled.poll.is_pending() && polled.heard);
        // The consumer keeps polling a producer that heard the stop.
        let _ = poll_producer::<u8, _>(fut.as_mut(), run, true, true, &mut cx);
    }

    /// Pending once, then ready.
    struct PendOnce(bool);

    impl Future for PendOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                Poll::Pending
            }
        }
    }

    #[test]
    fn until_stopped_is_heard_and_drops_its_future() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let dropped = std::rc::Rc::new(std::cell::Cell::new(false));
        struct Flag(std::rc::Rc<std::cell::Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let flag = Flag(dropped.clone());
        let mut fut = pin!(async move {
            let r = y
                .until_stopped(async move {
                    let _flag = flag;
                    std::future::pending::<u8>().await
                })
                .await;
            // Heard: later calls are `None` at once.
            (r, y.until_stopped(async { 7 }).await)
        });
        let (poll, _) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        assert!(!dropped.get());
        let mut cx = Context::from_waker(Waker::noop());
        let polled = poll_producer::<u8, _>(fut.as_mut(), run, true, false, &mut cx);
        assert_eq!(polled.poll, Poll::Ready((None, None)));
        assert!(polled.heard);
        assert!(dropped.get());
    }

    #[test]
    fn a_pending_shield_marks_the_poll_and_hears_nothing() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            y.yield_(1).await;
            // Pending for two polls: the consumer's next poll, and the stop.
            let v = y
                .shield(async {
                    PendOnce(false).await;
                    PendOnce(false).await;
                })
                .await;
            // After the shield, the stop is heard at the next `yield_`.
            (v, y.yield_(2).await)
        });
        let (_, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert_eq!(item, Some(1));
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending() && item.is_none());
        let mut cx = Context::from_waker(Waker::noop());
        // Stopped while inside the shield: pending, shielded, not heard.
        let polled = poll_producer::<u8, _>(fut.as_mut(), run, true, false, &mut cx);
        assert!(polled.poll.is_pending());
        assert!(polled.shielded && !polled.heard);
        // The shield completes; the producer hears the stop at `yield_`.
        let polled = poll_producer::<u8, _>(fut.as_mut(), run, true, false, &mut cx);
        assert_eq!(polled.poll, Poll::Ready(((), false)));
        assert!(polled.heard && !polled.shielded);
        assert_eq!(polled.item, None);
    }

    #[test]
    #[should_panic(expected = "outside the producer it was given to")]
    fn a_shield_polled_with_a_foreign_waker_panics() {
        let mut y = Yield::<u8>::new(RunId::fresh());
        let mut fut = pin!(y.shield(async {}));
        let mut cx = Context::from_waker(Waker::noop());
        let _ = fut.as_mut().poll(&mut cx);
    }

    #[test]
    fn a_yield_polled_twice_in_one_poll_waits_for_the_consumer() {
        // A `join!` or a hand-written loop may poll the same `yield_` again
        // within one poll of the producer: the consumer has not taken the
        // element yet, so the second poll must not report it taken.
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            let mut first = pin!(y.yield_(1));
            let again = poll_fn(|cx| {
                assert!(first.as_mut().poll(cx).is_pending());
                Poll::Ready(first.as_mut().poll(cx))
            })
            .await;
            assert!(again.is_pending(), "taken before the consumer took it");
            first.await
        });
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        assert_eq!(item, Some(1));
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert_eq!((poll, item), (Poll::Ready(true), None));
    }

    #[test]
    fn busy_slot_defers_the_second_value_to_the_next_poll() {
        let run = RunId::fresh();
        let mut y = Yield::<u8>::new(run);
        let mut fut = pin!(async move {
            // Hand over 1, drop the future (as a lost `select!` branch would),
            // then yield 2 within the same poll.
            let mut first = Box::pin(y.yield_(1));
            poll_fn(|cx| {
                let _ = first.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            drop(first);
            y.yield_(2).await
        });
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        assert_eq!(item, Some(1));
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert!(poll.is_pending());
        assert_eq!(item, Some(2));
        let (poll, item) = step::<u8, _>(fut.as_mut(), run, false);
        assert_eq!(poll, Poll::Ready(true));
        assert_eq!(item, None);
    }

    #[test]
    #[should_panic(expected = "outside the producer it was given to")]
    fn foreign_waker_panics() {
        let mut y = Yield::<u8>::new(RunId::fresh());
        let mut fut = pin!(y.yield_(1));
        let mut cx = Context::from_waker(Waker::noop());
        let _ = fut.as_mut().poll(&mut cx);
    }

    #[test]
    #[should_panic(expected = "outside the producer it was given to")]
    fn foreign_run_panics() {
        let mut stale = Yield::<u8>::new(RunId::fresh());
        let mut fut = pin!(async move { stale.yield_(1).await });
        let _ = step::<u8, _>(fut.as_mut(), RunId::fresh(), false);
    }

    #[test]
    fn wakeups_reach_the_task_waker() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::task::Wake;

        struct Counter(AtomicUsize);
        impl Wake for Counter {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let task_waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut kept = None;
        let mut fut = pin!(poll_fn(|cx| {
            cx.waker().wake_by_ref();
            kept = Some(cx.waker().clone());
            Poll::Ready(())
        }));
        let polled = poll_producer::<(), _>(fut.as_mut(), RunId::fresh(), false, false, &mut cx);
        assert!(polled.poll.is_ready() && polled.item.is_none());
        // The clone is the task's own waker: it outlives the poll and still
        // wakes the task.
        let kept = kept.expect("cloned");
        assert_eq!(kept.data(), task_waker.data());
        kept.wake();
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }
}

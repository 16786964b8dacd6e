//! The hand-off between a producer's [`Yield`] and the consumer driving it.
//!
//! This is the only module of the crate that uses `unsafe`. The mechanism is
//! described in plain words in the crate docs ("Implementation"); in short:
//!
//! * The consumer polls the producer future through [`poll_producer`], which
//!   builds a [`Frame`] on its own stack (the run's id, whether the consumer
//!   has stopped, an empty slot) and a waker whose data pointer is that frame
//!   and whose vtable is this module's private [`VTABLE`]. The waker forwards
//!   every wake-up to the task's real waker.
//! * [`Yielding::poll`] looks at the waker it is polled with. Only a waker
//!   built by `poll_producer` has our vtable, and only the frame of its own
//!   run carries its run id. If both match, the future is running inside the
//!   consumer's poll of *its* producer, on the consumer's thread, while the
//!   consumer is suspended in that call: it may write the slot. Anything else
//!   is a misused `Yield` and panics with [`MISUSE`].
//! * After the producer's poll returns, the consumer takes the slot.
//!
//! No thread-locals, no atomics per element, no allocation.
#![allow(unsafe_code)] // the crate's only unsafe module; each block argues its soundness
#![deny(clippy::undocumented_unsafe_blocks)]

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// The message a misused [`Yield`] panics with.
pub(crate) const MISUSE: &str = "`Yield::yield_` was awaited outside the producer it was given to: \
a `Yield` belongs to one run of one sequence; it must not be moved to another task, \
kept after its sequence finished, or awaited inside another sequence's producer";

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
    run: RunId,
    stopped: bool,
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
    // (the first field of a `repr(C)` `Frame`), and `outer` points to the
    // task's waker borrowed by that `poll_producer` call, which outlives it.
    unsafe { &*(*data.cast::<Header>()).outer }
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

// ===== the consumer side =====

/// Polls a producer future (of run `run`) once, so that its [`Yield`] can
/// hand over one element.
///
/// Returns the future's poll result and the element it yielded, if any. When
/// `stopped` is set, every `yield_` in this poll resolves to `false` at once
/// and nothing is yielded.
///
/// This is the only place a producer future is polled: with a single call
/// site the compiler inlines the producer into its consumer.
#[inline]
pub(crate) fn poll_producer<T, F: Future>(
    fut: Pin<&mut F>,
    run: RunId,
    stopped: bool,
    cx: &mut Context<'_>,
) -> (Poll<F::Output>, Option<T>) {
    let mut frame = Frame::<T> {
        header: Header {
            run,
            stopped,
            outer: cx.waker(),
        },
        slot: None,
    };
    let data = (&raw mut frame).cast::<()>().cast_const();
    // SAFETY: the RawWaker contract. The four VTABLE functions only read the
    // frame's header through `data`, and a waker with VTABLE is reachable
    // only through `inner`, which borrows this `waker` local and is dropped
    // before `frame` is read again or goes out of scope; clones are clones of
    // the task's waker and carry no pointer to the frame. The waker is never
    // dropped (ManuallyDrop), and dropping it would be a no-op anyway.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) });
    let mut inner = Context::from_waker(&waker);
    let poll = fut.poll(&mut inner);
    (poll, frame.slot)
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
///    dropped), the pending `yield_` resolves to `false`. The producer should
///    then clean up and return; it is driven to its return before the
///    consumer's `for_each`/`stop` completes (tested in
///    `tests/contract_producer.rs`).
/// 3. Every later `yield_` resolves to `false` at once, and its value is
///    dropped, never delivered.
/// 4. A `Yield` belongs to one run of one producer. Awaiting `yield_` from
///    another task, after its sequence finished, or inside another
///    sequence's producer panics with a message that says so. It is never
///    undefined behaviour.
///
/// `yield_` must be awaited by the producer future itself, or through
/// combinators that pass the task's [`Context`] along (`select!`, `join!`,
/// `tokio::time::timeout`, ...). Executors-inside-a-future that install a
/// waker of their own (`FuturesUnordered`, `tokio::spawn`) count as "another
/// task".
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
    /// for the next element. When it resolves to `false`, `value` was not
    /// delivered (it is dropped) and the producer should return.
    ///
    /// # Panics
    ///
    /// Panics if awaited outside the producer this `Yield` was given to (see
    /// the [type docs](Yield)).
    ///
    /// # Cancel safety
    ///
    /// The value is handed over on the first poll. If the future is dropped
    /// after that (it lost a `select!` in the producer), **the value has
    /// still been delivered**; if it is dropped before its first poll, the
    /// value is dropped.
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
    ///     assert!(!y.yield_("three").await);   // and stays stopped
    /// });
    /// assert_eq!(s.take(2).collect::<Vec<_>>().await, ["one", "two"]);
    /// # }
    /// ```
    #[inline]
    pub fn yield_(&mut self, value: T) -> Yielding<'_, T> {
        Yielding {
            run: self.run,
            value: Some(value),
            _yield: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Yield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yield").field("run", &self.run.0).finish()
    }
}

// ===== impl Yielding =====

#[cold]
#[inline(never)]
#[track_caller]
fn misused() -> ! {
    panic!("{MISUSE}")
}

/// Future returned by [`Yield::yield_`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Yielding<'a, T> {
    run: RunId,
    /// `Some` until the value is handed over (or dropped, once stopped).
    value: Option<T>,
    /// Borrows the `Yield` mutably: one hand-off at a time.
    _yield: PhantomData<&'a mut Yield<T>>,
}

// `Yielding` never pins `T`: the value is moved out, never projected.
impl<T> Unpin for Yielding<'_, T> {}

impl<T> Yielding<'_, T> {
    /// The frame of the `poll_producer` call this future runs in.
    ///
    /// # Panics
    ///
    /// With [`MISUSE`] unless `cx` is the context a `poll_producer` call
    /// built for this future's run.
    #[inline]
    fn frame<'c>(&self, cx: &'c mut Context<'_>) -> &'c mut Frame<T> {
        let waker = cx.waker();
        if !ptr::eq(waker.vtable(), &VTABLE) {
            misused();
        }
        let data = waker.data();
        // SAFETY: only `poll_producer` builds wakers with VTABLE, and their
        // data pointer is the `Header` of its live `Frame` (see `outer`).
        let run = unsafe { (*data.cast::<Header>()).run };
        if run != self.run {
            misused();
        }
        // SAFETY: the run id is unique to one run, and the run's frames are
        // built by `poll_producer::<T, _>` for the producer that received
        // this `Yield<T>`, so the frame has type `Frame<T>`. We are inside
        // that `poll_producer` call (its waker is only reachable through its
        // context), on its thread, while it is suspended in `fut.poll`; the
        // consumer does not touch the frame until `fut.poll` returns. The
        // only other `Yielding` that could validate against this frame
        // belongs to the same `Yield`, which our `&mut` borrow of it
        // excludes, and the reference does not outlive this borrow of `cx`
        // (no user code runs while it lives: see `poll`). `data` was derived
        // from `&raw mut frame`, so it may be written through.
        unsafe { &mut *data.cast::<Frame<T>>().cast_mut() }
    }
}

impl<T> Future for Yielding<'_, T> {
    type Output = bool;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = self.get_mut();
        let frame = this.frame(cx);
        if frame.header.stopped {
            // `T::drop` is user code: run it after the last use of `frame`.
            drop(this.value.take());
            return Poll::Ready(false);
        }
        match this.value.take() {
            Some(value) => {
                if frame.slot.is_none() {
                    frame.slot = Some(value);
                } else {
                    // An earlier `yield_` of this producer (dropped by a
                    // `select!`) filled the slot during this same poll. The
                    // consumer takes that element when the producer returns
                    // `Pending`, and polls again: we hand over then.
                    this.value = Some(value);
                }
                Poll::Pending
            }
            // Handed over earlier. The slot can only hold our value if we
            // were polled again within the same producer poll: the consumer
            // has not taken it yet.
            None if frame.slot.is_some() => Poll::Pending,
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
        poll_producer(fut, run, stopped, &mut cx)
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
    fn stopped_frame_resolves_false_and_keeps_the_slot_empty() {
        let run = RunId::fresh();
        let mut y = Yield::<String>::new(run);
        let mut fut = pin!(async move {
            [
                y.yield_("x".to_owned()).await,
                y.yield_("y".to_owned()).await,
            ]
        });
        let (poll, item) = step::<String, _>(fut.as_mut(), run, true);
        assert_eq!(poll, Poll::Ready([false, false]));
        assert_eq!(item, None);
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
        let (poll, item) = poll_producer::<(), _>(fut.as_mut(), RunId::fresh(), false, &mut cx);
        assert!(poll.is_ready() && item.is_none());
        // The clone is the task's own waker: it outlives the poll and still
        // wakes the task.
        let kept = kept.expect("cloned");
        assert_eq!(kept.data(), task_waker.data());
        kept.wake();
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }
}

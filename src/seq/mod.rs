//! Sequences: the [`Seq`] trait, its producers and its adapters.
//!
//! The producers are the free functions of this module ([`from_fn`],
//! [`try_from_fn`], [`iter`], [`from_stream`], [`once`], [`empty`],
//! [`repeat_with`], [`unfold`]); adapters and terminal operations are
//! provided methods on [`Seq`]. Every type here is returned by one of those
//! and documented there.

use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

mod drain;
mod producer;

// --- section: core ---
mod all;
mod any;
mod collect;
mod count;
mod empty;
mod find;
mod first;
mod fold;
mod for_each;
mod from_fn;
mod from_stream;
mod iter;
mod last;
mod max;
mod min;
mod once;
mod repeat_with;
mod stream;
mod take;
mod try_collect;
mod try_for_each;
mod try_from_fn;
mod unfold;

pub use self::all::All;
pub use self::any::Any;
pub use self::collect::Collect;
pub use self::count::Count;
pub use self::empty::{Empty, empty};
pub use self::find::Find;
pub use self::first::First;
pub use self::fold::Fold;
pub use self::for_each::ForEach;
pub use self::from_fn::{FromFn, from_fn};
pub use self::from_stream::{FromStream, from_stream};
pub use self::iter::{Iter, iter};
pub use self::last::Last;
pub use self::max::Max;
pub use self::min::Min;
pub use self::once::{Once, once};
pub use self::repeat_with::{RepeatWith, repeat_with};
pub use self::stream::SeqStream;
pub use self::take::Take;
pub use self::try_collect::TryCollect;
pub use self::try_for_each::TryForEach;
pub use self::try_from_fn::{TryFromFn, try_from_fn};
pub use self::unfold::{Unfold, unfold};

// --- section: shaping ---

// --- section: prefetch ---
mod prefetch;

pub use self::prefetch::{Overflow, Prefetch};

// --- section: control ---

// --- section: pull ---

// --- section: more-shaping ---

// --- section: remote ---

/// A boxed, type-erased [`Seq`] that is `Send`, for API boundaries.
///
/// Built with [`Seq::boxed`]. It is a `Seq` itself (through the impl for
/// `Pin<P>`), so every adapter applies to it.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, BoxSeq, Seq};
///
/// fn numbers(small: bool) -> BoxSeq<'static, u32> {
///     if small { seq::iter(0..3).boxed() } else { seq::iter(100..103).boxed() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(numbers(true).collect::<Vec<_>>().await, [0, 1, 2]);
/// # }
/// ```
pub type BoxSeq<'a, T> = Pin<Box<dyn Seq<Item = T> + Send + 'a>>;

/// A boxed, type-erased [`Seq`] that need not be `Send`.
///
/// Built with [`Seq::boxed_local`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seqflow::{seq, LocalBoxSeq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let s: LocalBoxSeq<'_, Rc<u8>> = seq::once(Rc::new(7)).boxed_local();
/// assert_eq!(*s.first().await.unwrap(), 7);
/// # }
/// ```
pub type LocalBoxSeq<'a, T> = Pin<Box<dyn Seq<Item = T> + 'a>>;

/// A [`Seq`] of pairs: Go's `iter.Seq2[K, V]`.
///
/// Implemented for every sequence whose item is a `(K, V)` tuple; producers
/// yield tuples, and `pull2` pulls them.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq, Seq2};
///
/// fn keys<K, V>(s: impl Seq2<K, V>) -> impl Seq<Item = (K, V)> { s }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pairs = keys(seq::iter([("a", 1), ("b", 2)]));
/// assert_eq!(pairs.collect::<Vec<_>>().await, [("a", 1), ("b", 2)]);
/// # }
/// ```
pub trait Seq2<K, V>: Seq<Item = (K, V)> {}

impl<K, V, S: Seq<Item = (K, V)> + ?Sized> Seq2<K, V> for S {}

/// A fallible [`Seq`]: one whose items are `Result<Ok, Error>`.
///
/// Go's `iter.Seq2[T, error]` becomes a `Seq<Item = Result<T, E>>`; this
/// trait names its two halves so the fallible methods
/// ([`try_collect`](Seq::try_collect), [`try_for_each`](Seq::try_for_each),
/// ...) read well. It is implemented for every such sequence and cannot be
/// implemented otherwise.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, TrySeq};
///
/// async fn total(s: impl TrySeq<Ok = u32, Error = String>) -> Result<u32, String> {
///     s.try_collect::<Vec<_>>().await.map(|v| v.into_iter().sum())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(total(seq::iter(vec![Ok(1), Ok(2)])).await, Ok(3));
/// # }
/// ```
pub trait TrySeq: Seq<Item = Result<<Self as TrySeq>::Ok, <Self as TrySeq>::Error>> {
    /// The type of the successful elements.
    type Ok;
    /// The type of the errors.
    type Error;
}

impl<T, E, S: Seq<Item = Result<T, E>> + ?Sized> TrySeq for S {
    type Ok = T;
    type Error = E;
}

/// An asynchronous sequence driven by a push-style producer: Go's `iter.Seq`.
///
/// Sequences are built by the producers of the [`seq`](crate::seq) module
/// ([`seq::from_fn`](from_fn) above all), shaped by the adapters below
/// ([`take`](Seq::take), ...) and consumed by a terminal operation
/// ([`for_each`](Seq::for_each), [`collect`](Seq::collect), ...), by the
/// [`stream`](Seq::stream) bridge, or by `pull`.
///
/// # Protocol
///
/// Every sequence of this crate keeps these rules; each is proved by the
/// named test in `tests/contract_producer.rs`.
///
/// 1. **Cold.** Nothing runs until the sequence is first polled. Each
///    consumption runs the producer afresh: a `Clone` sequence, cloned, runs
///    again ([`from_stream`] is single-use and says so).
///    (`contract_01_*`)
/// 2. **Stop is a message, not a drop.** When the consumer stops early, the
///    producer's pending `yield_` resolves to `false` and the producer runs
///    on to its own return: the cleanup after its loop runs, and the
///    terminal operation completes only after it. Every later `yield_`
///    resolves to `false` at once; its value is dropped, never delivered.
///    (`contract_02_*`)
/// 3. **Dropping is Rust cancellation.** Dropping a sequence, or the
///    [`stream`](Seq::stream) over it, drops the producer future: its `Drop`
///    cleanup runs, async cleanup after `yield_` does not. (A dropped
///    `Pull` differs: it finishes the producer in the
///    background.) (`contract_03_*`)
/// 4. **Panics surface.** A panic in the producer unwinds out of the
///    consumer's `poll`: `for_each`, `collect`, `stream()`, `Pull::next` and
///    `Pull::stop` resume it; it is never swallowed or turned into a hang.
///    (`contract_04_*`)
/// 5. **No misuse is undefined behaviour.** A [`Yield`](crate::Yield) awaited
///    outside its own run panics with a message that says so.
///    (`contract_05_*`)
///
/// # Implementing `Seq`
///
/// Most code never implements `Seq` by hand: [`seq::from_fn`](from_fn) turns
/// an async closure into one. An implementation follows the rules of
/// [`poll_next`](Seq::poll_next) and [`poll_stop`](Seq::poll_stop), the way a
/// [`Stream`](futures_core::Stream) follows `poll_next`'s.
#[must_use = "sequences do nothing unless consumed"]
pub trait Seq {
    /// The type of the elements.
    type Item;

    /// Attempts to get the next element, driving the producer until it
    /// yields one, returns, or waits.
    ///
    /// # Return value
    ///
    /// - `Poll::Ready(Some(item))`: the next element.
    /// - `Poll::Ready(None)`: the producer has returned (its cleanup is
    ///   done); every later call returns `Ready(None)` again (sequences are
    ///   fused).
    /// - `Poll::Pending`: the producer waits; the task of `cx` is woken when
    ///   it can make progress.
    ///
    /// After [`poll_stop`](Seq::poll_stop) was called, `poll_next` delivers
    /// no element: it finishes the stop and returns `Ready(None)`.
    ///
    /// # Panics
    ///
    /// A panic in the producer unwinds out of this call.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;

    /// Tells the producer that its consumer has stopped and drives it to its
    /// return.
    ///
    /// From the first call on, the producer's pending and later `yield_`s
    /// resolve to `false` and no element is delivered. Returns
    /// `Poll::Ready(())` once the producer has returned (its cleanup is
    /// done), and from then on at once. A producer that never started is
    /// never started.
    ///
    /// # Panics
    ///
    /// A panic in the producer's cleanup unwinds out of this call.
    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Returns the bounds on the number of elements left, like
    /// [`Iterator::size_hint`].
    ///
    /// The default, `(0, None)`, is correct for every sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// assert_eq!(seq::iter([1, 2, 3]).size_hint(), (3, Some(3)));
    /// ```
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }

    // ===== section: shaping =====

    /// Yields at most the first `n` elements, then stops the producer.
    ///
    /// The producer's `yield_` of element `n` (counting from 1) resolves to
    /// `false`, so it is never asked for element `n + 1`; `take(0)` never
    /// starts the producer.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let naturals = seq::from_fn(|mut y: Yield<u64>| async move {
    ///     let mut i = 0;
    ///     while y.yield_(i).await {
    ///         i += 1;
    ///     }
    /// });
    /// assert_eq!(naturals.take(3).collect::<Vec<_>>().await, [0, 1, 2]);
    /// # }
    /// ```
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, n)
    }

    // ===== section: prefetch =====

    /// Runs the producer ahead of the consumer on its own tokio task,
    /// through a buffer of at most `n` elements.
    ///
    /// This overlaps the producer's work (I/O, decoding) with the
    /// consumer's: while the consumer handles one element, the producer
    /// already makes the next ones. Elements arrive in order, each exactly
    /// once, and at most `n` elements are ever produced that the consumer
    /// has not received yet, so memory stays bounded by `n`. When the
    /// producer is `n` elements ahead, its `yield_` waits until the
    /// consumer catches up. [`prefetch_with`](Seq::prefetch_with) offers
    /// policies that drop elements instead.
    ///
    /// The sequence is cold like every other: the task is spawned on the
    /// first `poll_next`, on the tokio runtime that poll runs in (use
    /// [`prefetch_on`](Seq::prefetch_on) to name one). It is never spawned
    /// if the sequence is stopped or dropped before that.
    ///
    /// Stopping keeps the protocol of [`Seq`]: when the consumer stops
    /// (a `for_each` body returns `false`, [`take`](Seq::take) reached its
    /// count, ...), the task makes the producer's pending `yield_` resolve
    /// to `false` and drives it to its return, and the consumer's stop
    /// completes only once the task has ended, the producer's cleanup
    /// included. Elements produced ahead and not delivered are dropped.
    /// When the consumer drops the sequence instead, the task is told to
    /// stop, and it stops the producer (its async cleanup runs) and ends
    /// on its own, in the background: no task outlives its work, and
    /// nothing waits in `Drop`.
    ///
    /// Errors of a fallible sequence (`Item = Result<T, E>`) are elements
    /// like any other and arrive in order.
    ///
    /// Elements cross from the task to the consumer in chunks, not one by
    /// one: the task collects up to `n / 4` elements (at most 64) while the
    /// producer is ready, then publishes them under one lock with one
    /// wake-up, and the consumer takes everything published at once. A
    /// producer that has to wait publishes what it has first, so a slow
    /// source is not held back. On a multi-thread runtime the producer and
    /// the consumer run in parallel on two workers.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # A note on choosing `n`
    ///
    /// `n` bounds both memory (`n` elements) and how far the producer may
    /// run ahead. To hide the producer's latency, `n` must cover the
    /// elements the consumer handles while the producer waits: if fetching
    /// takes 10 ms and the consumer needs 1 ms per element, `n` around 10
    /// keeps the consumer busy; past that, larger buffers only cost memory.
    /// When both sides do steady work per element, a few dozen (`64`) is
    /// plenty: the cost of the hand-off is then spread over chunks of
    /// `n / 4` elements. `n = 1` still overlaps the two sides, one element
    /// at a time, but pays the task hand-off for every element. Remember
    /// that elements produced ahead are discarded when the consumer stops
    /// early, so a producer with side effects per element (an acknowledged
    /// message, a billed request) wants a small `n`.
    ///
    /// # Panics
    ///
    /// Panics at once if `n` is zero (a buffer of zero elements could never
    /// hand one over). The first `poll_next` panics if it does not run
    /// within a tokio runtime; see [`prefetch_on`](Seq::prefetch_on).
    ///
    /// A panic of the producer, or of its cleanup, is caught on the task
    /// and resumed in the consumer, once the elements produced before it
    /// have been delivered, or in the consumer's stop if it stops first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pages = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     for page in 0..4 {
    ///         tokio::time::sleep(Duration::from_millis(10)).await; // fetch
    ///         if !y.yield_(page).await {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let start = tokio::time::Instant::now();
    /// let mut seen = Vec::new();
    /// pages
    ///     .prefetch(2)
    ///     .for_each(|page| {
    ///         seen.push(page);
    ///         async {
    ///             // Handling a page takes as long as fetching one; the
    ///             // next fetch runs meanwhile.
    ///             tokio::time::sleep(Duration::from_millis(10)).await;
    ///             true
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(seen, [0, 1, 2, 3]);
    /// // 4 fetches + 4 handlings, overlapped: 50 ms rather than 80.
    /// assert_eq!(start.elapsed(), Duration::from_millis(50));
    /// # }
    /// ```
    ///
    /// `n` must be non-zero:
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter(0..3).prefetch(0); // panics: capacity `n` must be non-zero
    /// ```
    #[track_caller]
    fn prefetch(self, n: usize) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        assert!(n > 0, "`prefetch` capacity `n` must be non-zero");
        Prefetch::new(self, n, Overflow::Suspend, None)
    }

    /// Like [`prefetch(n)`](Seq::prefetch), with a policy for when the
    /// producer is `n` elements ahead: wait, or drop elements.
    ///
    /// For sources where freshness beats completeness (sensor readings,
    /// prices, progress updates), a producer that must never be held up
    /// by a slow consumer drops elements instead of waiting:
    ///
    /// - [`Overflow::Suspend`]: the producer waits; nothing is dropped.
    ///   This is `prefetch(n)`.
    /// - [`Overflow::DropOldest`]: when the producer yields an element while
    ///   `n` elements wait for the consumer, the oldest waiting one is
    ///   dropped and the new one queued: the consumer sees the newest.
    /// - [`Overflow::DropLatest`]: in that situation the new element is
    ///   dropped: the consumer sees the ones that were waiting first.
    ///
    /// With both drop policies, the producer's `yield_` resolves to `true`
    /// even for an element that was dropped (the consumer has not
    /// stopped); dropped elements are dropped on the producer's task, at
    /// that `yield_`. "Waiting" elements are those produced and not yet
    /// handed to the consumer; the element the consumer is handling does
    /// not count. Elements are handed over one at a time, as soon as they
    /// are produced (no chunks), so that every waiting element is within
    /// the policy's reach; `Overflow::Suspend` is the fast path. The end
    /// of the sequence and a producer's panic are never dropped. Stopping,
    /// dropping and panics behave as for `prefetch`.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `n` is zero. The first `poll_next` panics if it
    /// does not run within a tokio runtime; see
    /// [`prefetch_on`](Seq::prefetch_on). A producer's panic is resumed in
    /// the consumer, as with [`prefetch`](Seq::prefetch).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Overflow, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // A reading every 10 ms; the consumer only looks every 33 ms.
    /// let readings = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     for i in 0..10 {
    ///         if !y.yield_(i).await {
    ///             return;
    ///         }
    ///         tokio::time::sleep(Duration::from_millis(10)).await;
    ///     }
    /// });
    /// let mut seen = Vec::new();
    /// readings
    ///     .prefetch_with(1, Overflow::DropOldest)
    ///     .for_each(|r| {
    ///         seen.push(r);
    ///         async {
    ///             tokio::time::sleep(Duration::from_millis(33)).await;
    ///             true
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(seen, [0, 3, 6, 9]); // always the latest reading
    /// # }
    /// ```
    #[track_caller]
    fn prefetch_with(self, n: usize, overflow: Overflow) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        assert!(n > 0, "`prefetch` capacity `n` must be non-zero");
        Prefetch::new(self, n, overflow, None)
    }

    /// Like [`prefetch(n)`](Seq::prefetch), with the producer task spawned
    /// on the runtime of `handle`.
    ///
    /// [`prefetch`](Seq::prefetch) spawns its task on the runtime its first
    /// `poll_next` runs in, and so must be polled within a tokio runtime.
    /// With a handle, the consumer may run anywhere: on another runtime,
    /// in `futures::executor::block_on`, on a thread of its own.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `n` is zero. If the runtime of `handle` shuts down
    /// before the producer returned, its task is dropped with it, and the
    /// consumer's next `poll_next` panics with a message that says so
    /// (elements may have been lost) rather than wait forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let s = seq::iter(1..=3).prefetch_on(rt.handle(), 8);
    /// // No runtime here: the producer runs on `rt`.
    /// let v: Vec<i32> = futures::executor::block_on(s.collect());
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    #[track_caller]
    fn prefetch_on(self, handle: &tokio::runtime::Handle, n: usize) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        assert!(n > 0, "`prefetch` capacity `n` must be non-zero");
        Prefetch::new(self, n, Overflow::Suspend, Some(handle.clone()))
    }

    // ===== section: control =====

    // ===== section: pull =====

    // ===== section: more-shaping =====

    // ===== section: remote =====

    // ===== bridges =====

    /// Turns the sequence into a [`futures_core::Stream`], driven inline: no
    /// task, no channel.
    ///
    /// Each `poll_next` of the stream polls the producer on the caller's
    /// task. Dropping the stream drops the producer future (protocol rule 3):
    /// `Drop` cleanup runs, async cleanup after `yield_` does not. Use
    /// [`SeqStream::poll_stop`] first, or `pull`, when the
    /// producer's async cleanup must run.
    ///
    /// The stream is fused ([`FusedStream`](futures_core::FusedStream)) and
    /// forwards [`size_hint`](Seq::size_hint).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use futures_util::StreamExt;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::from_fn(|mut y: Yield<char>| async move {
    ///     for c in "abc".chars() {
    ///         if !y.yield_(c).await { return; }
    ///     }
    /// });
    /// // An async producer is not `Unpin`: pin the stream to call `next`.
    /// let mut st = pin!(s.stream());
    /// assert_eq!(st.next().await, Some('a'));
    /// assert_eq!(st.next().await, Some('b'));
    /// assert_eq!(st.next().await, Some('c'));
    /// assert_eq!(st.next().await, None);
    /// # }
    /// ```
    fn stream(self) -> SeqStream<Self>
    where
        Self: Sized,
    {
        SeqStream::new(self)
    }

    /// Boxes the sequence into a [`BoxSeq`], erasing its type.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, BoxSeq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let all: Vec<BoxSeq<'static, u8>> = vec![seq::iter([1, 2]).boxed(), seq::once(3).boxed()];
    /// let mut out = Vec::new();
    /// for s in all {
    ///     out.extend(s.collect::<Vec<_>>().await);
    /// }
    /// assert_eq!(out, [1, 2, 3]);
    /// # }
    /// ```
    fn boxed<'a>(self) -> BoxSeq<'a, Self::Item>
    where
        Self: Sized + Send + 'a,
    {
        Box::pin(self)
    }

    /// Boxes the sequence into a [`LocalBoxSeq`], erasing its type; for
    /// sequences that are not `Send`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::iter(vec![Rc::new(1), Rc::new(2)]).boxed_local();
    /// assert_eq!(s.count().await, 2);
    /// # }
    /// ```
    fn boxed_local<'a>(self) -> LocalBoxSeq<'a, Self::Item>
    where
        Self: Sized + 'a,
    {
        Box::pin(self)
    }

    // ===== terminal operations =====

    /// Runs the async `body` for each element; `body` returns `false` to
    /// break.
    ///
    /// This is Go's `for v := range seq { ... }`. When `body` returns
    /// `false`, the producer's pending `yield_` resolves to `false` and the
    /// returned future completes only after the producer has returned, so
    /// its cleanup has run. When the producer returns, the future completes.
    ///
    /// # Panics
    ///
    /// A panic in the producer or in `body` unwinds out of the future's poll.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe. If the future is dropped before it
    /// completes, **the element being processed by `body` is lost and the
    /// producer is dropped without its async cleanup** (protocol rule 3).
    /// To process elements one at a time from a `select!`, use
    /// `pull` and its cancel-safe `Pull::next`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let closed = Arc::new(Mutex::new(false));
    /// let rows = seq::from_fn({
    ///     let closed = closed.clone();
    ///     |mut y: Yield<u32>| async move {
    ///         for row in 1.. {
    ///             if !y.yield_(row).await { break; }
    ///         }
    ///         *closed.lock().unwrap() = true; // `defer rows.Close()`
    ///     }
    /// });
    /// let mut seen = Vec::new();
    /// rows.for_each(|row| {
    ///     seen.push(row);
    ///     async move { row < 3 } // break after the third row
    /// })
    /// .await;
    /// assert_eq!(seen, [1, 2, 3]);
    /// assert!(*closed.lock().unwrap(), "cleanup ran before for_each returned");
    /// # }
    /// ```
    fn for_each<F, Fut>(self, body: F) -> ForEach<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future<Output = bool>,
    {
        ForEach::new(self, body)
    }

    /// Runs the fallible async `body` for each `Ok` element of a fallible
    /// sequence, stopping at the first error.
    ///
    /// The first `Err` element, or the first `Err` returned by `body`, stops
    /// the producer (its cleanup runs) and becomes the result. When the
    /// producer returns without error, the result is `Ok(())`.
    ///
    /// # Errors
    ///
    /// The first error of the sequence or of `body`.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the element being processed is lost and the producer is
    /// dropped without its async cleanup**. Use `pull` to
    /// take elements one at a time in a `select!`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lines = seq::iter(vec![Ok("a"), Err("disk on fire"), Ok("b")]);
    /// let mut seen = Vec::new();
    /// let res = lines
    ///     .try_for_each(|line| {
    ///         seen.push(line);
    ///         async { Ok(()) }
    ///     })
    ///     .await;
    /// assert_eq!(res, Err("disk on fire"));
    /// assert_eq!(seen, ["a"]);
    /// # }
    /// ```
    fn try_for_each<F, Fut>(self, body: F) -> TryForEach<Self, F, Fut>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Ok) -> Fut,
        Fut: Future<Output = Result<(), Self::Error>>,
    {
        TryForEach::new(self, body)
    }

    /// Collects every element into a collection: Go's `slices.Collect`.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements collected so far are lost** and the
    /// producer is dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::BTreeSet;
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let v: Vec<i32> = seq::iter([3, 1, 3]).collect().await;
    /// assert_eq!(v, [3, 1, 3]);
    /// let set: BTreeSet<i32> = seq::iter([3, 1, 3]).collect().await;
    /// assert_eq!(set.into_iter().collect::<Vec<_>>(), [1, 3]);
    /// # }
    /// ```
    fn collect<C>(self) -> Collect<Self, C>
    where
        Self: Sized,
        C: Default + Extend<Self::Item>,
    {
        Collect::new(self)
    }

    /// Collects the `Ok` elements of a fallible sequence, stopping at the
    /// first `Err`.
    ///
    /// The first `Err` stops the producer (its cleanup runs) and becomes the
    /// result; the elements collected before it are dropped.
    ///
    /// # Errors
    ///
    /// The first `Err` element of the sequence.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements collected so far are lost** and the
    /// producer is dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ok = seq::iter(vec![Ok::<_, String>(1), Ok(2)]);
    /// assert_eq!(ok.try_collect::<Vec<_>>().await, Ok(vec![1, 2]));
    ///
    /// let bad = seq::iter(vec![Ok(1), Err("bad row".to_owned()), Ok(3)]);
    /// assert_eq!(bad.try_collect::<Vec<_>>().await, Err("bad row".to_owned()));
    /// # }
    /// ```
    fn try_collect<C>(self) -> TryCollect<Self, C>
    where
        Self: Sized + TrySeq,
        C: Default + Extend<Self::Ok>,
    {
        TryCollect::new(self)
    }

    /// Folds every element into an accumulator, like [`Iterator::fold`].
    ///
    /// `f` is a plain closure. To await in the accumulation step, use
    /// [`for_each`](Seq::for_each) with a captured accumulator.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the accumulator is lost** and the producer is dropped
    /// without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sum = seq::iter(1..=4).fold(0, |acc, x| acc + x).await;
    /// assert_eq!(sum, 10);
    /// # }
    /// ```
    fn fold<B, F>(self, init: B, f: F) -> Fold<Self, B, F>
    where
        Self: Sized,
        F: FnMut(B, Self::Item) -> B,
    {
        Fold::new(self, init, f)
    }

    /// Counts the elements.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the count so far is lost** and the producer is dropped
    /// without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter('a'..='z').count().await, 26);
    /// # }
    /// ```
    fn count(self) -> Count<Self>
    where
        Self: Sized,
    {
        Count::new(self)
    }

    /// Returns the first element, then stops the producer.
    ///
    /// The producer's `yield_` of the first element resolves to `false`, and
    /// the future completes after the producer has returned. `None` if the
    /// sequence is empty.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped after the
    /// first element arrived but before the producer returned, **that element
    /// is lost**. Use `Pull::next` in a `select!`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter(["x", "y"]).first().await, Some("x"));
    /// assert_eq!(seq::empty::<u8>().first().await, None);
    /// # }
    /// ```
    fn first(self) -> First<Self>
    where
        Self: Sized,
    {
        First::new(self)
    }

    /// Returns the last element.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements seen so far are lost** and the producer is
    /// dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter(1..=5).last().await, Some(5));
    /// # }
    /// ```
    fn last(self) -> Last<Self>
    where
        Self: Sized,
    {
        Last::new(self)
    }

    /// Returns the least element; the first of several equal ones, like
    /// [`Iterator::min`].
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements seen so far are lost** and the producer is
    /// dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter([4, 1, 9]).min().await, Some(1));
    /// assert_eq!(seq::empty::<i32>().min().await, None);
    /// # }
    /// ```
    fn min(self) -> Min<Self>
    where
        Self: Sized,
        Self::Item: Ord,
    {
        Min::new(self)
    }

    /// Returns the greatest element; the last of several equal ones, like
    /// [`Iterator::max`].
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements seen so far are lost** and the producer is
    /// dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter([4, 1, 9]).max().await, Some(9));
    /// # }
    /// ```
    fn max(self) -> Max<Self>
    where
        Self: Sized,
        Self::Item: Ord,
    {
        Max::new(self)
    }

    /// Tests whether any element matches `pred`, stopping the producer at
    /// the first match.
    ///
    /// `false` for an empty sequence.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements tested so far are lost** and the producer
    /// is dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert!(seq::iter([1, 2, 3]).any(|x| x > 2).await);
    /// assert!(!seq::empty::<i32>().any(|x| x > 2).await);
    /// # }
    /// ```
    fn any<F>(self, pred: F) -> Any<Self, F>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> bool,
    {
        Any::new(self, pred)
    }

    /// Tests whether every element matches `pred`, stopping the producer at
    /// the first mismatch.
    ///
    /// `true` for an empty sequence.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the elements tested so far are lost** and the producer
    /// is dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert!(seq::iter([2, 4]).all(|x| x % 2 == 0).await);
    /// assert!(seq::empty::<i32>().all(|x| x > 2).await);
    /// # }
    /// ```
    fn all<F>(self, pred: F) -> All<Self, F>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> bool,
    {
        All::new(self, pred)
    }

    /// Returns the first element matching `pred`, stopping the producer
    /// there.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped after a
    /// match arrived but before the producer returned, **the match is lost**.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// assert_eq!(seq::iter(["ant", "bee", "cat"]).find(|s| s.starts_with('b')).await, Some("bee"));
    /// # }
    /// ```
    fn find<P>(self, pred: P) -> Find<Self, P>
    where
        Self: Sized,
        P: FnMut(&Self::Item) -> bool,
    {
        Find::new(self, pred)
    }
}

// ===== impl Seq for pointers =====

macro_rules! deref_seq {
    ($($ptr:ty),*) => {$(
        impl<S: Seq + Unpin + ?Sized> Seq for $ptr {
            type Item = S::Item;

            fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
                S::poll_next(Pin::new(&mut **self), cx)
            }

            fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                S::poll_stop(Pin::new(&mut **self), cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (**self).size_hint()
            }
        }
    )*};
}

deref_seq!(&mut S, Box<S>);

impl<P> Seq for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: Seq,
{
    type Item = <P::Target as Seq>::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().as_mut().poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().as_mut().poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (**self).size_hint()
    }
}

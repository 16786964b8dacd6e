//! The [`Seq`] trait: its protocol and every provided method, documented
//! once here (the adapter and terminal types point back to their method).

use std::future::Future;
use std::ops::{ControlFlow, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::boxed::{BoxSeq, LocalBoxSeq};
use crate::seq::*;

/// A [`Seq`] of pairs: Go's `iter.Seq2[K, V]`.
///
/// Implemented for every sequence whose item is a `(K, V)` tuple; producers
/// yield tuples, and [`pull2`](crate::pull2) pulls them.
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
/// # Errors are elements
///
/// **No adapter of this crate drops an `Err`.** Every fallible adapter
/// ([`and_then`](Seq::and_then), [`try_filter`](Seq::try_filter),
/// [`try_batched`](Seq::try_batched), ...) passes each `Err` through, in
/// order ([`try_batched`](Seq::try_batched) first flushes the partial batch
/// before it; the time operators [`try_debounce`](Seq::try_debounce),
/// [`try_sample`](Seq::try_sample) and
/// [`try_throttle_latest`](Seq::try_throttle_latest) first flush the `Ok`
/// value they hold, and none of them delays an error), or ends with it:
/// [`try_fold`](Seq::try_fold),
/// [`try_for_each`](Seq::try_for_each) and
/// [`try_collect`](Seq::try_collect) stop the producer, wait for its
/// cleanup, and return the first error.
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
/// [`stream`](Seq::stream) bridge, or by [`pull`](crate::pull()).
///
/// # Methods by group
///
/// The methods below are in source order; this index groups them.
///
/// **Sources** (functions of the [`seq`](crate::seq) module):
/// [`from_fn`] (an async producer with a [`Yield`](crate::Yield)) ·
/// [`try_from_fn`] (the same, where `?` ends the sequence with its error) ·
/// [`iter`] (any `IntoIterator`) · [`from_stream`] (any `Stream`) ·
/// [`once`] · [`empty`] · [`repeat_with`] · [`unfold`] (state and an async
/// step) · [`from_blocking`] (a synchronous producer on the blocking pool) ·
/// [`merge_all`] (many sequences by arrival) ·
/// [`merge_sorted`] / [`merge_sorted_by`] (a stable k-way merge of sorted
/// sequences) · [`SeqMap`] (a keyed set of sequences that changes while it
/// runs) · [`paginate`] and [`resume`] (remote APIs).
///
/// **Shaping**:
/// [`map`](Seq::map) (a plain closure) ·
/// [`then`](Seq::then) (an async closure, one element at a time) ·
/// [`filter`](Seq::filter) · [`filter_map`](Seq::filter_map) ·
/// [`take`](Seq::take) · [`take_while`](Seq::take_while) ·
/// [`skip`](Seq::skip) · [`skip_while`](Seq::skip_while) ·
/// [`step_by`](Seq::step_by) · [`inspect`](Seq::inspect) ·
/// [`batched`](Seq::batched) (`Vec`s of `n`) ·
/// [`windows`](Seq::windows) (overlapping `Vec`s) ·
/// [`chain`](Seq::chain) · [`flat_map`](Seq::flat_map) ·
/// [`flatten`](Seq::flatten) · [`scan`](Seq::scan) ·
/// [`dedup`](Seq::dedup) · [`dedup_by_key`](Seq::dedup_by_key).
///
/// **Time and control**:
/// [`batched_timeout`](Seq::batched_timeout) (flush a partial batch after a
/// wait) · [`heartbeat`](Seq::heartbeat) (report silence) ·
/// [`timeout`](Seq::timeout) (end at the first late element) ·
/// [`with_cancel`](Seq::with_cancel) (end when a token fires) ·
/// [`take_until`](Seq::take_until) (end when a future completes) ·
/// [`instrumented`](Seq::instrumented) (report each run to an observer).
///
/// **Time and latest value**:
/// [`debounce`](Seq::debounce) (the last of a burst, after a quiet `d`) ·
/// [`sample`](Seq::sample) (the latest of each period of a fixed grid) ·
/// [`throttle`](Seq::throttle) (an element, then nothing for `d`) ·
/// [`throttle_latest`](Seq::throttle_latest) (at most one per `d`, the
/// latest) · [`conflate`](Seq::conflate) (only the newest ahead of a slow
/// consumer, on a task) · [`switch_map`](Seq::switch_map) (a new inner
/// sequence for each element, stopping the previous one) ·
/// [`combine_latest`](Seq::combine_latest) (a pair on every new element of
/// either side).
///
/// **Concurrency**:
/// [`map_concurrent`](Seq::map_concurrent) (futures' `buffered`) ·
/// [`map_unordered`](Seq::map_unordered) (futures' `buffer_unordered`) ·
/// [`merge`](Seq::merge) (two sequences by arrival) ·
/// [`prefetch`](Seq::prefetch) (run ahead on a task, bounded) ·
/// [`prefetch_with`](Seq::prefetch_with) (with an overflow policy) ·
/// [`prefetch_on`](Seq::prefetch_on) (on a named runtime) ·
/// [`flat_map_concurrent`](Seq::flat_map_concurrent) (up to `limit` inner
/// sequences at once, futures' `flatten_unordered`) ·
/// [`for_each_concurrent`](Seq::for_each_concurrent) and
/// [`try_for_each_concurrent`](Seq::try_for_each_concurrent) (up to
/// `limit` bodies at once).
///
/// **Sharing**:
/// [`share`](Seq::share) (one run for many subscribers, holding the
/// producer back for the slowest) ·
/// [`share_lagging`](Seq::share_lagging) (the same, a slow subscriber
/// skips ahead with an error) · [`tee`](Seq::tee) (two ends, every element
/// to both) · [`partition`](Seq::partition) (two ends, split by a
/// predicate).
///
/// **Fallible** (`Item = Result<T, E>`, see [`TrySeq`]):
/// [`map_ok`](Seq::map_ok) · [`map_err`](Seq::map_err) ·
/// [`and_then`](Seq::and_then) · [`or_else`](Seq::or_else) ·
/// [`try_filter`](Seq::try_filter) ·
/// [`try_filter_map`](Seq::try_filter_map) ·
/// [`inspect_ok`](Seq::inspect_ok) · [`inspect_err`](Seq::inspect_err) ·
/// [`try_take_while`](Seq::try_take_while) ·
/// [`try_skip_while`](Seq::try_skip_while) ·
/// [`try_batched`](Seq::try_batched) ·
/// [`try_batched_timeout`](Seq::try_batched_timeout) ·
/// [`try_debounce`](Seq::try_debounce) · [`try_sample`](Seq::try_sample) ·
/// [`try_throttle`](Seq::try_throttle) ·
/// [`try_throttle_latest`](Seq::try_throttle_latest) (errors go out at
/// once) ·
/// [`try_timeout`](Seq::try_timeout) ·
/// [`try_with_cancel`](Seq::try_with_cancel); the terminals
/// [`try_for_each`](Seq::try_for_each), [`try_collect`](Seq::try_collect)
/// and [`try_fold`](Seq::try_fold) end at the first error.
///
/// **Pairs** (a [`Seq2`] of `(K, V)`):
/// [`enumerate`](Seq::enumerate) · [`zip`](Seq::zip) ·
/// [`keys`](Seq::keys) · [`values`](Seq::values) · [`map2`](Seq::map2) ·
/// [`pull2`](crate::pull2()).
///
/// **Terminal** (futures that run the sequence):
/// [`for_each`](Seq::for_each) (the body returns `false` to break) ·
/// [`collect`](Seq::collect) · [`collect_at_most`](Seq::collect_at_most) ·
/// [`fold`](Seq::fold) · [`count`](Seq::count) · [`first`](Seq::first) ·
/// [`last`](Seq::last) · [`min`](Seq::min) · [`max`](Seq::max) ·
/// [`any`](Seq::any) · [`all`](Seq::all) · [`find`](Seq::find).
///
/// **Bridges**:
/// [`stream`](Seq::stream) (to a `Stream`, inline) ·
/// [`pull`](crate::pull()) (one element per `next().await`) ·
/// [`pull_local`](crate::pull_local()) (the same for `!Send` producers) ·
/// [`from_stream`] (from a `Stream`) · [`boxed`](Seq::boxed) ·
/// [`boxed_local`](Seq::boxed_local).
///
/// **Protocol** (for implementers and adapters):
/// [`poll_next`](Seq::poll_next) · [`poll_stop`](Seq::poll_stop) ·
/// [`size_hint`](Seq::size_hint) · [`poll_each`](Seq::poll_each) (many
/// elements per call, for consumers that take them all).
///
/// # Coming from futures
///
/// A `Seq` is not a [`Stream`](futures_core::Stream), and has no `next`
/// method: `s.next()` fails with "no method named `next` found". Take one
/// element at a time with [`pull`](crate::pull()) (`let mut p = pull(s);
/// p.next().await`), or turn the sequence into a stream with
/// [`stream`](Seq::stream). The other way, a `Stream` passed where a `Seq`
/// is expected needs [`seq::from_stream`](from_stream). The crate page has
/// a table from `StreamExt`, `TryStreamExt`, tokio-stream and async-stream
/// names to this crate's ([`chunks`] is [`batched`](Seq::batched),
/// `buffered` is [`map_concurrent`](Seq::map_concurrent), `select` is
/// [`merge`](Seq::merge), `stream!` is [`from_fn`], ...).
///
/// [`chunks`]: futures_util::StreamExt::chunks
///
/// ```
/// use seqflow::{pull, seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut p = pull(seq::iter([1, 2]));
/// assert_eq!(p.next().await, Some(1));
/// assert_eq!(p.next().await, Some(2));
/// assert_eq!(p.next().await, None);
///
/// // A `Stream` becomes a `Seq` with `from_stream`.
/// let s = seq::from_stream(futures_util::stream::iter([3, 4]));
/// assert_eq!(s.collect::<Vec<_>>().await, [3, 4]);
/// # }
/// ```
///
/// A `Stream` where a `Seq` is expected is refused, and the compiler's
/// message points to `seq::from_stream`:
///
/// ```compile_fail,E0277
/// use seqflow::Seq;
///
/// # async fn f() {
/// let s = futures_util::stream::iter([1, 2]);
/// // error: `Iter<...>` is not a seqflow sequence (`Seq`)
/// let _ = Seq::collect::<Vec<i32>>(s).await;
/// # }
/// ```
///
/// # Protocol
///
/// Every sequence of this crate keeps these rules.
///
/// 1. **Cold.** Nothing runs until the sequence is first polled. Each
///    consumption runs the producer afresh: a `Clone` sequence, cloned, runs
///    again ([`from_stream`] is single-use and says so).
/// 2. **Stop is a message, not a drop.** When the consumer stops early, the
///    producer's pending `yield_` resolves to `false` and the producer runs
///    on to its own return: the cleanup after its loop runs, and the
///    terminal operation completes only after it. A producer that awaits
///    `yield_` again after it resolved to `false` has a bug: that `yield_`
///    panics with a message naming its call site, and the panic reaches the
///    consumer (Go: "continued iteration after ... returned false"). It
///    never spins, hangs, or silently runs the rest of its source.
/// 3. **A stop is heard only where the producer listens.** That is a
///    pending `yield_` (or [`Yield::yield_all`](crate::Yield::yield_all)),
///    or inside [`Yield::until_stopped`](crate::Yield::until_stopped). A
///    producer that waits anywhere else when the consumer stops (a hung
///    read, a sleep) is dropped at once: its `Drop` cleanup runs, its async
///    cleanup does not. So no stop hangs on a producer that is not
///    listening: `take`, `timeout`, `with_cancel`, `Pull::stop`,
///    `prefetch`, `merge` and every other early end complete promptly even
///    when the producer never returns. A producer that heard the stop is
///    waited for (its cleanup is its own: a cleanup that never finishes
///    holds the stop), and so is one inside
///    [`Yield::shield`](crate::Yield::shield), until the shielded future
///    completes; the rule then applies to wherever it waits next. Dropping a sequence, or
///    the [`stream`](Seq::stream) over it, is Rust cancellation too: the
///    producer future is dropped wherever it waits. (A dropped
///    [`Pull`](crate::Pull) differs: it stops the producer by this rule,
///    finishing a heard stop's cleanup in the background.)
/// 4. **Panics surface.** A panic in the producer unwinds out of the
///    consumer's `poll`: `for_each`, `collect`, `stream()`,
///    [`Pull::next`](crate::Pull::next) and [`Pull::stop`](crate::Pull::stop)
///    resume it; it is never swallowed or turned into a hang.
/// 5. **No misuse is undefined behaviour.** A [`Yield`](crate::Yield) awaited
///    outside its own run panics with a message that says so.
///
/// # Implementing `Seq`
///
/// Most code never implements `Seq` by hand: [`seq::from_fn`](from_fn) turns
/// an async closure into one. An implementation follows the rules of
/// [`poll_next`](Seq::poll_next) and [`poll_stop`](Seq::poll_stop), the way a
/// [`Stream`](futures_core::Stream) follows `poll_next`'s.
#[must_use = "sequences do nothing unless consumed"]
#[doc(
    alias = "Stream",
    alias = "StreamExt",
    alias = "TryStreamExt",
    alias = "fuse"
)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a seqflow sequence (`Seq`)",
    label = "not a `Seq`",
    note = "a `futures::Stream` becomes a `Seq` with `seqflow::seq::from_stream(stream)`, an iterator with `seqflow::seq::iter(iter)`, a `Pull` handle with `.into_seq()`",
    note = "the other way, `.stream()` turns a `Seq` into a `Stream`, and `seqflow::pull(seq)` gives a handle with `next().await`"
)]
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
    ///
    /// # Examples
    ///
    /// Driving a sequence by hand, as an adapter or a custom consumer would:
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::pin;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut s = pin!(seq::from_fn(|mut y: Yield<u8>| async move {
    ///     y.yield_(1).await;
    ///     tokio::task::yield_now().await; // really suspends: `Pending`
    ///     y.yield_(2).await;
    /// }));
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(1));
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(2));
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None); // fused
    /// # }
    /// ```
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;

    /// Tells the producer that its consumer has stopped and ends it.
    ///
    /// From the first call on, no element is delivered. The producer's
    /// pending `yield_` (or `until_stopped`) resolves to `false` (`None`),
    /// and the producer is driven to its return. A producer that waits
    /// anywhere else, where it cannot hear the stop, is dropped instead
    /// (see the [protocol](Seq#protocol)). Returns `Poll::Ready(())` once the producer has
    /// returned (its cleanup is done) or was dropped, and from then on at
    /// once. A producer that never started is never started.
    ///
    /// An implementation must never wait for its producer to reach its
    /// next `yield_`: it stops what it drives with `poll_stop`, and drops
    /// what cannot be stopped (an in-flight request, a timer).
    ///
    /// # Panics
    ///
    /// A panic in the producer's cleanup unwinds out of this call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::pin;
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let saw = Arc::new(Mutex::new(Vec::new()));
    /// let log = saw.clone();
    /// let mut s = pin!(seq::from_fn(move |mut y: Yield<u8>| async move {
    ///     let more = y.yield_(1).await;
    ///     log.lock().unwrap().push(format!("yield -> {more}"));
    ///     tokio::task::yield_now().await; // async cleanup
    ///     log.lock().unwrap().push("closed".to_owned());
    /// }));
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(1));
    /// poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
    /// assert_eq!(*saw.lock().unwrap(), ["yield -> false", "closed"]);
    /// assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    /// # }
    /// ```
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

    /// Hands elements to `f`, one after another, until `f` breaks, the
    /// sequence ends, or it waits: many [`poll_next`](Seq::poll_next)
    /// calls in one, the way [`Iterator::try_fold`] is many `next` calls.
    ///
    /// Consumers that take every element in a loop (`for_each`, `fold`,
    /// `collect`, ...) call this instead of `poll_next`, so that sources and
    /// adapters can hand elements over without returning to the consumer
    /// for each one. `f` receives each element and the task's context (to
    /// poll work of its own), and returns [`ControlFlow::Break`] to stop
    /// taking elements for now.
    ///
    /// # Return value
    ///
    /// - `Poll::Ready(Some(()))`: the hand-off paused, because `f` broke or
    ///   because the sequence paused it itself (a [`take`](Seq::take) that
    ///   reached its count); the next call goes on from there. Every element
    ///   taken from the source so far was delivered.
    /// - `Poll::Ready(None)`: the sequence has ended, as `poll_next`'s
    ///   `None`.
    /// - `Poll::Pending`: the sequence waits; every element before the wait
    ///   was delivered to `f`, and the task of `cx` is woken when it can
    ///   make progress.
    ///
    /// The default calls `poll_next` in a loop. An implementation must
    /// deliver exactly the elements `poll_next` would, in the same order,
    /// with the same stops and the same cooperative-budget behaviour; it only
    /// saves the way back to the consumer between them. It returns
    /// `Ready(Some(()))` only after it delivered at least one element in
    /// that call: consumers call again at once, so a pause that delivered
    /// nothing would spin.
    ///
    /// # Panics
    ///
    /// A panic in the producer or in `f` unwinds out of this call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::ops::ControlFlow;
    /// use std::pin::pin;
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut s = pin!(seq::iter(1..=10).filter(|x| x % 2 == 0));
    /// let mut got = Vec::new();
    /// // take elements until one is above 5
    /// let broke = poll_fn(|cx| {
    ///     s.as_mut().poll_each(cx, &mut |x, _cx| {
    ///         got.push(x);
    ///         if x > 5 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    ///     })
    /// })
    /// .await;
    /// assert_eq!(broke, Some(()));
    /// assert_eq!(got, [2, 4, 6]);
    /// // the rest, to the end
    /// let ended = poll_fn(|cx| s.as_mut().poll_each(cx, &mut |x, _cx| {
    ///     got.push(x);
    ///     ControlFlow::Continue(())
    /// }))
    /// .await;
    /// assert_eq!(ended, None);
    /// assert_eq!(got, [2, 4, 6, 8, 10]);
    /// # }
    /// ```
    #[inline]
    fn poll_each<F>(mut self: Pin<&mut Self>, cx: &mut Context<'_>, f: &mut F) -> Poll<Option<()>>
    where
        Self: Sized,
        F: FnMut(Self::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        loop {
            let Some(item) = std::task::ready!(self.as_mut().poll_next(cx)) else {
                return Poll::Ready(None);
            };
            if f(item, cx).is_break() {
                return Poll::Ready(Some(()));
            }
        }
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

    /// Transforms each element with `f`, like [`Iterator::map`].
    ///
    /// `f` is a plain closure, called once per element as it passes
    /// through; to await inside it, use [`then`](Seq::then). Stopping the
    /// mapped sequence stops its source.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let names = seq::iter(["ada", "grace"]).map(str::to_uppercase);
    /// assert_eq!(names.collect::<Vec<_>>().await, ["ADA", "GRACE"]);
    /// # }
    /// ```
    fn map<B, F>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> B,
    {
        Map::new(self, f)
    }

    /// Transforms the `Ok` value of each element of a fallible sequence
    /// with `f`, passing errors through untouched: `Seq::map` with
    /// [`Result::map`] applied, like `TryStreamExt::map_ok`.
    ///
    /// An `Err` element does not end the sequence: what comes after it is
    /// delivered (and mapped) as the source yields it. Stopping the mapped
    /// sequence stops its source.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let parsed = seq::iter(["1", "x", "3"]).map(str::parse::<u32>);
    /// let doubled: Vec<Result<u32, _>> = parsed.map_ok(|n| n * 2).collect().await;
    /// assert_eq!(doubled[0], Ok(2));
    /// assert!(doubled[1].is_err());
    /// assert_eq!(doubled[2], Ok(6));
    /// # }
    /// ```
    fn map_ok<U, F>(self, f: F) -> MapOk<Self, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Ok) -> U,
    {
        MapOk::new(self, f)
    }

    /// Transforms the error of each `Err` element of a fallible sequence
    /// with `f`, passing `Ok` values through untouched: `Seq::map` with
    /// [`Result::map_err`] applied, like `TryStreamExt::map_err`. The usual
    /// way to bring sources with different error types to one.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let parsed = seq::iter(["1", "x"]).map(str::parse::<u32>);
    /// let described = parsed.map_err(|e| format!("bad number: {e}"));
    /// assert_eq!(
    ///     described.collect::<Vec<_>>().await,
    ///     [Ok(1), Err("bad number: invalid digit found in string".to_owned())]
    /// );
    /// # }
    /// ```
    fn map_err<G, F>(self, f: F) -> MapErr<Self, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Error) -> G,
    {
        MapErr::new(self, f)
    }

    /// Transforms each element with the async closure `f`, one element at a
    /// time.
    ///
    /// The source is asked for its next element only after the future of
    /// the previous one has completed. If the consumer stops while a call of
    /// `f` is running, that future is dropped (Rust cancellation: its `Drop`
    /// cleanup runs, the rest of its body does not) and its output is never
    /// delivered; then the source is stopped.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// async fn lookup(id: u32) -> String {
    ///     tokio::task::yield_now().await; // a query, say
    ///     format!("user-{id}")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let users = seq::iter([7, 9]).then(lookup);
    /// assert_eq!(users.collect::<Vec<_>>().await, ["user-7", "user-9"]);
    /// # }
    /// ```
    fn then<F, Fut>(self, f: F) -> Then<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        Then::new(self, f)
    }

    /// Keeps the elements for which `pred` returns `true`, like
    /// [`Iterator::filter`].
    ///
    /// `pred` sees each element by reference. Rejected elements are dropped
    /// as they arrive: one poll of the filtered sequence drives the source
    /// through as many of them as are ready.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let even = seq::iter(1..=6).filter(|x| x % 2 == 0);
    /// assert_eq!(even.collect::<Vec<_>>().await, [2, 4, 6]);
    /// # }
    /// ```
    fn filter<P>(self, pred: P) -> Filter<Self, P>
    where
        Self: Sized,
        P: FnMut(&Self::Item) -> bool,
    {
        Filter::new(self, pred)
    }

    /// Transforms each element with `f` and keeps the `Some` results, like
    /// [`Iterator::filter_map`].
    ///
    /// Elements for which `f` returns `None` are dropped as they arrive, as
    /// in [`filter`](Seq::filter).
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let numbers = seq::iter(["1", "two", "3"]).filter_map(|s| s.parse::<u8>().ok());
    /// assert_eq!(numbers.collect::<Vec<_>>().await, [1, 3]);
    /// # }
    /// ```
    fn filter_map<B, F>(self, f: F) -> FilterMap<Self, F>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Option<B>,
    {
        FilterMap::new(self, f)
    }

    /// Yields elements while `pred` returns `true`, then stops the producer,
    /// like [`Iterator::take_while`].
    ///
    /// The first element that fails `pred` is dropped, and the producer's
    /// `yield_` of it resolves to `false`: the producer is never asked for
    /// the element after it, and its cleanup has run when this sequence
    /// ends.
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
    /// let powers = seq::from_fn(|mut y: Yield<u64>| async move {
    ///     let mut p = 1;
    ///     while y.yield_(p).await {
    ///         p *= 2;
    ///     }
    /// });
    /// let small = powers.take_while(|p| *p < 20);
    /// assert_eq!(small.collect::<Vec<_>>().await, [1, 2, 4, 8, 16]);
    /// # }
    /// ```
    fn take_while<P>(self, pred: P) -> TakeWhile<Self, P>
    where
        Self: Sized,
        P: FnMut(&Self::Item) -> bool,
    {
        TakeWhile::new(self, pred)
    }

    /// Skips the first `n` elements, like [`Iterator::skip`].
    ///
    /// The skipped elements are still produced, and dropped as they arrive.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rest = seq::iter(["header", "a", "b"]).skip(1);
    /// assert_eq!(rest.size_hint(), (2, Some(2)));
    /// assert_eq!(rest.collect::<Vec<_>>().await, ["a", "b"]);
    /// # }
    /// ```
    fn skip(self, n: usize) -> Skip<Self>
    where
        Self: Sized,
    {
        Skip::new(self, n)
    }

    /// Skips elements while `pred` returns `true`, then yields the rest,
    /// like [`Iterator::skip_while`].
    ///
    /// The first element that fails `pred` is yielded, and so is every
    /// element after it: `pred` is not called again.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lines = seq::iter(["# a", "# b", "x = 1", "# c"]);
    /// let body = lines.skip_while(|l| l.starts_with('#'));
    /// assert_eq!(body.collect::<Vec<_>>().await, ["x = 1", "# c"]);
    /// # }
    /// ```
    fn skip_while<P>(self, pred: P) -> SkipWhile<Self, P>
    where
        Self: Sized,
        P: FnMut(&Self::Item) -> bool,
    {
        SkipWhile::new(self, pred)
    }

    /// Calls `f` with a reference to each element as it passes through,
    /// like [`Iterator::inspect`].
    ///
    /// Handy for logging and counting in the middle of a pipeline.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut seen = 0;
    /// let big = seq::iter([3, 14, 15])
    ///     .inspect(|_| seen += 1)
    ///     .find(|x| *x > 10)
    ///     .await;
    /// assert_eq!(big, Some(14));
    /// assert_eq!(seen, 2);
    /// # }
    /// ```
    fn inspect<F>(self, f: F) -> Inspect<Self, F>
    where
        Self: Sized,
        F: FnMut(&Self::Item),
    {
        Inspect::new(self, f)
    }

    /// Groups the elements into `Vec`s of exactly `n`, the last one shorter
    /// if the elements run out, like [`slice::chunks`].
    ///
    /// A batch is yielded as soon as it is full, so the producer is never
    /// asked for an element past the batch the consumer stops in; there is
    /// never an empty batch. Each batch is a fresh `Vec` that the consumer
    /// owns, allocated when its first element arrives with room for `n`
    /// elements (less when the source's [`size_hint`](Seq::size_hint) says
    /// fewer remain, and no more than about 1 MiB up front; a larger batch
    /// grows as it fills). When the consumer stops, the elements of a
    /// partial batch are dropped. On a fallible sequence, use
    /// [`try_batched`](Seq::try_batched), which batches the `Ok` values and
    /// lets each error out on its own: a `Vec<Result<..>>` invites a
    /// `.flatten()` that drops the errors.
    ///
    /// Item type is `Vec<Self::Item>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// If `n` is zero, with the message "`batched` size must be non-zero":
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2, 3]).batched(0);
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rows = seq::iter(1..=7).batched(3);
    /// assert_eq!(rows.size_hint(), (3, Some(3)));
    /// assert_eq!(rows.collect::<Vec<_>>().await, [vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
    /// # }
    /// ```
    #[doc(alias = "chunks")]
    #[track_caller]
    fn batched(self, n: usize) -> Batched<Self>
    where
        Self: Sized,
    {
        assert!(n > 0, "`batched` size must be non-zero");
        Batched::new(self, n)
    }

    /// Groups the elements into `Vec`s of at most `n`, flushing a partial
    /// batch once its first element has waited `max_wait`.
    ///
    /// A batch is yielded when it holds `n` elements, when the source ends,
    /// or when `max_wait` has passed since its first element arrived,
    /// whichever comes first. The window of each batch starts at the
    /// instant its first element arrives (the poll that takes it from the
    /// source): not when consumption starts, and not at the previous flush.
    /// So a quiet source yields nothing (never an empty batch), and the
    /// first element after a long silence still gets its full `max_wait` to
    /// gather company: a partial batch goes out `max_wait` after its first
    /// element arrived (later only if the consumer is late to ask). The
    /// deadline is checked whenever the source waits: a source that has
    /// elements ready keeps filling the batch up to `n`. Batches are allocated as in
    /// [`batched`](Seq::batched), and a partial batch is dropped when the
    /// consumer stops.
    ///
    /// The timer is a [`tokio::time::Sleep`]: polling this sequence while a
    /// partial batch waits for the source needs a tokio runtime with the
    /// time driver enabled (`enable_time`, or `enable_all`). Building the
    /// sequence needs nothing; like every sequence, it is cold.
    ///
    /// Item type is `Vec<Self::Item>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// If `n` is zero, with the message "`batched_timeout` size must be
    /// non-zero":
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2, 3]).batched_timeout(0, Duration::from_millis(10));
    /// ```
    ///
    /// Polling it outside a tokio runtime with the time driver enabled, once
    /// a partial batch has to wait for the source.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let events = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     for id in 1..=7 {
    ///         if id == 3 {
    ///             tokio::time::sleep(Duration::from_millis(500)).await; // a quiet spell
    ///         }
    ///         if !y.yield_(id).await {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let batches = events.batched_timeout(3, Duration::from_millis(100));
    /// // [1, 2] waited 100 ms for a third element and went out alone.
    /// assert_eq!(
    ///     batches.collect::<Vec<_>>().await,
    ///     [vec![1, 2], vec![3, 4, 5], vec![6, 7]]
    /// );
    /// # }
    /// ```
    #[doc(alias = "chunks_timeout", alias = "ready_chunks")]
    #[track_caller]
    fn batched_timeout(self, n: usize, max_wait: std::time::Duration) -> BatchedTimeout<Self>
    where
        Self: Sized,
    {
        assert!(n > 0, "`batched_timeout` size must be non-zero");
        BatchedTimeout::new(self, n, max_wait)
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
    /// A producer that waits elsewhere than at its `yield_` when the
    /// consumer stops or drops (a hung read, `pending()`) cannot hear the
    /// stop: the task drops it at once (its `Drop` cleanup runs, its async
    /// cleanup does not), so the stop completes and the task ends anyway,
    /// as for every stop (see the [protocol](Seq#protocol)).
    ///
    /// # `prefetch(0)`: the rendezvous on a task of its own
    ///
    /// With `n = 0` nothing is buffered: the producer runs on its task
    /// *only while the consumer waits* for an element, and stops at its
    /// next `yield_` until the consumer asks again, as Go's unbuffered,
    /// goroutine-backed `iter.Pull` does. It asks the producer for exactly
    /// what the inline sequence would be asked for, one element per
    /// `poll_next`, so a producer's side effects happen no earlier than
    /// without the task. If the consumer gives up waiting (a `next()` that
    /// lost a `tokio::select!`), the element it asked for is still made,
    /// and waits for the next call: nothing is lost, and the producer is at
    /// most that one element ahead. No allocation per element.
    ///
    /// `pull(seq.prefetch(0))` (and [`pull2`](crate::pull2) for pairs) is
    /// the pull on a task-plus-channel rendezvous. Plain [`pull`](crate::pull)
    /// runs the producer inline, on the consumer's task, inside `next()`:
    /// 20 to 500 times cheaper per element, with no task and no `block_on`
    /// cliff, and the right default. Choose `prefetch(0)` when the producer
    /// must not run on the consumer's task: a step that does heavy
    /// synchronous work (parsing, decompressing) would stall every other
    /// branch of the consumer's `select!` loop; or the producer should run
    /// on a runtime worker of its own (or on another runtime, with
    /// [`prefetch_on`](Seq::prefetch_on)) while the consumer sits in
    /// `block_on` or on a thread of its own. Choose `n > 0` when the two
    /// sides should overlap instead of taking turns.
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
    /// at a time, but pays the task hand-off for every element; `n = 0`
    /// does not overlap them at all (see above). Remember
    /// that elements produced ahead are discarded when the consumer stops
    /// early, so a producer with side effects per element (an acknowledged
    /// message, a billed request) wants a small `n`.
    ///
    /// A slow consumer sets the pace: once the producer is `n` elements
    /// ahead it waits, so the pipeline runs at the speed of the slower side
    /// (at best twice as fast as without `prefetch`, when both sides cost
    /// the same), and a larger `n` buys nothing more.
    ///
    /// **With batching, count in batches.** In `prefetch(n).batched(b)`
    /// with `n` smaller than `b`, the producer gets only `n` elements ahead
    /// while the consumer handles a batch, and the next batch then waits
    /// for the other `b - n` elements to be produced: little overlaps. Put
    /// `prefetch` after `batched` (`batched(b).prefetch(2)` runs up to two
    /// whole batches ahead), or choose `n` at least `b`. Measured with
    /// `cargo run --release --example prefetch_stage` (48 pages, 5 ms to
    /// fetch and 5 ms to parse each, batches of 16, so at best 2x; five
    /// runs on a shared 2-core machine under load, hence the spread):
    ///
    /// | pipeline | speed-up over `batched(16)` alone |
    /// |---|---|
    /// | `prefetch(4).batched(16)` | 1.03x–1.18x |
    /// | `prefetch(16).batched(16)` | 1.28x–1.70x |
    /// | `batched(16).prefetch(2)` | 1.27x–1.48x |
    ///
    /// Page by page, `prefetch(8)` gave 1.25x–1.66x in the same runs.
    ///
    /// # Panics
    ///
    /// The first `poll_next` panics if it does not run within a tokio
    /// runtime; see [`prefetch_on`](Seq::prefetch_on).
    ///
    /// A panic of the producer, or of its cleanup, is caught on the task
    /// and resumed in the consumer, once the elements produced before it
    /// have been delivered, or in the consumer's stop if it stops first.
    /// So is a panic in the `Drop` of an element that the task discards
    /// after a stop; one in the `Drop` of an element discarded on the
    /// consumer's side unwinds out of the consumer's stop (or drop). Either
    /// way the task still ends, and the producer is still stopped and
    /// waited for.
    ///
    /// # Cancel safety
    ///
    /// The sequence's `poll_next` is cancel safe: an element the producer
    /// made for a `next()` that was dropped is returned by the next call.
    /// For `n = 0` this is what makes `pull(seq.prefetch(0)).next()` cancel
    /// safe.
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
    /// The rendezvous: the producer runs on its own task, one element per
    /// `next()`, never ahead of the consumer:
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    /// use seqflow::{pull, seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    /// # async fn main() {
    /// let made = Arc::new(AtomicU32::new(0));
    /// let counter = made.clone();
    /// let frames = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for i in 0.. {
    ///         // A CPU-heavy parse: it runs on the producer's task, not on
    ///         // the consumer's.
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///         if !y.yield_(i).await {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let mut p = pull(frames.prefetch(0));
    /// assert_eq!(p.next().await, Some(0));
    /// assert_eq!(p.next().await, Some(1));
    /// tokio::task::yield_now().await;
    /// assert_eq!(made.load(Ordering::SeqCst), 2, "nothing made ahead");
    /// p.stop().await;
    /// # }
    /// ```
    fn prefetch(self, n: usize) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
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
    /// `prefetch_with(n, Overflow::Suspend)` is `prefetch(n)`, `n = 0`
    /// included.
    ///
    /// # Panics
    ///
    /// Panics at once if `n` is zero with a drop policy (with nothing
    /// waiting, there would be nothing to keep: use
    /// [`prefetch(0)`](Seq::prefetch) for the rendezvous). The first
    /// `poll_next` panics if it does not run within a tokio runtime; see
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
    ///
    /// A drop policy needs `n > 0`:
    ///
    /// ```should_panic
    /// use seqflow::{seq, Overflow, Seq};
    ///
    /// // panics: `prefetch_with` capacity `n` must be non-zero with a drop policy
    /// let _ = seq::iter(0..3).prefetch_with(0, Overflow::DropOldest);
    /// ```
    #[track_caller]
    fn prefetch_with(self, n: usize, overflow: Overflow) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        assert!(
            n > 0 || overflow == Overflow::Suspend,
            "`prefetch_with` capacity `n` must be non-zero with a drop policy"
        );
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
    /// `prefetch_on(handle, 0)` is the rendezvous of
    /// [`prefetch(0)`](Seq::prefetch) with its task on that runtime.
    ///
    /// # Panics
    ///
    /// If the runtime of `handle` shuts down before the producer returned, its task is dropped with it, and the
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
    fn prefetch_on(self, handle: &tokio::runtime::Handle, n: usize) -> Prefetch<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        Prefetch::new(self, n, Overflow::Suspend, Some(handle.clone()))
    }

    // ===== section: control =====

    /// Yields the elements as [`Beat::Item`](crate::Beat::Item)s, with a
    /// [`Beat::Idle`](crate::Beat::Idle) whenever the source has been silent
    /// for `every`: a heartbeat for quiet sources.
    ///
    /// An `Idle` is:
    ///
    /// 1. emitted only after `every` of silence;
    /// 2. repeated each `every` while silence lasts;
    /// 3. and the clock resets at each item.
    ///
    /// So 350 ms of silence at `every` = 100 ms gives three `Idle`s, and
    /// elements that arrive faster than `every` never have one between
    /// them. `Idle(d)` carries the silence so far: 100 ms, 200 ms, 300 ms.
    ///
    /// Silence is the time the consumer waits: the clock starts when the
    /// consumer, asking for an element, has to wait for it, so the time it
    /// spends on the previous element is not counted (for a prompt
    /// consumer, silence is the time since the last item). Beats a busy
    /// consumer could not take are skipped, never delivered in a burst. An
    /// element ready at the same instant as a beat comes first.
    ///
    /// The heartbeat never ends the sequence: it ends when the source does,
    /// and its timer stops then (and when the consumer stops or drops it).
    ///
    /// Item type is [`Beat<Self::Item>`](crate::Beat).
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `every` is zero. Polling it outside a tokio runtime with the
    /// time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Beat, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// let quiet = seq::from_fn(move |mut y: Yield<&str>| async move {
    ///     if !y.yield_("first").await { return; }
    ///     tokio::time::sleep(ms(350)).await; // the source goes quiet
    ///     y.yield_("second").await;
    /// });
    /// let beats: Vec<_> = quiet.heartbeat(ms(100)).collect().await;
    /// assert_eq!(
    ///     beats,
    ///     [
    ///         Beat::Item("first"),
    ///         Beat::Idle(ms(100)),
    ///         Beat::Idle(ms(200)),
    ///         Beat::Idle(ms(300)),
    ///         Beat::Item("second"),
    ///     ]
    /// );
    /// # }
    /// ```
    ///
    /// A zero period is refused:
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1]).heartbeat(Duration::ZERO); // panics
    /// ```
    #[track_caller]
    fn heartbeat(self, every: std::time::Duration) -> Heartbeat<Self>
    where
        Self: Sized,
    {
        assert!(
            !every.is_zero(),
            "`heartbeat` period `every` must be non-zero"
        );
        Heartbeat::new(self, every)
    }

    /// Limits the wait for each element to `per_item`: yields `Ok(element)`s
    /// and ends with `Err(Error::Timeout)` after the first element that is
    /// late.
    ///
    /// The limit is per element: the clock starts when the consumer, asking
    /// for an element, has to wait for it, and restarts at each element, so
    /// the time the consumer spends on an element does not count. An
    /// element ready at its deadline is in time. `Duration::MAX` means no
    /// limit.
    ///
    /// When an element is late, `Err(`[`Error::Timeout`](crate::Error::Timeout)`)`
    /// is yielded at once, and the sequence then ends: the producer is
    /// stopped like by any other stop, and the late element is never
    /// delivered. A stop does not wait for the await the producer is in: a
    /// producer waiting elsewhere than at `yield_` or inside
    /// [`until_stopped`](crate::Yield::until_stopped) (a hung read, a long
    /// sleep) is dropped at once, so its `Drop` cleanup runs and its async
    /// cleanup does not, and the sequence ends promptly even if that await
    /// would never complete. A producer that heard the stop (its `yield_`
    /// resolved to `false`, its `until_stopped` to `None`) is waited for:
    /// its async cleanup runs before the sequence ends.
    ///
    /// **Not tokio-stream's `timeout`.** `tokio_stream::StreamExt::timeout`
    /// yields an `Err(Elapsed)` for a late item and goes on waiting for it;
    /// this one yields `Err(Error::Timeout)` as its **last** element and
    /// stops the producer. To keep going after a slow element, race each
    /// wait yourself inside the producer (`tokio::time::timeout` around the
    /// await) and yield what you decide.
    ///
    /// For a fallible sequence, [`try_timeout`](Seq::try_timeout) puts the
    /// error into the sequence's own error type.
    ///
    /// Item type is `Result<Self::Item, seqflow::Error>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Polling it outside a tokio runtime with the time driver enabled
    /// panics, as [`tokio::time::sleep`] does.
    ///
    /// # Errors
    ///
    /// The last element is `Err(Error::Timeout)` if an element was late.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Error, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// let slowing = seq::from_fn(move |mut y: Yield<u64>| async move {
    ///     for wait in [10, 40, 90, 20] {
    ///         tokio::time::sleep(ms(wait)).await;
    ///         if !y.yield_(wait).await { return; }
    ///     }
    /// });
    /// let got: Vec<_> = slowing.timeout(ms(50)).collect().await;
    /// assert_eq!(got, [Ok(10), Ok(40), Err(Error::Timeout)]);
    /// # }
    /// ```
    ///
    /// A producer hung in an await that never completes does not hold the
    /// end back: it is dropped at the deadline, and its `Drop` cleanup runs.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::time::Duration;
    /// use seqflow::{seq, Error, Seq, Yield};
    /// use tokio::time::Instant;
    ///
    /// struct Conn(Arc<AtomicBool>);
    /// impl Drop for Conn {
    ///     fn drop(&mut self) {
    ///         self.0.store(true, Ordering::SeqCst); // `Drop` cleanup
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let dropped = Arc::new(AtomicBool::new(false));
    /// let conn = Conn(dropped.clone());
    /// let hung = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     let _conn = conn;
    ///     if !y.yield_(1).await { return; }
    ///     std::future::pending::<()>().await; // a read that never returns
    /// });
    /// let start = Instant::now();
    /// let got: Vec<_> = hung.timeout(Duration::from_secs(5)).collect().await;
    /// assert_eq!(got, [Ok(1), Err(Error::Timeout)]);
    /// assert_eq!(start.elapsed(), Duration::from_secs(5)); // not forever
    /// assert!(dropped.load(Ordering::SeqCst));
    /// # }
    /// ```
    fn timeout(self, per_item: std::time::Duration) -> Timeout<Self>
    where
        Self: Sized,
    {
        Timeout::new(self, per_item)
    }

    /// Limits the wait for each element of a fallible sequence to
    /// `per_item`, ending with `Err(Error::Timeout.into())` after the first
    /// element that is late.
    ///
    /// Everything is as for [`timeout`](Seq::timeout), except that the
    /// elements pass through unchanged (`Ok` and `Err` alike, each restarting
    /// the clock) and the timeout error is converted into the sequence's
    /// error type with `From<seqflow::Error>`. As there, a late element
    /// *ends* the sequence (tokio-stream's `timeout` yields an error and
    /// goes on), and the stop drops a producer waiting elsewhere than at
    /// `yield_` or `until_stopped` and waits for one that heard it.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Polling it outside a tokio runtime with the time driver enabled
    /// panics, as [`tokio::time::sleep`] does.
    ///
    /// # Errors
    ///
    /// The last element is `Err(Error::Timeout.into())` if an element was
    /// late; the sequence's own errors pass through.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum FetchError {
    ///     Slow,
    ///     Io,
    /// }
    ///
    /// impl From<seqflow::Error> for FetchError {
    ///     fn from(_: seqflow::Error) -> Self {
    ///         FetchError::Slow
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pages = seq::try_from_fn(|mut y: Yield<u32>| async move {
    ///     y.yield_(1).await;
    ///     tokio::time::sleep(Duration::from_secs(60)).await; // the server hangs
    ///     y.yield_(2).await;
    ///     Err(FetchError::Io)
    /// });
    /// let res = pages.try_timeout(Duration::from_secs(5)).try_collect::<Vec<_>>().await;
    /// assert_eq!(res, Err(FetchError::Slow));
    /// # }
    /// ```
    fn try_timeout(self, per_item: std::time::Duration) -> TryTimeout<Self>
    where
        Self: Sized + TrySeq,
        Self::Error: From<crate::Error>,
    {
        TryTimeout::new(self, per_item)
    }

    /// Ends the sequence once `token` is cancelled: Go's `ctx.Done()` for
    /// iterators.
    ///
    /// Once the token is cancelled, the sequence ends within one element or
    /// one pending await of the producer, whichever comes first. The token
    /// is checked before each element is asked for and watched while the
    /// producer waits; once it is seen cancelled, no element is asked for
    /// and the producer is stopped: its pending `yield_` resolves to
    /// `false` and its cleanup runs before the sequence ends. A producer
    /// whose token is cancelled before the first element never starts.
    ///
    /// The sequence ends as if exhausted. To tell the two apart, check the
    /// token, or use [`try_with_cancel`](Seq::try_with_cancel) on a
    /// fallible sequence.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// use tokio_util::sync::CancellationToken;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = CancellationToken::new();
    /// let closed = Arc::new(AtomicBool::new(false));
    /// let ticks = seq::from_fn({
    ///     let closed = closed.clone();
    ///     move |mut y: Yield<u32>| async move {
    ///         let mut i = 0;
    ///         while y.yield_(i).await {
    ///             i += 1;
    ///         }
    ///         closed.store(true, Ordering::SeqCst);
    ///     }
    /// });
    /// let mut seen = Vec::new();
    /// ticks
    ///     .with_cancel(token.clone())
    ///     .for_each(|i| {
    ///         seen.push(i);
    ///         if i == 2 {
    ///             token.cancel(); // e.g. a shutdown signal
    ///         }
    ///         async { true }
    ///     })
    ///     .await;
    /// assert_eq!(seen, [0, 1, 2]);
    /// assert!(closed.load(Ordering::SeqCst), "the producer cleaned up");
    /// # }
    /// ```
    fn with_cancel(self, token: tokio_util::sync::CancellationToken) -> WithCancel<Self>
    where
        Self: Sized,
    {
        WithCancel::new(self, token)
    }

    /// Ends a fallible sequence with `Err(Error::Cancelled.into())` once
    /// `token` is cancelled.
    ///
    /// Everything is as for [`with_cancel`](Seq::with_cancel), except that
    /// the end is marked: as soon as the cancellation is seen,
    /// `Err(`[`Error::Cancelled`](crate::Error::Cancelled)`.into())` is
    /// yielded (without waiting for the producer); then the producer is
    /// stopped, its cleanup runs, and the sequence ends. The sequence's own
    /// elements, `Ok` and `Err`, pass through unchanged.
    ///
    /// This sequence is *fused*.
    ///
    /// # Errors
    ///
    /// The last element is `Err(Error::Cancelled.into())` if the token was
    /// cancelled before the sequence ended; the sequence's own errors pass
    /// through.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_util::sync::CancellationToken;
    /// use seqflow::{seq, Error, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = CancellationToken::new();
    /// let rows = seq::iter((1..).map(Ok::<u32, Error>)).try_with_cancel(token.clone());
    /// let mut seen = Vec::new();
    /// let res = rows
    ///     .try_for_each(|row| {
    ///         seen.push(row);
    ///         if row == 3 {
    ///             token.cancel();
    ///         }
    ///         async { Ok(()) }
    ///     })
    ///     .await;
    /// assert_eq!(res, Err(Error::Cancelled));
    /// assert_eq!(seen, [1, 2, 3]);
    /// # }
    /// ```
    fn try_with_cancel(self, token: tokio_util::sync::CancellationToken) -> TryWithCancel<Self>
    where
        Self: Sized + TrySeq,
        Self::Error: From<crate::Error>,
    {
        TryWithCancel::new(self, token)
    }

    /// Reports the iteration's start, elements and end to `observer`.
    ///
    /// The iteration starts when the consumer first asks for an element
    /// ([`Observer::on_start`](crate::Observer::on_start)), reports each
    /// element delivered ([`on_item`](crate::Observer::on_item)), and ends
    /// exactly once ([`on_end`](crate::Observer::on_end)) with its element
    /// count, its duration (from the start, including the producer's
    /// cleanup, on tokio's clock) and an [`Outcome`](crate::Outcome):
    ///
    /// - `Exhausted`: the sequence ran to its end;
    /// - `BrokeEarly`: the consumer stopped it ([`poll_stop`](Seq::poll_stop):
    ///   a `for_each` body returned `false`, `take` or `first` had enough);
    ///   reported once the producer's cleanup is done;
    /// - `Cancelled`: it was dropped mid-iteration; reported as it is
    ///   dropped, after the producer's `Drop` cleanup;
    /// - `Panicked`: a panic unwound through its `poll_next` or
    ///   `poll_stop`; reported as the panic passes, which it then continues;
    /// - `Abandoned`: it ended (ran out, or was stopped), and on the way a
    ///   stop dropped a producer that was not listening for it (waiting
    ///   outside `yield_`, [`until_stopped`](crate::Yield::until_stopped) and
    ///   [`shield`](crate::Yield::shield)): that producer's async cleanup did
    ///   not run. This covers the producers the observed sequence drives,
    ///   its own and those of the adapters inside it (`merge`, `prefetch`,
    ///   ...), and those its own early ends (`take`, `timeout`, ...) stop.
    ///
    /// A sequence stopped or dropped before its first element was asked for
    /// never started, and nothing is reported.
    ///
    /// Observers: [`Stats`](crate::Stats), atomic counters with a live
    /// `active` gauge, shared as `Arc<Stats>` or `&'static Stats`; with the
    /// `tracing` feature, `TracingObserver` (one span per iteration); with
    /// the `metrics` feature, `MetricsObserver` (counters and an active
    /// gauge); or your own [`Observer`](crate::Observer).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use seqflow::{seq, Seq, Stats, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let stats = Arc::new(Stats::new());
    /// let rows = || {
    ///     seq::from_fn(|mut y: Yield<u32>| async move {
    ///         for row in 1..=5 {
    ///             if !y.yield_(row).await { return; }
    ///         }
    ///     })
    ///     .instrumented(stats.clone())
    /// };
    /// assert_eq!(rows().count().await, 5);
    /// assert_eq!(rows().take(2).count().await, 2);
    /// assert_eq!(rows().find(|r| *r == 4).await, Some(4));
    ///
    /// let snap = stats.snapshot();
    /// assert_eq!((snap.started, snap.finished, snap.broke_early), (3, 1, 2));
    /// assert_eq!(snap.items, 5 + 2 + 4);
    /// assert_eq!(snap.active, 0, "every iteration ended");
    /// # }
    /// ```
    fn instrumented<O>(self, observer: O) -> Instrumented<Self, O>
    where
        Self: Sized,
        O: crate::Observer,
    {
        Instrumented::new(self, observer)
    }

    // ===== section: pull =====

    // ===== section: more-shaping =====
    /// Pairs each element with its index, counting from 0, like
    /// [`Iterator::enumerate`]: a [`Seq2`] of `(usize, T)`.
    ///
    /// Item type is `(usize, Self::Item)`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lines: Vec<_> = seq::iter(["fn", "main"]).enumerate().collect().await;
    /// assert_eq!(lines, [(0, "fn"), (1, "main")]);
    /// # }
    /// ```
    fn enumerate(self) -> Enumerate<Self>
    where
        Self: Sized,
    {
        Enumerate::new(self)
    }

    /// Yields every element of `self`, then every element of `other`, like
    /// [`Iterator::chain`].
    ///
    /// `other` starts only once `self`'s producer has returned (its cleanup
    /// done), so at most one of the two producers runs at a time. When the
    /// consumer stops, the running producer is stopped (its pending `yield_`
    /// resolves to `false` and its cleanup runs); an `other` that has not
    /// started never starts.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let v: Vec<_> = seq::iter([1, 2]).chain(seq::once(3)).collect().await;
    /// assert_eq!(v, [1, 2, 3]);
    /// # }
    /// ```
    fn chain<U>(self, other: U) -> Chain<Self, U>
    where
        Self: Sized,
        U: Seq<Item = Self::Item>,
    {
        Chain::new(self, other)
    }

    /// Pairs the elements of `self` and `other` in lockstep, like
    /// [`Iterator::zip`].
    ///
    /// For each pair it asks `self` for an element, then `other`. When
    /// either ends, the other is stopped (its pending `yield_` resolves to
    /// `false` and its cleanup runs) before the zipped sequence ends; an
    /// element of `self` left without a partner is dropped. When the
    /// consumer stops, both producers are stopped together, and the stop
    /// completes once both have returned.
    ///
    /// Item type is `(Self::Item, U::Item)`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let closed = Arc::new(AtomicBool::new(false));
    /// let ids = seq::from_fn({
    ///     let closed = closed.clone();
    ///     |mut y: Yield<u32>| async move {
    ///         let mut id = 100;
    ///         while y.yield_(id).await {
    ///             id += 1;
    ///         }
    ///         closed.store(true, Ordering::SeqCst); // runs when `zip` stops it
    ///     }
    /// });
    /// let named: Vec<_> = seq::iter(["ann", "bob"]).zip(ids).collect().await;
    /// assert_eq!(named, [("ann", 100), ("bob", 101)]);
    /// assert!(closed.load(Ordering::SeqCst));
    /// # }
    /// ```
    fn zip<U>(self, other: U) -> Zip<Self, U>
    where
        Self: Sized,
        U: Seq,
    {
        Zip::new(self, other)
    }

    /// Maps each element to a sequence and yields the elements of each in
    /// turn, like [`Iterator::flat_map`].
    ///
    /// `f` is called for the next element of `self` only once the current
    /// inner sequence has ended (its producer returned). When the consumer
    /// stops in the middle of an inner sequence, that inner sequence is
    /// stopped first, then `self`: innermost cleanup first, as nested
    /// `range` loops in Go unwind.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let v: Vec<_> = seq::iter(1..=3).flat_map(|n| seq::iter(0..n)).collect().await;
    /// assert_eq!(v, [0, 0, 1, 0, 1, 2]);
    /// # }
    /// ```
    fn flat_map<U, F>(self, f: F) -> FlatMap<Self, F, U>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> U,
        U: Seq,
    {
        FlatMap::new(self, f)
    }

    /// Runs each sequence that `self` yields, in turn, and yields their
    /// elements, like [`Iterator::flatten`].
    ///
    /// The next inner sequence is taken from `self` only once the current
    /// one has ended. When the consumer stops, the current inner sequence
    /// is stopped first, then `self`, as for [`flat_map`](Seq::flat_map).
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pages = seq::iter([seq::iter(vec![1, 2]), seq::iter(vec![]), seq::iter(vec![3])]);
    /// assert_eq!(pages.flatten().collect::<Vec<_>>().await, [1, 2, 3]);
    /// # }
    /// ```
    fn flatten(self) -> Flatten<Self>
    where
        Self: Sized,
        Self::Item: Seq,
    {
        Flatten::new(self)
    }

    /// Threads a state through the elements, like [`Iterator::scan`]: `f`
    /// gets the state and an element and returns `Some(output)` to go on or
    /// `None` to end.
    ///
    /// When `f` returns `None`, the producer is stopped (its pending
    /// `yield_` resolves to `false` and its cleanup runs) before the
    /// sequence ends; `f` is not called again.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Running totals, until the total passes 5.
    /// let totals: Vec<i32> = seq::iter([1, 2, 3, 4])
    ///     .scan(0, |total, x| {
    ///         *total += x;
    ///         (*total <= 5).then_some(*total)
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(totals, [1, 3]);
    /// # }
    /// ```
    fn scan<St, B, F>(self, initial_state: St, f: F) -> Scan<Self, St, F>
    where
        Self: Sized,
        F: FnMut(&mut St, Self::Item) -> Option<B>,
    {
        Scan::new(self, initial_state, f)
    }

    /// Removes consecutive repeated elements, like [`Vec::dedup`]: of a run
    /// of equal elements, only the first is delivered.
    ///
    /// Each element is delivered as soon as it arrives, so the sequence
    /// keeps a clone of the last one to compare the next with (hence
    /// `Clone`). To compare by a cheaper key, use
    /// [`dedup_by_key`](Seq::dedup_by_key).
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let v: Vec<_> = seq::iter([1, 1, 2, 2, 2, 1, 3]).dedup().collect().await;
    /// assert_eq!(v, [1, 2, 1, 3]);
    /// # }
    /// ```
    fn dedup(self) -> Dedup<Self>
    where
        Self: Sized,
        Self::Item: PartialEq + Clone,
    {
        Dedup::new(self)
    }

    /// Removes consecutive elements whose key equals the key of the element
    /// before them, like [`Vec::dedup_by_key`].
    ///
    /// `f` computes each element's key; the sequence keeps the last key.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let readings = seq::iter([(1, "ok"), (2, "ok"), (3, "down"), (4, "ok")]);
    /// let changes: Vec<_> = readings.dedup_by_key(|(_, status)| *status).collect().await;
    /// assert_eq!(changes, [(1, "ok"), (3, "down"), (4, "ok")]);
    /// # }
    /// ```
    fn dedup_by_key<K, F>(self, f: F) -> DedupByKey<Self, F, K>
    where
        Self: Sized,
        F: FnMut(&Self::Item) -> K,
        K: PartialEq,
    {
        DedupByKey::new(self, f)
    }

    /// Yields the first element, then every `step`-th, like
    /// [`Iterator::step_by`].
    ///
    /// The elements in between are asked of the producer only when the next
    /// element to deliver is wanted: a consumer that stops after an element
    /// never causes the ones after it to be produced.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `step` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).step_by(0); // panics
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let v: Vec<_> = seq::iter(0..10).step_by(4).collect().await;
    /// assert_eq!(v, [0, 4, 8]);
    /// # }
    /// ```
    #[track_caller]
    fn step_by(self, step: usize) -> StepBy<Self>
    where
        Self: Sized,
    {
        assert!(step > 0, "`step_by` step must be non-zero");
        StepBy::new(self, step)
    }

    /// Yields every window of `size` consecutive elements, overlapping, as
    /// a fresh `Vec`, like [`slice::windows`].
    ///
    /// The first window is delivered once `size` elements have arrived,
    /// then one per element; a sequence shorter than `size` yields none.
    /// The sequence keeps the last `size` elements and clones them into
    /// each window (hence `Clone`). For non-overlapping chunks, use
    /// `batched`.
    ///
    /// Item type is `Vec<Self::Item>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `size` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).windows(0); // panics
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pairs: Vec<Vec<i32>> = seq::iter([1, 2, 3, 4]).windows(2).collect().await;
    /// assert_eq!(pairs, [[1, 2], [2, 3], [3, 4]]);
    /// # }
    /// ```
    #[track_caller]
    fn windows(self, size: usize) -> Windows<Self>
    where
        Self: Sized,
        Self::Item: Clone,
    {
        assert!(size > 0, "`windows` size must be non-zero");
        Windows::new(self, size)
    }

    /// Yields the first half of each pair of a [`Seq2`]: Go's `xiter.Keys`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ages = seq::iter([("ann", 31), ("bob", 27)]);
    /// assert_eq!(ages.keys().collect::<Vec<_>>().await, ["ann", "bob"]);
    /// # }
    /// ```
    fn keys<K, V>(self) -> Keys<Self>
    where
        Self: Sized + Seq<Item = (K, V)>,
    {
        Keys::new(self)
    }

    /// Yields the second half of each pair of a [`Seq2`]: Go's
    /// `xiter.Values`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ages = seq::iter([("ann", 31), ("bob", 27)]);
    /// assert_eq!(ages.values().collect::<Vec<_>>().await, [31, 27]);
    /// # }
    /// ```
    fn values<K, V>(self) -> Values<Self>
    where
        Self: Sized + Seq<Item = (K, V)>,
    {
        Values::new(self)
    }

    /// Maps each pair of a [`Seq2`] to a new pair: Go's `xiter.Map2`.
    ///
    /// `f` takes the two halves as two arguments and returns a pair, so the
    /// result is a [`Seq2`] again.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ages = seq::iter([("ann", 31), ("bob", 27)]);
    /// let next_year: Vec<_> = ages.map2(|name, age| (name.len(), age + 1)).collect().await;
    /// assert_eq!(next_year, [(3, 32), (3, 28)]);
    /// # }
    /// ```
    fn map2<K, V, K2, V2, F>(self, f: F) -> Map2<Self, F>
    where
        Self: Sized + Seq<Item = (K, V)>,
        F: FnMut(K, V) -> (K2, V2),
    {
        Map2::new(self, f)
    }

    /// Maps each element to a future and runs up to `limit` of them at
    /// once, yielding their outputs in the order of the elements, like
    /// futures' `StreamExt::buffered`.
    ///
    /// The futures are polled inline on the consumer's task: no task is
    /// spawned, no runtime is needed, and they need not be `Send`. They
    /// make progress while the consumer polls the sequence (their timers
    /// and I/O run meanwhile). An element is asked of the producer only when
    /// one of the `limit` slots is free. A future that finishes before the
    /// ones ahead of it keeps its slot until they have been delivered; use
    /// [`map_unordered`](Seq::map_unordered) to deliver in completion order.
    ///
    /// When the consumer stops, the futures in flight are dropped (their
    /// outputs are lost) and the producer is stopped; its cleanup runs. A
    /// panic in `f` or in a future unwinds out of the consumer's poll.
    ///
    /// Item type is `Fut::Output`.
    ///
    /// This sequence is *fused*.
    ///
    /// # A note on consumers that are busy
    ///
    /// The futures run only while the consumer polls this sequence, as
    /// futures' `buffered` ones do. A consumer that spends time elsewhere
    /// between two elements (a `for_each` body that awaits a write, a
    /// `pull` loop that sleeps) stalls every future in flight: their timers
    /// fire and their sockets become readable, but nobody polls them until
    /// the consumer asks for its next element. With a consumer that sleeps a
    /// second per element, not one step of the futures completes during its
    /// sleeps. Worse, if the consumer's own work waits for something a future
    /// in flight holds (a permit of a shared semaphore, a pooled
    /// connection), it waits for ever: a deadlock (futures-rs issue 2387,
    /// "Barbara battles buffered streams").
    ///
    /// Put [`prefetch(k)`](Seq::prefetch) after it to move the polling to a
    /// task of its own: `seq.map_concurrent(n, f).prefetch(k)` keeps the
    /// futures running while the consumer is busy, for as long as fewer than
    /// `k` outputs wait for the consumer (the sequence must then be `Send +
    /// 'static`, and a tokio runtime is needed). The same holds for
    /// [`map_unordered`](Seq::map_unordered) and [`merge`](Seq::merge).
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let fetch = |id: u64| async move {
    ///     sleep(Duration::from_secs(1)).await; // a request
    ///     id
    /// };
    /// let start = Instant::now();
    /// seq::iter(0..8)
    ///     .map_concurrent(4, fetch)
    ///     .prefetch(4) // the requests go on while the body below is busy
    ///     .for_each(|_| async {
    ///         sleep(Duration::from_secs(1)).await; // the consumer's own work
    ///         true
    ///     })
    ///     .await;
    /// // One second for the first response, then eight of the consumer's
    /// // work, with every later request done while it worked.
    /// assert_eq!(start.elapsed(), Duration::from_secs(9));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).map_concurrent(0, |x| async move { x }); // panics
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let doubled: Vec<u64> = seq::iter([30, 10, 20])
    ///     .map_concurrent(3, |ms| async move {
    ///         sleep(Duration::from_millis(ms)).await;
    ///         ms * 2
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(doubled, [60, 20, 40]); // the order of the elements
    /// assert_eq!(start.elapsed(), Duration::from_millis(30)); // not 60: concurrently
    /// # }
    /// ```
    #[doc(alias = "buffered")]
    #[track_caller]
    fn map_concurrent<F, Fut>(self, limit: usize, f: F) -> MapConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        assert!(limit > 0, "`map_concurrent` limit must be non-zero");
        MapConcurrent::new(self, limit, f)
    }

    /// Maps each element to a future and runs up to `limit` of them at
    /// once, yielding their outputs as they complete, like futures'
    /// `StreamExt::buffer_unordered`.
    ///
    /// As [`map_concurrent`](Seq::map_concurrent), but an output is
    /// delivered as soon as its future completes, and its slot is free for
    /// the next element at once.
    ///
    /// The futures run only while the consumer polls this sequence: a
    /// consumer busy elsewhere between two elements stalls them, and one
    /// that waits for something a future in flight holds deadlocks. Add
    /// [`prefetch(k)`](Seq::prefetch) after it to keep them running, as the
    /// note on [`map_concurrent`](Seq::map_concurrent) shows.
    ///
    /// When the consumer stops, the futures in flight are dropped (their
    /// outputs are lost) and the producer is stopped; its cleanup runs. A
    /// panic in `f` or in a future unwinds out of the consumer's poll.
    ///
    /// Item type is `Fut::Output`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).map_unordered(0, |x| async move { x }); // panics
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    /// use tokio::time::sleep;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let doubled: Vec<u64> = seq::iter([30, 10, 20])
    ///     .map_unordered(3, |ms| async move {
    ///         sleep(Duration::from_millis(ms)).await;
    ///         ms * 2
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(doubled, [20, 40, 60]); // the order of completion
    /// # }
    /// ```
    #[doc(alias = "buffer_unordered")]
    #[track_caller]
    fn map_unordered<F, Fut>(self, limit: usize, f: F) -> MapUnordered<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        assert!(limit > 0, "`map_unordered` limit must be non-zero");
        MapUnordered::new(self, limit, f)
    }

    /// Interleaves `self` and `other` by arrival: each element is delivered
    /// as soon as either producer yields it.
    ///
    /// Both sequences are polled concurrently, inline on the consumer's
    /// task: no task is spawned, no runtime is needed, and neither needs to
    /// be `Send`. The side polled first alternates from poll to poll, so a
    /// side that is always ready cannot starve the other. The merged
    /// sequence ends when both have ended.
    ///
    /// When the consumer stops, both producers are stopped together, each by
    /// the stop rule: a pending `yield_` resolves to `false` and the stop
    /// waits for that producer's cleanup; a producer waiting elsewhere is
    /// dropped at once. A panic in either unwinds out of the consumer's
    /// poll, also during a stop: if one side's cleanup panics, **the other
    /// side is dropped with the merged sequence, without its async
    /// cleanup** (its `Drop` cleanup runs). Errors are elements like any
    /// other: each `Err` is delivered where it arrives.
    ///
    /// [`seq::merge`](merge) is the same as a function;
    /// [`seq::merge_all`](merge_all) merges any number of sequences.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// fn ticks(name: &'static str, every_ms: u64, n: usize) -> impl Seq<Item = &'static str> {
    ///     seq::from_fn(move |mut y: Yield<&'static str>| async move {
    ///         for _ in 0..n {
    ///             tokio::time::sleep(Duration::from_millis(every_ms)).await;
    ///             if !y.yield_(name).await {
    ///                 return;
    ///             }
    ///         }
    ///     })
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // "fast" at 10, 20 and 30 ms; "slow" at 25 ms.
    /// let got: Vec<_> = ticks("fast", 10, 3).merge(ticks("slow", 25, 1)).collect().await;
    /// assert_eq!(got, ["fast", "fast", "slow", "fast"]);
    /// # }
    /// ```
    #[doc(alias = "select")]
    fn merge<U>(self, other: U) -> Merge<Self, U>
    where
        Self: Sized,
        U: Seq<Item = Self::Item>,
    {
        Merge::new(self, other)
    }

    /// Collects every element, like [`collect`](Seq::collect), but fails
    /// rather than grow past `max` elements: a guard against materialising
    /// a sequence that turns out to be unbounded.
    ///
    /// A sequence of at most `max` elements is collected whole. When
    /// element `max + 1` arrives, the producer is stopped (its pending
    /// `yield_` resolves to `false` and its cleanup runs); that element and
    /// the ones collected are dropped, and the result is an error.
    ///
    /// # Errors
    ///
    /// [`Error::TooMany`](crate::Error::TooMany) if the sequence has more
    /// than `max` elements.
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
    /// use seqflow::{seq, Error, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let small: Result<Vec<_>, _> = seq::iter(0..3).collect_at_most(3).await;
    /// assert_eq!(small, Ok(vec![0, 1, 2]));
    ///
    /// let endless = seq::repeat_with(|| 0u8);
    /// let res: Result<Vec<_>, _> = endless.collect_at_most(1000).await;
    /// assert_eq!(res, Err(Error::TooMany { max: 1000 }));
    /// # }
    /// ```
    fn collect_at_most<C>(self, max: usize) -> CollectAtMost<Self, C>
    where
        Self: Sized,
        C: Default + Extend<Self::Item>,
    {
        CollectAtMost::new(self, max)
    }

    // ===== section: remote =====

    // ===== section: sharing =====

    /// Shares the sequence among subscribers: returns a cloneable
    /// [`Share`] handle whose [`subscribe`](Share::subscribe) gives a
    /// [`Subscription`], a sequence of every element the upstream (`self`)
    /// produces after it subscribed.
    ///
    /// No task runs it: the upstream is driven inline by whichever
    /// subscription needs the next element (the others wait for that one
    /// and are woken when it arrives), like futures' `Shared`.
    ///
    /// - The upstream is cold: it starts when a subscription is first
    ///   polled.
    /// - A subscriber more than `capacity` elements behind holds the
    ///   upstream back: the subscription that needs a new element waits
    ///   until the slowest one has read. A subscription that is never
    ///   polled therefore holds the others back once they are `capacity`
    ///   ahead; drop it (or use [`share_lagging`](Seq::share_lagging)).
    /// - Once it has started, the upstream is stopped when its last
    ///   subscription ends: the last one's [`poll_stop`](Seq::poll_stop)
    ///   stops it by the stop rule (heard: its cleanup runs and the stop
    ///   waits for it; waiting elsewhere: dropped), dropping the last one
    ///   drops it. A subscription taken after that, from a `Share` handle
    ///   that is still around, yields the replayed elements (see
    ///   [`Share::replay`]) and ends: the upstream runs once. Before the
    ///   upstream started, subscriptions may come and go without starting
    ///   or stopping it.
    /// - Elements are cloned for each subscriber but the last to read one,
    ///   which takes it.
    ///
    /// Item type of each subscription is `Self::Item`. A subscription is
    /// *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is 0.
    ///
    /// A panic of the upstream unwinds out of the poll of the subscription
    /// that polled it, with its own payload; every other subscription
    /// delivers the elements it had not read yet, then panics with the
    /// message `the shared sequence's producer panicked: ` followed by the
    /// original message.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shared = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     for i in 0..4 {
    ///         if !y.yield_(i).await { return; }
    ///     }
    /// })
    /// .share(2);
    /// let a = shared.subscribe();
    /// let b = shared.subscribe().map(|v| v * 10);
    /// let (a, b) = tokio::join!(a.collect::<Vec<_>>(), b.collect::<Vec<_>>());
    /// assert_eq!(a, [0, 1, 2, 3]);
    /// assert_eq!(b, [0, 10, 20, 30]);
    /// # }
    /// ```
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter(0..3).share(0); // panics: the capacity must be non-zero
    /// ```
    #[track_caller]
    fn share(self, capacity: usize) -> Share<Self::Item>
    where
        Self: Sized + Send + 'static,
        Self::Item: Clone + Send + 'static,
    {
        assert!(capacity > 0, "`share` capacity must be non-zero");
        Share::new(self, capacity, None)
    }

    /// Like [`share`](Seq::share), but a subscriber more than `capacity`
    /// elements behind never holds the upstream back: it skips ahead, like
    /// a receiver of tokio's `broadcast` channel.
    ///
    /// The subscriptions yield `Ok(element)`. The upstream is driven as
    /// fast as the fastest subscriber asks, and the share keeps the last
    /// `capacity` elements produced; a subscription whose next element was
    /// dropped from them yields one `Err(Error::Lagged(k))`, `k` the number
    /// of elements it missed, then goes on with the oldest element still
    /// kept. Unlike tokio's `broadcast`, the capacity is not rounded up to a
    /// power of two.
    ///
    /// Item type of each subscription is
    /// `Result<Self::Item, seqflow::Error>`. A subscription is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is 0. Panics of the upstream reach the
    /// subscribers as with [`share`](Seq::share).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Error, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shared = seq::iter(0..6).share_lagging(2);
    /// let slow = shared.subscribe();
    /// // The fast subscriber runs through the whole upstream first.
    /// let fast: Vec<_> = shared.subscribe().collect().await;
    /// assert_eq!(fast, [Ok(0), Ok(1), Ok(2), Ok(3), Ok(4), Ok(5)]);
    /// // The slow one missed four, then gets the last two.
    /// let slow: Vec<_> = slow.collect().await;
    /// assert_eq!(slow, [Err(Error::Lagged(4)), Ok(4), Ok(5)]);
    /// # }
    /// ```
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter(0..3).share_lagging(0); // panics: the capacity must be non-zero
    /// ```
    #[track_caller]
    fn share_lagging(self, capacity: usize) -> Share<Result<Self::Item, crate::Error>>
    where
        Self: Sized + Send + 'static,
        Self::Item: Clone + Send + 'static,
    {
        assert!(capacity > 0, "`share_lagging` capacity must be non-zero");
        let ok: fn(Self::Item) -> Result<Self::Item, crate::Error> = Ok;
        Share::new(
            self.map(ok),
            capacity,
            Some(|k| Err(crate::Error::Lagged(k))),
        )
    }

    /// Splits the sequence into two, each yielding every element (a clone
    /// for one of them), like itertools' `tee`.
    ///
    /// No task runs the upstream: the end that needs an element polls it
    /// and queues a clone for the other end. The queue is bounded: one end
    /// may be at most 64 elements ahead of the other; then the end that is
    /// ahead waits until the other has read. So consuming one end to its
    /// end before touching the other waits forever on a sequence of more
    /// than 64 elements: consume both concurrently (`join!`, two tasks),
    /// or drop the other end.
    ///
    /// When one end is stopped or dropped, the other keeps getting every
    /// element. Once both have, the upstream is stopped by the stop rule
    /// by the end that stopped last (heard: its cleanup runs and that stop
    /// waits for it; waiting elsewhere: dropped), or dropped with the end
    /// dropped last. It starts at the first poll of either end.
    ///
    /// Item type is `Self::Item`. Both ends are *fused*.
    ///
    /// # Panics
    ///
    /// A panic of the upstream unwinds out of the poll of the end that
    /// polled it; the other end delivers what was queued for it, then
    /// panics with the message `the split sequence's producer panicked: `
    /// followed by the original message.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = seq::iter(1..=4).tee();
    /// let (sum, all) = tokio::join!(a.fold(0, |acc, v| acc + v), b.collect::<Vec<_>>());
    /// assert_eq!(sum, 10);
    /// assert_eq!(all, [1, 2, 3, 4]);
    /// # }
    /// ```
    fn tee(self) -> (Tee<Self>, Tee<Self>)
    where
        Self: Sized,
        Self::Item: Clone,
    {
        Tee::new(self)
    }

    /// Splits the sequence into the elements for which `pred` returns
    /// `true` (the first sequence) and the rest (the second), like
    /// `Iterator::partition` without collecting.
    ///
    /// It shares [`tee`](Seq::tee)'s engine and rules: no task, one end at
    /// most 64 elements ahead of the other (elements queued for the other
    /// end), the upstream stopped once both ends have stopped or been
    /// dropped; when one end is gone, its elements are dropped and the
    /// other keeps getting all of its own. `pred` is called once per
    /// element, by whichever end polls the upstream.
    ///
    /// Item type is `Self::Item`. Both ends are *fused*.
    ///
    /// # Panics
    ///
    /// A panic of the upstream or of `pred` reaches both ends, as with
    /// [`tee`](Seq::tee).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (even, odd) = seq::iter(0..7).partition(|v| v % 2 == 0);
    /// let (even, odd) = tokio::join!(even.collect::<Vec<_>>(), odd.collect::<Vec<_>>());
    /// assert_eq!(even, [0, 2, 4, 6]);
    /// assert_eq!(odd, [1, 3, 5]);
    /// # }
    /// ```
    fn partition<F>(self, pred: F) -> (Partition<Self, F>, Partition<Self, F>)
    where
        Self: Sized,
        F: FnMut(&Self::Item) -> bool,
    {
        Partition::new(self, pred)
    }

    // ===== section: fallible =====

    /// Runs the async, fallible `f` on each `Ok` value of a fallible
    /// sequence, one at a time, and yields its result; errors pass through
    /// untouched, like `TryStreamExt::and_then`.
    ///
    /// This is [`then`](Seq::then) for the `Ok` side: the step that can
    /// fail (a lookup, a write) is chained onto the values, and its errors
    /// join the source's as elements, in order. An `Err` does not end the
    /// sequence. If the consumer stops while a call of `f` is running, that
    /// future is dropped and its output never delivered; then the source is
    /// stopped.
    ///
    /// Item type is `Result<U, Self::Error>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// async fn load(id: u32) -> Result<String, String> {
    ///     tokio::task::yield_now().await; // a query, say
    ///     if id == 0 { Err("no user 0".into()) } else { Ok(format!("user-{id}")) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ids = seq::iter(vec![Ok(7), Err("bad id".to_owned()), Ok(0), Ok(9)]);
    /// let users: Vec<_> = ids.and_then(load).collect().await;
    /// assert_eq!(
    ///     users,
    ///     [Ok("user-7".into()), Err("bad id".into()), Err("no user 0".into()), Ok("user-9".into())]
    /// );
    /// # }
    /// ```
    fn and_then<U, F, Fut>(self, f: F) -> AndThen<Self, F, Fut>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Ok) -> Fut,
        Fut: Future<Output = Result<U, Self::Error>>,
    {
        AndThen::new(self, f)
    }

    /// Runs the async `f` on each error of a fallible sequence, one at a
    /// time, and yields its result in the error's place; `Ok` values pass
    /// through untouched, like `TryStreamExt::or_else`.
    ///
    /// `f` may recover (return `Ok`, say a cached value) or return an error,
    /// possibly of another type. If the consumer stops while a call of `f`
    /// is running, that future is dropped and its output never delivered;
    /// then the source is stopped.
    ///
    /// Item type is `Result<Self::Ok, G>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let reads = seq::iter(vec![Ok(1), Err("timeout"), Err("corrupt"), Ok(4)]);
    /// let healed: Vec<Result<u32, String>> = reads
    ///     .or_else(|e| async move {
    ///         if e == "timeout" { Ok(0) } else { Err(format!("gave up: {e}")) }
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(healed, [Ok(1), Ok(0), Err("gave up: corrupt".into()), Ok(4)]);
    /// # }
    /// ```
    fn or_else<G, F, Fut>(self, f: F) -> OrElse<Self, F, Fut>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Error) -> Fut,
        Fut: Future<Output = Result<Self::Ok, G>>,
    {
        OrElse::new(self, f)
    }

    /// Keeps the `Ok` values for which `pred` returns `true`, and every
    /// error, like `TryStreamExt::try_filter` with a plain predicate.
    ///
    /// `pred` sees each `Ok` value by reference and is never called for an
    /// error: every `Err` is yielded, in order (errors are never dropped:
    /// see [`TrySeq`]). Rejected
    /// values are dropped as they arrive, as in [`filter`](Seq::filter).
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rows = seq::iter(vec![Ok(1), Ok(2), Err("row 3 unreadable"), Ok(4)]);
    /// let even: Vec<_> = rows.try_filter(|x| x % 2 == 0).collect().await;
    /// assert_eq!(even, [Ok(2), Err("row 3 unreadable"), Ok(4)]);
    /// # }
    /// ```
    fn try_filter<P>(self, pred: P) -> TryFilter<Self, P>
    where
        Self: Sized + TrySeq,
        P: FnMut(&Self::Ok) -> bool,
    {
        TryFilter::new(self, pred)
    }

    /// Transforms each `Ok` value with `f` and keeps the `Some` results, and
    /// every error, like `TryStreamExt::try_filter_map` with a plain
    /// closure.
    ///
    /// `f` is never called for an error: every `Err` is yielded, in order.
    ///
    /// Item type is `Result<U, Self::Error>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lines = seq::iter(vec![Ok("a=1"), Ok("# note"), Err("eof in quote"), Ok("b=2")]);
    /// let keys: Vec<_> = lines
    ///     .try_filter_map(|l| l.split_once('=').map(|(k, _)| k))
    ///     .collect()
    ///     .await;
    /// assert_eq!(keys, [Ok("a"), Err("eof in quote"), Ok("b")]);
    /// # }
    /// ```
    fn try_filter_map<U, F>(self, f: F) -> TryFilterMap<Self, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Ok) -> Option<U>,
    {
        TryFilterMap::new(self, f)
    }

    /// Calls `f` with a reference to each `Ok` value as it passes through,
    /// like `TryStreamExt::inspect_ok`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut bytes = 0;
    /// let all: Vec<_> = seq::iter(vec![Ok("abc"), Err(5), Ok("de")])
    ///     .inspect_ok(|chunk| bytes += chunk.len())
    ///     .collect()
    ///     .await;
    /// assert_eq!(all.len(), 3);
    /// assert_eq!(bytes, 5);
    /// # }
    /// ```
    fn inspect_ok<F>(self, f: F) -> InspectOk<Self, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(&Self::Ok),
    {
        InspectOk::new(self, f)
    }

    /// Calls `f` with a reference to each error as it passes through, like
    /// `TryStreamExt::inspect_err`: the place to log or count errors that
    /// travel on as elements.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut errors = Vec::new();
    /// let total = seq::iter(vec![Ok(1), Err("bad"), Ok(2)])
    ///     .inspect_err(|e| errors.push(*e))
    ///     .fold(0, |sum, r| sum + r.unwrap_or(0))
    ///     .await;
    /// assert_eq!(total, 3);
    /// assert_eq!(errors, ["bad"]);
    /// # }
    /// ```
    fn inspect_err<F>(self, f: F) -> InspectErr<Self, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(&Self::Error),
    {
        InspectErr::new(self, f)
    }

    /// Yields elements while the `Ok` values pass `pred`, then stops the
    /// producer, like [`take_while`](Seq::take_while) for the `Ok` side.
    ///
    /// `pred` is never called for an error: every `Err` before the end is
    /// yielded, and does not end the sequence. The first `Ok` value that
    /// fails `pred` is dropped, and the producer is stopped (with
    /// [`poll_stop`](Seq::poll_stop)): it is never asked for the element
    /// after it, and its cleanup has run when this sequence ends.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let log = seq::iter(vec![Ok(1), Err("gap"), Ok(5), Ok(42), Ok(6)]);
    /// let before_big: Vec<_> = log.try_take_while(|x| *x < 10).collect().await;
    /// assert_eq!(before_big, [Ok(1), Err("gap"), Ok(5)]);
    /// # }
    /// ```
    fn try_take_while<P>(self, pred: P) -> TryTakeWhile<Self, P>
    where
        Self: Sized + TrySeq,
        P: FnMut(&Self::Ok) -> bool,
    {
        TryTakeWhile::new(self, pred)
    }

    /// Skips `Ok` values while they pass `pred`, then yields the rest, like
    /// [`skip_while`](Seq::skip_while) for the `Ok` side.
    ///
    /// `pred` is never called for an error: an `Err` met while skipping is
    /// yielded, and skipping goes on after it. The first `Ok` value that
    /// fails `pred` is yielded, and so is every element after it: `pred` is
    /// not called again.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let lines = seq::iter(vec![Ok("# a"), Err("bad line"), Ok("# b"), Ok("x = 1"), Ok("# c")]);
    /// let body: Vec<_> = lines.try_skip_while(|l| l.starts_with('#')).collect().await;
    /// assert_eq!(body, [Err("bad line"), Ok("x = 1"), Ok("# c")]);
    /// # }
    /// ```
    fn try_skip_while<P>(self, pred: P) -> TrySkipWhile<Self, P>
    where
        Self: Sized + TrySeq,
        P: FnMut(&Self::Ok) -> bool,
    {
        TrySkipWhile::new(self, pred)
    }

    /// Groups the `Ok` values of a fallible sequence into `Vec`s of `n`,
    /// passing every error through in order: [`batched`](Seq::batched) for
    /// fallible sources, and the shape for batched writes.
    ///
    /// A batch is yielded as soon as it holds `n` values. An `Err` first
    /// flushes the partial batch, if there is one, and then is yielded
    /// itself; batching resumes after it, with a fresh batch. So the order
    /// of values and errors is kept, and no error is ever dropped (`batched`
    /// on a fallible sequence gives `Vec<Result<..>>`, whose natural
    /// `.flatten()` drops the errors; use this instead). When the source
    /// ends, a partial batch is yielded; there is never an empty batch.
    /// Batches are allocated as in `batched`, and when the consumer stops,
    /// a partial batch (and an error held behind it) is dropped.
    ///
    /// Item type is `Result<Vec<Self::Ok>, Self::Error>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// If `n` is zero, with the message "`try_batched` size must be
    /// non-zero":
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter(vec![Ok::<u8, ()>(1)]).try_batched(0);
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let rows = seq::iter(vec![Ok(1), Ok(2), Ok(3), Ok(4), Err("row 5"), Ok(6)]);
    /// let batches: Vec<_> = rows.try_batched(3).collect().await;
    /// assert_eq!(batches, [Ok(vec![1, 2, 3]), Ok(vec![4]), Err("row 5"), Ok(vec![6])]);
    /// # }
    /// ```
    #[doc(alias = "try_chunks")]
    #[track_caller]
    fn try_batched(self, n: usize) -> TryBatched<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(n > 0, "`try_batched` size must be non-zero");
        TryBatched::new(self, n)
    }

    /// Groups the `Ok` values of a fallible sequence into `Vec`s of at most
    /// `n`, flushing a partial batch once its first value has waited
    /// `max_wait`, and passing every error through in order:
    /// [`batched_timeout`](Seq::batched_timeout) for fallible sources.
    ///
    /// Batches form and go out as in `batched_timeout`; errors travel as in
    /// [`try_batched`](Seq::try_batched): an `Err` first flushes the partial
    /// batch, then is yielded itself, and batching resumes after it. The
    /// same runtime requirement as `batched_timeout` applies.
    ///
    /// Item type is `Result<Vec<Self::Ok>, Self::Error>`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// If `n` is zero, with the message "`try_batched_timeout` size must be
    /// non-zero":
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter(vec![Ok::<u8, ()>(1)]).try_batched_timeout(0, Duration::from_millis(10));
    /// ```
    ///
    /// Polling it outside a tokio runtime with the time driver enabled, once
    /// a partial batch has to wait for the source.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let events = seq::from_fn(|mut y: Yield<Result<u32, String>>| async move {
    ///     for id in 1..=6 {
    ///         if id == 3 {
    ///             tokio::time::sleep(Duration::from_millis(500)).await; // a quiet spell
    ///         }
    ///         let event = if id == 5 { Err(format!("event {id} garbled")) } else { Ok(id) };
    ///         if !y.yield_(event).await {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let batches = events.try_batched_timeout(3, Duration::from_millis(100));
    /// assert_eq!(
    ///     batches.collect::<Vec<_>>().await,
    ///     [Ok(vec![1, 2]), Ok(vec![3, 4]), Err("event 5 garbled".into()), Ok(vec![6])]
    /// );
    /// # }
    /// ```
    #[track_caller]
    fn try_batched_timeout(self, n: usize, max_wait: std::time::Duration) -> TryBatchedTimeout<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(n > 0, "`try_batched_timeout` size must be non-zero");
        TryBatchedTimeout::new(self, n, max_wait)
    }

    /// [`debounce`](Seq::debounce) for a fallible sequence: the last `Ok`
    /// value of each burst goes out once the source has been silent for
    /// `d`, and every error goes out at once, in order.
    ///
    /// `Ok` values follow `debounce`'s rule. An `Err` is never dropped or
    /// delayed: when it arrives, the `Ok` value waiting for its silence (the
    /// one `debounce` would have yielded eventually) goes out first, at
    /// once, then the error. The error ends the burst: the wait restarts
    /// with the next `Ok` value, which waits its full `d`. An error is never
    /// replaced by a later element, so each one is yielded exactly once,
    /// when the consumer next asks.
    ///
    /// Time, the timer, the runtime requirement and stopping are as in
    /// `debounce`; a stop also drops an error held behind the flushed
    /// value.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero, with the message "`try_debounce`
    /// period `d` must be non-zero". Polling it outside a tokio runtime
    /// with the time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([Ok::<u8, ()>(1)]).try_debounce(Duration::ZERO); // panics
    /// ```
    ///
    /// # Errors
    ///
    /// Every `Err` of the source is yielded as soon as it arrives, after the
    /// waiting `Ok` value if there is one. It does not end the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Keystrokes; one is unreadable, in the middle of a burst.
    /// let typed = seq::from_fn(move |mut y: Yield<Result<&str, String>>| async move {
    ///     let keys = [Ok("r"), Ok("ru"), Err("bad key".to_owned()), Ok("rus"), Ok("rust")];
    ///     for (key, pause) in keys.into_iter().zip([10, 10, 10, 300, 0]) {
    ///         if !y.yield_(key).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let start = tokio::time::Instant::now();
    /// let queries: Vec<_> = typed
    ///     .try_debounce(ms(100))
    ///     .map(|q| (q, start.elapsed().as_millis()))
    ///     .collect()
    ///     .await;
    /// assert_eq!(
    ///     queries,
    ///     // "ru" is flushed by the error at 20 ms; "rus" after 100 ms of
    ///     // silence; "rust" when the source ends.
    ///     [(Ok("ru"), 20), (Err("bad key".into()), 20), (Ok("rus"), 130), (Ok("rust"), 330)]
    /// );
    /// # }
    /// ```
    #[track_caller]
    fn try_debounce(self, d: std::time::Duration) -> TryDebounce<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(!d.is_zero(), "`try_debounce` period `d` must be non-zero");
        TryDebounce::new(self, d)
    }

    /// [`sample`](Seq::sample) for a fallible sequence: the latest `Ok`
    /// value of each period of a fixed grid goes out at the period's end,
    /// and every error goes out at once, in order.
    ///
    /// `Ok` values follow `sample`'s rule. An `Err` is never dropped or
    /// delayed: when it arrives, the latest `Ok` value of the current period,
    /// if there is one, goes out first, early (it came before the error, and
    /// the order of values and errors is kept), then the error. The grid
    /// does not move: a later `Ok` value of the same period goes out at that
    /// period's end, so a period cut by an error can yield two values. When
    /// the source ends, the value of an unfinished period is dropped, as in
    /// `sample`; errors are never dropped, and a value flushed by an error
    /// has already gone out.
    ///
    /// Time, the timer, the runtime requirement and stopping are as in
    /// `sample`; a stop also drops an error held behind the flushed value.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero, with the message "`try_sample`
    /// period `d` must be non-zero". Polling it outside a tokio runtime
    /// with the time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([Ok::<u8, ()>(1)]).try_sample(Duration::ZERO); // panics
    /// ```
    ///
    /// # Errors
    ///
    /// Every `Err` of the source is yielded as soon as it arrives, after the
    /// latest `Ok` value of its period if there is one. It does not end the
    /// sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // A reading every 40 ms, one of them failed; sampled every 100 ms.
    /// let readings = seq::from_fn(move |mut y: Yield<Result<u32, &str>>| async move {
    ///     for reading in [Ok(1), Ok(2), Err("sensor offline"), Ok(4), Ok(5)] {
    ///         if !y.yield_(reading).await { return; }
    ///         tokio::time::sleep(ms(40)).await;
    ///     }
    /// });
    /// let start = tokio::time::Instant::now();
    /// let sampled: Vec<_> = readings
    ///     .try_sample(ms(100))
    ///     .map(|r| (r, start.elapsed().as_millis()))
    ///     .collect()
    ///     .await;
    /// // 2 is flushed by the error at 80 ms; 5 is the latest of the
    /// // period that ends at 200 ms.
    /// assert_eq!(sampled, [(Ok(2), 80), (Err("sensor offline"), 80), (Ok(5), 200)]);
    /// # }
    /// ```
    #[track_caller]
    fn try_sample(self, d: std::time::Duration) -> TrySample<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(!d.is_zero(), "`try_sample` period `d` must be non-zero");
        TrySample::new(self, d)
    }

    /// [`throttle`](Seq::throttle) for a fallible sequence: an `Ok` value
    /// goes out, then the `Ok` values of the next `d` are dropped; every
    /// error goes out at once, in order.
    ///
    /// `Ok` values follow `throttle`'s rule. An `Err` is never dropped or
    /// delayed, even inside a window, and it does not touch the window: it
    /// neither opens one nor ends the one that is open. Nothing is held, so
    /// there is nothing to flush before it.
    ///
    /// Time and stopping are as in `throttle`: no timer, no task.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero, with the message "`try_throttle`
    /// period `d` must be non-zero". It needs no timer, so no time driver.
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([Ok::<u8, ()>(1)]).try_throttle(Duration::ZERO); // panics
    /// ```
    ///
    /// # Errors
    ///
    /// Every `Err` of the source is yielded as soon as it arrives. It does
    /// not end the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Clicks at 0, 10, 30 and 160 ms, and a failed one at 20 ms.
    /// let clicks = seq::from_fn(move |mut y: Yield<Result<u32, &str>>| async move {
    ///     let all = [Ok(1), Ok(2), Err("misclick"), Ok(3), Ok(4)];
    ///     for (click, pause) in all.into_iter().zip([10, 10, 10, 130, 0]) {
    ///         if !y.yield_(click).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let handled: Vec<_> = clicks.try_throttle(ms(100)).collect().await;
    /// assert_eq!(handled, [Ok(1), Err("misclick"), Ok(4)]);
    /// # }
    /// ```
    #[track_caller]
    fn try_throttle(self, d: std::time::Duration) -> TryThrottle<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(!d.is_zero(), "`try_throttle` period `d` must be non-zero");
        TryThrottle::new(self, d)
    }

    /// [`throttle_latest`](Seq::throttle_latest) for a fallible sequence:
    /// at most one `Ok` value per `d`, the latest of each window, and every
    /// error at once, in order.
    ///
    /// `Ok` values follow `throttle_latest`'s rule. An `Err` is never
    /// dropped or delayed. When it arrives while an `Ok` value waits for
    /// the end of its window, that value goes out first, early, as the
    /// window's end would let it out: it opens the next window of `d`
    /// (so `Ok` values stay at least `d` apart after it). Then the error
    /// goes out. An error that finds nothing waiting leaves the window as
    /// it is: it neither opens one nor ends the one that is open.
    ///
    /// Time, the timer, the runtime requirement and stopping are as in
    /// `throttle_latest`; a stop also drops an error held behind the
    /// flushed value.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero, with the message
    /// "`try_throttle_latest` period `d` must be non-zero". Polling it
    /// outside a tokio runtime with the time driver enabled panics, as
    /// [`tokio::time::sleep`] does.
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([Ok::<u8, ()>(1)]).try_throttle_latest(Duration::ZERO); // panics
    /// ```
    ///
    /// # Errors
    ///
    /// Every `Err` of the source is yielded as soon as it arrives, after the
    /// waiting `Ok` value if there is one. It does not end the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Progress at 0, 30, 90 and 400 ms; a stall reported at 60 ms.
    /// let progress = seq::from_fn(move |mut y: Yield<Result<u32, &str>>| async move {
    ///     let all = [Ok(0), Ok(10), Err("stalled"), Ok(30), Ok(40)];
    ///     for (p, pause) in all.into_iter().zip([30, 30, 30, 310, 0]) {
    ///         if !y.yield_(p).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let start = tokio::time::Instant::now();
    /// let shown: Vec<_> = progress
    ///     .try_throttle_latest(ms(100))
    ///     .map(|p| (p, start.elapsed().as_millis()))
    ///     .collect()
    ///     .await;
    /// // 10, waiting, is flushed by the stall at 60 ms and opens a window to
    /// // 160 ms, where 30 goes out; 40 at once after the quiet window.
    /// assert_eq!(
    ///     shown,
    ///     [(Ok(0), 0), (Ok(10), 60), (Err("stalled"), 60), (Ok(30), 160), (Ok(40), 400)]
    /// );
    /// # }
    /// ```
    #[track_caller]
    fn try_throttle_latest(self, d: std::time::Duration) -> TryThrottleLatest<Self>
    where
        Self: Sized + TrySeq,
    {
        assert!(
            !d.is_zero(),
            "`try_throttle_latest` period `d` must be non-zero"
        );
        TryThrottleLatest::new(self, d)
    }

    /// Folds the `Ok` values of a fallible sequence with the fallible `f`,
    /// ending at the first error, like [`Iterator::try_fold`] over
    /// `Result`s.
    ///
    /// The first `Err` element, or the first `Err` returned by `f`, stops
    /// the producer (with [`poll_stop`](Seq::poll_stop): its pending
    /// `yield_` resolves to `false` and its cleanup runs before this future
    /// completes) and becomes the result. When the producer returns without
    /// error, the result is the accumulator.
    ///
    /// # Errors
    ///
    /// The first error of the sequence or of `f`.
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
    /// let sizes = seq::iter(vec![Ok::<u64, String>(10), Ok(20)]);
    /// assert_eq!(sizes.try_fold(0, |sum, n| Ok(sum + n)).await, Ok(30));
    ///
    /// let sizes = seq::iter(vec![Ok(10), Ok(u64::MAX), Err("never read".to_owned())]);
    /// let total = sizes
    ///     .try_fold(0u64, |sum, n| sum.checked_add(n).ok_or_else(|| "overflow".to_owned()))
    ///     .await;
    /// assert_eq!(total, Err("overflow".to_owned()));
    /// # }
    /// ```
    fn try_fold<B, F>(self, init: B, f: F) -> TryFold<Self, B, F>
    where
        Self: Sized + TrySeq,
        F: FnMut(B, Self::Ok) -> Result<B, Self::Error>,
    {
        TryFold::new(self, init, f)
    }

    // ===== section: fan-in and concurrency =====

    /// Runs the async `f` on each element, up to `limit` at once, and
    /// resolves once the sequence has ended and every body has completed,
    /// like futures' `StreamExt::for_each_concurrent`.
    ///
    /// The bodies are polled inline on the consumer's task: no task is
    /// spawned, no runtime is needed, and they need not be `Send`. An
    /// element is asked of the producer only when one of the `limit` slots
    /// is free; a slot is free again as soon as its body completes. The
    /// body cannot break the loop (use
    /// [`try_for_each_concurrent`](Seq::try_for_each_concurrent) to end at
    /// an error). A panic in `f`, in a body or in the producer unwinds out
    /// of this future.
    ///
    /// Unlike futures, whose `limit` is an `Option` (`None`: unlimited),
    /// the limit is a `usize`: pass `usize::MAX` for no limit.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0 (futures' `buffered(0)` would wait for ever).
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).for_each_concurrent(0, |_| async {}); // panics
    /// ```
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the bodies in flight are dropped** and the producer is
    /// dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let done = std::cell::RefCell::new(Vec::new());
    /// seq::iter([30, 10, 20])
    ///     .for_each_concurrent(2, |ms| {
    ///         let done = &done;
    ///         async move {
    ///             sleep(Duration::from_millis(ms)).await;
    ///             done.borrow_mut().push(ms);
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(*done.borrow(), [10, 30, 20]); // 20 starts when 10 is done
    /// assert_eq!(start.elapsed(), Duration::from_millis(30));
    /// # }
    /// ```
    #[track_caller]
    fn for_each_concurrent<F, Fut>(self, limit: usize, f: F) -> ForEachConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future<Output = ()>,
    {
        assert!(limit > 0, "`for_each_concurrent` limit must be non-zero");
        ForEachConcurrent::new(self, limit, f)
    }

    /// Runs the async, fallible `f` on each `Ok` value of a fallible
    /// sequence, up to `limit` at once, and resolves to the first error,
    /// like futures' `TryStreamExt::try_for_each_concurrent`.
    ///
    /// As [`for_each_concurrent`](Seq::for_each_concurrent), one element is
    /// asked of the producer each time a slot is free. The first error, an
    /// `Err` element or an `Err` from a body, ends the loop: the bodies in
    /// flight are dropped (their results are lost), then the producer is
    /// stopped by the stop rule (its pending `yield_` resolves to `false`
    /// and its cleanup runs, or it is dropped if it waits elsewhere), and
    /// then the error is returned. No element after an `Err` element is
    /// asked for. With no error, it resolves to `Ok(())` once the sequence
    /// has ended and every body has completed.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([Ok::<u8, ()>(1)]);
    /// let _ = s.try_for_each_concurrent(0, |_| async { Ok(()) }); // panics
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of the sequence or of `f`'s futures.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: if the future is dropped before it
    /// completes, **the bodies in flight are dropped** and the producer is
    /// dropped without its async cleanup.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let uploads = seq::iter(vec![Ok(1), Ok(2), Ok(3)]);
    /// let res = uploads
    ///     .try_for_each_concurrent(2, |n| async move {
    ///         if n == 2 { Err(format!("upload {n} failed")) } else { Ok(()) }
    ///     })
    ///     .await;
    /// assert_eq!(res, Err("upload 2 failed".to_owned()));
    /// # }
    /// ```
    #[track_caller]
    fn try_for_each_concurrent<F, Fut>(
        self,
        limit: usize,
        f: F,
    ) -> TryForEachConcurrent<Self, F, Fut>
    where
        Self: Sized + TrySeq,
        F: FnMut(Self::Ok) -> Fut,
        Fut: Future<Output = Result<(), Self::Error>>,
    {
        assert!(
            limit > 0,
            "`try_for_each_concurrent` limit must be non-zero"
        );
        TryForEachConcurrent::new(self, limit, f)
    }

    /// Maps each element to a sequence and runs up to `limit` of them at
    /// once, yielding their elements as they arrive, like futures'
    /// `StreamExt::flatten_unordered` after a `map`.
    ///
    /// The outer sequence is asked for an element only while fewer than
    /// `limit` inner sequences run; an inner sequence that ends frees its
    /// slot. The elements of one inner sequence keep their order; across
    /// inner sequences they come by arrival, and an inner sequence that is
    /// always ready cannot starve the others. Everything is polled inline
    /// on the consumer's task, each inner sequence with a waker of its own
    /// (as [`SeqMap`]): no task is spawned, no runtime is needed. The
    /// sequence ends when the outer one and every inner one have ended.
    ///
    /// When the consumer stops, the outer sequence and every running inner
    /// one are stopped together, each by the stop rule: a producer's
    /// pending `yield_` resolves to `false` and the stop waits for its
    /// cleanup; a producer waiting elsewhere is dropped at once. A panic in
    /// `f` or in any sequence unwinds out of the consumer's poll.
    ///
    /// Item type is `U::Item`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0.
    ///
    /// ```should_panic
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1, 2]).flat_map_concurrent(0, |x| seq::iter([x])); // panics
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // Each "page" yields two items, 10 ms apart; two pages run at once.
    /// let items: Vec<String> = seq::iter(["a", "b", "c"])
    ///     .flat_map_concurrent(2, |page| {
    ///         seq::from_fn(move |mut y: Yield<String>| async move {
    ///             for i in 0..2 {
    ///                 tokio::time::sleep(Duration::from_millis(10)).await;
    ///                 if !y.yield_(format!("{page}{i}")).await {
    ///                     return;
    ///                 }
    ///             }
    ///         })
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(items, ["a0", "b0", "a1", "b1", "c0", "c1"]);
    /// # }
    /// ```
    #[doc(alias = "flatten_unordered")]
    #[track_caller]
    fn flat_map_concurrent<U, F>(self, limit: usize, f: F) -> FlatMapConcurrent<Self, F, U>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> U,
        U: Seq,
    {
        assert!(limit > 0, "`flat_map_concurrent` limit must be non-zero");
        FlatMapConcurrent::new(self, limit, f)
    }

    /// Yields the elements until `fut` completes, then stops the producer,
    /// like futures' `StreamExt::take_until`.
    ///
    /// `fut` is polled first at each poll of the sequence, inline on the
    /// consumer's task; once it has completed, no element is asked for and
    /// the producer is stopped by the stop rule (its pending `yield_`
    /// resolves to `false` and its cleanup runs before the sequence ends; a
    /// producer waiting elsewhere, as a sleep, is dropped at once). Its
    /// output is kept: [`TakeUntil::take_result`] returns it. If the
    /// sequence ends first, `fut` is dropped with it (no timer outlives the
    /// sequence). Unlike futures, the source cannot be resumed after `fut`
    /// fired (it was stopped), so there is no `take_future`.
    ///
    /// This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ticks = seq::from_fn(|mut y: Yield<u32>| async move {
    ///     for i in 0.. {
    ///         tokio::time::sleep(Duration::from_millis(10)).await;
    ///         if !y.yield_(i).await {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let deadline = tokio::time::sleep(Duration::from_millis(35));
    /// let got: Vec<u32> = ticks.take_until(deadline).collect().await;
    /// assert_eq!(got, [0, 1, 2]);
    /// # }
    /// ```
    fn take_until<Fut>(self, fut: Fut) -> TakeUntil<Self, Fut>
    where
        Self: Sized,
        Fut: Future,
    {
        TakeUntil::new(self, fut)
    }

    // ===== section: time and latest value =====

    /// Yields an element only once the source has been silent for `d`
    /// after it: the last element of each burst (RxJS `debounceTime`,
    /// Kotlin `debounce`).
    ///
    /// Each element restarts the wait; an element that arrives while one
    /// waits replaces it, and the replaced one is dropped. An element that
    /// arrives at the very instant the wait ends also replaces it: the
    /// source is polled first. When the source ends, the waiting element
    /// goes out at once, then the sequence ends.
    ///
    /// Time is read when the sequence is polled: an element "arrives" at the
    /// poll that takes it from the source, so a slow consumer shifts the
    /// clock (put [`conflate`](Seq::conflate) or
    /// [`prefetch`](Seq::prefetch) before it to time the producer instead).
    /// One timer serves the whole sequence; it is created when an element
    /// first has to wait and dropped when the sequence ends or is stopped.
    /// No task is spawned and nothing is allocated per element. Stopping
    /// the sequence drops the waiting element and stops the source (its
    /// cleanup is waited for, by the stop rule).
    ///
    /// An `Err` element of a fallible sequence is an element like any
    /// other here: in a burst, a later element replaces it, so an error can
    /// be dropped or delayed. For a fallible sequence, use
    /// [`try_debounce`](Seq::try_debounce): it yields every error at once,
    /// after flushing the waiting value, and debounces only the `Ok` values
    /// (in RxJS and Kotlin an error ends the stream instead).
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero. Polling it outside a tokio runtime
    /// with the time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Keystrokes: a burst "r", "ru", "rus", a pause, then "rust".
    /// let typed = seq::from_fn(move |mut y: Yield<&str>| async move {
    ///     for (text, pause) in [("r", 10), ("ru", 10), ("rus", 300), ("rust", 0)] {
    ///         if !y.yield_(text).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let queries: Vec<_> = typed.debounce(ms(100)).collect().await;
    /// assert_eq!(queries, ["rus", "rust"]); // "rust" goes out at the end
    /// # }
    /// ```
    ///
    /// A zero `d` is refused:
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1]).debounce(Duration::ZERO); // panics
    /// ```
    #[track_caller]
    fn debounce(self, d: std::time::Duration) -> Debounce<Self>
    where
        Self: Sized,
    {
        assert!(!d.is_zero(), "`debounce` period `d` must be non-zero");
        Debounce::new(self, d)
    }

    /// Yields, at the end of each period `d`, the latest element of that
    /// period, if it had one (RxJS `sampleTime`, Kotlin `sample`).
    ///
    /// The periods form a fixed grid that starts when consumption starts
    /// (the first `poll_next`): they end at `d`, `2d`, `3d`, ... after it.
    /// A period without an element yields nothing; of several elements in
    /// one period, only the latest goes out, at the period's end. An
    /// element that arrives at the very instant a period ends belongs to
    /// that period (the source is polled first).
    ///
    /// When the source ends, the sequence ends at once, and the latest
    /// element of the unfinished period is **dropped**, as RxJS's
    /// `sampleTime` and Kotlin's `sample` drop it ("the latest element is
    /// not emitted if it does not fit into the sampling window"). A period
    /// that ends at the very instant the source ends is finished: its
    /// element goes out. Use [`throttle_latest`](Seq::throttle_latest) to
    /// keep the last element.
    ///
    /// Time is read when the sequence is polled: an element "arrives" at the
    /// poll that takes it from the source, and a period's element goes out
    /// when the consumer asks, which a slow consumer delays. One timer
    /// serves the whole sequence, armed only while an element waits for
    /// its period to end (a quiet source causes no wake-ups); it is dropped
    /// when the sequence ends or is stopped. No task, no allocation per
    /// element. Stopping the sequence drops the waiting element and stops
    /// the source (its cleanup is waited for, by the stop rule).
    ///
    /// An `Err` element of a fallible sequence is an element like any
    /// other here: a later element of its period replaces it. For a
    /// fallible sequence, use [`try_sample`](Seq::try_sample): it yields
    /// every error at once, after flushing the period's latest value.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero. Polling it outside a tokio runtime
    /// with the time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Kotlin's example: an element every 110 ms, sampled every 200 ms.
    /// let ticks = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for i in 0..10 {
    ///         if !y.yield_(i).await { return; }
    ///         tokio::time::sleep(ms(110)).await;
    ///     }
    /// });
    /// let sampled: Vec<_> = ticks.sample(ms(200)).collect().await;
    /// assert_eq!(sampled, [1, 3, 5, 7, 9]);
    /// # }
    /// ```
    ///
    /// A zero `d` is refused:
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1]).sample(Duration::ZERO); // panics
    /// ```
    #[track_caller]
    fn sample(self, d: std::time::Duration) -> Sample<Self>
    where
        Self: Sized,
    {
        assert!(!d.is_zero(), "`sample` period `d` must be non-zero");
        Sample::new(self, d)
    }

    /// Yields an element, then ignores the source for `d` from that
    /// element, and so on (RxJS `throttleTime` with its default
    /// configuration: leading, not trailing).
    ///
    /// The elements that arrive within `d` of the last one let through are
    /// dropped as they arrive; the first to arrive more than `d` after it
    /// goes out at once. An element exactly `d` later is still inside the
    /// window, as in RxJS's marble tests (`abcdefabcdef...` at one element
    /// per frame, throttled for 5 frames, lets every sixth through).
    /// Nothing is delayed and nothing is kept, so the end of the source is
    /// the end of the sequence.
    ///
    /// Time is read when the sequence is polled: an element "arrives" at the
    /// poll that takes it from the source. No timer, no task, no allocation
    /// per element: an element is let through or dropped when it arrives.
    /// Stopping the sequence stops the source (its cleanup is waited for,
    /// by the stop rule).
    ///
    /// This is not tokio-stream's `throttle`, which delays elements to
    /// space them out and drops none: use [`then`](Seq::then) with a sleep
    /// for that.
    ///
    /// An `Err` element of a fallible sequence is an element like any
    /// other here: inside a window it is dropped. For a fallible sequence,
    /// use [`try_throttle`](Seq::try_throttle): it yields every error at
    /// once, and errors do not open windows.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero. It needs no timer, so no time driver.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Clicks at 0, 10, 20, 150 and 160 ms.
    /// let clicks = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for (click, pause) in [(1, 10), (2, 10), (3, 130), (4, 10), (5, 0)] {
    ///         if !y.yield_(click).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let handled: Vec<_> = clicks.throttle(ms(100)).collect().await;
    /// assert_eq!(handled, [1, 4]);
    /// # }
    /// ```
    ///
    /// A zero `d` is refused:
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1]).throttle(Duration::ZERO); // panics
    /// ```
    #[track_caller]
    fn throttle(self, d: std::time::Duration) -> Throttle<Self>
    where
        Self: Sized,
    {
        assert!(!d.is_zero(), "`throttle` period `d` must be non-zero");
        Throttle::new(self, d)
    }

    /// Yields the first element at once, then at most one element per `d`:
    /// the latest of each window (RxJava `throttleLatest` with `emitLast`,
    /// the operator Kotlin issue 1446 asks for).
    ///
    /// An element that arrives when no window is open goes out at once and
    /// opens a window of `d`. Elements that arrive inside the window wait,
    /// the latest replacing the one before (which is dropped); when the
    /// window ends, the waiting element goes out and opens the next
    /// window. A window that ends with nothing waiting closes: the next
    /// element, whenever it comes, goes out at once. An element that
    /// arrives at the very instant a window ends is the one that window's
    /// end lets through (the source is polled first). When the source
    /// ends, the waiting element goes out at once, then the sequence ends.
    ///
    /// Time is read when the sequence is polled: an element "arrives" at the
    /// poll that takes it from the source, and a window's element goes out
    /// when the consumer asks; the next window starts then. One timer
    /// serves the whole sequence, armed only while an element waits; it is
    /// dropped when the sequence ends or is stopped. No task, no allocation
    /// per element. Stopping the sequence drops the waiting element and
    /// stops the source (its cleanup is waited for, by the stop rule).
    ///
    /// An `Err` element of a fallible sequence is an element like any
    /// other here: a later element of its window replaces it. For a
    /// fallible sequence, use [`try_throttle_latest`](Seq::try_throttle_latest):
    /// it yields every error at once, after flushing the waiting value.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// Panics at once if `d` is zero. Polling it outside a tokio runtime
    /// with the time driver enabled panics, as [`tokio::time::sleep`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // Progress at 0, 30, 60, 90 ms, then 400 and 430 ms.
    /// let progress = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for (p, pause) in [(0, 30), (10, 30), (20, 30), (30, 310), (40, 30), (50, 0)] {
    ///         if !y.yield_(p).await { return; }
    ///         tokio::time::sleep(ms(pause)).await;
    ///     }
    /// });
    /// let shown: Vec<_> = progress.throttle_latest(ms(100)).collect().await;
    /// // 0 at once; 30 at 100 ms (the latest of its window); 40 at once
    /// // after the quiet window; 50, waiting, at the end.
    /// assert_eq!(shown, [0, 30, 40, 50]);
    /// # }
    /// ```
    ///
    /// A zero `d` is refused:
    ///
    /// ```should_panic
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let _ = seq::iter([1]).throttle_latest(Duration::ZERO); // panics
    /// ```
    #[track_caller]
    fn throttle_latest(self, d: std::time::Duration) -> ThrottleLatest<Self>
    where
        Self: Sized,
    {
        assert!(
            !d.is_zero(),
            "`throttle_latest` period `d` must be non-zero"
        );
        ThrottleLatest::new(self, d)
    }

    /// Keeps only the newest element ahead of a slow consumer: the
    /// producer runs on its own task and never waits for the consumer
    /// (Kotlin `conflate`).
    ///
    /// While the consumer is busy, the producer goes on; each element it
    /// yields replaces the one waiting (which is dropped, on the producer's
    /// task, never delivered), so the consumer always gets the newest
    /// element produced since it last asked. Order is kept, no element is
    /// delivered twice, and the last element is never lost: the end of the
    /// sequence comes after it. The producer's `yield_` resolves to `true`
    /// even for an element that was later replaced.
    ///
    /// This is exactly [`prefetch_with(1, Overflow::DropOldest)`](Seq::prefetch_with):
    /// it spawns one task, at the first `poll_next`, so it **must be polled
    /// within a tokio runtime**; [`conflate_on`](Seq::conflate_on) names the
    /// runtime instead. Stopping or dropping the
    /// sequence stops the producer by the stop rule (heard: its cleanup is
    /// waited for; waiting elsewhere: dropped) and its task ends; a
    /// producer's panic reaches the consumer, after the element before it.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// The first `poll_next` panics if it does not run within a tokio
    /// runtime. A producer's panic is resumed in the consumer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // A reading every 10 ms; the consumer takes 27 ms per reading.
    /// let readings = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     for i in 0..10 {
    ///         if !y.yield_(i).await { return; }
    ///         tokio::time::sleep(ms(10)).await;
    ///     }
    /// });
    /// let mut seen = Vec::new();
    /// readings
    ///     .conflate()
    ///     .for_each(|r| {
    ///         seen.push(r);
    ///         async move {
    ///             tokio::time::sleep(ms(27)).await;
    ///             true
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(seen, [0, 2, 5, 8, 9]); // the newest each time, and the last
    /// # }
    /// ```
    fn conflate(self) -> Conflate<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        Conflate::new(self, None)
    }

    /// Like [`conflate`](Seq::conflate), with the producer task spawned on
    /// the runtime of `handle`, so that the consumer may run anywhere.
    ///
    /// Item type is `Self::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// If the runtime of `handle` shuts down before the producer returned,
    /// the consumer's next `poll_next` panics with a message that says so,
    /// as with [`prefetch_on`](Seq::prefetch_on).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let s = seq::iter(1..=3).conflate_on(rt.handle());
    /// // No runtime here: the producer runs on `rt`. The last element is
    /// // never lost.
    /// let v: Vec<i32> = futures::executor::block_on(s.collect());
    /// assert_eq!(v.last(), Some(&3));
    /// ```
    fn conflate_on(self, handle: &tokio::runtime::Handle) -> Conflate<Self>
    where
        Self: Sized + Send + 'static,
        Self::Item: Send + 'static,
    {
        Conflate::new(self, Some(handle.clone()))
    }

    /// Maps each element to a sequence and yields the elements of the
    /// newest one, stopping the one before as soon as the source yields
    /// again (Kotlin `flatMapLatest`, RxJS `switchMap`).
    ///
    /// The source is polled first on every poll, also while an inner
    /// sequence runs, so an inner that is always ready cannot hold a switch
    /// back. When the source yields, the current inner is stopped with
    /// [`poll_stop`](Seq::poll_stop) — a producer that hears the stop is
    /// waited for (its async cleanup runs), one waiting elsewhere is
    /// dropped at once (the stop rule) — and only then is `f` called and
    /// the new inner started; the source waits meanwhile, so `f` sees every
    /// element of the source. Nothing of a replaced inner is delivered
    /// after the source yielded. The sequence ends when the source and the
    /// last inner have ended. Stopping the sequence stops the source and the
    /// current inner together.
    ///
    /// Polled inline: no task, no allocation beyond what `f` makes.
    ///
    /// Item type is `U::Item`. This sequence is *fused*.
    ///
    /// # Panics
    ///
    /// A panic in `f`, the source or an inner reaches the consumer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// // A query typed at 0 ms, changed at 25 ms; each search yields a hit every 10 ms.
    /// let queries = seq::from_fn(move |mut y: Yield<&'static str>| async move {
    ///     if !y.yield_("ru").await { return; }
    ///     tokio::time::sleep(ms(25)).await;
    ///     y.yield_("rust").await;
    /// });
    /// let hits: Vec<String> = queries
    ///     .switch_map(|q| {
    ///         seq::from_fn(move |mut y: Yield<String>| async move {
    ///             for i in 0..3 {
    ///                 tokio::time::sleep(ms(10)).await;
    ///                 if !y.yield_(format!("{q}#{i}")).await { return; }
    ///             }
    ///         })
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(hits, ["ru#0", "ru#1", "rust#0", "rust#1", "rust#2"]);
    /// # }
    /// ```
    fn switch_map<U, F>(self, f: F) -> SwitchMap<Self, F, U>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> U,
        U: Seq,
    {
        SwitchMap::new(self, f)
    }

    /// Pairs the latest elements of two sequences: the first pair once both
    /// have yielded, then a pair on every new element of either side, with
    /// the latest element of the other (RxJS `combineLatest`, Kotlin
    /// `combine`).
    ///
    /// Before both sides have yielded, the newest element of the side that
    /// has replaces its earlier ones. The sequence goes on while either
    /// side does (a side that ended keeps its last element in the pairs)
    /// and ends when both have ended. A side that ends without ever
    /// yielding ends the sequence at once, as in RxJS: no pair can ever be
    /// made, so the other side is stopped (its cleanup waited for) and the
    /// sequence ends.
    ///
    /// The two sides are polled alternately (which goes first changes on
    /// every poll), so a side that is always ready cannot starve the other.
    /// Each pair clones both latest elements. Polled inline: no task, no
    /// allocation per element. Stopping the sequence stops both sides
    /// together.
    ///
    /// Item type is `(Self::Item, U::Item)`. This sequence is *fused*.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ms = Duration::from_millis;
    /// let every = |step: u64, items: Vec<char>| {
    ///     seq::from_fn(move |mut y: Yield<char>| async move {
    ///         for c in items {
    ///             tokio::time::sleep(ms(step)).await;
    ///             if !y.yield_(c).await { return; }
    ///         }
    ///     })
    /// };
    /// // a at 10, b at 20, c at 30; x at 15, y at 30 (after c: polled alternately).
    /// let pairs: Vec<_> = every(10, vec!['a', 'b', 'c'])
    ///     .combine_latest(every(15, vec!['x', 'y']))
    ///     .collect()
    ///     .await;
    /// assert_eq!(pairs, [('a', 'x'), ('b', 'x'), ('c', 'x'), ('c', 'y')]);
    /// # }
    /// ```
    fn combine_latest<U>(self, other: U) -> CombineLatest<Self, U>
    where
        Self: Sized,
        U: Seq,
        Self::Item: Clone,
        U::Item: Clone,
    {
        CombineLatest::new(self, other)
    }

    // ===== bridges =====

    /// Turns the sequence into a [`futures_core::Stream`], driven inline: no
    /// task, no channel.
    ///
    /// Each `poll_next` of the stream polls the producer on the caller's
    /// task. Dropping the stream drops the producer future (Rust
    /// cancellation, as the [protocol](Seq#protocol) says):
    /// `Drop` cleanup runs, async cleanup after `yield_` does not. Use
    /// [`SeqStream::poll_stop`] first, or [`pull`](crate::pull()), when the
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
    #[doc(alias = "into_stream", alias = "next")]
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
    /// **The body's future resolves to `bool`**, unlike `StreamExt::for_each`
    /// whose body resolves to `()`: `true` goes on, `false` breaks. A body
    /// written the futures way, `|v| async move { println!("{v}") }`, fails
    /// to compile with "expected `bool`, found `()`": end the block with
    /// `true` (see the second example below).
    ///
    /// **"captured variable cannot escape `FnMut` closure body".** `body` is
    /// a closure that returns a future, and that future may not borrow what
    /// the closure captures: `for_each(|v| async { seen.push(v); true })`
    /// fails with this error. Three shapes work (all in the examples below):
    /// do the synchronous work before the `async` block, which then borrows
    /// nothing (`|v| { seen.push(v); async { true } }`); move clones or
    /// `Arc`s into an `async move` block, for a body that awaits; or use
    /// [`pull`](crate::pull()) and a `while let` loop, whose body is plain
    /// code that may await while it uses `&mut` state.
    ///
    /// # Panics
    ///
    /// A panic in the producer or in `body` unwinds out of the future's poll.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe. If the future is dropped before it
    /// completes, **the element being processed by `body` is lost and the
    /// producer is dropped without its async cleanup** (see the
    /// [protocol](Seq#protocol)).
    /// To process elements one at a time from a `select!`, use
    /// [`pull`](crate::pull()) and its cancel-safe
    /// [`Pull::next`](crate::Pull::next).
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
    ///
    /// A body that resolves to `()` is refused; end it with `true`:
    ///
    /// ```compile_fail,E0271
    /// use seqflow::{seq, Seq};
    ///
    /// # async fn f() {
    /// // error[E0271]: expected `{async block}` to be a future that resolves to `bool`, but it resolves to `()`
    /// seq::iter([1, 2]).for_each(|v| async move { println!("{v}") }).await;
    /// # }
    /// ```
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut n = 0;
    /// seq::iter([1, 2]).for_each(|v| { n += v; async { true } }).await; // `true`: go on
    /// assert_eq!(n, 3);
    /// # }
    /// ```
    ///
    /// The borrowing error, and the three shapes that work:
    ///
    /// ```compile_fail
    /// use seqflow::{seq, Seq};
    ///
    /// # async fn f() {
    /// let mut seen = Vec::new();
    /// // error: captured variable cannot escape `FnMut` closure body
    /// seq::iter([1, 2]).for_each(|v| async { seen.push(v); true }).await;
    /// # }
    /// ```
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::{pull, seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // 1. The synchronous work before the `async` block.
    /// let mut seen = Vec::new();
    /// seq::iter([1, 2]).for_each(|v| { seen.push(v); async { true } }).await;
    /// assert_eq!(seen, [1, 2]);
    ///
    /// // 2. A clone of an `Arc` moved into each body that awaits.
    /// let shared = Arc::new(Mutex::new(Vec::new()));
    /// seq::iter([1, 2])
    ///     .for_each(|v| {
    ///         let shared = shared.clone();
    ///         async move {
    ///             tokio::task::yield_now().await; // a write, say
    ///             shared.lock().unwrap().push(v);
    ///             true
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(*shared.lock().unwrap(), [1, 2]);
    ///
    /// // 3. `pull`: a plain loop body that awaits with `&mut` state.
    /// let mut sink = Vec::new();
    /// let mut p = pull(seq::iter([1, 2]));
    /// while let Some(v) = p.next().await {
    ///     tokio::task::yield_now().await;
    ///     sink.push(v);
    /// }
    /// assert_eq!(sink, [1, 2]);
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
    /// dropped without its async cleanup**. Use [`pull`](crate::pull()) to
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
    /// is lost**. Use [`Pull::next`](crate::Pull::next) in a `select!`.
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

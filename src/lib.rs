//! Go-style push sequences for async Rust on tokio.
//!
//! seqflow brings Go's `iter.Seq`, `iter.Seq2` and `iter.Pull` to async
//! Rust. A producer is an async closure that receives a [`Yield`] handle;
//! `y.yield_(v).await` hands one value to the consumer and resolves to
//! `false` once the consumer has stopped, so the producer can clean up and
//! return. Around that core stand the adapters ([`Seq::map`],
//! [`Seq::batched`], ...; the [`Seq`] page lists them by group), the
//! consumers ([`Seq::for_each`], [`Seq::collect`], ...) and the bridges to
//! [`Stream`](futures_core::Stream) ([`Seq::stream`], [`seq::from_stream`]).
//!
//! ```
//! use seqflow::{seq, Seq, Yield};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let squares = seq::from_fn(|mut y: Yield<u64>| async move {
//!     for i in 1.. {
//!         if !y.yield_(i * i).await {
//!             break; // the consumer stopped
//!         }
//!     }
//!     // cleanup here runs before the consumer's `for_each` returns
//! });
//! let mut firsts = Vec::new();
//! squares
//!     .for_each(|sq| {
//!         firsts.push(sq);
//!         async move { sq < 10 } // `false` breaks, like Go's `break`
//!     })
//!     .await;
//! assert_eq!(firsts, [1, 4, 9, 16]);
//! # }
//! ```
//!
//! # The mental model
//!
//! A [`Seq`] is *cold*: a recipe that runs its producer when, and each time,
//! it is consumed. Its producer *pushes* elements with `yield_`; its
//! consumer decides when to stop. Stopping is a message, not a drop: the
//! producer's pending `yield_` resolves to `false` and the producer runs on
//! to its own return, so `defer`-style cleanup after the loop is reliable.
//! (A producer that yields again after `false` has a bug, and panics,
//! as in Go.)
//!
//! A producer hears the stop only where it listens: at a pending `yield_`,
//! or inside [`Yield::until_stopped`], which wraps any other await (a
//! socket read, a query). A producer stopped while it waits anywhere else
//! is dropped at once, as any Rust future is: its `Drop` cleanup runs, its
//! async cleanup does not. That is why no stop hangs on a producer that is
//! not listening: `take`, `timeout`, `with_cancel`, [`Pull::stop`],
//! `prefetch` and every other early end complete promptly even when the
//! producer never returns, and leave no task behind. What a stop does wait
//! for is a producer that heard it (its cleanup after the loop) and one
//! inside [`Yield::shield`], the wrapper for cleanup that must finish. A
//! stop that drops a producer is not silent:
//! [`instrumented`](Seq::instrumented) reports it as
//! [`Outcome::Abandoned`], and the `tracing` feature logs it. A producer
//! that wants to close a connection asynchronously when it is stopped
//! mid-read reads inside `until_stopped`:
//!
//! ```
//! use std::time::Duration;
//! use seqflow::{seq, Seq, Yield};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (tx, closed) = tokio::sync::oneshot::channel();
//! let lines = seq::from_fn(move |mut y: Yield<String>| async move {
//!     let mut n = 0;
//!     // Stands for `conn.read_line().await`, which stalls after 3 lines.
//!     let read = |n: u32| async move {
//!         if n == 3 { std::future::pending::<()>().await }
//!         format!("line {n}")
//!     };
//!     while let Some(line) = y.until_stopped(read(n)).await {
//!         if !y.yield_(line).await { break }
//!         n += 1;
//!     }
//!     tokio::task::yield_now().await; // stands for `conn.close().await`
//!     tx.send("closed").unwrap();
//! });
//! let got: Vec<_> = lines.timeout(Duration::from_secs(5)).collect().await;
//! assert_eq!(got.len(), 4); // three lines, then `Err(Error::Timeout)`
//! assert_eq!(closed.await, Ok("closed")); // the close ran before `collect` returned
//! # }
//! ```
//!
//! Sequences are lazy and fused, and an endless in-memory sequence does not
//! starve its thread: consuming one spends tokio's cooperative budget, as
//! tokio's own channels do, so the other tasks of a `current_thread` runtime
//! still run. (As with tokio's channels, a consumer driven by another
//! executor nested inside a tokio task, such as
//! `futures::executor::block_on`, runs on that task's budget and never gets
//! it back: wrap it in `tokio::task::coop::unconstrained`.)
//!
//! # Ways to consume a sequence
//!
//! A `Seq` has no `next` method. Pick the consumer by what the code around
//! it needs:
//!
//! | consumer | use it when | stopping early | runs the producer on |
//! |---|---|---|---|
//! | terminal operations: [`Seq::for_each`], [`Seq::collect`], [`Seq::fold`], [`Seq::count`], [`Seq::first`], ... | the whole loop lives in one place | the producer sees `false` and its cleanup finishes before the future completes | the consumer's task, inline |
//! | [`Seq::stream()`] | handing the sequence to [`Stream`](futures_core::Stream) code (`StreamExt::next`, `select!` over streams) | dropping the stream drops the producer: `Drop` cleanup only (or call [`SeqStream::poll_stop`](seq::SeqStream::poll_stop) first) | the consumer's task, inline |
//! | [`pull()`] | taking one element at a time with `p.next().await`: interleaving two sources, a request/response protocol, a `select!` loop; a `Pull` is a `Stream` (not a `Seq`, so `StreamExt` methods on it are never ambiguous; [`Pull::into_seq`] goes back) | [`Pull::stop`] runs the cleanup; a dropped `Pull` finishes it in the background, which a runtime shutting down cuts short (so `stop().await` before `main` returns) | the consumer's task, inline, only inside `next()` |
//! | [`pull_local()`] | as `pull()`, for a producer that is not `Send` (holds an `Rc`) or borrows the caller's data, on any executor | [`LocalPull::stop`] runs the cleanup; a dropped `LocalPull` runs what it can inline (an awaiting cleanup is cut at its await) | the consumer's task, inline, only inside `next()` |
//! | [`Seq::prefetch`] in front of any of them | producer and consumer should overlap (I/O ahead of CPU work) | the producer's task sees `false`, cleans up, and ends | its own task, up to `n` elements ahead |
//! | `pull(seq.prefetch(0))`, `pull2(seq.prefetch(0))`: the pull on a task-plus-channel rendezvous | as `pull()`, when the producer must not run on the consumer's task (heavy synchronous steps that would stall a `select!` loop, or a runtime worker of its own) | as `pull()`; the producer's task ends with it | its own task, only while the consumer waits in `next()`, at most one element ahead |
//!
//! The protocol every sequence keeps is on [`Seq`]; what a pull handle
//! promises is on [`Pull`].
//!
//! ## Closures that borrow: "captured variable cannot escape `FnMut` closure body"
//!
//! A loop body is a closure that returns a future which resolves to `bool`
//! (`true` to go on, `false` to break): `for_each(|v| async { .. ; true })`.
//! The future may outlive one call of the closure, so it cannot borrow
//! what the closure borrows, and this natural first try fails:
//!
//! ```compile_fail
//! use seqflow::{seq, Seq};
//!
//! # async fn f() {
//! let mut seen = Vec::new();
//! seq::iter([1, 2]).for_each(|v| async { seen.push(v); true }).await;
//! // error: captured variable cannot escape `FnMut` closure body
//! # }
//! ```
//!
//! Three shapes work. Do the synchronous work before the `async` block,
//! which then owns only what it needs; move clones or `Arc`s into it; or,
//! for a body that awaits while it uses borrowed state, [`pull()`] the
//! elements into an ordinary `while let` loop:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use seqflow::{pull, seq, Seq};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // 1. Synchronous work first; the async block borrows nothing.
//! let mut seen = Vec::new();
//! seq::iter([1, 2]).for_each(|v| { seen.push(v); async { true } }).await;
//! assert_eq!(seen, [1, 2]);
//!
//! // 2. An `Arc` moved into each body, for a body that awaits.
//! let log = Arc::new(Mutex::new(Vec::new()));
//! seq::iter([1, 2])
//!     .for_each(|v| {
//!         let log = log.clone();
//!         async move {
//!             tokio::task::yield_now().await; // a write, say
//!             log.lock().unwrap().push(v);
//!             true
//!         }
//!     })
//!     .await;
//! assert_eq!(*log.lock().unwrap(), [1, 2]);
//!
//! // 3. `pull`: the loop body is plain code that awaits with `&mut` state.
//! let mut sink = Vec::new();
//! let mut p = pull(seq::iter([1, 2]));
//! while let Some(v) = p.next().await {
//!     tokio::task::yield_now().await;
//!     sink.push(v);
//! }
//! assert_eq!(sink, [1, 2]);
//! # }
//! ```
//!
//! # From Go
//!
//! | Go | seqflow |
//! |---|---|
//! | `iter.Seq[T]`, `func(yield func(T) bool)` | `impl Seq<Item = T>`, built with [`seq::from_fn`] |
//! | `if !yield(v) { return }` | `if !y.yield_(v).await { return; }` |
//! | `for v := range inner { if !yield(v) { return } }` (re-yield another sequence) | `if !y.yield_all(inner).await { return; }` ([`Yield::yield_all`]) |
//! | "continued iteration after function for loop body returned false" | the same bug panics here: a `yield_` awaited after it returned `false` |
//! | `stop()` while the iterator is blocked in a read (Go's `stop` waits for the read) | the producer is dropped at the stop; read inside [`Yield::until_stopped`] to hear it and clean up |
//! | `iter.Seq2[K, V]` | a [`Seq2<K, V>`](Seq2): a `Seq` of `(K, V)` |
//! | `iter.Seq2[T, error]` | a [`TrySeq`]: `Seq<Item = Result<T, E>>`, built with [`seq::try_from_fn`] (`?` works), shaped with the fallible adapters ([`Seq::map_ok`], [`Seq::and_then`], [`Seq::try_filter`], [`Seq::try_batched`], ...); see [Fallible sequences](#fallible-sequences) |
//! | `for v := range seq { ...; break }` | [`Seq::for_each`] with a body returning `false` |
//! | `defer rows.Close()` in the iterator | cleanup after the producer's loop: it runs before the consumer resumes |
//! | a synchronous producer (a blocking driver's `Rows`, a file reader) with `yield` | [`seq::from_blocking`]: `f(BlockingYield<T>)` on tokio's blocking pool, `y.yield_(v) -> bool` |
//! | `iter.Pull(seq)` / `next()` / `stop()` | [`pull()`] / [`Pull::next`] / [`Pull::stop`]; [`Pull::peek`] and [`Pull::next_if`] to look before taking |
//! | `iter.Pull2(seq2)` | [`pull2()`] |
//! | `slices.Values(s)`, `slices.Collect(seq)` | [`seq::iter`], [`Seq::collect`] (or [`Seq::collect_at_most`] to bound memory) |
//! | `maps.Keys(m)`, `maps.Values(m)` on a `Seq2` | [`Seq::keys`], [`Seq::values`] |
//! | `context.Context` cancellation | a `tokio_util::sync::CancellationToken` and [`Seq::with_cancel`] |
//! | Google Cloud `iterator.Done`, `Pager` | `Pull::next` returning `None`; [`Pager`] |
//! | a paginated REST client walking cursor tokens | [`seq::paginate`] |
//!
//! # From futures / tokio-stream
//!
//! A [`Seq`] is not a [`Stream`](futures_core::Stream): `StreamExt`'s
//! methods are not on it, and most of them have a seqflow twin under
//! another name. [`seq::from_stream`] turns any `Stream` into a `Seq`, and
//! [`Seq::stream`] goes back. The rows marked **differs** do not mean the
//! same thing.
//!
//! | futures / tokio-stream / async-stream | seqflow | |
//! |---|---|---|
//! | `stream.next().await` | [`pull(s)`](pull()) then `p.next().await`, or `s.stream()` and `StreamExt::next` | **differs**: a `Seq` has no `next`; a [`Pull`] runs the producer only inside `next()` and its [`Pull::stop`] waits for the cleanup |
//! | `TryStreamExt::try_next` | `pull(s)` then `p.next().await`, which gives `Option<Result<T, E>>` | |
//! | `async_stream::stream! { yield v; }` | [`seq::from_fn`]`(\|mut y: Yield<T>\| async move { y.yield_(v).await; })` | `yield_` returns `false` once the consumer stopped |
//! | `async_stream::try_stream! { ... ? ... }` | [`seq::try_from_fn`] (`?` works; the error is the last element) | |
//! | `stream::iter`, `stream::once`, `stream::empty`, `stream::repeat_with`, `stream::unfold` | [`seq::iter`], [`seq::once`] (of a value, not a future), [`seq::empty`], [`seq::repeat_with`], [`seq::unfold`] | |
//! | `ReceiverStream::new(rx)` and other tokio-stream wrappers | [`seq::from_stream`]`(ReceiverStream::new(rx))` | |
//! | `map`, `then`, `enumerate`, `inspect`, `skip`, `take`, `chain`, `zip`, `flat_map`, `flatten`, `scan`, `fold`, `count`, `collect` | the same names on [`Seq`] | `filter`, `filter_map`, `take_while`, `skip_while`, `scan` and `fold` take plain closures here, not closures returning futures: use [`Seq::then`] first for an async step |
//! | `for_each(\|v\| async { .. })` | [`Seq::for_each`]`(\|v\| async { ..; true })` | **differs**: the body's future resolves to `bool`, `false` breaks |
//! | `chunks(n)`, `TryStreamExt::try_chunks(n)` | [`Seq::batched`]`(n)`, [`Seq::try_batched`]`(n)` | `try_batched` lets each error out on its own, after the partial batch before it |
//! | tokio-stream `chunks_timeout(n, d)` | [`Seq::batched_timeout`]`(n, d)` | |
//! | `ready_chunks(n)` | no twin: a `Seq` has no "ready now" view; [`Seq::batched_timeout`] bounds the wait instead | |
//! | `s.map(f).buffered(n)` | [`Seq::map_concurrent`]`(n, f)` | takes the closure, not a stream of futures; as in futures, the futures progress only while the consumer polls (add [`Seq::prefetch`] to keep them running) |
//! | `s.map(f).buffer_unordered(n)` | [`Seq::map_unordered`]`(n, f)` | as above |
//! | `stream::select(a, b)`, tokio-stream `merge` | [`Seq::merge`], [`seq::merge`] | a stop stops both sides and waits for each cleanup |
//! | `stream::select_all(streams)` | [`seq::merge_all`] | |
//! | tokio-stream `StreamMap` | [`SeqMap`] | no `Unpin` bound; removing a key stops its sequence (its cleanup runs); [`SeqMap::next_event`] reports each key's end |
//! | `for_each_concurrent(n, f)`, `try_for_each_concurrent(n, f)` | [`Seq::for_each_concurrent`], [`Seq::try_for_each_concurrent`] | the limit is a `usize` (`usize::MAX` for none); 0 panics instead of hanging |
//! | `flatten_unordered(n)` after `map(f)` | [`Seq::flat_map_concurrent`]`(n, f)` | |
//! | `take_until(fut)` | [`Seq::take_until`]`(fut)` | the source is stopped when `fut` completes |
//! | `Shared` (of a future), `broadcast` receivers wrapped as streams | [`Seq::share`], [`Seq::share_lagging`] | one run of the producer for every subscriber |
//! | tokio-stream `throttle(d)` | [`Seq::throttle`]`(d)` | **differs**: tokio-stream delays elements to space them; seqflow drops the elements inside the window (RxJS `throttleTime`) |
//! | tokio-stream `timeout(d)` | [`Seq::timeout`]`(d)`, [`Seq::try_timeout`]`(d)` | **differs**: tokio-stream yields an `Err(Elapsed)` and goes on; seqflow yields `Err(Error::Timeout)` and **ends** the sequence, stopping the producer |
//! | `fuse()` | nothing to do | every sequence is fused |
//! | `peekable()` | [`pull()`] then [`Pull::peek`], [`Pull::next_if`] | |
//! | `boxed()`, `boxed_local()`, `BoxStream` | [`Seq::boxed`], [`Seq::boxed_local`], [`BoxSeq`] | |
//! | `TryStreamExt::map_ok`, `map_err`, `and_then`, `or_else`, `try_filter`, `try_filter_map`, `inspect_ok`, `inspect_err`, `try_take_while`, `try_skip_while`, `try_fold`, `try_for_each`, `try_collect` | the same names on [`Seq`] | the predicates of `try_filter`, `try_take_while`, `try_skip_while` and the step of `try_fold` are plain closures |
//! | dropping a stream mid-way | dropping a sequence mid-way is the same | **differs** from ending it: a terminal operation or `take` that ends early lets the producer run its async cleanup; a drop does not |
//!
//! # Adapters
//!
//! Adapters are provided methods on [`Seq`] returning concrete types (no
//! boxing): [`Seq::map`], [`Seq::filter`], [`Seq::take`], [`Seq::batched`],
//! and the rest (the [`Seq`] page groups them). They take plain closures,
//! like `Iterator`'s, and are lazy and fused. An adapter that ends early
//! ([`Seq::take`], [`Seq::take_while`]) first stops its source and waits for
//! the producer's cleanup. [`Seq::batched`] hands the consumer fresh `Vec`s;
//! [`Seq::batched_timeout`] also flushes a partial batch once its first
//! element has waited long enough. Adapters that combine sequences
//! ([`Seq::chain`], [`Seq::zip`], [`Seq::flat_map`], [`Seq::merge`]) stop
//! every producer they started, and wait for each cleanup, before they end.
//!
//! [`Seq::map_concurrent`] and [`Seq::map_unordered`] run up to `limit`
//! futures at once; [`seq::merge`] and [`seq::merge_all`] interleave sources
//! by arrival. None of them spawns a task: everything runs inline on the
//! consumer's task, so they need no runtime and no `Send`, and cannot leak
//! a task. The other side of that coin: the futures progress only while
//! the consumer polls, so put [`Seq::prefetch`] after them when the
//! consumer is busy elsewhere. Stopping drops in-flight futures, then stops
//! every source and completes once each producer has returned.
//!
//! # Time, latest values, sharing and fan-in
//!
//! The operators pipelines keep asking the `Stream` ecosystem for, one line
//! each (every one is cold, stops its sources by the same rule, and leaves
//! no task or timer behind):
//!
//! | operator | what it yields |
//! |---|---|
//! | [`Seq::debounce`]`(d)` | the last element of a burst, once `d` has passed without another |
//! | [`Seq::sample`]`(d)` | at the end of each period `d`, the latest element of that period |
//! | [`Seq::throttle`]`(d)` | an element, then nothing for `d` |
//! | [`Seq::throttle_latest`]`(d)` | the first element at once, then at most one per `d`: the latest |
//! | [`Seq::try_debounce`], [`Seq::try_sample`], [`Seq::try_throttle`], [`Seq::try_throttle_latest`] | the same for `Result` elements: an `Err` goes out at once, after the value held before it, never dropped |
//! | [`Seq::conflate`] | the newest element when the consumer asks; the producer never waits (on a task) |
//! | [`Seq::switch_map`]`(f)` | the elements of `f(x)` for the latest `x`; a new `x` stops the previous inner sequence, cleanup included |
//! | [`Seq::combine_latest`]`(other)` | a pair of the latest of each side, on every new element of either |
//! | [`Seq::share`]`(n)` | a handle whose subscriptions each get every element, from one run of the producer |
//! | [`Seq::share_lagging`]`(n)` | the same, a subscriber `n` behind skips ahead after an `Err(Error::Lagged)` |
//! | [`Seq::tee`], [`Seq::partition`]`(pred)` | two ends of one sequence: every element to both, or split by `pred` |
//! | [`SeqMap`] | `(key, element)` from a set of sequences that changes while it runs |
//! | [`seq::merge_sorted`], [`seq::merge_sorted_by`] | one sorted sequence from sorted ones, stable |
//! | [`Seq::flat_map_concurrent`]`(n, f)` | the elements of up to `n` inner sequences at once |
//! | [`Seq::for_each_concurrent`]`(n, f)`, [`Seq::try_for_each_concurrent`]`(n, f)` | runs up to `n` bodies at once |
//! | [`Seq::take_until`]`(fut)` | the elements until `fut` completes |
//!
//! # Fallible sequences
//!
//! Go's `iter.Seq2[T, error]`, where errors travel as elements
//! (`for row, err := range rows`), is a `Seq<Item = Result<T, E>>` here: a
//! [`TrySeq`]. [`seq::try_from_fn`] builds one whose producer may use `?`
//! (the error becomes the last element). Errors are elements, and **no
//! adapter of this crate ever drops one**: every adapter passes each `Err`
//! through in order, or ends with it.
//!
//! Then decide, per pipeline, what an error means:
//!
//! - **End at the first error** when the rest is worthless without the
//!   whole (a transaction, a file that must parse): [`Seq::try_for_each`],
//!   [`Seq::try_collect`] and [`Seq::try_fold`] stop the producer at the
//!   first `Err` (its cleanup runs before they return) and return it.
//!   [`Seq::try_take_while`] ends at a value, passing the errors before it.
//! - **Pass errors through** when each element stands alone (a log line, a
//!   message, a row to import): shape the `Ok` side with [`Seq::map_ok`],
//!   [`Seq::and_then`], [`Seq::try_filter`], [`Seq::try_filter_map`],
//!   [`Seq::try_skip_while`], [`Seq::inspect_ok`], and the errors with
//!   [`Seq::map_err`], [`Seq::or_else`] (to recover) and
//!   [`Seq::inspect_err`] (to log), then count or report them at the end.
//!   `filter_map(Result::ok)` is the anti-pattern: it makes errors vanish.
//!
//! For batched writes, [`Seq::try_batched`] (and
//! [`Seq::try_batched_timeout`]) groups the `Ok` values and lets each error
//! out on its own, after flushing the partial batch before it, so order is
//! kept. (Plain [`Seq::batched`] on a fallible sequence yields
//! `Vec<Result<..>>`, whose natural `.flatten()` drops the errors.)
//!
//! ```
//! use seqflow::{seq, Seq};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let rows = seq::iter(vec![Ok(1), Ok(2), Ok(3), Err("row 4: bad utf-8"), Ok(5)]);
//! let mut written = Vec::new();
//! let mut failed = Vec::new();
//! rows.try_filter(|id| *id != 2) // skip some rows; errors pass
//!     .try_batched(2)
//!     .for_each(|batch| {
//!         match batch {
//!             Ok(batch) => written.push(batch), // `INSERT ... VALUES` the batch
//!             Err(e) => failed.push(e),         // report, and go on
//!         }
//!         async { true }
//!     })
//!     .await;
//! assert_eq!(written, [vec![1, 3], vec![5]]);
//! assert_eq!(failed, ["row 4: bad utf-8"]);
//!
//! // Or all-or-nothing: the first error ends the fold, and the source.
//! let total = seq::iter(vec![Ok(1), Err("row 2"), Ok(3)])
//!     .try_fold(0, |sum, x| Ok(sum + x))
//!     .await;
//! assert_eq!(total, Err("row 2"));
//! # }
//! ```
//!
//! # Prefetch
//!
//! [`Seq::prefetch`] runs a sequence ahead of its consumer on a task of its
//! own, through a buffer of at most `n` elements: an I/O-bound producer
//! overlaps with a CPU-bound consumer, with bounded memory. Order is kept,
//! every element arrives once, a producer panic is resumed in the consumer
//! after the elements produced before it, and when the consumer stops or is
//! dropped the producer sees `false`, cleans up, and its task ends. The task
//! starts at the first poll. [`Seq::prefetch_with`] trades completeness for
//! freshness ([`Overflow::DropOldest`], [`Overflow::DropLatest`]), and
//! [`Seq::prefetch_on`] names the runtime.
//!
//! # Blocking producers
//!
//! [`seq::from_blocking`] runs a synchronous producer, `f(BlockingYield<T>)`,
//! on tokio's blocking pool from the first poll: `y.yield_(v)` returns `true`
//! once `v` is queued (up to 256 elements ahead; [`seq::from_blocking_buffered`]
//! sets the bound, `0` is the rendezvous) and `false` once the consumer
//! stopped; its page says how elements are handed over. The `sqlite_rows`
//! example of `integration/` streams a real SQLite query this way.
//!
//! # Time, cancellation and observation
//!
//! [`Seq::heartbeat`] reports a quiet source: it yields
//! [`Beat::Idle`] once per full period of silence, and never
//! ends the sequence. [`Seq::timeout`] ends a sequence with
//! [`Error::Timeout`] after the first late element (unlike tokio-stream's
//! `timeout`, which goes on); [`Seq::with_cancel`] ends it within one
//! element or one pending await once a
//! `tokio_util::sync::CancellationToken` fires (Go's `context.Context`).
//! Their `try_` forms do the same on fallible sequences, ending with the
//! error converted into the sequence's own error type. Each of them stops
//! the producer the way every stop does: a producer that hears the stop
//! cleans up before the sequence ends; one waiting elsewhere is dropped at
//! once.
//!
//! [`Seq::instrumented`] reports each iteration to an [`Observer`]: start,
//! items, and the end with its [`Outcome`] (exhausted, broke early,
//! cancelled, panicked), the element count and the duration. [`Stats`]
//! keeps those counts in atomics, including a live `active` gauge: a number
//! that does not return to zero is a leaked iteration.
//!
//! # Remote sources
//!
//! [`seq::paginate`] turns a page-fetching function into a lazy sequence of
//! items (or pages): no request before the first element is wanted, one page
//! in flight, none after the consumer stops. [`Pager`] gives page-at-a-time
//! access with resumable tokens. [`RetryPolicy`] retries failed requests with
//! capped, jittered exponential backoff and an attempt budget that starts
//! over after every success. [`seq::resume`] keeps a watch-style source alive
//! across failures, reconnecting from the last delivered position and
//! resynchronising when that position is gone. `paginate` states what it
//! guarantees, and what it does not, while the collection changes.
//!
//! # Cancel safety
//!
//! [`Pull::next`] and [`LocalPull::next`] are cancel safe: if one loses a
//! `select!`, no element is lost; so are [`Pull::peek`] and
//! [`Pull::next_if`], which leave the element in the handle. The terminal
//! operations consume their sequence: dropping their future drops the
//! producer without its async cleanup, and the elements or the accumulator
//! gathered so far. Each async method says which it is in its
//! `# Cancel safety` section.
//!
//! # Examples
//!
//! The repository's `examples/` run with `cargo run --example NAME`:
//! `pipeline` (a lazy log reader that stops early), `heartbeat`,
//! `pull_interleave`, `protocol_frames` and `prefetch_stage` (with
//! `--release`: it measures). The examples against a real HTTP server and
//! SQLite are in the `seqflow-integration` package:
//! `cargo run -p seqflow-integration --example paginate_http` (or
//! `list_and_watch`, `sqlite_rows`).
//!
//! # Crate features
//!
//! - `tracing`: [`TracingObserver`], an [`Observer`] that records one
//!   `seqflow.iteration` span per iteration of an instrumented sequence
//!   (fields `name`, `items`, `duration`, `outcome`); never a span per
//!   element.
//! - `metrics`: [`MetricsObserver`], which reports
//!   `seqflow_iterations_started_total`, `seqflow_iterations_ended_total`
//!   (by `outcome`), `seqflow_iterations_active`, `seqflow_items_total` and
//!   `seqflow_iteration_duration_seconds` through the `metrics` facade,
//!   labelled by `name`.
//!
//! Without either feature, [`Stats`] keeps the same counts in atomics.
//!
//! # Rust version
//!
//! seqflow needs Rust 1.85 or newer (the `rust-version` of its
//! `Cargo.toml`).
//!
// The two feature-gated types exist only with their feature; without it,
// their names link to their page on docs.rs (built with every feature), so
// `cargo doc` without features has no unresolved link. Maintainers: how
// the `yield_` hand-off, the stop rule, the pull handles and prefetch work
// is written in the module docs of `src/yield_.rs`, `src/seq/engine/`,
// `src/pull/mod.rs` and `src/seq/adapters/prefetch.rs`.
#![cfg_attr(
    feature = "tracing",
    doc = "[`TracingObserver`]: crate::TracingObserver"
)]
#![cfg_attr(
    not(feature = "tracing"),
    doc = "[`TracingObserver`]: https://docs.rs/seqflow/latest/seqflow/struct.TracingObserver.html"
)]
#![cfg_attr(
    feature = "metrics",
    doc = "[`MetricsObserver`]: crate::MetricsObserver"
)]
#![cfg_attr(
    not(feature = "metrics"),
    doc = "[`MetricsObserver`]: https://docs.rs/seqflow/latest/seqflow/struct.MetricsObserver.html"
)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

// --- section: core ---
mod error;
pub mod seq;
mod yield_;

pub use crate::error::Error;
pub use crate::seq::{BlockingYield, BoxSeq, LocalBoxSeq, Seq, Seq2, TrySeq};
pub use crate::yield_::{Shield, UntilStopped, Yield, YieldAll, Yielding};

// --- section: shaping ---
mod size_hint;

// --- section: prefetch ---
pub use crate::seq::Overflow;

// --- section: control ---
pub mod observe;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use crate::observe::MetricsObserver;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use crate::observe::TracingObserver;
pub use crate::observe::{Beat, Observer, Outcome, Stats, StatsSnapshot};

// --- section: pull ---
mod pull;

pub use crate::pull::{
    LocalPull, Pull, Pull2, PullSeq, pull, pull_local, pull_on, pull2, pull2_on,
};

// --- section: more-shaping ---

// --- section: remote ---
mod remote;

pub use crate::remote::{Pager, RetryError, RetryPolicy};
pub use crate::seq::{Page, PageRequest};

// --- section: sharing ---
pub use crate::seq::{Partition, Share, Subscription, Tee};
// --- section: fan-in and concurrency ---
pub use crate::seq::{
    FlatMapConcurrent, ForEachConcurrent, KeyEvent, MergeSorted, MergeSortedBy, SeqMap, TakeUntil,
    TryForEachConcurrent,
};
// --- section: time and latest value ---
pub use crate::seq::{
    CombineLatest, Conflate, Debounce, Sample, SwitchMap, Throttle, ThrottleLatest, TryDebounce,
    TrySample, TryThrottle, TryThrottleLatest,
};

// The README's code blocks run as doctests of this item (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

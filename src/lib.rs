//! Go-style push sequences for async Rust on tokio.
//!
//! seqflow brings Go's `iter.Seq`, `iter.Seq2` and `iter.Pull` to async
//! Rust. A producer is an async closure that receives a [`Yield`] handle;
//! `y.yield_(v).await` hands one value to the consumer and resolves to
//! `false` once the consumer has stopped, so the producer can clean up and
//! return. Around that core stand the consumers ([`Seq::for_each`],
//! [`Seq::collect`], ...) and the bridge to [`futures_core::Stream`]
//! ([`Seq::stream`], [`seq::from_stream`]).
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
//! async cleanup does not. That is why no stop ever hangs: `take`,
//! `timeout`, `with_cancel`, [`Pull::stop`], `prefetch` and every other
//! early end complete promptly even when the producer never returns, and
//! leave no task behind. A producer that wants to close a connection
//! asynchronously when it is stopped mid-read reads inside
//! `until_stopped`:
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
//! Consumers spend tokio's cooperative budget for the elements they take,
//! as tokio's own channels do, so an endless in-memory sequence consumed on
//! a `current_thread` runtime still lets the other tasks of that thread
//! run. The always-ready sources ([`seq::iter`], [`seq::repeat_with`],
//! [`seq::from_fn`], [`seq::try_from_fn`]) spend it in batches: one unit
//! per 32 elements they produce (a unit pays for the next 32 elements; a
//! source whose task has no budget left returns `Pending` before starting
//! a batch), so they yield to the scheduler at least once every
//! `128 * 32` elements at tokio's default budget. [`seq::unfold`] and
//! [`seq::from_stream`] spend one unit per element. (As with tokio's channels, a consumer driven by another executor
//! nested inside a tokio task, such as `futures::executor::block_on`, runs
//! on that task's budget and never gets it back: wrap it in
//! `tokio::task::coop::unconstrained`.)
//!
//! There are five ways to consume a sequence, and a sixth that combines two
//! of them. Pick by what the consumer
//! needs:
//!
//! | consumer | use it when | stopping early | runs the producer on |
//! |---|---|---|---|
//! | terminal operations: [`Seq::for_each`], [`Seq::collect`], [`Seq::fold`], ... | the whole loop lives in one place | the producer sees `false` and its cleanup finishes before the future completes | the consumer's task, inline |
//! | [`Seq::stream()`] | handing the sequence to `futures::Stream` code | dropping the stream drops the producer: `Drop` cleanup only (or call [`SeqStream::poll_stop`](seq::SeqStream::poll_stop) first) | the consumer's task, inline |
//! | [`pull()`] | taking one element at a time: interleaving two sources, a request/response protocol, a `select!` loop; a `Pull` is a `futures::Stream` (not a `Seq`, so `StreamExt` methods on it are never ambiguous; [`Pull::into_seq`] goes back) | [`Pull::stop`] runs the cleanup; a dropped `Pull` finishes it in the background, which a runtime shutting down cuts short (so `stop().await` before `main` returns) | the consumer's task, inline, only inside `next()` |
//! | [`pull_local()`] | as `pull()`, for a producer that is not `Send` (holds an `Rc`) or borrows the caller's data, on any executor | [`LocalPull::stop`] runs the cleanup; a dropped `LocalPull` runs what it can inline (an awaiting cleanup is cut at its await) | the consumer's task, inline, only inside `next()` |
//! | [`Seq::prefetch`] in front of any of them | producer and consumer should overlap (I/O ahead of CPU work) | the producer's task sees `false`, cleans up, and ends | its own task, up to `n` elements ahead |
//! | `pull(seq.prefetch(0))`, `pull2(seq.prefetch(0))`: the pull on a task-plus-channel rendezvous | as `pull()`, when the producer must not run on the consumer's task (heavy synchronous steps that would stall a `select!` loop, or a runtime worker of its own) | as `pull()`; the producer's task ends with it | its own task, only while the consumer waits in `next()`, at most one element ahead |
//!
//! The numbered protocol every sequence keeps is on [`Seq`] (rules 1–5);
//! the pull contract is on [`Pull`] (rules 6–12).
//!
//! ## Closures that borrow: "captured variable cannot escape `FnMut` closure body"
//!
//! A loop body is a closure that returns a future: `for_each(|v| async
//! { .. })`. The future may outlive one call of the closure, so it cannot
//! borrow what the closure borrows, and this natural first try fails:
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
//! | `context.Context` cancellation | a `tokio_util::sync::CancellationToken` and `with_cancel` |
//! | Google Cloud `iterator.Done`, `Pager` | `Pull::next` returning `None`; [`Pager`] |
//! | a paginated REST client walking cursor tokens | [`seq::paginate`] |
//!
//! # Adapters
//!
//! Adapters are provided methods on [`Seq`] returning concrete types (no
//! boxing): [`Seq::map`], [`Seq::filter`], [`Seq::take`], [`Seq::batched`],
//! and the rest. They take plain closures, like `Iterator`'s, and are lazy
//! and fused. An adapter that ends early ([`Seq::take`],
//! [`Seq::take_while`]) first stops its source and waits for the producer's
//! cleanup. [`Seq::batched`] hands the consumer fresh `Vec`s;
//! [`Seq::batched_timeout`] also flushes a partial batch once its first
//! element has waited long enough. Adapters that combine sequences
//! ([`Seq::chain`], [`Seq::zip`], [`Seq::flat_map`], [`Seq::merge`]) stop
//! every producer they started, and wait for each cleanup, before they end.
//! On a fallible sequence, the `try_` and `_ok`/`_err` adapters reach into
//! the `Result` and pass every error through; the `try_` terminals stop at
//! the first error (see [Fallible sequences](#fallible-sequences)).
//!
//! [`Seq::map_concurrent`] and [`Seq::map_unordered`] run up to `limit`
//! futures at once; [`seq::merge`] and [`seq::merge_all`] interleave sources
//! by arrival. None of them spawns a task: futures sit in a
//! `FuturesOrdered`/`FuturesUnordered` bounded by `limit`, and sources are
//! polled in rotation so that none starves, all inline on the consumer's
//! task. They need no runtime and no `Send`, and cannot leak a task.
//! Stopping drops in-flight futures, then stops every source together and
//! completes once each producer has returned.
//!
//! # Fallible sequences
//!
//! Go's `iter.Seq2[T, error]`, where errors travel as elements
//! (`for row, err := range rows`), is a `Seq<Item = Result<T, E>>` here: a
//! [`TrySeq`]. [`seq::try_from_fn`] builds one whose producer may use `?`
//! (the error becomes the last element). Errors are elements, and **no
//! adapter of this crate ever drops one**: every adapter passes each `Err`
//! through in order, or ends with it (rule 22 on [`TrySeq`], proved by the
//! `contract_22_*` tests).
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
//! on tokio's blocking pool from the first poll: `y.yield_(v)` blocks `f`'s
//! thread until the consumer took `v` and returns `false` once the consumer
//! stopped. A stop completes after `f` returned, so a statement is finalized
//! and a connection closed before the consumer goes on; `f`'s panic reaches
//! the consumer; dropping the sequence never blocks.
//! [`seq::from_blocking_buffered`] lets `f` run up to `n` elements ahead.
//! The `sqlite_rows` example of `integration/` streams a real SQLite query
//! this way.
//!
//! # Time, cancellation and observation
//!
//! [`Seq::heartbeat`] reports a quiet source: it yields
//! [`Beat::Idle`] once per full period of silence, and never
//! ends the sequence. [`Seq::timeout`] ends a sequence with
//! [`Error::Timeout`] after the first late element; [`Seq::with_cancel`]
//! ends it within one element or one pending await once a
//! `tokio_util::sync::CancellationToken` fires (Go's `context.Context`).
//! Their `try_` forms do the same on fallible sequences, ending with the
//! error converted into the sequence's own error type. Each of them stops
//! the producer by the stop rule: a producer that hears the stop cleans up
//! before the sequence ends; one hung elsewhere is dropped at once.
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
//! [`Pull::next_if`], which leave the element in the handle. The terminal operations consume their
//! sequence: dropping their future drops the producer without its async
//! cleanup, and the elements or the accumulator gathered so far. Each async
//! method says which it is in its `# Cancel safety` section.
//!
//! # Examples
//!
//! The repository's `examples/` run with `cargo run --example NAME`:
//! `pipeline` (a lazy log reader that stops early), `heartbeat`,
//! `pull_interleave` and `prefetch_stage` (with `--release`: it measures).
//! The examples against a real HTTP server are in the `seqflow-integration`
//! package: `cargo run -p seqflow-integration --example paginate_http` (or
//! `list_and_watch`).
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
//! # Implementation notes
//!
//! For maintainers and the curious; nothing above depends on it. The
//! `unsafe` argument itself is in `src/yield_.rs`, the pull handle's design
//! in `src/pull/mod.rs`.
//!
//! **The yield hand-off.** A sequence is a poll-driven state machine, like
//! a [`Stream`](futures_core::Stream). When the consumer asks for an
//! element, the sequence polls the producer's future. For that one poll it
//! builds, on its own stack, a small *frame*: the id of this run, whether
//! the consumer has stopped, whether the producer heard that, and an empty
//! one-element slot. It hands the
//! producer a waker that carries a pointer to that frame and otherwise
//! forwards every wake-up to the task's real waker. When the producer
//! awaits `yield_(v)`, the `yield_` future looks at the waker it is polled
//! with, recognises the frame (a private vtable marks it) and checks the
//! run id; then it puts `v` in the slot and returns `Pending`. The
//! producer's future returns `Pending` up to the sequence, which finds the
//! slot full and returns the element. On the next demand the `yield_`
//! future is polled again, sees its value taken, and resolves to `true`;
//! once the consumer has stopped the frame says so and it resolves to
//! `false`.
//!
//! **The stop rule.** A stop polls the producer once more, with the frame's
//! stop flag set. A `yield_` or `until_stopped` that sees the flag marks the
//! frame "heard"; the sequence then keeps polling the producer until it
//! returns, so its async cleanup runs before the stop completes. If that
//! poll ends with the frame not heard, the producer is waiting where no
//! stop can reach it, and the sequence drops its future at once. The rule
//! lives in one place (the producer state machine); every adapter and
//! handle ends its source through `poll_stop`, so they all keep it.
//!
//! No element crosses a thread, a channel or a lock, and the only atomic
//! operation is one counter increment per run. After inlining, what
//! remains per element is the producer's own state machine, the frame on
//! the stack with its identity check (the waker's vtable and the run id)
//! and the budget count (`BENCHMARKS.md` has the instruction counts). A
//! `Yield` awaited anywhere
//! else (another task, a later run, another sequence's producer) sees a
//! foreign waker or a foreign run id and panics with a message that says
//! what went wrong and where the `yield_` was called. The identity check,
//! and accessing the frame one field at a time (never through a reference
//! over the whole frame), are what make the frame access sound: a `yield_`
//! future polled on a scoped thread with the producer's own waker, while
//! another thread wakes it, is accepted and touches no data that thread
//! reads. The `unsafe` code is confined to one module, every block carries
//! its argument, and the tests that exercise it run under Miri.
//!
//! This is the same idea as `async-stream`'s generator, with the frame
//! found through the waker rather than a thread-local, so a `Yield` moved
//! to another task, or kept past its run, is caught rather than
//! miscompiled.
//!
//! **The pull rendezvous.** Go's `iter.Pull` runs its producer as a
//! coroutine, and a `Seq` is already a resumable state machine. So
//! [`Pull::next`] simply polls the boxed sequence on the caller's task. The
//! producer runs only while the consumer waits, and an element leaves the
//! producer only in the poll that returns it: that is why `next` is cancel
//! safe. No element crosses a thread, a channel or a lock, so a consumer in
//! `#[tokio::main]`'s `block_on` pays no cross-thread wake-up per element. A
//! task appears only when a `Pull` is dropped while its producer still
//! runs. `Drop` first polls `poll_stop` once inline, inside the runtime's
//! context with a no-op waker, which covers the common case where cleanup
//! does not wait. Otherwise it moves the sequence to a task of the runtime
//! captured by `pull`/`pull_on`, which drives the stop to completion and
//! ends. That is why the sequence must be `Send + 'static` and why `pull`
//! needs a runtime.
//!
//! **The prefetch hand-off.** `prefetch(n)` moves the sequence into a task
//! spawned at its first poll. The task and the consumer share one `Mutex`
//! holding a queue, returned credits, a stop flag, each side's waker and how
//! the producer ended. The task holds `n` credits, one per element it may
//! produce. It collects elements locally while the producer is ready, then
//! publishes up to `n / 4` (at most 64) under one lock with at most one
//! wake-up. The consumer takes everything published in one go, by swapping
//! buffers, and serves it without locking. It returns credits in chunks,
//! and only for elements it handed out in earlier calls, so the producer is
//! never more than `n` elements ahead of what the consumer has received.
//! Per-element synchronisation is what makes channel-based prefetch slow;
//! moving chunks is what makes this one cheap. A stop sets the flag; the
//! task then drives the producer's `poll_stop` and reports its end. A panic
//! is caught on the task and resumed in the consumer after the earlier
//! elements. On multi-thread runtimes, a side whose peer is still running
//! re-polls itself (through the scheduler, like `yield_now`) a bounded,
//! adaptive number of times before parking, because an OS-level wake-up
//! costs more than a chunk of cheap elements.
//!
//! **Concurrency without tasks.** `map_concurrent`, `map_unordered`,
//! `merge` and `merge_all` poll everything they run inline on the
//! consumer's task, so they cannot leak a task.
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
pub use crate::yield_::{UntilStopped, Yield, YieldAll, Yielding};

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

// --- section: time and latest value ---
pub use crate::seq::{
    CombineLatest, Conflate, Debounce, Sample, SwitchMap, Throttle, ThrottleLatest,
};

// The README's code blocks run as doctests of this item (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

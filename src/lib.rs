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
//!
//! There are five ways to consume a sequence, and a sixth that combines two
//! of them. Pick by what the consumer
//! needs:
//!
//! | consumer | use it when | stopping early | runs the producer on |
//! |---|---|---|---|
//! | terminal operations: [`Seq::for_each`], [`Seq::collect`], [`Seq::fold`], ... | the whole loop lives in one place | the producer sees `false` and its cleanup finishes before the future completes | the consumer's task, inline |
//! | [`Seq::stream()`] | handing the sequence to `futures::Stream` code | dropping the stream drops the producer: `Drop` cleanup only (or call [`SeqStream::poll_stop`](seq::SeqStream::poll_stop) first) | the consumer's task, inline |
//! | [`pull()`] | taking one element at a time: interleaving two sources, a request/response protocol, a `select!` loop | [`Pull::stop`] runs the cleanup; a dropped `Pull` finishes it in the background | the consumer's task, inline, only inside `next()` |
//! | [`pull_local()`] | as `pull()`, for a producer that is not `Send` (holds an `Rc`) or borrows the caller's data, on any executor | [`LocalPull::stop`] runs the cleanup; a dropped `LocalPull` runs what it can inline (an awaiting cleanup is cut at its await) | the consumer's task, inline, only inside `next()` |
//! | [`Seq::prefetch`] in front of any of them | producer and consumer should overlap (I/O ahead of CPU work) | the producer's task sees `false`, cleans up, and ends | its own task, up to `n` elements ahead |
//! | `pull(seq.prefetch(0))`, `pull2(seq.prefetch(0))`: the pull on a task-plus-channel rendezvous | as `pull()`, when the producer must not run on the consumer's task (heavy synchronous steps that would stall a `select!` loop, or a runtime worker of its own) | as `pull()`; the producer's task ends with it | its own task, only while the consumer waits in `next()`, at most one element ahead |
//!
//! The numbered protocol every sequence keeps is on [`Seq`] (rules 1–5);
//! the pull contract is on [`Pull`] (rules 6–12).
//!
//! # From Go
//!
//! | Go | seqflow |
//! |---|---|
//! | `iter.Seq[T]`, `func(yield func(T) bool)` | `impl Seq<Item = T>`, built with [`seq::from_fn`] |
//! | `if !yield(v) { return }` | `if !y.yield_(v).await { return; }` |
//! | `iter.Seq2[K, V]` | a [`Seq2<K, V>`](Seq2): a `Seq` of `(K, V)` |
//! | `iter.Seq2[T, error]` | a [`TrySeq`]: `Seq<Item = Result<T, E>>`, built with [`seq::try_from_fn`] (`?` works), shaped with [`Seq::map_ok`] and [`Seq::map_err`] |
//! | `for v := range seq { ...; break }` | [`Seq::for_each`] with a body returning `false` |
//! | `defer rows.Close()` in the iterator | cleanup after the producer's loop: it runs before the consumer resumes |
//! | `iter.Pull(seq)` / `next()` / `stop()` | [`pull()`] / [`Pull::next`] / [`Pull::stop`] |
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
//! On a fallible sequence, [`Seq::map_ok`] and [`Seq::map_err`] reach into
//! the `Result`, and [`Seq::try_for_each`] and [`Seq::try_collect`] stop at
//! the first error.
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
//! the producer, so its cleanup runs.
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
//! `select!`, no element is lost. The terminal operations consume their
//! sequence: dropping their future drops the producer without its async
//! cleanup, and the elements or the accumulator gathered so far. Each async
//! method says which it is in its `# Cancel safety` section.
//!
//! # Implementation
//!
//! **The yield hand-off.** A sequence is a poll-driven state machine, like
//! a [`Stream`](futures_core::Stream). When the consumer asks for an
//! element, the sequence polls the producer's future. For that one poll it
//! builds, on its own stack, a small *frame*: the id of this run, whether
//! the consumer has stopped, and an empty one-element slot. It hands the
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
//! No element crosses a thread, a channel or a lock, and the only atomic
//! operation is one counter increment per run. After inlining, the compiler
//! removes the frame and the wrapping waker entirely: what remains per
//! element is the producer's own state machine. A `Yield` awaited anywhere
//! else (another task, a later run, another sequence's producer) sees a
//! foreign waker or a foreign run id and panics with a message that says
//! what went wrong; the identity check is what makes the frame access
//! sound. The `unsafe` code is confined to one module, every block carries
//! its argument, and the tests that exercise it run under Miri.
//!
//! This is the same idea as `async-stream`'s generator, with the frame
//! found through the waker rather than a thread-local, so a `Yield` moved
//! to another thread or task is caught rather than miscompiled.
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
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

// --- section: core ---
mod error;
pub mod seq;
mod yield_;

pub use crate::error::Error;
pub use crate::seq::{BoxSeq, LocalBoxSeq, Seq, Seq2, TrySeq};
pub use crate::yield_::{Yield, Yielding};

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

pub use crate::pull::{LocalPull, Pull, Pull2, pull, pull_local, pull_on, pull2, pull2_on};

// --- section: more-shaping ---

// --- section: remote ---
mod remote;

pub use crate::remote::{Pager, RetryError, RetryPolicy};
pub use crate::seq::{Page, PageRequest};

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
//! The numbered protocol is on [`Seq`] and [`Yield`].
//!
//! # Producers
//!
//! | Go | seqflow |
//! |---|---|
//! | `func(yield func(T) bool)` (`iter.Seq[T]`) | [`seq::from_fn`] |
//! | `iter.Seq2[T, error]` | [`seq::try_from_fn`], a [`TrySeq`] |
//! | `iter.Seq2[K, V]` | a [`Seq2`]: a `Seq` of `(K, V)` |
//! | `slices.Values(s)` | [`seq::iter`] |
//! | `slices.Collect(seq)` | [`Seq::collect`] |
//! | `for v := range seq { ... break ... }` | [`Seq::for_each`] with a body returning `false` |
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
//! operation is one counter increment per run. A `Yield` awaited anywhere
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

// --- section: prefetch ---
pub use crate::seq::Overflow;

// --- section: control ---

// --- section: pull ---

// --- section: more-shaping ---

// --- section: remote ---

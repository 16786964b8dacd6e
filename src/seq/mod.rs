//! Sequences: the [`Seq`] trait, its producers and its adapters.
//!
//! The producers are the free functions of this module ([`from_fn`],
//! [`try_from_fn`], [`iter`], [`from_stream`], [`once`], [`empty`],
//! [`repeat_with`], [`unfold`], and [`from_blocking`] for synchronous
//! producers); adapters and terminal operations are
//! provided methods on [`Seq`]. Every type here is returned by one of those
//! and documented there.

// The architecture, one folder per kind (a file per combinator, named after
// its method): `sources/` build sequences, `adapters/` and `fallible/` turn
// one into another, `terminals/` consume them, `engine/` holds what several
// of them share (the producer and its stop rule above all). Remote sources
// live in `crate::remote`, the pull handles in `crate::pull`.
//
// Two ways elements travel. `poll_next` hands over one element per call:
// every adapter has it, and handles (`Pull`, `stream()`) use it. Consumers
// that take every element (`for_each`, and through `engine::drain`
// `collect`, `fold`, `count`, ...) call `poll_each` instead, which hands
// elements to a closure until it breaks, the sequence ends or it waits, so
// a run of ready elements costs one call, not one per element. `iter`
// counts a whole budget batch in a loop with its iterator in a local;
// `filter`, `map`, `take`, `filter_map`, `inspect` and `enumerate` wrap
// the closure and pass the call down, so a chain on `iter` becomes one
// plain loop; `prefetch` serves the elements at hand one after another,
// and its feeding task takes its source's elements the same way; every
// other sequence takes the default, a `poll_next` loop.
// An override must deliver exactly what `poll_next` would, with the same
// stops and budget (`tests/laws_poll_each.rs` checks them against `std`).
mod adapters;
mod boxed;
pub(crate) mod engine;
mod fallible;
mod seq_trait;
mod sources;
mod terminals;

pub use self::adapters::*;
pub use self::boxed::{BoxSeq, LocalBoxSeq};
pub use self::fallible::*;
pub use self::seq_trait::{Seq, Seq2, TrySeq};
pub use self::sources::*;
pub use self::terminals::*;
pub use crate::remote::paginate::{Page, PageRequest, Pages, Paginate, paginate};
pub use crate::remote::resume::{Resume, resume};

//! Laziness of the more-shaping and concurrency combinators: building one
//! never runs its sources (or calls its closure), and stopping one that
//! never started never starts them (contract line 1).
//!
//! Every combinator is built on producers that panic if they are ever run,
//! under `deny(unused_must_use)` (itertools' tests/laziness.rs). These are
//! plain `#[test]`s: building a sequence needs no runtime either.
#![deny(unused_must_use)]

use std::future::poll_fn;
use std::pin::pin;

use futures::executor::block_on;
use seqflow::{Seq, Yield, seq};

/// A source whose producer panics if it is ever started.
fn never_run() -> impl Seq<Item = u32> {
    seq::from_fn(|_y: Yield<u32>| async { panic!("the producer was started") })
}

/// A source of pairs whose producer panics if it is ever started.
fn never_run_pairs() -> impl Seq<Item = (u32, char)> {
    seq::from_fn(|_y: Yield<(u32, char)>| async { panic!("the producer was started") })
}

/// A source of sequences whose producer panics if it is ever started.
fn never_run_nested() -> impl Seq<Item = seq::Empty<u32>> {
    seq::from_fn(|_y: Yield<seq::Empty<u32>>| async { panic!("the producer was started") })
}

/// Stops `s` before any element was asked for, then asks for one: no
/// producer may start, and the sequence must be over.
fn stop_before_start<S: Seq>(s: S) {
    let mut s = pin!(s);
    block_on(poll_fn(|cx| s.as_mut().poll_stop(cx)));
    assert!(block_on(poll_fn(|cx| s.as_mut().poll_next(cx))).is_none());
}

/// Builds an adapter twice: once only to drop it, once to stop it unstarted.
macro_rules! lazy {
    ($($name:ident => $adapter:expr;)*) => {$(
        #[test]
        fn $name() {
            let _ = $adapter;
            stop_before_start($adapter);
        }
    )*};
}

fn never_called<T, U>(_: T) -> U {
    panic!("the closure was called")
}

// ── shaping ──

lazy! {
    enumerate_is_lazy => never_run().enumerate();
    chain_is_lazy => never_run().chain(never_run());
    zip_is_lazy => never_run().zip(never_run());
    flat_map_is_lazy => never_run().flat_map(never_called::<u32, seq::Empty<u8>>);
    flatten_is_lazy => never_run_nested().flatten();
    scan_is_lazy => never_run().scan(0, |_: &mut u32, x| never_called::<u32, Option<u32>>(x));
    dedup_is_lazy => never_run().dedup();
    dedup_by_key_is_lazy => never_run().dedup_by_key(|x| never_called::<u32, u32>(*x));
    step_by_is_lazy => never_run().step_by(3);
    windows_is_lazy => never_run().windows(2);
    keys_is_lazy => never_run_pairs().keys();
    values_is_lazy => never_run_pairs().values();
    map2_is_lazy => never_run_pairs().map2(|k, v| never_called::<(u32, char), (char, u32)>((k, v)));
    more_shaping_pipeline_is_lazy => never_run()
        .chain(never_run())
        .zip(never_run_pairs())
        .map2(|n, (k, c)| (n + k, c))
        .keys()
        .flat_map(seq::once)
        .scan(0, |acc, x| { *acc += x; Some(*acc) })
        .dedup()
        .step_by(2)
        .enumerate()
        .values()
        .windows(3);
}

// ── concurrency ──

lazy! {
    map_concurrent_is_lazy => never_run().map_concurrent(4, never_called::<u32, std::future::Ready<u8>>);
    map_unordered_is_lazy => never_run().map_unordered(4, never_called::<u32, std::future::Ready<u8>>);
    merge_is_lazy => never_run().merge(never_run());
    seq_merge_is_lazy => seq::merge(never_run(), never_run());
    merge_all_is_lazy => seq::merge_all([never_run(), never_run(), never_run()]);
    concurrency_pipeline_is_lazy => seq::merge_all([never_run(), never_run()])
        .merge(never_run())
        .map_unordered(2, |x| async move { x })
        .map_concurrent(3, |x| async move { x });
}

// ── terminal ──

#[test]
fn collect_at_most_is_lazy_until_polled() {
    // Building the future (and dropping it unpolled) never starts the
    // producer, whatever the limit.
    drop(never_run().collect_at_most::<Vec<_>>(3));
    drop(never_run().collect_at_most::<Vec<_>>(0));
}

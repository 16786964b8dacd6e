//! The fallible adapters against the adapter each one wraps, on the same
//! fallible source (`from_fn` over 0..N, every element `Ok`), consumed by
//! `for_each`: `try_filter` vs `filter`, `and_then` vs `then`,
//! `try_take_while` vs `take_while`, `try_batched` vs `batched`, `try_fold`
//! vs `fold`. Each pair does the same work per element; the fallible form
//! only reaches into the `Result`.
//!
//! Timings on a loaded machine drift between benches, so this binary also
//! runs one case once when `FALLIBLE_ONCE=<case>` is set (`none` runs
//! nothing), for instruction counts under callgrind, which do not drift:
//!
//! ```sh
//! cargo bench --bench fallible --no-run
//! FALLIBLE_ONCE=try_filter valgrind --tool=callgrind target/release/deps/fallible-*
//! ```

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use seqflow::Seq;
use support::{N, body, current_thread, naturals, throughput};

/// The fallible source: 0..n, all `Ok`.
fn oks(n: u64) -> impl Seq<Item = Result<u64, u64>> + Send + 'static {
    naturals(n).map(Ok)
}

async fn source_for_each(n: u64) {
    oks(n).for_each(|r| body(r.unwrap_or(0))).await;
}

async fn filter(n: u64) {
    oks(n)
        .filter(|r| r.as_ref().map_or(true, |x| x % 3 != 0))
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

async fn try_filter(n: u64) {
    oks(n)
        .try_filter(|x| x % 3 != 0)
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

async fn then(n: u64) {
    oks(n)
        .then(|r| async move { r.map(|x| x + 1) })
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

async fn and_then(n: u64) {
    oks(n)
        .and_then(|x| async move { Ok(x + 1) })
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

// `take_while` that never ends early.
async fn take_while(n: u64) {
    oks(n)
        .take_while(|r| r.as_ref().map_or(true, |x| *x < u64::MAX))
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

async fn try_take_while(n: u64) {
    oks(n)
        .try_take_while(|x| *x < u64::MAX)
        .for_each(|r| body(r.unwrap_or(0)))
        .await;
}

async fn batched(n: u64) {
    oks(n)
        .batched(100)
        .for_each(|batch| body(batch.len() as u64))
        .await;
}

async fn try_batched(n: u64) {
    oks(n)
        .try_batched(100)
        .for_each(|batch| body(batch.map_or(0, |v| v.len() as u64)))
        .await;
}

async fn fold(n: u64) {
    let sum = oks(n)
        .fold(0u64, |sum, r| sum.wrapping_add(r.unwrap_or(0)))
        .await;
    black_box(sum);
}

async fn try_fold(n: u64) {
    let sum = oks(n)
        .try_fold(0u64, |sum, x| Ok(sum.wrapping_add(x)))
        .await;
    let _ = black_box(sum);
}

/// Every case, baseline first, then each wrapped adapter before its
/// fallible form.
macro_rules! for_each_case {
    ($m:ident) => {
        $m!(source_for_each);
        $m!(filter);
        $m!(try_filter);
        $m!(then);
        $m!(and_then);
        $m!(take_while);
        $m!(try_take_while);
        $m!(batched);
        $m!(try_batched);
        $m!(fold);
        $m!(try_fold);
    };
}

fn fallible(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("fallible");
    g.throughput(throughput());
    macro_rules! bench {
        ($case:ident) => {
            g.bench_function(stringify!($case), |b| {
                b.iter(|| rt.block_on($case(black_box(N))))
            });
        };
    }
    for_each_case!(bench);
    g.finish();
}

/// Runs the case named by `FALLIBLE_ONCE` once over `N` elements.
fn once(case: &str) {
    let rt = current_thread();
    macro_rules! run {
        ($case:ident) => {
            if case == stringify!($case) {
                rt.block_on($case(black_box(N)));
                return;
            }
        };
    }
    for_each_case!(run);
    assert_eq!(case, "none", "unknown case {case}");
}

criterion_group!(benches, fallible);

fn main() {
    if let Ok(case) = std::env::var("FALLIBLE_ONCE") {
        once(&case);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

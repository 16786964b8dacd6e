//! P1-P4 with equal consumer work on every side: each element costs the
//! consumer exactly `sum += black_box(v)`, whether it arrives in a
//! `for_each` body (`|v| { sum += black_box(v); async { true } }`) or in a
//! `while let Some(v) = s.next().await` loop, so the figures are the cost of
//! the hand-off itself.
//!
//! - P1: `from_fn(0..n)` + `for_each` against `async_stream::stream!`,
//!   `async_fn_stream::fn_stream` and `asynk_strim::stream_fn`, each with
//!   `next()`, and a bare async loop doing only the consumer's work.
//! - P2: `from_fn(0..n).stream()` + `next()` against the same peer.
//! - P3: `iter(0..2n).filter(even).map(id).take(n)` + `for_each`, with a
//!   `seq::iter` and with a `from_fn` source, against
//!   `futures::stream::iter(0..2n).filter(..).map(..).take(n)` + `next()`;
//!   per *taken* element. P3b: the `from_fn` case against
//!   `async_stream::stream!` with the same `StreamExt` chain.
//! - P4: `pull(from_fn(0..n))` + `next()` on `current_thread`.
//!
//! "inlined" lets the compiler see producer and consumer together; "split"
//! builds the producer and runs the consumer in separate `#[inline(never)]`
//! functions, as across an API boundary.
//!
//! Besides the criterion run, the binary runs one case once when
//! `EQUAL_ONCE=<case>` is set (`none` runs nothing but the runtime), for
//! instruction counts under callgrind, which do not drift:
//!
//! ```sh
//! cargo bench -p seqflow-benches --bench equal_work --no-run
//! EQUAL_ONCE=p1_seqflow valgrind --tool=callgrind target/release/deps/equal_work-*
//! ```
//!
//! `EQUAL_N=<elements>` sets the element count of that run (default
//! 10,000): the difference between two counts is the per-element cost with
//! every set-up cancelled (`scripts/equal_work_ir.sh` does it for all
//! cases).
//!
//! and, when `EQUAL_MIN=<rounds>` is set, runs every case once per round,
//! interleaved, and prints each case's fastest and median round in ns per
//! element: on a loaded machine the fastest round is the one least
//! disturbed by other processes, a steadier timing than a mean.

mod support;

use std::future;
use std::hint::black_box;
use std::pin::pin;

use criterion::{Criterion, criterion_group};
use futures::{Stream, StreamExt};
use seqflow::{Seq, Yield, pull, seq};
use support::{N, current_thread, throughput};

// ── producers ──

/// `from_fn` over 0..n.
#[inline(always)]
fn naturals(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

#[inline(never)]
fn naturals_split(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    naturals(n)
}

/// `async_stream::stream!` over 0..n.
#[inline(always)]
fn stream_macro(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

#[inline(never)]
fn stream_macro_split(n: u64) -> impl Stream<Item = u64> {
    stream_macro(n)
}

/// `async_fn_stream::fn_stream` over 0..n.
#[inline(always)]
fn fn_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_fn_stream::fn_stream(move |emitter| async move {
        for i in 0..n {
            emitter.emit(i).await;
        }
    })
}

/// `asynk_strim::stream_fn` over 0..n.
#[inline(always)]
fn asynk_strim_producer(n: u64) -> impl Stream<Item = u64> {
    asynk_strim::stream_fn(move |mut y| async move {
        for i in 0..n {
            y.yield_item(i).await;
        }
    })
}

#[inline(never)]
fn asynk_strim_split(n: u64) -> impl Stream<Item = u64> {
    asynk_strim_producer(n)
}

#[inline(never)]
fn seqflow_stream_split(n: u64) -> impl Stream<Item = u64> {
    naturals(n).stream()
}

// ── the two consumers: the same work per element ──

/// `for_each` whose body adds the element to a sum.
#[inline(always)]
async fn sum_for_each(s: impl Seq<Item = u64>) -> u64 {
    let mut sum = 0u64;
    s.for_each(|v| {
        sum = sum.wrapping_add(black_box(v));
        async { true }
    })
    .await;
    sum
}

#[inline(never)]
async fn sum_for_each_split(s: impl Seq<Item = u64>) -> u64 {
    sum_for_each(s).await
}

/// `while let Some(v) = s.next().await` adding the element to a sum.
#[inline(always)]
async fn sum_next(s: impl Stream<Item = u64>) -> u64 {
    let mut s = pin!(s);
    let mut sum = 0u64;
    while let Some(v) = s.next().await {
        sum = sum.wrapping_add(black_box(v));
    }
    sum
}

#[inline(never)]
async fn sum_next_split(s: impl Stream<Item = u64>) -> u64 {
    sum_next(s).await
}

// ── the cases ──

#[inline(always)]
fn even(x: &u64) -> bool {
    x % 2 == 0
}

#[inline(always)]
fn id(x: u64) -> u64 {
    x
}

/// The floor: the consumer's work with no hand-off.
async fn p1_bare_loop(n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        sum = sum.wrapping_add(black_box(i));
    }
    sum
}

async fn p1_seqflow(n: u64) -> u64 {
    sum_for_each(naturals(n)).await
}

async fn p1_seqflow_split(n: u64) -> u64 {
    sum_for_each_split(naturals_split(n)).await
}

async fn p1_async_stream(n: u64) -> u64 {
    sum_next(stream_macro(n)).await
}

async fn p1_async_stream_split(n: u64) -> u64 {
    sum_next_split(stream_macro_split(n)).await
}

async fn p1_async_fn_stream(n: u64) -> u64 {
    sum_next(fn_stream_producer(n)).await
}

async fn p1_asynk_strim(n: u64) -> u64 {
    sum_next(asynk_strim_producer(n)).await
}

async fn p1_asynk_strim_split(n: u64) -> u64 {
    sum_next_split(asynk_strim_split(n)).await
}

async fn p2_seqflow(n: u64) -> u64 {
    sum_next(naturals(n).stream()).await
}

async fn p2_seqflow_split(n: u64) -> u64 {
    sum_next_split(seqflow_stream_split(n)).await
}

async fn p3_seqflow_iter(n: u64) -> u64 {
    sum_for_each(seq::iter(0..2 * n).filter(even).map(id).take(n as usize)).await
}

async fn p3_seqflow_from_fn(n: u64) -> u64 {
    sum_for_each(naturals(2 * n).filter(even).map(id).take(n as usize)).await
}

async fn p3_futures(n: u64) -> u64 {
    let s = futures::stream::iter(0..2 * n)
        .filter(|x| future::ready(even(x)))
        .map(id)
        .take(n as usize);
    sum_next(s).await
}

/// P3b's peer: the same `StreamExt` chain on a generator source.
async fn p3b_async_stream(n: u64) -> u64 {
    let s = stream_macro(2 * n)
        .filter(|x| future::ready(even(x)))
        .map(id)
        .take(n as usize);
    sum_next(s).await
}

async fn p4_pull(n: u64) -> u64 {
    let mut p = pull(naturals(n));
    let mut sum = 0u64;
    while let Some(v) = p.next().await {
        sum = sum.wrapping_add(black_box(v));
    }
    sum
}

/// Calls `$m!(group, case)` for every case.
macro_rules! for_each_case {
    ($m:ident) => {
        $m!("p1_equal_work", p1_bare_loop);
        $m!("p1_equal_work", p1_seqflow);
        $m!("p1_equal_work", p1_seqflow_split);
        $m!("p1_equal_work", p1_async_stream);
        $m!("p1_equal_work", p1_async_stream_split);
        $m!("p1_equal_work", p1_async_fn_stream);
        $m!("p1_equal_work", p1_asynk_strim);
        $m!("p1_equal_work", p1_asynk_strim_split);
        $m!("p2_equal_work", p2_seqflow);
        $m!("p2_equal_work", p2_seqflow_split);
        $m!("p2_equal_work", p1_async_stream);
        $m!("p2_equal_work", p1_async_stream_split);
        $m!("p3_equal_work", p3_seqflow_iter);
        $m!("p3_equal_work", p3_seqflow_from_fn);
        $m!("p3_equal_work", p3_futures);
        $m!("p3_equal_work", p3b_async_stream);
        $m!("p4_equal_work", p4_pull);
    };
}

fn equal_work(c: &mut Criterion) {
    let rt = current_thread();
    // One group per target, each case in one interleaved run.
    for group in [
        "p1_equal_work",
        "p2_equal_work",
        "p3_equal_work",
        "p4_equal_work",
    ] {
        let mut g = c.benchmark_group(group);
        g.throughput(throughput());
        macro_rules! bench {
            ($group:literal, $case:ident) => {
                if group == $group {
                    g.bench_function(stringify!($case), |b| {
                        b.iter(|| rt.block_on($case(black_box(N))))
                    });
                }
            };
        }
        for_each_case!(bench);
        g.finish();
    }
}

/// Runs the case named by `EQUAL_ONCE` once over `n` elements.
fn once(case: &str, n: u64) {
    let rt = current_thread();
    macro_rules! run {
        ($group:literal, $case:ident) => {
            if case == stringify!($case) {
                black_box(rt.block_on($case(black_box(n))));
                return;
            }
        };
    }
    for_each_case!(run);
    assert_eq!(case, "none", "unknown case {case}");
}

/// Runs every case once per round, interleaved, `rounds` times, and prints
/// the fastest and the median round of each in ns per element.
#[allow(unused_assignments)] // the last case advances `at` past the end
fn min_of(rounds: usize) {
    let rt = current_thread();
    let mut times: Vec<(&str, &str, Vec<f64>)> = Vec::new();
    for round in 0..rounds {
        let mut at = 0;
        macro_rules! time {
            ($group:literal, $case:ident) => {
                let start = std::time::Instant::now();
                black_box(rt.block_on($case(black_box(N))));
                let ns = start.elapsed().as_nanos() as f64 / N as f64;
                if round == 0 {
                    times.push(($group, stringify!($case), Vec::new()));
                }
                times[at].2.push(ns);
                at += 1;
            };
        }
        for_each_case!(time);
    }
    println!("case\tfastest_ns_per_element\tmedian_ns_per_element");
    for (group, case, mut ns) in times {
        ns.sort_by(f64::total_cmp);
        println!("{group}/{case}\t{:.2}\t{:.2}", ns[0], ns[ns.len() / 2]);
    }
}

criterion_group!(benches, equal_work);

fn main() {
    if let Ok(rounds) = std::env::var("EQUAL_MIN") {
        min_of(rounds.parse().expect("EQUAL_MIN=<rounds>"));
        return;
    }
    support::main_with_run_once(N, once, benches);
}

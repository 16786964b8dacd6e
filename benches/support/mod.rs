//! Shared by the criterion benchmarks: sizes, the runtimes they run on, and
//! the producers and consumers several of them measure (the `from_fn`
//! naturals, the `async_stream!` peer, the `black_box` body and the plain
//! async loop it is measured against, the stream drains). "split" variants
//! are `#[inline(never)]`, as across an API boundary.
#![allow(dead_code)] // each bench binary uses its own subset

use std::hint::black_box;
use std::pin::pin;

use criterion::Throughput;
use futures::{Stream, StreamExt};
use seqflow::{Seq, Yield, seq};

/// Elements per benchmark iteration: enough that per-iteration overhead
/// (`block_on`, setup) is noise next to the per-element cost.
pub const N: u64 = 10_000;

/// The case to run once, for an instruction count under callgrind, when
/// `EQUAL_ONCE=<case>` is set, with its element count (`EQUAL_N`, else
/// `default_n`); `scripts/equal_work_ir.sh` takes the difference of two
/// counts.
pub fn run_once_from_env(default_n: u64) -> Option<(String, u64)> {
    let case = std::env::var("EQUAL_ONCE").ok()?;
    let n = std::env::var("EQUAL_N").map_or(default_n, |n| n.parse().expect("EQUAL_N=<elements>"));
    Some((case, n))
}

/// The `main` of a bench binary with a run-once mode: runs the case that
/// `EQUAL_ONCE` names through `once` (see [`run_once_from_env`]), else the
/// criterion `benches`.
pub fn main_with_run_once(default_n: u64, once: impl FnOnce(&str, u64), benches: impl FnOnce()) {
    if let Some((case, n)) = run_once_from_env(default_n) {
        once(&case, n);
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

pub fn throughput() -> Throughput {
    Throughput::Elements(N)
}

pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The consumer's work per element: `black_box` it and go on.
#[inline(always)]
pub async fn body(v: u64) -> bool {
    black_box(v);
    true
}

/// The baseline: a plain async loop calling [`body`] for 0..n.
pub async fn plain_loop(n: u64) {
    for i in 0..n {
        if !body(i).await {
            break;
        }
    }
}

/// A `from_fn` producer of 0..n.
pub fn naturals(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

/// Consumes `s` with `for_each(body)`, in a function of its own.
#[inline(never)]
pub async fn seqflow_consume_split(s: impl Seq<Item = u64>) {
    s.for_each(body).await;
}

/// The peer producer: `async_stream::stream!` of 0..n.
pub fn async_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

/// [`async_stream_producer`], built in a function of its own.
#[inline(never)]
pub fn async_stream_split(n: u64) -> impl Stream<Item = u64> {
    async_stream_producer(n)
}

/// Consumes a stream with `StreamExt::next`, `black_box`ing each element.
pub async fn drain_stream(s: impl Stream<Item = u64>) {
    let mut s = pin!(s);
    while let Some(v) = s.next().await {
        black_box(v);
    }
}

/// [`drain_stream`], in a function of its own.
#[inline(never)]
pub async fn drain_stream_split(s: impl Stream<Item = u64>) {
    drain_stream(s).await;
}

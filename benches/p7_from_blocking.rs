//! P7: `seq::from_blocking` (the default, buffered) + `for_each` per
//! element, against the hand-written peers it replaces: `spawn_blocking` +
//! a tokio `mpsc(1)` or `mpsc(256)`, `blocking_send` on the producer's
//! thread and `recv` in the consumer. The rendezvous,
//! `from_blocking_buffered(0)`, is measured beside them.
//! Per runtime flavour: a `current_thread` runtime and a `multi_thread`
//! runtime of two workers (consumer in `block_on`, where `#[tokio::main]`
//! puts it).
//!
//! A second group, `p7_bounds`, measures `from_blocking_buffered(n)` over
//! several bounds: how the default bound was chosen (the smallest within a
//! few percent of the best).
//!
//! The consumer's work is the same on every side: `sum += black_box(v)`.
//! The producer is the same loop over 0..n on tokio's blocking pool.

mod support;

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use seqflow::{BlockingYield, Seq, seq};
use support::{current_thread, multi_thread};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

/// Elements per iteration.
const N: u64 = 20_000;

/// The producer every variant runs: `0..n`, stopping when told.
fn naturals(n: u64) -> impl FnOnce(BlockingYield<u64>) + Send + 'static {
    move |mut y: BlockingYield<u64>| {
        for i in 0..n {
            if !y.yield_(i) {
                return;
            }
        }
    }
}

async fn drain(s: impl Seq<Item = u64>) -> u64 {
    let mut sum = 0;
    s.for_each(|v| {
        sum += black_box(v);
        std::future::ready(true)
    })
    .await;
    sum
}

async fn seqflow_from_blocking(n: u64) -> u64 {
    drain(seq::from_blocking(naturals(n))).await
}

async fn seqflow_from_blocking_buffered(n: u64, ahead: usize) -> u64 {
    drain(seq::from_blocking_buffered(ahead, naturals(n))).await
}

async fn tokio_mpsc_blocking_send(n: u64, capacity: usize) -> u64 {
    let (tx, mut rx) = mpsc::channel(capacity);
    let producer = tokio::task::spawn_blocking(move || {
        for i in 0..n {
            if tx.blocking_send(i).is_err() {
                return;
            }
        }
    });
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += black_box(v);
    }
    producer.await.unwrap();
    sum
}

fn flavour(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, rt: &Runtime) {
    g.bench_function(format!("{name}/seqflow_from_blocking"), |b| {
        b.iter(|| rt.block_on(seqflow_from_blocking(black_box(N))))
    });
    g.bench_function(format!("{name}/seqflow_from_blocking_buffered_0"), |b| {
        b.iter(|| rt.block_on(seqflow_from_blocking_buffered(black_box(N), 0)))
    });
    for capacity in [1, 256] {
        g.bench_function(format!("{name}/tokio_mpsc{capacity}_blocking_send"), |b| {
            b.iter(|| rt.block_on(tokio_mpsc_blocking_send(black_box(N), capacity)))
        });
    }
}

fn bounds(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, rt: &Runtime) {
    for ahead in [8, 16, 32, 64, 128, 256] {
        g.bench_function(
            format!("{name}/seqflow_from_blocking_buffered_{ahead}"),
            |b| b.iter(|| rt.block_on(seqflow_from_blocking_buffered(black_box(N), ahead))),
        );
        // The same bound on tokio's channel: what the hand-off would cost
        // if it were built on `mpsc` instead of its own queue.
        g.bench_function(format!("{name}/tokio_mpsc{ahead}_blocking_send"), |b| {
            b.iter(|| rt.block_on(tokio_mpsc_blocking_send(black_box(N), ahead)))
        });
    }
}

fn p7(c: &mut Criterion) {
    let (current, multi) = (current_thread(), multi_thread());
    let mut g = c.benchmark_group("p7_from_blocking");
    g.throughput(Throughput::Elements(N));
    flavour(&mut g, "current_thread", &current);
    flavour(&mut g, "multi_thread", &multi);
    g.finish();
    let mut g = c.benchmark_group("p7_bounds");
    g.throughput(Throughput::Elements(N));
    bounds(&mut g, "current_thread", &current);
    bounds(&mut g, "multi_thread", &multi);
    g.finish();
}

criterion_group!(benches, p7);
criterion_main!(benches);

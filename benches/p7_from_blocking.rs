//! P7: `seq::from_blocking` + `for_each` per element, against the
//! hand-written peer it replaces: `spawn_blocking` + a tokio `mpsc(1)`,
//! `blocking_send` on the producer's thread and `recv` in the consumer.
//! Per runtime flavour: a `current_thread` runtime and a `multi_thread`
//! runtime of two workers (consumer in `block_on`, where `#[tokio::main]`
//! puts it). `from_blocking_buffered(n)` for n = 1, 8, 64 is measured
//! beside them: the run-ahead variant.
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

async fn seqflow_from_blocking(n: u64, ahead: usize) -> u64 {
    let mut sum = 0;
    seq::from_blocking_buffered(ahead, move |mut y: BlockingYield<u64>| {
        for i in 0..n {
            if !y.yield_(i) {
                return;
            }
        }
    })
    .for_each(|v| {
        sum += black_box(v);
        std::future::ready(true)
    })
    .await;
    sum
}

async fn tokio_mpsc1_blocking_send(n: u64) -> u64 {
    let (tx, mut rx) = mpsc::channel(1);
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
        b.iter(|| rt.block_on(seqflow_from_blocking(black_box(N), 0)))
    });
    for ahead in [1, 8, 64] {
        g.bench_function(
            format!("{name}/seqflow_from_blocking_buffered_{ahead}"),
            |b| b.iter(|| rt.block_on(seqflow_from_blocking(black_box(N), ahead))),
        );
    }
    g.bench_function(format!("{name}/tokio_mpsc1_blocking_send"), |b| {
        b.iter(|| rt.block_on(tokio_mpsc1_blocking_send(black_box(N))))
    });
}

fn p7(c: &mut Criterion) {
    let mut g = c.benchmark_group("p7_from_blocking");
    g.throughput(Throughput::Elements(N));
    flavour(&mut g, "current_thread", &current_thread());
    flavour(&mut g, "multi_thread", &multi_thread());
    g.finish();
}

criterion_group!(benches, p7);
criterion_main!(benches);

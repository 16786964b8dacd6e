//! P4: `pull()` per `next()`, against the best hand-written tokio rendezvous
//! between two tasks (`mpsc(1)` + `Notify`, and an `mpsc` of `oneshot`
//! requests), in the three places a consumer runs: a `current_thread`
//! runtime, a task spawned on a `multi_thread` runtime, and
//! `Runtime::block_on` of a `multi_thread` runtime (where `#[tokio::main]`
//! puts it: the "block_on cliff" of a task rendezvous). Plus the lifecycle
//! cost: create a handle, one `next`, `stop` (Go's `iter.Pull`: ~385 ns),
//! and `pull_local` where its `!Send` future can run.
//!
//! Every rendezvous produces an element only when the consumer asks, as
//! `pull` does. Throughput is per element (per lifecycle for the last
//! group); the rendezvous peers run fewer elements per iteration so that
//! their slowest flavour still fits a short measurement.

mod support;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use seqflow::{pull, pull_local};
use support::{N, current_thread, multi_thread, naturals};
use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc, oneshot};

/// Elements per iteration for the task rendezvous peers.
const N_TASK: u64 = 1_000;
/// Handles per iteration for the lifecycle benchmark.
const LIFECYCLES: u64 = 1_000;

// ── the consumers ──

async fn seqflow_pull(n: u64) {
    let mut p = pull(naturals(n));
    while let Some(v) = p.next().await {
        black_box(v);
    }
}

/// The same through `pull_local`; its future is not `Send`, so it runs only
/// where the consumer is not spawned.
async fn seqflow_pull_local(n: u64) {
    let mut p = pull_local(naturals(n));
    while let Some(v) = p.next().await {
        black_box(v);
    }
}

/// The producer task waits for a request (`Notify`), then sends one element
/// through a channel of capacity 1.
async fn mpsc1_notify(n: u64) {
    let (tx, mut rx) = mpsc::channel(1);
    let asked = Arc::new(Notify::new());
    let producer = tokio::spawn({
        let asked = asked.clone();
        async move {
            for i in 0..n {
                asked.notified().await;
                if tx.send(i).await.is_err() {
                    return;
                }
            }
        }
    });
    for _ in 0..n {
        asked.notify_one();
        black_box(rx.recv().await);
    }
    producer.await.unwrap();
}

/// The consumer sends a `oneshot` reply slot per element; the producer task
/// answers each with one element.
async fn mpsc_oneshot(n: u64) {
    let (req_tx, mut req_rx) = mpsc::channel::<oneshot::Sender<u64>>(1);
    let producer = tokio::spawn(async move {
        let mut i = 0;
        while let Some(reply) = req_rx.recv().await {
            let _ = reply.send(i);
            i += 1;
        }
    });
    for _ in 0..n {
        let (tx, rx) = oneshot::channel();
        req_tx.send(tx).await.unwrap();
        black_box(rx.await.unwrap());
    }
    drop(req_tx);
    producer.await.unwrap();
}

async fn seqflow_lifecycle(handles: u64) {
    for _ in 0..handles {
        let mut p = pull(naturals(u64::MAX));
        black_box(p.next().await);
        p.stop().await;
    }
}

// ── where the consumer runs ──

#[derive(Clone, Copy)]
enum Place {
    CurrentThread,
    MultiThreadSpawned,
    MultiThreadBlockOn,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::CurrentThread => "current_thread",
            Place::MultiThreadSpawned => "multi_thread_spawned",
            Place::MultiThreadBlockOn => "multi_thread_block_on",
        }
    }

    fn runtime(self) -> Runtime {
        match self {
            Place::CurrentThread => current_thread(),
            Place::MultiThreadSpawned | Place::MultiThreadBlockOn => multi_thread(),
        }
    }

    fn run<F>(self, rt: &Runtime, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match self {
            Place::MultiThreadSpawned => rt.block_on(rt.spawn(fut)).unwrap(),
            Place::CurrentThread | Place::MultiThreadBlockOn => rt.block_on(fut),
        }
    }
}

fn per_next(g: &mut BenchmarkGroup<'_, WallTime>, place: Place) {
    let rt = place.runtime();
    let name = place.name();
    g.throughput(Throughput::Elements(N));
    g.bench_function(format!("{name}/seqflow_pull"), |b| {
        b.iter(|| place.run(&rt, seqflow_pull(black_box(N))))
    });
    if !matches!(place, Place::MultiThreadSpawned) {
        g.bench_function(format!("{name}/seqflow_pull_local"), |b| {
            b.iter(|| rt.block_on(seqflow_pull_local(black_box(N))))
        });
    }
    g.throughput(Throughput::Elements(N_TASK));
    g.bench_function(format!("{name}/tokio_mpsc1_notify"), |b| {
        b.iter(|| place.run(&rt, mpsc1_notify(black_box(N_TASK))))
    });
    g.bench_function(format!("{name}/tokio_mpsc_oneshot"), |b| {
        b.iter(|| place.run(&rt, mpsc_oneshot(black_box(N_TASK))))
    });
}

fn p4(c: &mut Criterion) {
    let mut g = c.benchmark_group("p4_pull");
    for place in [
        Place::CurrentThread,
        Place::MultiThreadSpawned,
        Place::MultiThreadBlockOn,
    ] {
        per_next(&mut g, place);
    }
    g.throughput(Throughput::Elements(LIFECYCLES));
    for place in [Place::CurrentThread, Place::MultiThreadBlockOn] {
        let rt = place.runtime();
        g.bench_function(format!("{}/seqflow_lifecycle", place.name()), |b| {
            b.iter(|| place.run(&rt, seqflow_lifecycle(black_box(LIFECYCLES))))
        });
    }
    g.finish();
}

criterion_group!(benches, p4);
criterion_main!(benches);

//! P5: `prefetch(64)`, a producer task feeding its consumer through a
//! bounded buffer, against the same hand-off built on tokio channels.
//!
//! Two groups:
//!
//! * `p5_prefetch_per_element`: the cost of the hand-off itself. A producer
//!   task yields 0..N (nothing else) and the consumer `black_box`es each
//!   element. Peers: a tokio `mpsc(64)` producer task, and a tokio
//!   `mpsc(1)` of 64-element `Vec` chunks (the hand-batched version; up to
//!   128 elements ahead). Each on a current-thread runtime and on a 2-worker
//!   multi-thread runtime, with the consumer in a spawned task; and on the
//!   2-worker runtime with the consumer in `block_on`, where
//!   `#[tokio::main]` puts it. Target: prefetch at most a quarter of
//!   `mpsc(64)` per element.
//! * `p5_prefetch_overlap`: producer and consumer each spend ~2 µs per
//!   element (a spin on `Instant`), on a 2-worker runtime with the consumer
//!   in a spawned task. `sequential` runs both in one loop; the others
//!   overlap them. Speed-up = `sequential` time / variant time. Target:
//!   prefetch at least 1.9x; std threads with a `sync_channel(16)` reach
//!   about 1.93x and tokio `mpsc(16)` about 1.7x on the reference machine.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use seqflow::{Seq, Yield, seq};
use support::{N, current_thread, multi_thread, naturals, throughput};

// ── the hand-off alone ──

async fn prefetch_64(n: u64) {
    naturals(n)
        .prefetch(64)
        .for_each(|v| {
            black_box(v);
            async { true }
        })
        .await;
}

async fn mpsc_64(n: u64) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        for i in 0..n {
            if tx.send(i).await.is_err() {
                return;
            }
        }
    });
    while let Some(v) = rx.recv().await {
        black_box(v);
    }
}

async fn mpsc_chunks_64(n: u64) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u64>>(1);
    tokio::spawn(async move {
        let mut chunk = Vec::with_capacity(64);
        for i in 0..n {
            chunk.push(i);
            if chunk.len() == 64 && tx.send(std::mem::take(&mut chunk)).await.is_err() {
                return;
            }
        }
        if !chunk.is_empty() {
            let _ = tx.send(chunk).await;
        }
    });
    while let Some(chunk) = rx.recv().await {
        for v in chunk {
            black_box(v);
        }
    }
}

fn per_element(c: &mut Criterion) {
    let ct = current_thread();
    let mt = multi_thread();
    let mut g = c.benchmark_group("p5_prefetch_per_element");
    g.throughput(throughput());

    macro_rules! peer {
        ($name:literal, $f:ident) => {
            g.bench_function(concat!($name, "/current_thread"), |b| {
                b.iter(|| ct.block_on(async { tokio::spawn($f(black_box(N))).await.unwrap() }))
            });
            g.bench_function(concat!($name, "/multi_thread"), |b| {
                b.iter(|| mt.block_on(async { tokio::spawn($f(black_box(N))).await.unwrap() }))
            });
            g.bench_function(concat!($name, "/multi_thread_block_on"), |b| {
                b.iter(|| mt.block_on($f(black_box(N))))
            });
        };
    }
    peer!("seqflow_prefetch_64", prefetch_64);
    peer!("tokio_mpsc_64", mpsc_64);
    peer!("tokio_mpsc_1_of_vec_64", mpsc_chunks_64);
    g.finish();
}

// ── overlap: 2 µs + 2 µs per element ──

/// Elements per iteration of the overlap group: 4 ms of sequential work.
const OVERLAP_N: u64 = 1_000;
const WORK: Duration = Duration::from_micros(2);

/// Stands for 2 µs of real work per element on one side.
fn work(v: u64) -> u64 {
    let start = Instant::now();
    while start.elapsed() < WORK {
        std::hint::spin_loop();
    }
    black_box(v)
}

fn working_source(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(work(i)).await {
                return;
            }
        }
    })
}

async fn consume_working(s: impl Seq<Item = u64>) -> u64 {
    s.fold(0, |acc, v| acc ^ work(v)).await
}

async fn mpsc_16_working(n: u64) -> u64 {
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        for i in 0..n {
            if tx.send(work(i)).await.is_err() {
                return;
            }
        }
    });
    let mut acc = 0;
    while let Some(v) = rx.recv().await {
        acc ^= work(v);
    }
    acc
}

fn std_threads_working(n: u64) -> u64 {
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            if tx.send(work(i)).is_err() {
                return;
            }
        }
    });
    let acc = rx.into_iter().fold(0, |acc, v| acc ^ work(v));
    producer.join().expect("producer");
    acc
}

fn overlap(c: &mut Criterion) {
    let mt = multi_thread();
    let mut g = c.benchmark_group("p5_prefetch_overlap");
    g.throughput(Throughput::Elements(OVERLAP_N));
    g.sample_size(20);

    g.bench_function("sequential", |b| {
        b.iter(|| {
            mt.block_on(async {
                tokio::spawn(consume_working(working_source(OVERLAP_N)))
                    .await
                    .unwrap()
            })
        })
    });
    g.bench_function("seqflow_prefetch_64", |b| {
        b.iter(|| {
            mt.block_on(async {
                tokio::spawn(consume_working(working_source(OVERLAP_N).prefetch(64)))
                    .await
                    .unwrap()
            })
        })
    });
    g.bench_function("tokio_mpsc_16", |b| {
        b.iter(|| mt.block_on(async { tokio::spawn(mpsc_16_working(OVERLAP_N)).await.unwrap() }))
    });
    g.bench_function("std_threads_sync_channel_16", |b| {
        b.iter(|| std_threads_working(OVERLAP_N))
    });
    g.finish();
}

criterion_group!(benches, per_element, overlap);

/// Runs one case once on a `current_thread` runtime, the consumer spawned
/// (one thread, so callgrind's instruction count is the hand-off's own):
/// `EQUAL_ONCE=<case>` (`seqflow_prefetch_64`, `tokio_mpsc_64`,
/// `tokio_mpsc_1_of_vec_64`), `EQUAL_N=<elements>`; as in `equal_work.rs`,
/// `scripts/equal_work_ir.sh BINARY CASE...` takes the difference of two
/// counts.
fn once(case: &str, n: u64) {
    let ct = current_thread();
    match case {
        "seqflow_prefetch_64" => {
            ct.block_on(async { tokio::spawn(prefetch_64(black_box(n))).await.unwrap() })
        }
        "tokio_mpsc_64" => {
            ct.block_on(async { tokio::spawn(mpsc_64(black_box(n))).await.unwrap() })
        }
        "tokio_mpsc_1_of_vec_64" => {
            ct.block_on(async { tokio::spawn(mpsc_chunks_64(black_box(n))).await.unwrap() })
        }
        "none" => {}
        other => panic!("unknown case {other}"),
    }
}

fn main() {
    support::main_with_run_once(N, once, benches);
}

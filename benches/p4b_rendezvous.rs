//! P4b: `pull(seq.prefetch(0))` per `next()`, the rendezvous on a task of
//! its own, against the hand-written tokio rendezvous between two tasks
//! (`mpsc(1)` + `Notify`, and an `mpsc` of `oneshot` requests), with the
//! consumer spawned on a `current_thread` and on a `multi_thread` runtime;
//! a consumer in `Runtime::block_on` of either (the "block_on cliff": every
//! wake-up of the `block_on` future goes through the I/O driver) is
//! measured too, for the record.
//!
//! Every side produces an element only when the consumer asks, and every
//! consumer does the same work per element: `sum += black_box(v)`.

mod support;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group};
use seqflow::{Seq, pull};
use support::{current_thread, multi_thread, naturals};
use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc, oneshot};

/// Elements per iteration.
const N: u64 = 2_000;

// ── the consumers ──

async fn seqflow_pull_prefetch0(n: u64) -> u64 {
    let mut p = pull(naturals(n).prefetch(0));
    let mut sum = 0;
    while let Some(v) = p.next().await {
        sum += black_box(v);
    }
    sum
}

/// The producer task waits for a request (`Notify`), then sends one element
/// through a channel of capacity 1.
async fn mpsc1_notify(n: u64) -> u64 {
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
    let mut sum = 0;
    for _ in 0..n {
        asked.notify_one();
        sum += black_box(rx.recv().await.unwrap());
    }
    producer.await.unwrap();
    sum
}

/// The consumer sends a `oneshot` reply slot per element; the producer task
/// answers each with one element.
async fn mpsc_oneshot(n: u64) -> u64 {
    let (req_tx, mut req_rx) = mpsc::channel::<oneshot::Sender<u64>>(1);
    let producer = tokio::spawn(async move {
        let mut i = 0;
        while let Some(reply) = req_rx.recv().await {
            let _ = reply.send(i);
            i += 1;
        }
    });
    let mut sum = 0;
    for _ in 0..n {
        let (tx, rx) = oneshot::channel();
        req_tx.send(tx).await.unwrap();
        sum += black_box(rx.await.unwrap());
    }
    drop(req_tx);
    producer.await.unwrap();
    sum
}

// ── where the consumer runs ──

#[derive(Clone, Copy)]
enum Place {
    CurrentThread,
    CurrentThreadSpawned,
    MultiThreadSpawned,
    MultiThreadBlockOn,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::CurrentThread => "current_thread_block_on",
            Place::CurrentThreadSpawned => "current_thread_spawned",
            Place::MultiThreadSpawned => "multi_thread_spawned",
            Place::MultiThreadBlockOn => "multi_thread_block_on",
        }
    }

    fn runtime(self) -> Runtime {
        match self {
            Place::CurrentThread | Place::CurrentThreadSpawned => current_thread(),
            Place::MultiThreadSpawned | Place::MultiThreadBlockOn => multi_thread(),
        }
    }

    fn run<F>(self, rt: &Runtime, fut: F) -> u64
    where
        F: Future<Output = u64> + Send + 'static,
    {
        match self {
            Place::CurrentThreadSpawned | Place::MultiThreadSpawned => {
                rt.block_on(rt.spawn(fut)).unwrap()
            }
            Place::CurrentThread | Place::MultiThreadBlockOn => rt.block_on(fut),
        }
    }
}

fn p4b(c: &mut Criterion) {
    let mut g = c.benchmark_group("p4b_rendezvous");
    g.throughput(Throughput::Elements(N));
    for place in [
        Place::CurrentThreadSpawned,
        Place::MultiThreadSpawned,
        Place::CurrentThread,
        Place::MultiThreadBlockOn,
    ] {
        let rt = place.runtime();
        let name = place.name();
        g.bench_function(format!("{name}/seqflow_pull_prefetch0"), |b| {
            b.iter(|| place.run(&rt, seqflow_pull_prefetch0(black_box(N))))
        });
        g.bench_function(format!("{name}/tokio_mpsc1_notify"), |b| {
            b.iter(|| place.run(&rt, mpsc1_notify(black_box(N))))
        });
        g.bench_function(format!("{name}/tokio_mpsc_oneshot"), |b| {
            b.iter(|| place.run(&rt, mpsc_oneshot(black_box(N))))
        });
    }
    g.finish();
}

criterion_group!(benches, p4b);

/// Runs one case once, on `current_thread` (one thread, so callgrind's
/// instruction count is the hand-off's own): `EQUAL_ONCE=<placement>/<case>`
/// with a placement of `current_thread_spawned` or `current_thread_block_on`,
/// `EQUAL_N=<elements>` (default 2,000); as in `equal_work.rs`,
/// `scripts/equal_work_ir.sh BINARY CASE...` takes the difference of two
/// counts.
fn once(case: &str, n: u64) {
    let (place, which) = case.split_once('/').expect("EQUAL_ONCE=<placement>/<case>");
    let place = [Place::CurrentThreadSpawned, Place::CurrentThread]
        .into_iter()
        .find(|p| p.name() == place)
        .expect("a current_thread placement");
    let rt = place.runtime();
    black_box(match which {
        "seqflow_pull_prefetch0" => place.run(&rt, seqflow_pull_prefetch0(black_box(n))),
        "tokio_mpsc1_notify" => place.run(&rt, mpsc1_notify(black_box(n))),
        "tokio_mpsc_oneshot" => place.run(&rt, mpsc_oneshot(black_box(n))),
        "none" => 0,
        other => panic!("unknown case {other}"),
    });
}

fn main() {
    support::main_with_run_once(N, once, benches);
}

//! `share(64)` against tokio's `broadcast::channel(64)`, per element and
//! subscriber, with 1, 4 and 16 subscribers, each on its own task of a
//! current-thread runtime (the same placement on both sides).
//!
//! - `share`: `seq::iter(0..N).share(64)`; each subscriber is a spawned
//!   `for_each` doing `sum += black_box(v)`. The upstream is driven by
//!   whichever subscription needs the next element.
//! - `broadcast`: a spawned producer task sends `0..N` in rounds of 64 and
//!   yields to the scheduler after each round, so that no receiver lags
//!   (a receiver that lagged would skip work: the run asserts it did not);
//!   each receiver is a spawned `recv` loop with the same body.
//!
//! Throughput is `N * subscribers` elements: the figure is per element and
//! subscriber.

mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seqflow::{Seq, seq};
use support::{N, current_thread};
use tokio::sync::broadcast;

const CAPACITY: usize = 64;

async fn share(subscribers: usize) {
    let shared = seq::iter(0..N).share(CAPACITY);
    let tasks: Vec<_> = (0..subscribers)
        .map(|_| {
            let sub = shared.subscribe();
            tokio::spawn(async move {
                let mut sum = 0u64;
                sub.for_each(|v| {
                    sum += black_box(v);
                    async { true }
                })
                .await;
                sum
            })
        })
        .collect();
    drop(shared);
    for t in tasks {
        assert_eq!(t.await.unwrap(), N * (N - 1) / 2);
    }
}

async fn broadcast(subscribers: usize) {
    let (tx, _) = broadcast::channel::<u64>(CAPACITY);
    let tasks: Vec<_> = (0..subscribers)
        .map(|_| {
            let mut rx = tx.subscribe();
            tokio::spawn(async move {
                let mut sum = 0u64;
                while let Ok(v) = rx.recv().await {
                    sum += black_box(v);
                }
                sum
            })
        })
        .collect();
    let producer = tokio::spawn(async move {
        for v in 0..N {
            tx.send(v).expect("receivers");
            if (v + 1) % CAPACITY as u64 == 0 {
                tokio::task::yield_now().await;
            }
        }
    });
    producer.await.unwrap();
    for t in tasks {
        assert_eq!(t.await.unwrap(), N * (N - 1) / 2, "a receiver lagged");
    }
}

fn bench(c: &mut Criterion) {
    let rt = current_thread();
    for subscribers in [1usize, 4, 16] {
        let mut g = c.benchmark_group(format!("share/{subscribers}_subscribers"));
        g.throughput(Throughput::Elements(N * subscribers as u64));
        g.bench_function("share", |b| b.iter(|| rt.block_on(share(subscribers))));
        g.bench_function("broadcast", |b| {
            b.iter(|| rt.block_on(broadcast(subscribers)));
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

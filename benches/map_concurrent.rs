//! `map_concurrent(16, f)` against futures' `StreamExt::buffered(16)` (and
//! `map_unordered` against `buffer_unordered`), on a current-thread tokio
//! runtime.
//!
//! - `sleep_1ms`: 1,000 elements, `f` sleeps 1 ms. Ideal time 1000/16 ms =
//!   62.5 ms, but tokio's timer rounds each deadline up to its next 1 ms
//!   tick, so a `sleep(1ms)` lasts 1-2 ms and more on a busy machine.
//!   `tokio_timer_floor` is the best any limit-16 scheme can do with these
//!   sleeps: 63 batches of up to 16 sleeps joined, with no refill between
//!   batches. Targets: on par with `buffered`, and within 2x of 62.5 ms
//!   where the timer allows it (that is, at the floor).
//! - `overhead`: 10,000 elements, `f` is ready at once: the per-element
//!   cost of the machinery itself.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use seqflow::{Seq, seq};
use support::{current_thread, naturals};

const SLEEPY: u64 = 1_000;
const READY: u64 = 10_000;
const LIMIT: usize = 16;

async fn sleepy(x: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    x
}

async fn ready(x: u64) -> u64 {
    black_box(x)
}

/// The timer floor: the 1,000 sleeps in joined batches of `LIMIT`.
async fn timer_floor() {
    let mut left = SLEEPY;
    while left > 0 {
        let batch = left.min(LIMIT as u64);
        black_box(futures::future::join_all((0..batch).map(sleepy)).await);
        left -= batch;
    }
}

async fn drain_seq(s: impl Seq<Item = u64>) {
    s.for_each(|v| {
        black_box(v);
        async { true }
    })
    .await;
}

async fn drain_stream(s: impl futures::Stream<Item = u64>) {
    s.for_each(|v| {
        black_box(v);
        async {}
    })
    .await;
}

fn sleep_1ms(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("map_concurrent/sleep_1ms");
    g.throughput(Throughput::Elements(SLEEPY));
    // Each iteration takes well over 100 ms: keep the run short.
    g.sample_size(10);
    g.bench_function("tokio_timer_floor", |b| {
        b.iter(|| rt.block_on(timer_floor()))
    });
    g.bench_function("seqflow_map_concurrent_iter", |b| {
        b.iter(|| {
            rt.block_on(drain_seq(
                seq::iter(0..SLEEPY).map_concurrent(LIMIT, sleepy),
            ))
        })
    });
    g.bench_function("seqflow_map_concurrent_from_fn", |b| {
        b.iter(|| rt.block_on(drain_seq(naturals(SLEEPY).map_concurrent(LIMIT, sleepy))))
    });
    g.bench_function("futures_buffered", |b| {
        b.iter(|| {
            rt.block_on(drain_stream(
                futures::stream::iter(0..SLEEPY).map(sleepy).buffered(LIMIT),
            ))
        })
    });
    g.bench_function("seqflow_map_unordered_iter", |b| {
        b.iter(|| rt.block_on(drain_seq(seq::iter(0..SLEEPY).map_unordered(LIMIT, sleepy))))
    });
    g.bench_function("futures_buffer_unordered", |b| {
        b.iter(|| {
            rt.block_on(drain_stream(
                futures::stream::iter(0..SLEEPY)
                    .map(sleepy)
                    .buffer_unordered(LIMIT),
            ))
        })
    });
    g.finish();
}

fn overhead(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("map_concurrent/overhead");
    g.throughput(Throughput::Elements(READY));
    g.bench_function("seqflow_map_concurrent_from_fn", |b| {
        b.iter(|| rt.block_on(drain_seq(naturals(READY).map_concurrent(LIMIT, ready))))
    });
    g.bench_function("futures_buffered", |b| {
        b.iter(|| {
            rt.block_on(drain_stream(
                futures::stream::iter(0..READY).map(ready).buffered(LIMIT),
            ))
        })
    });
    g.bench_function("seqflow_map_unordered_from_fn", |b| {
        b.iter(|| rt.block_on(drain_seq(naturals(READY).map_unordered(LIMIT, ready))))
    });
    g.bench_function("futures_buffer_unordered", |b| {
        b.iter(|| {
            rt.block_on(drain_stream(
                futures::stream::iter(0..READY)
                    .map(ready)
                    .buffer_unordered(LIMIT),
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, sleep_1ms, overhead);
criterion_main!(benches);

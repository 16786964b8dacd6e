//! P2: inline pull, `Seq::stream()` + `StreamExt::next`, against
//! `async_stream::stream!` + `next` (the same shape of consumer).

mod support;

use std::hint::black_box;
use std::pin::pin;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use seqflow::{Seq, Yield, seq};
use support::{N, current_thread, throughput};

fn seqflow_stream(n: u64) -> impl Stream<Item = u64> {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
    })
    .stream()
}

fn async_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

async fn drain(s: impl Stream<Item = u64>) {
    let mut s = pin!(s);
    while let Some(v) = s.next().await {
        black_box(v);
    }
}

#[inline(never)]
async fn drain_split(s: impl Stream<Item = u64>) {
    drain(s).await;
}

#[inline(never)]
fn seqflow_stream_split(n: u64) -> impl Stream<Item = u64> {
    seqflow_stream(n)
}

#[inline(never)]
fn async_stream_split(n: u64) -> impl Stream<Item = u64> {
    async_stream_producer(n)
}

fn p2(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("p2_inline_pull");
    g.throughput(throughput());
    g.bench_function("seqflow_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain(seqflow_stream(black_box(N)))))
    });
    g.bench_function("seqflow_stream_next/split", |b| {
        b.iter(|| rt.block_on(drain_split(seqflow_stream_split(black_box(N)))))
    });
    g.bench_function("async_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain(async_stream_producer(black_box(N)))))
    });
    g.bench_function("async_stream_next/split", |b| {
        b.iter(|| rt.block_on(drain_split(async_stream_split(black_box(N)))))
    });
    g.finish();
}

criterion_group!(benches, p2);
criterion_main!(benches);

//! P1: a push loop, `from_fn` over 0..N consumed by `for_each`, against a
//! plain async loop and the peers (`futures::stream::iter`,
//! `async_stream::stream!`, `async_fn_stream::fn_stream`, each consumed with
//! `StreamExt::next`).
//!
//! Each element goes through `black_box`. "inlined" variants let the
//! compiler see producer and consumer together; "split" variants build the
//! producer and run the consumer in separate `#[inline(never)]` functions;
//! "boxed" variants erase the producer behind a trait object, as an API
//! boundary would.

mod support;

use std::hint::black_box;
use std::pin::pin;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use seqflow::{BoxSeq, Seq, Yield, seq};
use support::{N, current_thread, throughput};

#[inline(always)]
async fn body(v: u64) -> bool {
    black_box(v);
    true
}

// ── plain async loop (the baseline) ──

async fn plain_loop(n: u64) {
    for i in 0..n {
        if !body(i).await {
            break;
        }
    }
}

// ── seqflow ──

fn seqflow_producer(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

#[inline(never)]
fn seqflow_producer_split(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seqflow_producer(n)
}

#[inline(never)]
async fn seqflow_consume_split(s: impl Seq<Item = u64>) {
    s.for_each(body).await;
}

#[inline(never)]
fn seqflow_boxed(n: u64) -> BoxSeq<'static, u64> {
    seqflow_producer(n).boxed()
}

// ── peers ──

fn futures_iter(n: u64) -> impl Stream<Item = u64> {
    futures::stream::iter(0..n)
}

fn async_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    }
}

fn fn_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_fn_stream::fn_stream(move |emitter| async move {
        for i in 0..n {
            emitter.emit(i).await;
        }
    })
}

async fn drain_stream(s: impl Stream<Item = u64>) {
    let mut s = pin!(s);
    while let Some(v) = s.next().await {
        black_box(v);
    }
}

#[inline(never)]
async fn drain_stream_split(s: impl Stream<Item = u64>) {
    drain_stream(s).await;
}

#[inline(never)]
fn async_stream_split(n: u64) -> impl Stream<Item = u64> {
    async_stream_producer(n)
}

#[inline(never)]
fn async_stream_boxed(n: u64) -> futures::stream::BoxStream<'static, u64> {
    async_stream_producer(n).boxed()
}

fn p1(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("p1_push_loop");
    g.throughput(throughput());

    g.bench_function("plain_async_loop", |b| {
        b.iter(|| rt.block_on(plain_loop(black_box(N))))
    });
    g.bench_function("seqflow_from_fn_for_each/inlined", |b| {
        b.iter(|| rt.block_on(seqflow_producer(black_box(N)).for_each(body)))
    });
    g.bench_function("seqflow_from_fn_for_each/split", |b| {
        b.iter(|| rt.block_on(seqflow_consume_split(seqflow_producer_split(black_box(N)))))
    });
    g.bench_function("seqflow_from_fn_for_each/boxed", |b| {
        b.iter(|| rt.block_on(seqflow_boxed(black_box(N)).for_each(body)))
    });
    g.bench_function("seqflow_iter_for_each/inlined", |b| {
        b.iter(|| rt.block_on(seq::iter(0..black_box(N)).for_each(body)))
    });
    g.bench_function("futures_stream_iter_next/inlined", |b| {
        b.iter(|| rt.block_on(drain_stream(futures_iter(black_box(N)))))
    });
    g.bench_function("async_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain_stream(async_stream_producer(black_box(N)))))
    });
    g.bench_function("async_stream_next/split", |b| {
        b.iter(|| rt.block_on(drain_stream_split(async_stream_split(black_box(N)))))
    });
    g.bench_function("async_stream_next/boxed", |b| {
        b.iter(|| rt.block_on(drain_stream(async_stream_boxed(black_box(N)))))
    });
    g.bench_function("async_fn_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain_stream(fn_stream_producer(black_box(N)))))
    });
    g.finish();
}

criterion_group!(benches, p1);
criterion_main!(benches);

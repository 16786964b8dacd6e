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

use criterion::{Criterion, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use seqflow::{BoxSeq, Seq, seq};
use support::{
    N, async_stream_producer, async_stream_split, body, current_thread, drain_stream,
    drain_stream_split, naturals, plain_loop, seqflow_consume_split, throughput,
};

// ── seqflow (`naturals`, `body` and the baseline `plain_loop` are in support) ──

#[inline(never)]
fn seqflow_producer_split(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    naturals(n)
}

#[inline(never)]
fn seqflow_boxed(n: u64) -> BoxSeq<'static, u64> {
    naturals(n).boxed()
}

// ── peers ──

fn futures_iter(n: u64) -> impl Stream<Item = u64> {
    futures::stream::iter(0..n)
}

fn fn_stream_producer(n: u64) -> impl Stream<Item = u64> {
    async_fn_stream::fn_stream(move |emitter| async move {
        for i in 0..n {
            emitter.emit(i).await;
        }
    })
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
        b.iter(|| rt.block_on(naturals(black_box(N)).for_each(body)))
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

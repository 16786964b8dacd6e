//! P2: inline pull, `Seq::stream()` + `StreamExt::next`, against
//! `async_stream::stream!` + `next` (the same shape of consumer).

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::Stream;
use seqflow::Seq;
use support::{
    N, async_stream_producer, async_stream_split, current_thread, drain_stream, drain_stream_split,
    naturals, throughput,
};

fn seqflow_stream(n: u64) -> impl Stream<Item = u64> {
    naturals(n).stream()
}

#[inline(never)]
fn seqflow_stream_split(n: u64) -> impl Stream<Item = u64> {
    seqflow_stream(n)
}

fn p2(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("p2_inline_pull");
    g.throughput(throughput());
    g.bench_function("seqflow_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain_stream(seqflow_stream(black_box(N)))))
    });
    g.bench_function("seqflow_stream_next/split", |b| {
        b.iter(|| rt.block_on(drain_stream_split(seqflow_stream_split(black_box(N)))))
    });
    g.bench_function("async_stream_next/inlined", |b| {
        b.iter(|| rt.block_on(drain_stream(async_stream_producer(black_box(N)))))
    });
    g.bench_function("async_stream_next/split", |b| {
        b.iter(|| rt.block_on(drain_stream_split(async_stream_split(black_box(N)))))
    });
    g.finish();
}

criterion_group!(benches, p2);
criterion_main!(benches);

//! P3: the pipeline `filter → map → take → for_each` over 0..N (the filter
//! keeps the even half, `take` stops at N/4), in seqflow over `seq::iter`
//! and over a `from_fn` producer, against the same pipeline on
//! `futures::stream::iter` with `StreamExt` (whose `filter` takes an async
//! predicate: `future::ready`) and a plain loop doing the same work.
//!
//! Throughput is per *taken* element (N/4 per iteration), so criterion's
//! time per element is the cost of one delivered element, including the
//! one rejected element before it. "inlined" variants let the compiler see
//! the whole pipeline; "split" builds it and consumes it in separate
//! `#[inline(never)]` functions, as across an API boundary;
//! "hand_fused" is `from_fn` + `for_each` with the pipeline's work written
//! into the body, which isolates what the adapters cost.

mod support;

use std::future;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use seqflow::{Seq, seq};
use support::{N, body, current_thread, naturals, seqflow_consume_split};

/// Elements the pipeline delivers per iteration.
const TAKEN: u64 = N / 4;

#[inline(always)]
fn keep(x: &u64) -> bool {
    x % 2 == 0
}

#[inline(always)]
fn shape(x: u64) -> u64 {
    x.wrapping_mul(3) ^ 0x5a
}

// ── plain loop (the baseline) ──

async fn plain_loop(n: u64, taken: u64) {
    let mut left = taken;
    for i in 0..n {
        if left == 0 {
            break;
        }
        if !keep(&i) {
            continue;
        }
        left -= 1;
        if !body(shape(i)).await {
            break;
        }
    }
}

// ── seqflow ──

fn seqflow_pipeline(s: impl Seq<Item = u64>, taken: u64) -> impl Seq<Item = u64> {
    s.filter(keep).map(shape).take(taken as usize)
}

/// The same work with no adapter: filter, map and take written into the
/// `for_each` body. The gap to `seqflow_from_fn/inlined` is what the
/// adapters cost; the rest is the `from_fn` hand-off (see P1).
async fn seqflow_from_fn_hand_fused(n: u64, taken: u64) {
    let mut left = taken;
    naturals(n)
        .for_each(|i| {
            let go_on = if left == 0 {
                false
            } else if keep(&i) {
                left -= 1;
                black_box(shape(i));
                left > 0
            } else {
                true
            };
            async move { go_on }
        })
        .await;
}

#[inline(never)]
fn seqflow_from_fn_split(n: u64, taken: u64) -> impl Seq<Item = u64> + Send + 'static {
    naturals(n).filter(keep).map(shape).take(taken as usize)
}

// ── futures ──

fn futures_pipeline(n: u64, taken: u64) -> impl Stream<Item = u64> {
    futures::stream::iter(0..n)
        .filter(|x| future::ready(keep(x)))
        .map(shape)
        .take(taken as usize)
}

async fn futures_consume(s: impl Stream<Item = u64>) {
    s.for_each(|v| {
        black_box(v);
        future::ready(())
    })
    .await;
}

#[inline(never)]
fn futures_pipeline_split(n: u64, taken: u64) -> impl Stream<Item = u64> {
    futures_pipeline(n, taken)
}

#[inline(never)]
async fn futures_consume_split(s: impl Stream<Item = u64>) {
    futures_consume(s).await;
}

fn p3(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("p3_pipeline");
    g.throughput(Throughput::Elements(TAKEN));

    g.bench_function("plain_loop", |b| {
        b.iter(|| rt.block_on(plain_loop(black_box(N), black_box(TAKEN))))
    });
    g.bench_function("seqflow_iter/inlined", |b| {
        b.iter(|| {
            let s = seqflow_pipeline(seq::iter(0..black_box(N)), black_box(TAKEN));
            rt.block_on(s.for_each(body))
        })
    });
    g.bench_function("seqflow_from_fn/inlined", |b| {
        b.iter(|| {
            let s = seqflow_pipeline(naturals(black_box(N)), black_box(TAKEN));
            rt.block_on(s.for_each(body))
        })
    });
    g.bench_function("seqflow_from_fn/hand_fused", |b| {
        b.iter(|| rt.block_on(seqflow_from_fn_hand_fused(black_box(N), black_box(TAKEN))))
    });
    g.bench_function("seqflow_from_fn/split", |b| {
        b.iter(|| {
            let s = seqflow_from_fn_split(black_box(N), black_box(TAKEN));
            rt.block_on(seqflow_consume_split(s))
        })
    });
    g.bench_function("futures_stream_iter/inlined", |b| {
        b.iter(|| {
            rt.block_on(futures_consume(futures_pipeline(
                black_box(N),
                black_box(TAKEN),
            )))
        })
    });
    g.bench_function("futures_stream_iter/split", |b| {
        b.iter(|| {
            let s = futures_pipeline_split(black_box(N), black_box(TAKEN));
            rt.block_on(futures_consume_split(s))
        })
    });
    g.finish();
}

criterion_group!(benches, p3);
criterion_main!(benches);

//! The fallible adapters against the adapter each one wraps, on the same
//! fallible source (`from_fn` over 0..N, every element `Ok`), consumed by
//! `for_each`: `try_filter` vs `filter`, `and_then` vs `then`,
//! `try_take_while` vs `take_while`, `try_batched` vs `batched`, `try_fold`
//! vs `fold`. Each pair does the same work per element; the fallible form
//! only reaches into the `Result`.

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use seqflow::Seq;
use support::{N, body, current_thread, naturals, throughput};

/// The fallible source: 0..N, all `Ok`.
fn oks(n: u64) -> impl Seq<Item = Result<u64, u64>> + Send + 'static {
    naturals(n).map(Ok)
}

fn fallible(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("fallible");
    g.throughput(throughput());

    g.bench_function("source_for_each", |b| {
        b.iter(|| rt.block_on(oks(black_box(N)).for_each(|r| body(r.unwrap_or(0)))))
    });

    // ── filter ──
    g.bench_function("filter", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .filter(|r| r.as_ref().map_or(true, |x| x % 3 != 0))
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });
    g.bench_function("try_filter", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .try_filter(|x| x % 3 != 0)
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });

    // ── then ──
    g.bench_function("then", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .then(|r| async move { r.map(|x| x + 1) })
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });
    g.bench_function("and_then", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .and_then(|x| async move { Ok(x + 1) })
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });

    // ── take_while (never ends early) ──
    g.bench_function("take_while", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .take_while(|r| r.as_ref().map_or(true, |x| *x < u64::MAX))
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });
    g.bench_function("try_take_while", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .try_take_while(|x| *x < u64::MAX)
                    .for_each(|r| body(r.unwrap_or(0))),
            )
        })
    });

    // ── batched(100) ──
    g.bench_function("batched", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .batched(100)
                    .for_each(|batch| body(batch.len() as u64)),
            )
        })
    });
    g.bench_function("try_batched", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N))
                    .try_batched(100)
                    .for_each(|batch| body(batch.map_or(0, |v| v.len() as u64))),
            )
        })
    });

    // ── fold ──
    g.bench_function("fold", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N)).fold(0u64, |sum, r| sum.wrapping_add(r.unwrap_or(0))),
            )
        })
    });
    g.bench_function("try_fold", |b| {
        b.iter(|| {
            rt.block_on(
                oks(black_box(N)).try_fold(0u64, |sum, x| Ok(sum.wrapping_add(x))),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, fallible);
criterion_main!(benches);

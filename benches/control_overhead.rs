//! The per-element cost of the control adapters: `from_fn` over 0..N
//! consumed by `for_each`, bare and through `heartbeat`, `timeout`,
//! `with_cancel` and `instrumented` (with no observer, with a shared
//! `Stats`), against a plain async loop.
//!
//! The source is never late and the token never fires: this measures what
//! the adapters cost on the fast path (a timer reset per element for
//! `heartbeat` and `timeout`, a token check for `with_cancel`, the observer
//! calls for `instrumented`).

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use seqflow::{Seq, Stats};
use support::{N, body, current_thread, naturals, plain_loop, throughput};
use tokio_util::sync::CancellationToken;

const LONG: Duration = Duration::from_secs(3600);

fn control(c: &mut Criterion) {
    let rt = current_thread();
    let mut g = c.benchmark_group("control_overhead");
    g.throughput(throughput());

    g.bench_function("plain_async_loop", |b| {
        b.iter(|| rt.block_on(plain_loop(black_box(N))))
    });
    g.bench_function("from_fn_for_each", |b| {
        b.iter(|| rt.block_on(naturals(black_box(N)).for_each(body)))
    });
    g.bench_function("heartbeat", |b| {
        b.iter(|| {
            rt.block_on(
                naturals(black_box(N))
                    .heartbeat(LONG)
                    .for_each(|beat| body(beat.into_item().unwrap_or(0))),
            )
        })
    });
    g.bench_function("timeout", |b| {
        b.iter(|| {
            rt.block_on(
                naturals(black_box(N))
                    .timeout(LONG)
                    .for_each(|item| body(item.unwrap_or(0))),
            )
        })
    });
    let token = CancellationToken::new();
    g.bench_function("with_cancel", |b| {
        b.iter(|| {
            rt.block_on(
                naturals(black_box(N))
                    .with_cancel(token.clone())
                    .for_each(body),
            )
        })
    });
    g.bench_function("instrumented_unit", |b| {
        b.iter(|| rt.block_on(naturals(black_box(N)).instrumented(()).for_each(body)))
    });
    let stats = Arc::new(Stats::new());
    g.bench_function("instrumented_stats", |b| {
        b.iter(|| {
            rt.block_on(
                naturals(black_box(N))
                    .instrumented(stats.clone())
                    .for_each(body),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, control);
criterion_main!(benches);

//! `SeqMap` against tokio-stream's `StreamMap`, per element, on a
//! current-thread tokio runtime, at 10, 1,000 and 10,000 members.
//!
//! The sources are the same on both sides: in-memory iterators
//! (`seq::iter` / `tokio_stream::iter`, each always ready), and for idle
//! members a source that is pending for ever without ever waking
//! (`futures::stream::pending`, wrapped by `seq::from_stream` for
//! `SeqMap`). The consumer does `black_box` of each element on both sides.
//! The map is built in the (untimed) set-up of each iteration; the timed
//! routine drains it.
//!
//! - `busy/N`: N members of 4 elements each; time per element.
//! - `idle/N`: N - 1 idle members and one member of 1,000 elements; time
//!   per element of the active member (`StreamMap` visits the idle members
//!   on every poll; `SeqMap` polls a member only when it woke).
//!
//!     cargo bench -p seqflow-benches --bench seq_map -- --warm-up-time 1 --measurement-time 3

mod support;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use seqflow::seq::{self, SeqMap};
use seqflow::{BoxSeq, Seq};
use support::current_thread;
use tokio_stream::{StreamExt, StreamMap};

const BUSY_EACH: u64 = 4;
const ACTIVE: u64 = 1_000;
const SIZES: [u64; 3] = [10, 1_000, 10_000];

type PeerStream = std::pin::Pin<Box<dyn tokio_stream::Stream<Item = u64> + Send>>;

fn busy(c: &mut Criterion) {
    let rt = current_thread();
    for n in SIZES {
        let mut g = c.benchmark_group(format!("seq_map/busy/{n}"));
        g.throughput(Throughput::Elements(n * BUSY_EACH));
        g.sample_size(20);
        g.bench_function("seqflow_seq_map", |b| {
            b.to_async(&rt).iter_batched(
                || {
                    let mut map = SeqMap::with_capacity(n as usize);
                    for k in 0..n {
                        map.insert(k, seq::iter(0..BUSY_EACH));
                    }
                    map
                },
                |mut map| async move {
                    while let Some(kv) = map.next().await {
                        black_box(kv);
                    }
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("tokio_stream_map", |b| {
            b.to_async(&rt).iter_batched(
                || {
                    let mut map = StreamMap::with_capacity(n as usize);
                    for k in 0..n {
                        map.insert(k, tokio_stream::iter(0..BUSY_EACH));
                    }
                    map
                },
                |mut map| async move {
                    while let Some(kv) = map.next().await {
                        black_box(kv);
                    }
                },
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

fn idle(c: &mut Criterion) {
    let rt = current_thread();
    for n in SIZES {
        let mut g = c.benchmark_group(format!("seq_map/idle/{n}"));
        g.throughput(Throughput::Elements(ACTIVE));
        g.sample_size(10);
        g.bench_function("seqflow_seq_map", |b| {
            b.to_async(&rt).iter_batched(
                || {
                    let mut map: SeqMap<u64, BoxSeq<'static, u64>> =
                        SeqMap::with_capacity(n as usize);
                    for k in 1..n {
                        map.insert(k, seq::from_stream(futures::stream::pending()).boxed());
                    }
                    map.insert(0, seq::iter(0..ACTIVE).boxed());
                    map
                },
                |mut map| async move {
                    for _ in 0..ACTIVE {
                        black_box(map.next().await);
                    }
                    map
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("tokio_stream_map", |b| {
            b.to_async(&rt).iter_batched(
                || {
                    let mut map: StreamMap<u64, PeerStream> = StreamMap::with_capacity(n as usize);
                    for k in 1..n {
                        map.insert(k, Box::pin(futures::stream::pending()));
                    }
                    map.insert(0, Box::pin(tokio_stream::iter(0..ACTIVE)));
                    map
                },
                |mut map| async move {
                    for _ in 0..ACTIVE {
                        black_box(map.next().await);
                    }
                    map
                },
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, busy, idle);
criterion_main!(benches);

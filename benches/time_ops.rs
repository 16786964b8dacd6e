//! The per-element cost of the time operators, against their peers, with
//! equal consumer work on every side (`sum += black_box(v)` per element
//! delivered) and the same elements delivered on every side.
//!
//! - `throttle_pass`: every element goes through. seqflow's `throttle(d)`
//!   over a source that sleeps `2d` before each element, against
//!   tokio-stream's `StreamExt::throttle(2d)` over an always-ready source
//!   (which sleeps `2d` before each element itself): one timer wait per
//!   element on each side, on a paused clock (the runtime advances it when
//!   every task waits), so the figure is the timer round trip plus the
//!   adapter. `paced_source` is the seqflow source alone, without
//!   `throttle`.
//! - `throttle_drop`: an always-ready source of N elements throttled by an
//!   hour: one element goes through, the rest are dropped on arrival.
//!   Against the source alone (`iter_for_each`): the cost of the drop path.
//! - `debounce_burst`: an always-ready burst of N elements, debounced; the
//!   last goes out when the source ends. seqflow's `debounce` against a
//!   hand-written debounce over a `futures::Stream` that resets a
//!   `tokio::time::Sleep` at each element (the way one writes it with
//!   `futures` and `tokio::time`), both over the same
//!   `futures::stream::iter` source.
//! - `seqflow_try_throttle` and `seqflow_try_debounce`: the `try_` forms
//!   over the same sources with every element `Ok` (the error check on
//!   each element is the only difference from the plain operator).
//!
//! The paused clock needs tokio's `test-util` feature in this package; it
//! costs the other bench binaries one atomic load per `Instant::now`
//! (tokio reads the runtime's clock only once some runtime paused it).
//!
//! ```sh
//! cargo bench -p seqflow-benches --bench time_ops -- --warm-up-time 1 --measurement-time 3
//! ```

mod support;

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::{Stream, StreamExt};
use seqflow::{Seq, Yield, seq};
use support::{N, body, current_thread, throughput};
use tokio::time::{Instant, Sleep};

/// Elements per iteration of the timed cases (each waits on a timer).
const TIMED_N: u64 = 1_000;
const D: Duration = Duration::from_micros(10);
const HOUR: Duration = Duration::from_secs(3600);

fn paused_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
}

/// A `from_fn` source of 0..n that sleeps `pause` before each element.
fn paced(n: u64, pause: Duration) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            tokio::time::sleep(pause).await;
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

/// The consumer's work per element, for the `Ok` values of the `try_`
/// cases (every element is `Ok` there, so the work is the same).
async fn ok_body(r: Result<u64, u64>) -> bool {
    body(r.unwrap_or_else(|e| e)).await
}

/// Drains a stream with the consumer's work per element.
async fn drain<St: Stream<Item = u64>>(st: St) {
    let mut st = pin!(st);
    while let Some(v) = st.next().await {
        body(v).await;
    }
}

/// The hand-written peer: a debounce over an `Unpin` `Stream` with one
/// boxed `Sleep`, reset at every element.
struct HandDebounce<St: Stream> {
    st: St,
    sleep: Pin<Box<Sleep>>,
    pending: Option<St::Item>,
    done: bool,
    d: Duration,
}

impl<St: Stream + Unpin> HandDebounce<St> {
    fn new(st: St, d: Duration) -> Self {
        HandDebounce {
            st,
            sleep: Box::pin(tokio::time::sleep(d)),
            pending: None,
            done: false,
            d,
        }
    }
}

impl<St: Stream + Unpin> Stream for HandDebounce<St>
where
    St::Item: Unpin,
{
    type Item = St::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<St::Item>> {
        let this = self.get_mut();
        while !this.done {
            match Pin::new(&mut this.st).poll_next(cx) {
                Poll::Ready(Some(v)) => {
                    this.pending = Some(v);
                    this.sleep.as_mut().reset(Instant::now() + this.d);
                }
                Poll::Ready(None) => this.done = true,
                Poll::Pending => break,
            }
        }
        if this.done {
            return Poll::Ready(this.pending.take());
        }
        if this.pending.is_none() {
            return Poll::Pending;
        }
        ready!(this.sleep.as_mut().poll(cx));
        Poll::Ready(this.pending.take())
    }
}

fn time_ops(c: &mut Criterion) {
    let rt = paused_current_thread();

    let mut g = c.benchmark_group("throttle_pass");
    g.throughput(Throughput::Elements(TIMED_N));
    g.bench_function("seqflow_throttle", |b| {
        b.iter(|| rt.block_on(paced(black_box(TIMED_N), 2 * D).throttle(D).for_each(body)))
    });
    g.bench_function("paced_source", |b| {
        b.iter(|| rt.block_on(paced(black_box(TIMED_N), 2 * D).for_each(body)))
    });
    g.bench_function("tokio_stream_throttle", |b| {
        b.iter(|| {
            // `throttle` makes its `Sleep` at once: build it in the runtime.
            rt.block_on(async {
                drain(tokio_stream::StreamExt::throttle(
                    futures::stream::iter(0..black_box(TIMED_N)),
                    2 * D,
                ))
                .await
            })
        })
    });
    g.finish();

    let rt_real = current_thread();
    let mut g = c.benchmark_group("throttle_drop");
    g.throughput(throughput());
    g.bench_function("iter_for_each", |b| {
        b.iter(|| rt_real.block_on(seq::iter(0..black_box(N)).for_each(body)))
    });
    g.bench_function("seqflow_throttle", |b| {
        b.iter(|| rt_real.block_on(seq::iter(0..black_box(N)).throttle(HOUR).for_each(body)))
    });
    g.bench_function("seqflow_try_throttle", |b| {
        b.iter(|| {
            rt_real.block_on(
                seq::iter((0..black_box(N)).map(Ok::<u64, u64>))
                    .try_throttle(HOUR)
                    .for_each(ok_body),
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("debounce_burst");
    g.throughput(throughput());
    g.bench_function("stream_for_each", |b| {
        b.iter(|| {
            rt_real
                .block_on(seq::from_stream(futures::stream::iter(0..black_box(N))).for_each(body))
        })
    });
    g.bench_function("seqflow_debounce", |b| {
        b.iter(|| {
            rt_real.block_on(
                seq::from_stream(futures::stream::iter(0..black_box(N)))
                    .debounce(HOUR)
                    .for_each(body),
            )
        })
    });
    g.bench_function("seqflow_try_debounce", |b| {
        b.iter(|| {
            rt_real.block_on(
                seq::from_stream(futures::stream::iter((0..black_box(N)).map(Ok::<u64, u64>)))
                    .try_debounce(HOUR)
                    .for_each(ok_body),
            )
        })
    });
    g.bench_function("hand_written_debounce", |b| {
        b.iter(|| {
            // The `Sleep` is made at once: build it in the runtime.
            rt_real.block_on(async {
                drain(HandDebounce::new(
                    futures::stream::iter(0..black_box(N)),
                    HOUR,
                ))
                .await
            })
        })
    });
    g.finish();
}

criterion_group!(benches, time_ops);
criterion_main!(benches);

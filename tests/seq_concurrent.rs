//! Behaviour of the concurrency combinators: `map_concurrent`,
//! `map_unordered`, and the leak checks of those and of `merge` /
//! `merge_all`.
//!
//! None of them spawns a task: everything is polled inline on the
//! consumer's task. The leak section proves it on both runtime flavours
//! (the alive-task count never moves) and shows what happens instead: on a
//! stop, in-flight futures are dropped and every producer is stopped and
//! has cleaned up; on a drop, everything is dropped at once.

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Seq, Yield, seq};
use support::panics::{expect_panic, panic_message, panic_message_and_location};
use support::{
    DropFlag, Log, LogOnDrop, PendingOnce, alive_tasks, collect_checking_size_hint, noop_cx,
    settle_tasks_patiently,
};
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep};

/// Counts the futures running at once, and the most seen.
#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Gauge {
    /// Runs `fut`, counted as in flight from its first poll to its end.
    async fn run<T>(&self, fut: impl Future<Output = T>) -> T {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        let out = fut.await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        out
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// Futures that never complete, each holding a drop flag; `flags` lists
/// them.
#[derive(Clone, Default)]
struct Stuck {
    flags: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
}

impl Stuck {
    fn future<T>(&self) -> impl Future<Output = T> + Send + use<T> {
        let (guard, flag) = DropFlag::new();
        self.flags.lock().unwrap().push(flag);
        async move {
            let _guard = guard;
            std::future::pending::<T>().await
        }
    }

    fn made(&self) -> usize {
        self.flags.lock().unwrap().len()
    }

    fn all_dropped(&self) -> bool {
        self.flags
            .lock()
            .unwrap()
            .iter()
            .all(|f| f.load(Ordering::SeqCst))
    }
}

/// A producer of `0..n` that counts the elements it yielded and logs
/// `"yield {i} -> false"` and, after an async step, `"cleanup"`.
fn counting(n: u32, yielded: &Arc<AtomicUsize>, log: &Log) -> impl Seq<Item = u32> + use<> {
    let yielded = yielded.clone();
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..n {
            yielded.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(i).await {
                log.push(format!("yield {i} -> false"));
                break;
            }
        }
        PendingOnce::new().await;
        log.push("cleanup");
    })
}

// ── map_concurrent ──

#[tokio::test(start_paused = true)]
async fn map_concurrent_keeps_source_order_with_at_most_limit_in_flight() {
    let gauge = Gauge::default();
    let g = gauge.clone();
    let start = Instant::now();
    let out: Vec<u64> = seq::iter(0..20u64)
        .map_concurrent(4, move |i| {
            let g = g.clone();
            async move {
                g.run(sleep(Duration::from_millis(1 + (i * 7) % 5))).await;
                i * 10
            }
        })
        .collect()
        .await;
    assert_eq!(out, (0..20).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(gauge.max(), 4);
    // Sequentially this takes 60 ms.
    assert!(
        start.elapsed() < Duration::from_millis(30),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn map_concurrent_asks_the_source_only_for_free_slots() {
    let yielded = Arc::new(AtomicUsize::new(0));
    let stuck = Stuck::default();
    let st = stuck.clone();
    let mut s =
        pin!(counting(100, &yielded, &Log::new()).map_concurrent(3, move |_| st.future::<u32>()));
    let mut cx = noop_cx();
    assert!(s.as_mut().poll_next(&mut cx).is_pending());
    assert!(s.as_mut().poll_next(&mut cx).is_pending());
    assert_eq!(yielded.load(Ordering::SeqCst), 3);
    assert_eq!(stuck.made(), 3);
    assert_eq!(s.size_hint(), (3, None));
}

#[test]
fn map_concurrent_delivers_ready_outputs_while_the_source_waits() {
    let source = seq::from_fn(|mut y: Yield<u32>| async move {
        if y.yield_(1).await && y.yield_(2).await {
            std::future::pending::<()>().await;
        }
    });
    let mut s = pin!(source.map_concurrent(4, |x| async move { x * 10 }));
    let mut cx = noop_cx();
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(10)));
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(20)));
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Pending);
}

#[tokio::test]
async fn map_concurrent_wakes_the_consumer_when_an_output_is_ready() {
    let senders = Arc::new(Mutex::new(Vec::new()));
    let tx = senders.clone();
    let s = seq::iter(0..2).map_concurrent(2, move |i| {
        let (send, recv) = oneshot::channel::<u32>();
        tx.lock().unwrap().push(send);
        async move { recv.await.unwrap() + i }
    });
    let mut task = tokio_test::task::spawn(s.stream());
    assert!(task.poll_next().is_pending());
    let mut sends: Vec<_> = std::mem::take(&mut *senders.lock().unwrap());
    assert_eq!(sends.len(), 2);
    // The second finishes first: its output waits for the first.
    sends.pop().unwrap().send(200).unwrap();
    assert!(task.is_woken());
    assert!(task.poll_next().is_pending());
    sends.pop().unwrap().send(100).unwrap();
    assert!(task.is_woken());
    assert_eq!(task.poll_next(), Poll::Ready(Some(100)));
    assert_eq!(task.poll_next(), Poll::Ready(Some(201)));
    assert_eq!(task.poll_next(), Poll::Ready(None));
}

#[tokio::test]
async fn map_concurrent_stop_drops_in_flight_futures_then_stops_the_source() {
    let (log, yielded) = (Log::new(), Arc::new(AtomicUsize::new(0)));
    let stuck = Stuck::default();
    let st = stuck.clone();
    let first = counting(100, &yielded, &log)
        .map_concurrent(3, move |x| {
            let never = st.future::<u32>();
            async move { if x == 0 { 0 } else { never.await } }
        })
        .first()
        .await;
    assert_eq!(first, Some(0));
    // Elements 0, 1 and 2 were in flight; 1 and 2 are dropped unfinished.
    assert_eq!(stuck.made(), 3);
    assert!(stuck.all_dropped(), "an in-flight future outlived the stop");
    assert_eq!(yielded.load(Ordering::SeqCst), 3);
    assert_eq!(log.events(), ["yield 2 -> false", "cleanup"]);
}

#[tokio::test]
async fn map_concurrent_surfaces_a_panic_in_a_future_or_in_f() {
    let msg = expect_panic(
        seq::iter(0..5)
            .map_concurrent(2, |i| async move {
                tokio::task::yield_now().await;
                assert!(i != 3, "future {i} failed");
                i
            })
            .count(),
    )
    .await;
    assert_eq!(msg, "future 3 failed");
    let msg = expect_panic(
        seq::iter(0..5)
            .map_concurrent(2, |i| {
                assert!(i != 1, "f failed on {i}");
                async move { i }
            })
            .count(),
    )
    .await;
    assert_eq!(msg, "f failed on 1");
}

#[tokio::test]
async fn map_concurrent_size_hint_is_correct_at_every_step() {
    let s = seq::iter(0..6).map_concurrent(4, |x| async move { x });
    assert_eq!(s.size_hint(), (6, Some(6)));
    assert_eq!(
        collect_checking_size_hint(s.stream()).await,
        [0, 1, 2, 3, 4, 5]
    );
}

#[test]
fn map_concurrent_zero_limit_panics_at_the_callers_location() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1]).map_concurrent(0, |x| async move { x });
    });
    assert_eq!(msg, "`map_concurrent` limit must be non-zero");
    assert_eq!(file, file!());
}

// ── map_unordered ──

#[tokio::test(start_paused = true)]
async fn map_unordered_delivers_in_completion_order_and_reuses_slots_at_once() {
    let gauge = Gauge::default();
    let g = gauge.clone();
    let start = Instant::now();
    let order: Vec<usize> = seq::iter([50, 10, 10, 10])
        .enumerate()
        .map_unordered(2, move |(i, ms)| {
            let g = g.clone();
            async move {
                g.run(sleep(Duration::from_millis(ms))).await;
                i
            }
        })
        .collect()
        .await;
    // The slow one holds one slot; the three quick ones share the other.
    assert_eq!(order, [1, 2, 3, 0]);
    assert_eq!(gauge.max(), 2);
    assert_eq!(start.elapsed(), Duration::from_millis(50));
}

#[tokio::test]
async fn map_unordered_stop_drops_in_flight_futures_then_stops_the_source() {
    let (log, yielded) = (Log::new(), Arc::new(AtomicUsize::new(0)));
    let stuck = Stuck::default();
    let st = stuck.clone();
    let first = counting(100, &yielded, &log)
        .map_unordered(3, move |x| {
            let never = st.future::<u32>();
            async move { if x == 2 { 2 } else { never.await } }
        })
        .first()
        .await;
    assert_eq!(first, Some(2));
    assert_eq!(stuck.made(), 3);
    assert!(stuck.all_dropped(), "an in-flight future outlived the stop");
    assert_eq!(yielded.load(Ordering::SeqCst), 3);
    assert_eq!(log.events(), ["yield 2 -> false", "cleanup"]);
}

#[tokio::test]
async fn map_unordered_surfaces_a_panic_in_a_future() {
    let msg = expect_panic(
        seq::iter(0..5)
            .map_unordered(3, |i| async move {
                assert!(i != 4, "future {i} failed");
                i
            })
            .count(),
    )
    .await;
    assert_eq!(msg, "future 4 failed");
}

#[tokio::test]
async fn map_unordered_size_hint_is_correct_at_every_step() {
    let got = collect_checking_size_hint(
        seq::iter(0..6)
            .map_unordered(4, |x| async move { x })
            .stream(),
    )
    .await;
    assert_eq!(got.len(), 6);
}

#[test]
fn map_unordered_zero_limit_panics_at_the_callers_location() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1]).map_unordered(0, |x| async move { x });
    });
    assert_eq!(msg, "`map_unordered` limit must be non-zero");
    assert_eq!(file, file!());
}

// ── leaks: nothing is spawned, nothing outlives the consumer ──

/// An endless producer that really sleeps, holds a drop flag, and logs its
/// async cleanup as `"{name} cleanup"`.
fn ticking(name: &'static str, log: &Log, guard: DropFlag) -> impl Seq<Item = u32> + Send + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        let dropped = LogOnDrop::armed(&log, name);
        let mut i = 0;
        loop {
            sleep(Duration::from_millis(1)).await;
            if !y.yield_(i).await {
                break;
            }
            i += 1;
        }
        tokio::task::yield_now().await;
        log.push(format!("{name} cleanup"));
        dropped.disarm();
    })
}

/// Consumer break, drop mid-element and a panicking branch, for `merge`,
/// `merge_all`, `map_concurrent` and `map_unordered`.
async fn nothing_outlives_the_consumer() {
    let before = alive_tasks();

    // Consumer break: every producer hears `false` and cleans up, and
    // every in-flight future is dropped, before the consumer returns.
    let log = Log::new();
    let flags: Vec<_> = (0..6).map(|_| DropFlag::new()).collect();
    let (guards, dropped): (Vec<_>, Vec<_>) = flags.into_iter().unzip();
    let mut guards = guards.into_iter();
    let mut next_guard = || guards.next().unwrap();
    let n = ticking("m1", &log, next_guard())
        .merge(ticking("m2", &log, next_guard()))
        .take(5)
        .count()
        .await;
    assert_eq!(n, 5);
    let n = seq::merge_all([
        ticking("a1", &log, next_guard()),
        ticking("a2", &log, next_guard()),
    ])
    .take(5)
    .count()
    .await;
    assert_eq!(n, 5);
    let stuck = Stuck::default();
    let st = stuck.clone();
    let out = ticking("c", &log, next_guard())
        .map_concurrent(4, move |x| {
            let never = st.future::<u32>();
            async move {
                if x % 2 == 0 {
                    sleep(Duration::from_millis(1)).await;
                    x
                } else {
                    never.await
                }
            }
        })
        .first()
        .await;
    assert_eq!(out, Some(0));
    let st = stuck.clone();
    let out = ticking("u", &log, next_guard())
        .map_unordered(4, move |x| {
            let never = st.future::<u32>();
            async move { if x == 1 { x } else { never.await } }
        })
        .first()
        .await;
    assert_eq!(out, Some(1));
    let mut cleaned = log.events();
    cleaned.sort();
    // Each producer ended exactly once before its consumer returned: it
    // heard the stop at its `yield_` and cleaned up, or it was asleep, where
    // no stop is heard, and was dropped (logged by its bare name).
    let ended: Vec<_> = cleaned
        .iter()
        .map(|e| e.trim_end_matches(" cleanup"))
        .collect();
    assert_eq!(ended, ["a1", "a2", "c", "m1", "m2", "u"], "{cleaned:?}");
    assert!(dropped.iter().all(|d| d.load(Ordering::SeqCst)));
    assert!(stuck.all_dropped());
    assert_eq!(alive_tasks(), before, "something was spawned");

    // Drop mid-element: dropping the consumer's stream drops every
    // producer and in-flight future at once (no async cleanup, no task).
    let log = Log::new();
    let (g1, d1) = DropFlag::new();
    let (g2, d2) = DropFlag::new();
    let (g3, d3) = DropFlag::new();
    let stuck = Stuck::default();
    let st = stuck.clone();
    let mut st1 = Box::pin(
        seq::merge_all([ticking("x", &log, g1), ticking("y", &log, g2)])
            .merge(ticking("z", &log, g3))
            .map_concurrent(2, move |x| {
                let never = st.future::<u32>();
                async move { if x == 0 { x } else { never.await } }
            })
            .stream(),
    );
    assert_eq!(st1.next().await, Some(0));
    assert!(stuck.made() >= 1);
    drop(st1);
    assert!(d1.load(Ordering::SeqCst) && d2.load(Ordering::SeqCst) && d3.load(Ordering::SeqCst));
    assert!(stuck.all_dropped());
    assert!(
        !log.events().iter().any(|e| e.ends_with("cleanup")),
        "async cleanup cannot run on drop"
    );
    assert_eq!(alive_tasks(), before);

    // A panicking branch, with the consumer on its own task: the panic is
    // the task's result, and the other branches are dropped with it.
    let log = Log::new();
    let (guard, other_dropped) = DropFlag::new();
    let failing = seq::from_fn(|mut y: Yield<u32>| async move {
        y.yield_(1).await;
        sleep(Duration::from_millis(2)).await;
        panic!("branch failed");
    });
    let consumer = tokio::spawn(
        ticking("ok", &log, guard)
            .merge(failing)
            .map_unordered(2, |x| async move { x })
            .count(),
    );
    let err = consumer.await.expect_err("the branch's panic must surface");
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), "branch failed");
    assert!(other_dropped.load(Ordering::SeqCst));
    assert_eq!(
        settle_tasks_patiently(before).await,
        before,
        "a task outlived its consumer"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn nothing_outlives_the_consumer_on_a_current_thread_runtime() {
    nothing_outlives_the_consumer().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_outlives_the_consumer_on_a_multi_thread_runtime() {
    nothing_outlives_the_consumer().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_outlives_a_consumer_on_a_spawned_task_of_a_multi_thread_runtime() {
    tokio::spawn(nothing_outlives_the_consumer())
        .await
        .expect("no panic");
}

// ── Debug ──

#[test]
fn debug_shows_state_but_no_closures() {
    let s = seq::iter([1u8]).map_concurrent(3, |x| async move { x });
    assert_eq!(
        format!("{s:?}"),
        format!(
            "MapConcurrent {{ seq: {:?}, limit: 3, in_flight: 0 }}",
            seq::iter([1u8])
        )
    );
    let s = seq::iter([1u8]).map_unordered(2, |x| async move { x });
    assert_eq!(
        format!("{s:?}"),
        format!(
            "MapUnordered {{ seq: {:?}, limit: 2, in_flight: 0 }}",
            seq::iter([1u8])
        )
    );
}

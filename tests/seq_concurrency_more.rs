//! Behaviour of the concurrency stages of contract line 29:
//! `for_each_concurrent`, `try_for_each_concurrent`, `flat_map_concurrent`
//! and `take_until`.
//!
//! None of them spawns a task: the alive-task count never moves, on either
//! runtime flavour. Each ends what it drives by the stop rule (heard: the
//! cleanup runs first; hung elsewhere: dropped at once), surfaces panics,
//! and a limit of 0 panics at the caller's location.

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, Yield, seq};
use support::laws::{Probe, items_and_pauses};
use support::logged::{logged_below, logged_naturals, logged_source, stopped_at};
use support::panics::{expect_panic, panic_message_and_location};
use support::{DropFlag, Log, alive_tasks, settle_tasks_patiently};
use tokio::time::{Instant, sleep};
use tokio_test::{assert_pending, assert_ready, task};

/// Counts the futures running at once, and the most seen.
#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Gauge {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    async fn run<T>(&self, fut: impl Future<Output = T>) -> T {
        self.enter();
        let out = fut.await;
        self.leave();
        out
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// A future that never completes and sets its flag when dropped.
fn stuck<T>(flags: &Arc<Mutex<Vec<Arc<AtomicBool>>>>) -> impl Future<Output = T> + Send + use<T> {
    let (guard, flag) = DropFlag::new();
    flags.lock().unwrap().push(flag);
    async move {
        let _guard = guard;
        std::future::pending::<T>().await
    }
}

fn all_dropped(flags: &Arc<Mutex<Vec<Arc<AtomicBool>>>>) -> bool {
    flags
        .lock()
        .unwrap()
        .iter()
        .all(|f| f.load(Ordering::SeqCst))
}

/// A producer that yields 0, then (once asked for more) waits for ever
/// where no stop is heard, holding a drop flag.
fn hung(guard: DropFlag) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        if y.yield_(0).await {
            std::future::pending::<()>().await;
        }
    })
}

// ── zero limits ──

/// Builds an adapter with a zero limit.
type Check = Box<dyn FnOnce() + std::panic::UnwindSafe>;

#[test]
fn contract_29_zero_limits_panic_at_the_callers_location() {
    let cases: [(&str, Check); 3] = [
        (
            "for_each_concurrent",
            Box::new(|| drop(seq::iter([1]).for_each_concurrent(0, |_| async {}))),
        ),
        (
            "try_for_each_concurrent",
            Box::new(|| {
                drop(seq::iter([Ok::<u8, ()>(1)]).try_for_each_concurrent(0, |_| async { Ok(()) }))
            }),
        ),
        (
            "flat_map_concurrent",
            Box::new(|| drop(seq::iter([1]).flat_map_concurrent(0, |x| seq::iter([x])))),
        ),
    ];
    for (name, f) in cases {
        let (message, file) = panic_message_and_location(f);
        assert_eq!(message, format!("`{name}` limit must be non-zero"));
        assert!(file.ends_with("seq_concurrency_more.rs"), "{file}");
    }
}

// ── for_each_concurrent ──

#[tokio::test(start_paused = true)]
async fn contract_29_for_each_concurrent_runs_up_to_limit_bodies_at_once() {
    let gauge = Gauge::default();
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    seq::iter(0..10u64)
        .for_each_concurrent(3, |_| {
            let (gauge, done) = (gauge.clone(), done.clone());
            async move {
                gauge.run(sleep(Duration::from_millis(10))).await;
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await;
    assert_eq!(done.load(Ordering::SeqCst), 10);
    assert_eq!(gauge.max(), 3);
    assert_eq!(start.elapsed(), Duration::from_millis(40)); // ceil(10 / 3) rounds
}

#[tokio::test]
async fn contract_29_for_each_concurrent_asks_the_source_only_for_free_slots() {
    let log = Log::new();
    let flags = Arc::default();
    let mut fut =
        task::spawn(logged_naturals(&log).for_each_concurrent(2, |_| stuck::<()>(&flags)));
    assert_pending!(fut.poll());
    // Two bodies in flight; the producer's `yield_` of 1 is still pending.
    assert_eq!(log.events(), ["start", "yield 0 -> true"]);
    drop(fut);
    assert!(all_dropped(&flags));
}

#[tokio::test]
async fn contract_29_for_each_concurrent_surfaces_panics() {
    let msg = expect_panic(seq::iter(0..5).for_each_concurrent(2, |x| async move {
        if x == 3 {
            panic!("body failed at {x}");
        }
    }))
    .await;
    assert_eq!(msg, "body failed at 3");
    let msg =
        expect_panic(support::panics::panicking_after(3).for_each_concurrent(2, |_| async {}))
            .await;
    assert_eq!(msg, "producer failed after 3");
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_for_each_concurrent_over_an_endless_source_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let f = flag.clone();
    seq::iter(0u64..)
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .for_each_concurrent(4, |_| async {})
        .await;
    assert!(flag.load(Ordering::SeqCst));
}

// ── try_for_each_concurrent ──

#[tokio::test]
async fn contract_29_try_for_each_concurrent_at_an_err_element_drops_bodies_stops_the_source() {
    let log = Log::new();
    let flags = Arc::default();
    let source = logged_source("s", vec![Ok(1), Ok(2), Err("bad"), Ok(4)], &log);
    let res = source.try_for_each_concurrent(5, |_| stuck(&flags)).await;
    assert_eq!(res, Err("bad"));
    assert!(all_dropped(&flags), "a body in flight outlived the error");
    // No element after the `Err` was asked for; the cleanup ran first.
    assert_eq!(
        log.events(),
        [
            "s start",
            "s yield Ok(1) -> true",
            "s yield Ok(2) -> true",
            "s yield Err(\"bad\") -> false",
            "s cleanup"
        ]
    );
}

#[tokio::test]
async fn contract_29_try_for_each_concurrent_at_an_err_of_a_body_stops_the_source() {
    let log = Log::new();
    let res = logged_naturals(&log)
        .map(Ok)
        .try_for_each_concurrent(3, |x| async move {
            tokio::task::yield_now().await;
            if x == 4 { Err(x) } else { Ok(()) }
        })
        .await;
    assert_eq!(res, Err(4));
    let events = log.events();
    assert_eq!(
        events.last().map(String::as_str),
        Some("cleanup"),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.ends_with("-> false")),
        "the stop was not heard: {events:?}"
    );
}

#[tokio::test]
async fn contract_29_try_for_each_concurrent_without_error_runs_every_body() {
    let gauge = Gauge::default();
    let n = Arc::new(AtomicUsize::new(0));
    let res: Result<(), ()> = seq::iter((0..20).map(Ok))
        .try_for_each_concurrent(4, |_| {
            let (gauge, n) = (gauge.clone(), n.clone());
            async move {
                gauge.run(tokio::task::yield_now()).await;
                n.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .await;
    assert_eq!(res, Ok(()));
    assert_eq!(n.load(Ordering::SeqCst), 20);
    assert!(gauge.max() <= 4);
}

// ── flat_map_concurrent ──

#[tokio::test(start_paused = true)]
async fn contract_29_flat_map_concurrent_runs_at_most_limit_inners() {
    let gauge = Gauge::default();
    let got: Vec<(u32, u32)> = seq::iter(0..6u32)
        .flat_map_concurrent(2, |i| {
            let gauge = gauge.clone();
            seq::from_fn(move |mut y: Yield<(u32, u32)>| async move {
                gauge.enter();
                for j in 0..3 {
                    sleep(Duration::from_millis(1 + u64::from(i))).await;
                    if !y.yield_((i, j)).await {
                        break;
                    }
                }
                gauge.leave();
            })
        })
        .collect()
        .await;
    assert_eq!(got.len(), 18);
    assert_eq!(gauge.max(), 2);
    for i in 0..6 {
        let mine: Vec<_> = got
            .iter()
            .filter(|(k, _)| *k == i)
            .map(|(_, j)| *j)
            .collect();
        assert_eq!(mine, [0, 1, 2], "inner {i} out of order");
    }
}

#[tokio::test]
async fn contract_29_stopping_flat_map_concurrent_stops_the_outer_and_every_inner() {
    let log = Log::new();
    let inner_log = log.clone();
    let outer = logged_source("outer", vec!["a", "b", "c"], &log);
    let n = outer
        .flat_map_concurrent(2, move |name| {
            logged_source(name, vec![1, 2, 3, 4], &inner_log)
        })
        .take(3)
        .count()
        .await;
    assert_eq!(n, 3);
    let events = log.events();
    let mut cleaned: Vec<_> = events
        .iter()
        .filter(|e| e.ends_with("cleanup"))
        .cloned()
        .collect();
    cleaned.sort();
    assert_eq!(
        cleaned,
        ["a cleanup", "b cleanup", "outer cleanup"],
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e.starts_with("c ")),
        "a third inner started: {events:?}"
    );
}

#[tokio::test]
async fn contract_29_flat_map_concurrent_drops_a_hung_inner_on_stop() {
    let (guard, dropped) = DropFlag::new();
    let mut guard = Some(guard);
    let log = Log::new();
    let inner_log = log.clone();
    let n = tokio::time::timeout(
        Duration::from_secs(5),
        seq::iter(0..2)
            .flat_map_concurrent(2, move |i| {
                if i == 0 {
                    hung(guard.take().unwrap()).boxed()
                } else {
                    logged_naturals(&inner_log).boxed()
                }
            })
            .take(4)
            .count(),
    )
    .await
    .expect("the stop hung");
    assert_eq!(n, 4);
    assert!(dropped.load(Ordering::SeqCst));
    assert!(log.contains("cleanup"));
}

#[tokio::test(flavor = "current_thread")]
async fn contract_29_an_always_ready_inner_does_not_starve_the_others_and_shares_the_thread() {
    let log = Log::new();
    let inner_log = log.clone();
    let got: Vec<u32> = seq::iter(0..2)
        .flat_map_concurrent(2, move |i| {
            if i == 0 {
                seq::repeat_with(|| 0u32).boxed()
            } else {
                logged_source("slow", vec![1, 2, 3], &inner_log).boxed()
            }
        })
        .take(40)
        .collect()
        .await;
    assert_eq!(
        got.iter().filter(|x| **x != 0).count(),
        3,
        "the slow inner was starved"
    );

    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let f = flag.clone();
    let n = seq::iter(0..3)
        .flat_map_concurrent(3, |_| seq::iter(0u64..))
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0);
}

#[tokio::test]
async fn contract_29_flat_map_concurrent_surfaces_panics() {
    let msg = expect_panic(
        seq::iter(0..3)
            .flat_map_concurrent(2, |i| {
                if i == 2 {
                    panic!("f failed at {i}");
                }
                seq::iter([i])
            })
            .count(),
    )
    .await;
    assert_eq!(msg, "f failed at 2");
    let msg = expect_panic(
        seq::iter([3u32])
            .flat_map_concurrent(2, support::panics::panicking_after)
            .count(),
    )
    .await;
    assert_eq!(msg, "producer failed after 3");
}

// ── take_until ──

#[tokio::test(start_paused = true)]
async fn contract_29_take_until_stops_the_source_when_the_future_completes() {
    let log = Log::new();
    let ticking = {
        let log = log.clone();
        seq::from_fn(move |mut y: Yield<u32>| async move {
            for i in 0.. {
                sleep(Duration::from_millis(10)).await;
                let more = y.yield_(i).await;
                log.push(format!("yield {i} -> {more}"));
                if !more {
                    break;
                }
            }
            tokio::task::yield_now().await;
            log.push("cleanup");
        })
    };
    let mut s = std::pin::pin!(ticking.take_until(async {
        sleep(Duration::from_millis(25)).await;
        "deadline"
    }));
    let got: Vec<u32> = s.as_mut().collect().await;
    assert_eq!(got, [0, 1]);
    assert!(s.is_stopped());
    assert_eq!(s.as_mut().take_result(), Some("deadline"));
    // Asleep when the deadline fired: dropped, no async cleanup.
    assert_eq!(log.events(), ["yield 0 -> true", "yield 1 -> true"]);

    // A future that completed before the first poll: the source never
    // starts.
    let log = Log::new();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut s = task::spawn(logged_naturals(&log).take_until(rx).collect::<Vec<_>>());
    tx.send(()).unwrap();
    let got = loop {
        if let std::task::Poll::Ready(got) = s.poll() {
            break got;
        }
    };
    assert!(got.is_empty());
    assert!(
        log.events().is_empty(),
        "the producer started after the future fired"
    );
}

#[tokio::test]
async fn contract_29_take_until_hears_stops_and_drops_the_future_at_the_end() {
    let log = Log::new();
    let (guard, dropped) = DropFlag::new();
    let never = async move {
        let _guard = guard;
        std::future::pending::<()>().await
    };
    let got: Vec<u32> = logged_below(3, &log).take_until(never).collect().await;
    assert_eq!(got, [0, 1, 2]);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the future outlived the sequence"
    );

    // A consumer stop goes through to the source, heard at its `yield_`.
    let log = Log::new();
    let got: Vec<u32> = logged_naturals(&log)
        .take_until(std::future::pending::<()>())
        .take(2)
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn contract_29_take_until_stop_is_heard_at_a_pending_yield_and_cleanup_runs() {
    let log = Log::new();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut s = std::pin::pin!(logged_naturals(&log).take_until(rx));
    let mut next = || block_on(std::future::poll_fn(|cx| s.as_mut().poll_next(cx)));
    assert_eq!(next(), Some(0));
    assert_eq!(next(), Some(1));
    tx.send(()).unwrap();
    assert_eq!(next(), None);
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn contract_29_take_until_wakes_the_consumer_when_the_future_completes() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (guard, dropped) = DropFlag::new();
    let mut s = task::spawn(hung(guard).take_until(rx).collect::<Vec<_>>());
    assert_pending!(s.poll());
    tx.send(()).unwrap();
    assert!(s.is_woken());
    assert_eq!(assert_ready!(s.poll()), [0]);
    assert!(dropped.load(Ordering::SeqCst));
}

// ── both flavours, no task ──

async fn nothing_is_spawned_and_nothing_outlives_the_consumer() {
    let before = alive_tasks();
    let log = Log::new();
    seq::iter(0..50)
        .for_each_concurrent(8, |_| tokio::task::yield_now())
        .await;
    let res = seq::iter((0..50).map(|x| if x == 30 { Err(x) } else { Ok(x) }))
        .try_for_each_concurrent(8, |_| async {
            tokio::task::yield_now().await;
            Ok(())
        })
        .await;
    assert_eq!(res, Err(30));
    let inner_log = log.clone();
    let n = logged_naturals(&log)
        .flat_map_concurrent(4, move |i| logged_source("inner", vec![i; 3], &inner_log))
        .take_until(sleep(Duration::from_millis(20)))
        .take(25)
        .count()
        .await;
    assert!(n > 0);
    let events = log.events();
    let started = events.iter().filter(|e| e.ends_with("start")).count();
    let cleaned = events.iter().filter(|e| e.ends_with("cleanup")).count();
    assert_eq!(started, cleaned, "{events:?}");
    assert_eq!(settle_tasks_patiently(before).await, before);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_29_nothing_outlives_the_consumer_current_thread() {
    nothing_is_spawned_and_nothing_outlives_the_consumer().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_29_nothing_outlives_the_consumer_multi_thread() {
    nothing_is_spawned_and_nothing_outlives_the_consumer().await;
    tokio::spawn(nothing_is_spawned_and_nothing_outlives_the_consumer())
        .await
        .unwrap();
}

// ── Debug ──

#[test]
fn debug_shows_state_but_no_closures() {
    let s = seq::iter(vec![1]).flat_map_concurrent(2, |x| seq::iter(vec![x]));
    assert!(format!("{s:?}").starts_with("FlatMapConcurrent { outer: Iter"));
    assert!(format!("{s:?}").ends_with("limit: 2, running: 0, stopping: false }"));
    let f = seq::iter(vec![1]).for_each_concurrent(3, |_| async {});
    assert!(format!("{f:?}").ends_with("limit: 3, in_flight: 0 }"));
    let t = seq::iter(vec![Ok::<u8, ()>(1)]).try_for_each_concurrent(3, |_| async { Ok(()) });
    assert!(format!("{t:?}").ends_with("limit: 3, in_flight: 0, failed: false }"));
    let u = seq::iter(vec![1]).take_until(std::future::ready(()));
    assert!(
        format!("{u:?}")
            .ends_with("fut_pending: true, fired: false, stopping: false, done: false }")
    );
}

// ── model ──

proptest! {
    #[test]
    fn flat_map_concurrent_agrees_with_flat_map_as_multisets(
        (v, p) in items_and_pauses(),
        limit in 1usize..5,
        brk in 0usize..90,
    ) {
        // Each element x becomes an inner sequence [x, x + 1000] with the
        // adversarial source; each inner's order is kept.
        let probe = Probe::default();
        let make = || {
            let probe = probe.clone();
            let pauses = p.clone();
            probe.clone().source(&v, &p).flat_map_concurrent(limit, move |x| {
                probe.source(&[(x, 0), (x, 1)], &pauses[..pauses.len().min(2)])
            })
        };
        let mut got: Vec<(i32, u8)> = block_on(make().collect());
        let mut want: Vec<(i32, u8)> = v.iter().flat_map(|&x| [(x, 0), (x, 1)]).collect();
        for &x in &v {
            let firsts = got.iter().position(|e| *e == (x, 0));
            let seconds = got.iter().position(|e| *e == (x, 1));
            prop_assert!(firsts < seconds, "an inner out of order");
        }
        got.sort();
        want.sort();
        prop_assert_eq!(&got, &want);
        probe.check_cleaned()?;

        let got = block_on(support::laws::break_after(make(), brk));
        prop_assert_eq!(got.len(), want.len().min(brk + 1));
        probe.check_cleaned()?;
    }
}

//! DESIGN.md contract line 15: `prefetch(n)`.
//!
//! One test per clause, named `contract_15_<clause>`: bounded, order and
//! exactly-once, panics, errors, consumer stop, consumer drop, lazy start;
//! then leak tests on both runtime flavours, the overflow policies, the
//! argument check and the runtime requirement.

mod support;

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use seqflow::{Overflow, Seq, Yield, seq};
use support::logged::logged_naturals;
use support::panics::{expect_panic, panic_message, panic_message_file_and_line, panicking_after};
use support::{DropFlag, Log, LogOnDrop, alive_tasks};

/// Waits until the runtime's alive-task count is back to `expected` (a
/// multi-thread worker releases a finished task a moment after its end).
async fn settle_tasks(expected: usize) -> usize {
    support::settle_tasks_within(expected, Duration::from_secs(5)).await
}

/// Asserts the producer of `logged_naturals` saw `false` and then cleaned
/// up, as its last two events.
fn assert_stopped_and_cleaned(log: &Log) {
    let events = log.events();
    let n = events.len();
    assert!(n >= 3, "too few events: {events:?}");
    assert!(
        events[n - 2].ends_with("-> false"),
        "the producer's last yield did not see false: {events:?}"
    );
    assert_eq!(events[n - 1], "cleanup", "{events:?}");
    let falses = events.iter().filter(|e| e.ends_with("-> false")).count();
    assert_eq!(falses, 1, "{events:?}");
}

// ── bounded ──

/// Yields 0..len, recording how far ahead of the consumer it ever got.
fn ahead_probe(
    len: u32,
    consumed: Arc<AtomicUsize>,
    max_ahead: Arc<AtomicUsize>,
) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..len {
            let produced = i as usize + 1; // counting this one
            let ahead = produced - consumed.load(Ordering::SeqCst);
            max_ahead.fetch_max(ahead, Ordering::SeqCst);
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn contract_15_producer_never_gets_more_than_n_ahead() {
    for n in [1, 2, 3, 8, 13] {
        let consumed = Arc::new(AtomicUsize::new(0));
        let max_ahead = Arc::new(AtomicUsize::new(0));
        let s = ahead_probe(60, consumed.clone(), max_ahead.clone()).prefetch(n);
        let mut got = Vec::new();
        s.for_each(|v| {
            got.push(v);
            consumed.fetch_add(1, Ordering::SeqCst);
            // A slow consumer: the producer fills the buffer meanwhile.
            tokio::time::sleep(Duration::from_millis(5)).map(|()| true)
        })
        .await;
        assert_eq!(got, (0..60).collect::<Vec<_>>());
        // It ran ahead as far as allowed, and never further.
        assert_eq!(max_ahead.load(Ordering::SeqCst), n, "n = {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_producer_never_gets_more_than_n_ahead_on_two_workers() {
    for n in [1, 4, 64] {
        let consumed = Arc::new(AtomicUsize::new(0));
        let max_ahead = Arc::new(AtomicUsize::new(0));
        let s = ahead_probe(5_000, consumed.clone(), max_ahead.clone()).prefetch(n);
        let mut st = pin!(s.stream());
        let mut expect = 0;
        while let Some(v) = st.next().await {
            assert_eq!(v, expect);
            expect += 1;
            consumed.fetch_add(1, Ordering::SeqCst);
            if v % 97 == 0 {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(expect, 5_000);
        let max = max_ahead.load(Ordering::SeqCst);
        assert!((1..=n).contains(&max), "n = {n}, max ahead = {max}");
    }
}

// ── order and exactly once ──

async fn order_and_exactly_once() {
    const LEN: u64 = 20_000;
    for n in [1, 2, 3, 7, 64, 1000, 50_000] {
        let v: Vec<u64> = seq::iter(0..LEN).prefetch(n).collect().await;
        assert_eq!(v.len() as u64, LEN, "n = {n}");
        assert!(v.iter().copied().eq(0..LEN), "n = {n}: out of order");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn contract_15_preserves_order_and_delivers_every_element_once() {
    order_and_exactly_once().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_preserves_order_and_delivers_every_element_once_on_two_workers() {
    order_and_exactly_once().await;
}

#[tokio::test]
async fn contract_15_every_element_is_dropped_exactly_once() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    let s = seq::from_fn(move |mut y: Yield<support::Counted>| async move {
        for i in 0..100 {
            if !y.yield_(support::Counted(i, d.clone())).await {
                return;
            }
        }
    });
    // Take 10 and stop: the rest produced ahead is dropped, not leaked.
    let got: Vec<_> = s.prefetch(32).take(10).collect().await;
    assert_eq!(
        got.iter().map(|c| c.0).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    let ahead = dropped.load(Ordering::SeqCst);
    drop(got);
    // Every element produced was dropped once: the 10 delivered, plus the
    // ones produced ahead (at most 32 more) when the stop discarded them.
    let total = dropped.load(Ordering::SeqCst);
    assert_eq!(total - ahead, 10);
    assert!(ahead <= 32, "more than n produced ahead: {ahead}");
}

// ── panics ──

#[tokio::test]
async fn contract_15_producer_panic_surfaces_after_the_elements_before_it() {
    for n in [1, 2, 64] {
        let mut st = pin!(panicking_after(5).prefetch(n).stream());
        for i in 0..5 {
            assert_eq!(st.next().await, Some(i), "n = {n}");
        }
        let msg = expect_panic(st.next()).await;
        assert_eq!(msg, "producer failed after 5");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_producer_panic_reaches_collect_on_two_workers() {
    let msg = expect_panic(panicking_after(1000).prefetch(16).count()).await;
    assert_eq!(msg, "producer failed after 1000");
}

#[tokio::test]
async fn contract_15_cleanup_panic_reaches_the_stopping_consumer() {
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed");
    });
    let msg = expect_panic(s.prefetch(4).for_each(|_| async { false })).await;
    assert_eq!(msg, "cleanup failed");
}

#[tokio::test]
async fn contract_15_panic_in_a_dropped_producer_is_caught_on_its_task() {
    // The producer's Drop cleanup panics after the consumer stopped.
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop cleanup failed");
        }
    }
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        let _guard = PanicOnDrop;
        while y.yield_(0).await {}
    });
    let msg = expect_panic(s.prefetch(4).take(2).count()).await;
    assert_eq!(msg, "drop cleanup failed");
}

// ── errors ──

#[tokio::test]
async fn contract_15_errors_flow_as_elements_in_order() {
    let items = vec![Ok(1), Err("bad row"), Ok(2), Err("worse row"), Ok(3)];
    let got: Vec<Result<i32, &str>> = seq::iter(items.clone()).prefetch(2).collect().await;
    assert_eq!(got, items);

    // A fallible producer's returned error is its last element.
    let s = seq::try_from_fn(|mut y: Yield<u32>| async move {
        for i in 0..3 {
            y.yield_(i).await;
        }
        Err::<(), _>("connection lost")
    });
    let got: Vec<_> = s.prefetch(8).collect().await;
    assert_eq!(got, [Ok(0), Ok(1), Ok(2), Err("connection lost")]);
}

#[tokio::test]
async fn contract_15_try_collect_stops_the_producer_at_the_first_error() {
    let before = alive_tasks();
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<Result<u32, String>>| async move {
        let mut i = 0;
        loop {
            let item = if i == 2 {
                Err(format!("bad {i}"))
            } else {
                Ok(i)
            };
            let more = y.yield_(item).await;
            l.push(format!("yield {i} -> {more}"));
            if !more {
                break;
            }
            i += 1;
        }
        tokio::task::yield_now().await;
        l.push("cleanup");
    });
    let res = s.prefetch(4).try_collect::<Vec<_>>().await;
    assert_eq!(res, Err("bad 2".to_owned()));
    assert_stopped_and_cleaned(&log);
    assert_eq!(settle_tasks(before).await, before);
}

// ── consumer stop ──

#[tokio::test]
async fn contract_15_consumer_break_stops_the_producer_and_waits_for_its_cleanup() {
    let before = alive_tasks();
    let log = Log::new();
    let mut seen = Vec::new();
    logged_naturals(&log)
        .prefetch(4)
        .for_each(|v| {
            seen.push(v);
            async move { v < 2 }
        })
        .await;
    assert_eq!(seen, [0, 1, 2]);
    // for_each returned only after the producer saw `false` and cleaned up.
    assert_stopped_and_cleaned(&log);
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_take_stops_the_producer_and_waits_for_its_cleanup() {
    let before = alive_tasks();
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log).prefetch(16).take(5).collect().await;
    assert_eq!(v, [0, 1, 2, 3, 4]);
    assert_stopped_and_cleaned(&log);
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
}

#[tokio::test]
async fn contract_15_poll_stop_is_idempotent_and_ends_the_sequence() {
    let log = Log::new();
    let mut s = pin!(logged_naturals(&log).prefetch(4));
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
    assert_stopped_and_cleaned(&log);
    poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    assert_eq!(s.size_hint(), (0, Some(0)));
}

#[tokio::test(start_paused = true)]
async fn contract_19_stop_drops_a_producer_busy_between_elements() {
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0.. {
            // A slow fetch: the stop arrives while the producer waits here.
            tokio::time::sleep(Duration::from_secs(1)).await;
            if !y.yield_(i).await {
                break;
            }
        }
        l.push("cleanup");
    });
    let start = tokio::time::Instant::now();
    assert_eq!(s.prefetch(2).first().await, Some(0));
    // The stop came during the fetch of element 1, where the producer
    // cannot hear it: it was dropped at once (contract 19), without its
    // async cleanup, and `first` returned at once.
    assert!(log.events().is_empty());
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

// ── consumer drop ──

#[tokio::test]
async fn contract_15_consumer_drop_stops_the_producer_in_the_background() {
    let before = alive_tasks();
    let log = Log::new();
    let mut st = Box::pin(logged_naturals(&log).prefetch(4).stream());
    assert_eq!(st.next().await, Some(0));
    assert_eq!(st.next().await, Some(1));
    drop(st); // no stop: the task is told, and finishes on its own
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
    assert_stopped_and_cleaned(&log);
}

#[tokio::test(start_paused = true)]
async fn contract_19_consumer_drop_mid_element_drops_the_producer_and_ends_the_task() {
    let before = alive_tasks();
    let log = Log::new();
    let l = log.clone();
    let (guard, guard_dropped) = DropFlag::new();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        for i in 0.. {
            l.push(format!("fetching {i}"));
            tokio::time::sleep(Duration::from_secs(1)).await;
            if !y.yield_(i).await {
                l.push(format!("yield {i} -> false"));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await; // async cleanup
        l.push("cleanup");
    });
    let mut st = Box::pin(s.prefetch(8).stream());
    assert_eq!(st.next().await, Some(0));
    // The producer is now inside its fetch of element 1: drop then.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(log.events().last().map(String::as_str), Some("fetching 1"));
    drop(st);
    assert!(
        !guard_dropped.load(Ordering::SeqCst),
        "nothing waits in Drop"
    );
    // The producer waits in its fetch, where no stop is heard: the task
    // drops it (its `Drop` cleanup runs, its async cleanup does not) and
    // ends, without waiting for the fetch.
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
    assert!(guard_dropped.load(Ordering::SeqCst));
    assert_eq!(log.events(), ["fetching 0", "fetching 1"]);
    assert!(guard_dropped.load(Ordering::SeqCst));
}

// ── lazy start ──

#[tokio::test]
async fn contract_15_starts_its_task_only_when_consumption_starts() {
    let before = alive_tasks();
    let log = Log::new();
    let mut s = pin!(logged_naturals(&log).prefetch(4));
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(log.events().is_empty(), "started before consumption");
    assert_eq!(alive_tasks(), before, "spawned before consumption");
    assert_eq!(s.size_hint(), (0, None));
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    assert_eq!(log.events()[0], "start");
    assert_eq!(alive_tasks(), before + 1, "one task per prefetch");
    poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test]
async fn contract_15_stopped_or_dropped_before_consumption_never_starts() {
    let before = alive_tasks();
    let log = Log::new();
    // `take(0)` stops its inner sequence without polling it for an element.
    assert_eq!(logged_naturals(&log).prefetch(4).take(0).count().await, 0);
    drop(logged_naturals(&log).prefetch(4));
    tokio::task::yield_now().await;
    assert!(log.events().is_empty(), "started: {:?}", log.events());
    assert_eq!(alive_tasks(), before);
}

// ── no leaked task, on both runtime flavours ──

async fn leak_cases() {
    let before = alive_tasks();

    // Break early.
    let log = Log::new();
    logged_naturals(&log)
        .prefetch(8)
        .for_each(|v| async move { v < 100 })
        .await;
    assert_stopped_and_cleaned(&log);
    assert_eq!(settle_tasks(before).await, before, "break early leaked");

    // Drop mid-element: the producer is suspended in its own await, or at
    // its `yield_` of an element the buffer took: it is dropped there, or
    // hears the stop and cleans up (contract 19). Either way it ends.
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        let dropped = LogOnDrop::armed(&l, "dropped");
        let mut i = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(2)).await;
            if !y.yield_(i).await {
                break;
            }
            i += 1;
        }
        l.push("cleanup");
        dropped.disarm();
    });
    let mut st = Box::pin(s.prefetch(4).stream());
    assert_eq!(st.next().await, Some(0));
    drop(st);
    for _ in 0..100 {
        if !log.events().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let ended = log.events();
    assert!(ended == ["cleanup"] || ended == ["dropped"], "{ended:?}");
    assert_eq!(
        settle_tasks(before).await,
        before,
        "drop mid-element leaked"
    );

    // Producer panic.
    let msg = expect_panic(panicking_after(50).prefetch(8).count()).await;
    assert_eq!(msg, "producer failed after 50");
    assert_eq!(settle_tasks(before).await, before, "panic leaked");

    // Drop right after the first poll spawned the task.
    let mut s = Box::pin(logged_naturals(&Log::new()).prefetch(8));
    let _first = poll_fn(|cx| std::task::Poll::Ready(s.as_mut().poll_next(cx))).await;
    // Endless, so it is still running.
    assert_eq!(alive_tasks(), before + 1, "the first poll spawned the task");
    drop(s);
    assert_eq!(
        settle_tasks(before).await,
        before,
        "drop after spawn leaked"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn contract_15_no_task_leaks_on_current_thread() {
    leak_cases().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_no_task_leaks_on_two_workers() {
    leak_cases().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_15_no_task_leaks_with_a_spawned_consumer() {
    tokio::spawn(leak_cases()).await.expect("no panic");
}

// ── overflow policies ──

/// Yields 0..10 without ever waiting, then sets `done`.
fn burst(done: Arc<AtomicBool>) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..10 {
            assert!(y.yield_(i).await, "a drop policy never stops the producer");
        }
        done.store(true, Ordering::SeqCst);
    })
}

async fn run_burst(overflow: Overflow) -> Vec<u32> {
    let done = Arc::new(AtomicBool::new(false));
    let mut s = pin!(burst(done.clone()).prefetch_with(3, overflow));
    // The first poll starts the task; then let it run to its end.
    let first = poll_fn(|cx| std::task::Poll::Ready(s.as_mut().poll_next(cx))).await;
    assert!(first.is_pending());
    while !done.load(Ordering::SeqCst) {
        tokio::task::yield_now().await;
    }
    let mut got = Vec::new();
    while let Some(v) = poll_fn(|cx| s.as_mut().poll_next(cx)).await {
        got.push(v);
    }
    got
}

#[tokio::test(flavor = "current_thread")]
async fn overflow_drop_oldest_keeps_the_newest_n() {
    assert_eq!(run_burst(Overflow::DropOldest).await, [7, 8, 9]);
}

#[tokio::test(flavor = "current_thread")]
async fn overflow_drop_latest_keeps_the_first_n() {
    assert_eq!(run_burst(Overflow::DropLatest).await, [0, 1, 2]);
}

#[tokio::test(flavor = "current_thread")]
async fn overflow_suspend_drops_nothing() {
    // The producer waits for the consumer instead (so `run_burst`, which
    // lets it finish first, would wait forever).
    let done = Arc::new(AtomicBool::new(false));
    let s = burst(done.clone()).prefetch_with(3, Overflow::Suspend);
    assert_eq!(s.collect::<Vec<_>>().await, (0..10).collect::<Vec<_>>());
    assert!(done.load(Ordering::SeqCst));
}

#[tokio::test]
async fn overflow_drop_policies_drop_on_the_producer_task_and_still_stop() {
    for overflow in [Overflow::DropOldest, Overflow::DropLatest] {
        let before = alive_tasks();
        let log = Log::new();
        let v: Vec<u32> = logged_naturals(&log)
            .prefetch_with(4, overflow)
            .take(3)
            .collect()
            .await;
        assert_eq!(v.len(), 3);
        assert!(v.windows(2).all(|w| w[0] < w[1]), "out of order: {v:?}");
        assert_stopped_and_cleaned(&log);
        assert_eq!(settle_tasks(before).await, before);
    }
}

#[tokio::test]
async fn overflow_policy_and_capacity_are_reported() {
    let s = seq::iter(0..3).prefetch_with(5, Overflow::DropLatest);
    assert_eq!((s.capacity(), s.overflow()), (5, Overflow::DropLatest));
    assert_eq!(s.size_hint(), (0, Some(3)), "any element may be dropped");
    let dbg = format!("{s:?}");
    assert!(dbg.contains("capacity: 5") && dbg.contains("idle"), "{dbg}");
    assert_eq!(seq::iter(0..3).prefetch(5).overflow(), Overflow::Suspend);
}

// ── size_hint ──

#[tokio::test]
async fn size_hint_follows_the_inner_sequence() {
    let s = seq::iter(0..100).prefetch(8);
    assert_eq!(s.size_hint(), (100, Some(100)));
    let got = support::collect_checking_size_hint(s.stream()).await;
    assert_eq!(got.len(), 100);
}

// ── the argument check ──

/// Runs `f`, which must panic after storing the line it expects the
/// panic at, and checks the panic's message and location.
fn assert_panics_at_caller(f: impl FnOnce(&AtomicU32) + std::panic::UnwindSafe) {
    let expected_line = AtomicU32::new(0);
    let (msg, file, line) = panic_message_file_and_line(|| f(&expected_line));
    assert_eq!(msg, "`prefetch` capacity `n` must be non-zero");
    assert_eq!(file, file!(), "the panic must point at the caller");
    assert_eq!(line, expected_line.load(Ordering::SeqCst));
}

#[test]
fn contract_15_zero_capacity_panics_at_the_callers_location() {
    assert_panics_at_caller(|line| {
        line.store(line!() + 1, Ordering::SeqCst);
        let _ = seq::iter(0..3).prefetch(0);
    });
    assert_panics_at_caller(|line| {
        line.store(line!() + 1, Ordering::SeqCst);
        let _ = seq::iter(0..3).prefetch_with(0, Overflow::DropOldest);
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = rt.handle();
    assert_panics_at_caller(|line| {
        line.store(line!() + 1, Ordering::SeqCst);
        let _ = seq::iter(0..3).prefetch_on(handle, 0);
    });
}

// ── the runtime requirement ──

#[test]
fn polled_outside_a_runtime_panics_with_a_clear_message() {
    let s = seq::iter(0..3).prefetch(2);
    let payload =
        std::panic::catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(s.count())))
            .expect_err("no runtime: must panic");
    let msg = panic_message(&*payload);
    assert!(
        msg.contains("must be polled within a tokio runtime"),
        "{msg}"
    );
    assert!(msg.contains("prefetch_on"), "{msg}");
}

#[test]
fn prefetch_on_runs_the_producer_on_the_given_runtime() {
    let rt = support::two_workers_runtime();
    let before = rt.metrics().num_alive_tasks();
    let log = Log::new();
    let s = logged_naturals(&log).prefetch_on(rt.handle(), 4).take(50);
    // The consumer runs outside any runtime.
    let v: Vec<u32> = futures::executor::block_on(s.collect());
    assert_eq!(v, (0..50).collect::<Vec<_>>());
    assert_stopped_and_cleaned(&log);
    let after = rt.block_on(settle_tasks(before));
    assert_eq!(after, before);
}

#[test]
fn a_runtime_shut_down_under_a_running_prefetch_is_a_panic_not_a_hang() {
    let rt = support::current_thread_runtime();
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        y.yield_(1).await;
        std::future::pending::<()>().await;
    });
    let mut st = Box::pin(s.prefetch_on(rt.handle(), 4).stream());
    let first = rt.block_on(st.next());
    assert_eq!(first, Some(1));
    drop(rt); // drops the producer task unfinished
    let payload =
        std::panic::catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(st.next())))
            .expect_err("must not hang or end quietly");
    let msg = panic_message(&*payload);
    assert!(msg.contains("dropped before its sequence ended"), "{msg}");
}

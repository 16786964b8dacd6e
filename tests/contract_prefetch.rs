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
use support::panics::{
    expect_panic, panic_message, panic_message_file_and_line, panic_of, panicking_after,
};
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

/// Runs `f`, which must panic, after storing the line it expects the
/// panic at, and checks the panic's message and location.
fn assert_panics_at_caller(f: impl FnOnce(&AtomicU32) + std::panic::UnwindSafe) {
    let expected_line = AtomicU32::new(0);
    let (msg, file, line) = panic_message_file_and_line(|| f(&expected_line));
    assert_eq!(
        msg,
        "`prefetch_with` capacity `n` must be non-zero with a drop policy"
    );
    assert_eq!(file, file!(), "the panic must point at the caller");
    assert_eq!(line, expected_line.load(Ordering::SeqCst));
}

/// `prefetch(0)`, `prefetch_on(handle, 0)` and `prefetch_with(0,
/// Overflow::Suspend)` are the rendezvous of contract 23
/// (tests/contract_rendezvous.rs); a drop policy needs room for one
/// element.
#[test]
fn contract_15_zero_capacity_with_a_drop_policy_panics_at_the_callers_location() {
    assert_panics_at_caller(|line| {
        line.store(line!() + 1, Ordering::SeqCst);
        let _ = seq::iter(0..3).prefetch_with(0, Overflow::DropOldest);
    });
    assert_panics_at_caller(|line| {
        line.store(line!() + 1, Ordering::SeqCst);
        let _ = seq::iter(0..3).prefetch_with(0, Overflow::DropLatest);
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

// ── liveness (contract 19) ──

/// Yields 0, 1, 2, then waits for ever elsewhere than `yield_` (a hung
/// read): it can never hear a stop. `guard` is its `Drop` cleanup.
fn hangs_after_three(guard: DropFlag) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        for i in 0..3 {
            if !y.yield_(i).await {
                return;
            }
        }
        std::future::pending::<()>().await;
    })
}

/// A hand-written sequence that yields 0, 1, 2, then is pending for ever
/// (it never wakes anyone), and whose `poll_stop` is ready at once: the
/// shape of a producer that cannot hear the stop, once the producer side
/// drops such a producer (contract 19). Records that it was stopped.
struct HangingSeq {
    next: u32,
    stopped: Arc<AtomicBool>,
}

impl Seq for HangingSeq {
    type Item = u32;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<u32>> {
        if self.next < 3 && !self.stopped.load(Ordering::SeqCst) {
            self.next += 1;
            return std::task::Poll::Ready(Some(self.next - 1));
        }
        std::task::Poll::Pending
    }

    fn poll_stop(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.stopped.store(true, Ordering::SeqCst);
        std::task::Poll::Ready(())
    }
}

/// The liveness cases of contract 19 for `prefetch` over a `from_fn`
/// producer, each within `limit` (virtual on a paused clock): each
/// completes, and leaves no task.
async fn liveness_cases(limit: Duration) {
    let before = alive_tasks();

    // take(3) stops a producer parked in `pending()`: the stop reaches it
    // through the inner `poll_stop`, which drops it (its Drop cleanup runs).
    let (guard, dropped) = DropFlag::new();
    let got = tokio::time::timeout(
        limit,
        hangs_after_three(guard)
            .prefetch(8)
            .take(3)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("take(3) over a hung producer must complete");
    assert_eq!(got, [0, 1, 2]);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the producer was not dropped"
    );
    assert_eq!(
        settle_tasks(before).await,
        before,
        "take(3) leaked the task"
    );

    // Dropping the stream ends the task too.
    let (guard, dropped) = DropFlag::new();
    let mut st = Box::pin(hangs_after_three(guard).prefetch(8).stream());
    for i in 0..3 {
        assert_eq!(tokio::time::timeout(limit, st.next()).await, Ok(Some(i)));
    }
    drop(st);
    assert_eq!(
        settle_tasks(before).await,
        before,
        "dropping leaked the task"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "the producer was not dropped"
    );

    heard_stop_is_waited_for(limit).await;
}

/// The task's side alone, over a hand-written sequence whose `poll_stop`
/// is ready at once: the stop and the drop both reach it, within `limit`.
async fn task_side_liveness_cases(limit: Duration) {
    let before = alive_tasks();
    for drop_it in [false, true] {
        let stopped = Arc::new(AtomicBool::new(false));
        let s = HangingSeq {
            next: 0,
            stopped: stopped.clone(),
        };
        let mut st = Box::pin(s.prefetch(8).take(3).stream());
        for i in 0..3 {
            assert_eq!(tokio::time::timeout(limit, st.next()).await, Ok(Some(i)));
        }
        if drop_it {
            drop(st);
        } else {
            assert_eq!(tokio::time::timeout(limit, st.next()).await, Ok(None));
            assert!(stopped.load(Ordering::SeqCst), "the stop completed first");
        }
        assert_eq!(
            settle_tasks(before).await,
            before,
            "leaked (drop: {drop_it})"
        );
        assert!(stopped.load(Ordering::SeqCst), "poll_stop was not called");
    }

    heard_stop_is_waited_for(limit).await;
}

/// A producer that hears the stop at its `yield_` is waited for: its async
/// cleanup runs before the consumer's stop completes.
async fn heard_stop_is_waited_for(limit: Duration) {
    let before = alive_tasks();
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        l.push("async cleanup");
    });
    let got: Vec<u32> = tokio::time::timeout(limit, s.prefetch(8).take(3).collect())
        .await
        .expect("completes");
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(log.events(), ["async cleanup"], "the stop did not wait");
    assert_eq!(settle_tasks(before).await, before);
}

/// The time limit on a paused clock: virtual, so generous.
const PAUSED_LIMIT: Duration = Duration::from_secs(600);

/// The time limit on a real clock: it bounds a hang, it is not a timing
/// assertion.
const REAL_LIMIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn contract_19_prefetch_stop_and_drop_reach_a_hung_producer_on_current_thread() {
    liveness_cases(PAUSED_LIMIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_19_prefetch_stop_and_drop_reach_a_hung_producer_on_two_workers() {
    liveness_cases(REAL_LIMIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_19_prefetch_stop_and_drop_reach_a_hung_producer_with_a_spawned_consumer() {
    tokio::spawn(liveness_cases(REAL_LIMIT))
        .await
        .expect("no panic");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn contract_19_prefetch_task_calls_the_inner_poll_stop_on_current_thread() {
    task_side_liveness_cases(PAUSED_LIMIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_19_prefetch_task_calls_the_inner_poll_stop_on_two_workers() {
    task_side_liveness_cases(REAL_LIMIT).await;
}

// ── user code never runs while the hand-off holds a waker (STYLE rule 17) ──

/// An element whose `Drop` panics when its flag says so.
struct Bomb(u32, bool);

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.1 && !std::thread::panicking() {
            panic!("element {} failed to drop", self.0);
        }
    }
}

/// Yields `Bomb`s that panic on drop from element 1 on, never waiting,
/// then logs its async cleanup once stopped.
fn bombs(log: &Log) -> impl Seq<Item = Bomb> + Send + 'static {
    let l = log.clone();
    seq::from_fn(move |mut y: Yield<Bomb>| async move {
        for i in 0.. {
            if !y.yield_(Bomb(i, i > 0)).await {
                break;
            }
        }
        tokio::task::yield_now().await;
        l.push("cleanup");
    })
}

/// Takes `k` elements from `s` (letting the producer run between them),
/// then lets the producer fill the buffer again.
async fn take_some<S: Seq<Item = Bomb> + Send + 'static>(
    s: &mut std::pin::Pin<Box<seqflow::seq::Prefetch<S>>>,
    k: usize,
) {
    for _ in 0..k {
        let b = poll_fn(|cx| s.as_mut().poll_next(cx))
            .await
            .expect("endless");
        std::mem::forget(b); // a delivered element is the consumer's to drop
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
    }
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

/// Waits, bounded, until `log` holds `"cleanup"`.
async fn cleaned_up(log: &Log) -> bool {
    for _ in 0..1000 {
        if log.contains("cleanup") {
            return true;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    false
}

async fn element_drop_panics_cases(on_one_thread: bool) {
    let before = alive_tasks();
    for n in [2, 8, 64] {
        // Stopped after k elements: the elements produced ahead sit in the
        // consumer's local buffer, in the shared queue, or both.
        for k in [1, 2, 3, n, n + 1] {
            let log = Log::new();
            let mut s = Box::pin(bombs(&log).prefetch(n));
            take_some(&mut s, k).await;
            match panic_of(poll_fn(|cx| s.as_mut().poll_stop(cx))).await {
                Some(msg) => assert!(msg.ends_with("failed to drop"), "{msg}"),
                // On two workers the task may have been waiting for credit
                // with nothing produced ahead.
                None => assert!(!on_one_thread, "the stop discarded nothing"),
            }
            // With the sequence still alive: the task ends, the producer
            // cleaned up, and the stop completes.
            assert!(cleaned_up(&log).await, "no cleanup (n = {n}, k = {k})");
            assert_eq!(
                settle_tasks(before).await,
                before,
                "stop leaked (n = {n}, k = {k})"
            );
            // The task may have discarded elements of its own, whose panic
            // the next stop resumes; then the stop is complete.
            if let Some(msg) = panic_of(poll_fn(|cx| s.as_mut().poll_stop(cx))).await {
                assert!(msg.ends_with("failed to drop"), "{msg}");
            }
            poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
            assert_eq!(
                poll_fn(|cx| s.as_mut().poll_next(cx)).await.map(|b| b.0),
                None
            );
        }
        // Dropped after k elements: the drop panics, and still the task
        // ends and the producer cleans up.
        for k in [1, 2, 3, n, n + 1] {
            let log = Log::new();
            let mut s = Box::pin(bombs(&log).prefetch(n));
            take_some(&mut s, k).await;
            let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(s)));
            match dropped {
                Err(payload) => {
                    let msg = panic_message(&*payload);
                    assert!(msg.ends_with("failed to drop"), "{msg}");
                }
                // On two workers the elements may still be in the task's
                // hands: it drops them there, and nobody hears of it.
                Ok(()) => assert!(!on_one_thread, "the drop discarded nothing"),
            }
            assert!(cleaned_up(&log).await, "no cleanup (n = {n}, k = {k})");
            assert_eq!(
                settle_tasks(before).await,
                before,
                "drop leaked (n = {n}, k = {k})"
            );
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_panicking_element_drop_in_the_stop_or_drop_leaves_no_task_on_current_thread() {
    element_drop_panics_cases(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_element_drop_in_the_stop_or_drop_leaves_no_task_on_two_workers() {
    element_drop_panics_cases(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_drop_of_an_element_the_task_still_holds_at_the_stop_reaches_the_stop() {
    let before = alive_tasks();
    let (yielded_tx, yielded) = tokio::sync::oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    // The task keeps an element in hand until it has a chunk (16 / 4 = 4
    // elements) or the producer waits. This producer yields one element,
    // then blocks its worker (no `Pending`: the task neither publishes nor
    // parks) until the consumer has begun its stop, and returns.
    let s = seq::from_fn(move |mut y: Yield<Bomb>| async move {
        assert!(y.yield_(Bomb(0, true)).await, "nobody stopped yet");
        yielded_tx.send(()).expect("the test waits");
        // An error only if the test failed and dropped the sender.
        let _ = released.recv();
    });
    let mut s = Box::pin(s.prefetch(16));
    let first = poll_fn(|cx| std::task::Poll::Ready(s.as_mut().poll_next(cx))).await;
    assert!(first.is_pending(), "nothing published yet");
    yielded.await.expect("the producer yields");
    let stop = poll_fn(|cx| std::task::Poll::Ready(s.as_mut().poll_stop(cx))).await;
    assert!(stop.is_pending(), "the producer is still running");
    release.send(()).expect("the producer waits");
    // The task drops the element the stopped consumer will never see before
    // it ends: the panic of its `Drop` is the stop's.
    let msg = expect_panic(poll_fn(|cx| s.as_mut().poll_stop(cx))).await;
    assert_eq!(msg, "element 0 failed to drop");
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
}

//! DESIGN.md contract line 23: `prefetch(0)`, the rendezvous on a task of
//! its own (Go's unbuffered, goroutine-backed `iter.Pull`), and
//! `pull(seq.prefetch(0))` / `pull2(seq.prefetch(0))`, the pull on a
//! task-plus-channel rendezvous.
//!
//! One test per clause, named `contract_23_<clause>`, each on both runtime
//! flavours where the flavour matters: the producer runs on its own task
//! only while the consumer waits (at most one element ahead), cancel
//! safety, stop and drop reaching the producer (contract 19 included),
//! panics, no task outliving it, contracts 6-10 through `pull`, and the
//! argument rules of `prefetch_with` and `prefetch_on` with `n = 0`.

mod support;

use std::future::{pending, poll_fn, ready};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Overflow, Seq, Yield, pull, pull2, seq};
use support::logged::{logged_below, logged_naturals, stopped_at};
use support::panics::{expect_panic, panic_message_file_and_line, panicking_after};
use support::{DropFlag, Log, alive_tasks};

/// Waits until the runtime's alive-task count is back to `expected`.
async fn settle_tasks(expected: usize) -> usize {
    support::settle_tasks_within(expected, Duration::from_secs(5)).await
}

/// Runs `case` on a current-thread runtime with a paused clock, on a
/// two-worker runtime, and on a two-worker runtime with the consumer
/// spawned: the three places a consumer sits.
fn on_every_flavour<F, Fut>(case: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    support::paused_runtime().block_on(case());
    let rt = support::two_workers_runtime();
    rt.block_on(case());
    rt.block_on(async { tokio::spawn(case()).await.expect("no panic") });
}

/// Yields 0.. without end, counting what it produced in `produced` and
/// recording the id of the task it runs on.
fn counted(
    produced: Arc<AtomicUsize>,
    task: Arc<Mutex<Option<tokio::task::Id>>>,
) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        *task.lock().unwrap() = tokio::task::try_id();
        for i in 0.. {
            produced.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

// ── the producer runs on its own task, only while the consumer waits ──

async fn runs_only_while_the_consumer_waits() {
    let before = alive_tasks();
    let produced = Arc::new(AtomicUsize::new(0));
    let task = Arc::new(Mutex::new(None));
    let s = counted(produced.clone(), task.clone()).prefetch(0);
    let mut p = pull(s);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(produced.load(Ordering::SeqCst), 0, "started before next()");
    assert_eq!(alive_tasks(), before, "spawned before next()");
    for i in 0..20 {
        assert_eq!(p.next().await, Some(i));
        // The consumer handles the element; meanwhile the producer may
        // not run ahead: it runs only while the consumer waits.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(
            produced.load(Ordering::SeqCst),
            i as usize + 1,
            "the producer ran ahead of the consumer"
        );
    }
    let producer_task = task.lock().unwrap().expect("the producer runs on a task");
    assert_ne!(
        Some(producer_task),
        tokio::task::try_id(),
        "the producer runs on a task of its own"
    );
    assert_eq!(alive_tasks(), before + 1, "one task");
    p.stop().await;
    assert_eq!(settle_tasks(before).await, before);
}

#[test]
fn contract_23_the_producer_runs_on_its_own_task_only_while_the_consumer_waits() {
    on_every_flavour(runs_only_while_the_consumer_waits);
}

/// The log of a rendezvous run is the log of the inline run: the same
/// elements asked for, the same `yield_` results, the cleanup before the
/// consumer returns.
async fn same_protocol_as_inline() {
    for k in [0, 1, 3, 10] {
        let (inline, task) = (Log::new(), Log::new());
        let a: Vec<u32> = logged_naturals(&inline).take(k).collect().await;
        let b: Vec<u32> = logged_naturals(&task).prefetch(0).take(k).collect().await;
        assert_eq!(a, b);
        assert_eq!(inline.events(), task.events(), "k = {k}");
        if k > 0 {
            assert_eq!(task.events(), stopped_at(k as u32 - 1), "k = {k}");
        }
    }
    // To the end, and a consumer that breaks.
    let (inline, task) = (Log::new(), Log::new());
    let a: Vec<u32> = logged_below(5, &inline).collect().await;
    let b: Vec<u32> = logged_below(5, &task).prefetch(0).collect().await;
    assert_eq!(a, b);
    assert_eq!(inline.events(), task.events());
    let (inline, task) = (Log::new(), Log::new());
    logged_naturals(&inline)
        .for_each(|v| async move { v < 4 })
        .await;
    logged_naturals(&task)
        .prefetch(0)
        .for_each(|v| async move { v < 4 })
        .await;
    assert_eq!(inline.events(), task.events());
}

#[test]
fn contract_23_asks_the_producer_for_exactly_what_inline_pull_asks_for() {
    on_every_flavour(same_protocol_as_inline);
}

// ── cancel safety ──

async fn cancelled_next_loses_nothing() {
    let before = alive_tasks();
    let produced = Arc::new(AtomicUsize::new(0));
    let s = counted(produced.clone(), Arc::default()).prefetch(0);
    let mut p = pull(s);
    let mut got = Vec::new();
    let mut cancelled = 0;
    while got.len() < 50 {
        // A `next()` that loses a `select!` to a branch that is ready at
        // once, then (every other round) one that is awaited.
        tokio::select! {
            biased;
            v = p.next() => got.push(v.expect("endless")),
            () = ready(()) => {
                cancelled += 1;
                // Let the producer's task run: it makes the element asked
                // for, which waits for the next call.
                tokio::task::yield_now().await;
            }
        }
        let ahead = produced.load(Ordering::SeqCst) - got.len();
        assert!(ahead <= 1, "{ahead} elements ahead");
        if got.len() % 2 == 0 {
            tokio::task::yield_now().await;
            got.push(p.next().await.expect("endless"));
        }
    }
    assert!(cancelled > 0, "no next() was cancelled");
    let expect: Vec<u32> = (0..got.len() as u32).collect();
    assert_eq!(got, expect, "an element was lost");
    drop(p);
    assert_eq!(settle_tasks(before).await, before);
}

#[test]
fn contract_23_next_is_cancel_safe_and_at_most_one_element_ahead() {
    on_every_flavour(cancelled_next_loses_nothing);
}

// ── stop and drop reach the producer; no task outlives it ──

async fn stop_and_drop() {
    let before = alive_tasks();

    // `stop()` makes the pending `yield_` return false and waits for the
    // producer's cleanup.
    let log = Log::new();
    let mut p = pull(logged_naturals(&log).prefetch(0));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    p.stop().await;
    assert_eq!(log.events(), stopped_at(1));
    assert_eq!(settle_tasks(before).await, before, "stop leaked");

    // Dropping the handle stops the producer in the background.
    let log = Log::new();
    let mut p = pull(logged_naturals(&log).prefetch(0));
    assert_eq!(p.next().await, Some(0));
    drop(p);
    assert_eq!(settle_tasks(before).await, before, "drop leaked");
    assert_eq!(log.events(), stopped_at(0));

    // Dropping the sequence after a cancelled `next()`.
    let log = Log::new();
    let mut st = Box::pin(logged_naturals(&log).prefetch(0).stream());
    assert_eq!(st.next().await, Some(0));
    tokio::select! { biased; _ = st.next() => {}, () = ready(()) => {} }
    drop(st);
    assert_eq!(
        settle_tasks(before).await,
        before,
        "drop after cancel leaked"
    );
    let events = log.events();
    assert_eq!(
        events.last().map(String::as_str),
        Some("cleanup"),
        "{events:?}"
    );

    // Stopped before the first element: never started, no task.
    let log = Log::new();
    let mut p = pull(logged_naturals(&log).prefetch(0));
    p.stop().await;
    assert!(log.events().is_empty());
    assert_eq!(alive_tasks(), before);
}

#[test]
fn contract_23_stop_and_drop_reach_the_producer_and_no_task_outlives_it() {
    on_every_flavour(stop_and_drop);
}

/// Contract 19 through the rendezvous: a producer parked elsewhere than
/// `yield_` is dropped when the consumer stops or drops.
async fn hung_producer() {
    let before = alive_tasks();
    let limit = Duration::from_secs(10);
    let hangs = |guard: DropFlag| {
        seq::from_fn(move |mut y: Yield<u32>| async move {
            let _guard = guard;
            if !y.yield_(0).await {
                return;
            }
            pending::<()>().await;
        })
    };
    let (guard, dropped) = DropFlag::new();
    let mut p = pull(hangs(guard).prefetch(0));
    assert_eq!(p.next().await, Some(0));
    // The next element never comes: the consumer gives up on it...
    let lost = tokio::time::timeout(Duration::from_millis(10), p.next()).await;
    assert!(lost.is_err());
    // ...and stops, which completes.
    tokio::time::timeout(limit, p.stop())
        .await
        .expect("the stop hangs");
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(settle_tasks(before).await, before);

    let (guard, dropped) = DropFlag::new();
    let mut p = pull(hangs(guard).prefetch(0));
    assert_eq!(p.next().await, Some(0));
    let lost = tokio::time::timeout(Duration::from_millis(10), p.next()).await;
    assert!(lost.is_err());
    drop(p);
    assert_eq!(settle_tasks(before).await, before, "the task leaked");
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn contract_23_a_producer_hung_elsewhere_than_yield_is_dropped_at_stop_or_drop() {
    on_every_flavour(hung_producer);
}

// ── panics surface ──

async fn panics_surface() {
    let before = alive_tasks();
    let mut p = pull(panicking_after(3).prefetch(0));
    for i in 0..3 {
        assert_eq!(p.next().await, Some(i));
    }
    assert_eq!(expect_panic(p.next()).await, "producer failed after 3");
    assert_eq!(p.next().await, None);
    let msg = expect_panic(panicking_after(5).prefetch(0).count()).await;
    assert_eq!(msg, "producer failed after 5");

    // A panic in the cleanup reaches the stop.
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed");
    });
    let mut p = pull(s.prefetch(0));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(expect_panic(p.stop()).await, "cleanup failed");
    assert_eq!(settle_tasks(before).await, before);
}

#[test]
fn contract_23_producer_panics_surface_in_next_and_stop() {
    on_every_flavour(panics_surface);
}

// ── contracts 6-10 through pull and pull2 ──

async fn pull_contract() {
    let before = alive_tasks();
    // 7: None after exhaustion, for ever; 8: stop any number of times.
    let mut p = pull(seq::iter(0..3).prefetch(0));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.next().await, Some(2));
    for _ in 0..3 {
        assert_eq!(p.next().await, None);
    }
    p.stop().await;
    p.stop().await;
    assert_eq!(p.next().await, None);

    // pull2: pairs.
    let pairs = seq::iter(["a", "b", "c"]).enumerate();
    let mut p2 = pull2(pairs.prefetch(0));
    assert_eq!(p2.next().await, Some((0, "a")));
    assert_eq!(p2.next().await, Some((1, "b")));
    p2.stop().await;
    assert_eq!(p2.next().await, None);

    // Errors are elements.
    let items = vec![Ok(1), Err("bad"), Ok(2)];
    let got: Vec<Result<i32, &str>> = seq::iter(items.clone()).prefetch(0).collect().await;
    assert_eq!(got, items);
    assert_eq!(settle_tasks(before).await, before);
}

#[test]
fn contract_23_pull_and_pull2_over_prefetch_zero_keep_contracts_6_to_10() {
    on_every_flavour(pull_contract);
}

async fn order_and_exactly_once() {
    const LEN: u64 = 5_000;
    let v: Vec<u64> = seq::iter(0..LEN).prefetch(0).collect().await;
    assert!(v.iter().copied().eq(0..LEN));
    let mut p = pull(seq::iter(0..LEN).prefetch(0));
    let mut expect = 0;
    while let Some(v) = p.next().await {
        assert_eq!(v, expect);
        expect += 1;
    }
    assert_eq!(expect, LEN);
}

#[test]
fn contract_23_preserves_order_and_delivers_every_element_once() {
    on_every_flavour(order_and_exactly_once);
}

// ── the argument rules with n = 0 ──

#[test]
fn contract_23_prefetch_on_with_zero_is_the_rendezvous_on_the_named_runtime() {
    let rt = support::two_workers_runtime();
    let before = rt.metrics().num_alive_tasks();
    let log = Log::new();
    let s = logged_naturals(&log).prefetch_on(rt.handle(), 0);
    assert_eq!(s.capacity(), 0);
    let s = s.take(5);
    // The consumer runs outside any runtime.
    let v: Vec<u32> = futures::executor::block_on(s.collect());
    assert_eq!(v, [0, 1, 2, 3, 4]);
    assert_eq!(log.events(), stopped_at(4));
    assert_eq!(rt.block_on(settle_tasks(before)), before);
}

#[test]
fn contract_23_prefetch_with_suspend_and_zero_is_the_rendezvous() {
    let rt = support::current_thread_runtime();
    rt.block_on(async {
        let s = seq::iter(0..4).prefetch_with(0, Overflow::Suspend);
        assert_eq!(s.capacity(), 0);
        assert_eq!(s.collect::<Vec<_>>().await, [0, 1, 2, 3]);
    });
}

#[test]
fn contract_23_prefetch_with_a_drop_policy_and_zero_panics_at_the_callers_location() {
    for overflow in [Overflow::DropOldest, Overflow::DropLatest] {
        let expected_line = AtomicU32::new(0);
        let (msg, file, line) = panic_message_file_and_line(|| {
            expected_line.store(line!() + 1, Ordering::SeqCst);
            let _ = seq::iter(0..3).prefetch_with(0, overflow);
        });
        assert_eq!(
            msg,
            "`prefetch_with` capacity `n` must be non-zero with a drop policy"
        );
        assert_eq!(file, file!(), "the panic must point at the caller");
        assert_eq!(line, expected_line.load(Ordering::SeqCst));
    }
}

#[test]
fn contract_23_size_hint_and_debug() {
    let rt = support::current_thread_runtime();
    rt.block_on(async {
        let s = seq::iter(0..10).prefetch(0);
        assert_eq!(s.size_hint(), (10, Some(10)));
        let dbg = format!("{s:?}");
        assert!(dbg.contains("capacity: 0"), "{dbg}");
        let got = support::collect_checking_size_hint(s.stream()).await;
        assert_eq!(got.len(), 10);
        let mut s = std::pin::pin!(seq::iter(0..2).prefetch(0));
        assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    });
}

//! DESIGN.md contract lines 6–12: `pull`, Go's `iter.Pull`.
//!
//! Each test is named after the contract line it proves.

mod support;

use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FusedStream;
use seqflow::{Pull, Seq, Yield, pull, pull_on, pull2, seq};
use support::logged::{logged_naturals, stopped_at};
use support::panics::{expect_panic, panic_message, panicking_after};
use support::{Log, PendingOnce, alive_tasks, settle_tasks_patiently};
use tokio::sync::oneshot;

// ── 6. rendezvous: no run-ahead ──

#[tokio::test(start_paused = true)]
async fn contract_06_producer_runs_only_while_the_consumer_waits_in_next() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(log.events().is_empty(), "pull started the producer early");
    for expected in 0..4 {
        assert_eq!(p.next().await, Some(expected));
        // The consumer is busy elsewhere: the producer must not move on,
        // not even to resume its pending `yield_`.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let events = log.events();
        assert_eq!(
            events.len(),
            1 + expected as usize,
            "the producer ran without a pending `next`: {events:?}"
        );
        assert_eq!(
            events.last().unwrap(),
            &match expected {
                0 => "start".to_owned(),
                n => format!("yield {} -> true", n - 1),
            }
        );
    }
    p.stop().await;
}

#[tokio::test(start_paused = true)]
async fn contract_06_at_most_one_element_is_produced_per_next() {
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = produced.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<usize>| async move {
        for i in 0.. {
            // Waits between elements, as a real source would.
            tokio::time::sleep(Duration::from_millis(3)).await;
            counter.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    for calls in 1..=20 {
        assert_eq!(p.next().await, Some(calls - 1));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(produced.load(Ordering::SeqCst), calls);
    }
}

async fn producer_runs_on_the_consumer_task() {
    let before = alive_tasks();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        for i in 0..3 {
            s.lock().unwrap().push(tokio::task::try_id());
            tokio::task::yield_now().await;
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::new();
    while let Some(v) = p.next().await {
        assert_eq!(alive_tasks(), before, "pull spawned a task");
        got.push(v);
    }
    assert_eq!(got, [0, 1, 2]);
    let consumer = tokio::task::try_id();
    assert_eq!(*seen.lock().unwrap(), [consumer; 3]);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_06_producer_runs_on_the_consumer_task_current_thread() {
    producer_runs_on_the_consumer_task().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_06_producer_runs_on_the_consumer_task_multi_thread() {
    // In a spawned task, so that the task id is a real one.
    tokio::spawn(producer_runs_on_the_consumer_task())
        .await
        .unwrap();
}

// ── 7. fused ──

#[tokio::test]
async fn contract_07_next_after_exhaustion_returns_none_forever() {
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        s.fetch_add(1, Ordering::SeqCst);
        for i in 1..=2 {
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.next().await, Some(2));
    for _ in 0..5 {
        assert_eq!(p.next().await, None);
    }
    assert!(p.is_done());
    assert_eq!(starts.load(Ordering::SeqCst), 1, "the producer was rerun");
}

#[tokio::test]
async fn contract_07_next_after_stop_returns_none_forever() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    assert_eq!(p.next().await, Some(0));
    p.stop().await;
    let after_stop = log.events();
    for _ in 0..5 {
        assert_eq!(p.next().await, None);
    }
    assert_eq!(log.events(), after_stop, "next resumed a stopped producer");
}

#[tokio::test]
async fn contract_07_next_after_a_producer_panic_returns_none_forever() {
    let mut p = pull(panicking_after(2));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(expect_panic(p.next()).await, "producer failed after 2");
    assert!(p.is_done());
    for _ in 0..5 {
        assert_eq!(p.next().await, None);
    }
    p.stop().await;
}

// ── 8. stop ──

#[tokio::test]
async fn contract_08_stop_before_any_next_never_starts_the_producer() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    p.stop().await;
    p.stop().await;
    assert_eq!(p.next().await, None);
    p.stop().await;
    assert!(log.events().is_empty(), "{:?}", log.events());
}

#[tokio::test]
async fn contract_08_stop_makes_the_pending_yield_return_false_and_waits_for_cleanup() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    p.stop().await;
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn contract_08_stop_any_number_of_times_and_after_exhaustion() {
    let mut p = pull(seq::iter([1, 2]));
    assert_eq!(p.next().await, Some(1));
    p.stop().await;
    p.stop().await;
    assert_eq!(p.next().await, None);

    let mut p = pull(seq::iter([1]));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.next().await, None);
    p.stop().await;
    p.stop().await;
    assert_eq!(p.next().await, None);
}

#[tokio::test]
async fn contract_08_stop_resumes_a_panic_in_the_producer_cleanup() {
    let mut p = pull(seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed");
    }));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(expect_panic(p.stop()).await, "cleanup failed");
    assert!(p.is_done());
    p.stop().await; // completes at once
    assert_eq!(p.next().await, None);
}

#[tokio::test(start_paused = true)]
async fn contract_08_stop_cancelled_midway_is_finished_by_the_next_call() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(7).await {}
        tokio::time::sleep(Duration::from_millis(10)).await;
        c.store(true, Ordering::SeqCst);
    }));
    assert_eq!(p.next().await, Some(7));
    tokio::select! {
        () = p.stop() => panic!("the cleanup takes 10 ms"),
        () = tokio::time::sleep(Duration::from_millis(1)) => {}
    }
    assert!(!cleaned.load(Ordering::SeqCst));
    assert!(!p.is_done());
    // No element after a stop was requested: `next` finishes the stop.
    assert_eq!(p.next().await, None);
    assert!(cleaned.load(Ordering::SeqCst));
    assert!(p.is_done());
}

// ── 9. drop stops in the background ──

/// A producer whose cleanup waits for `release`, then logs "cleanup".
fn cleanup_waits_for(
    release: oneshot::Receiver<()>,
    log: &Log,
) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let mut i = 0;
        loop {
            let more = y.yield_(i).await;
            if !more {
                log.push(format!("yield {i} -> false"));
                break;
            }
            i += 1;
        }
        let _ = release.await;
        log.push("cleanup");
    })
}

async fn drop_with_synchronous_cleanup_spawns_nothing() {
    let before = alive_tasks();
    let log = Log::new();
    let l = log.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
        let mut i = 0;
        while y.yield_(i).await {
            i += 1;
        }
        l.push(format!("saw false after {i}"));
    }));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    drop(p);
    assert_eq!(
        log.events(),
        ["saw false after 1"],
        "cleanup ran inside drop"
    );
    assert_eq!(alive_tasks(), before, "a task was spawned");
}

#[tokio::test(flavor = "current_thread")]
async fn contract_09_drop_with_synchronous_cleanup_finishes_inside_drop_current_thread() {
    drop_with_synchronous_cleanup_spawns_nothing().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_09_drop_with_synchronous_cleanup_finishes_inside_drop_multi_thread() {
    drop_with_synchronous_cleanup_spawns_nothing().await;
}

async fn drop_with_async_cleanup_finishes_on_a_task() {
    let before = alive_tasks();
    let log = Log::new();
    let (release, wait) = oneshot::channel();
    let mut p = pull(cleanup_waits_for(wait, &log));
    assert_eq!(p.next().await, Some(0));
    drop(p);
    // The producer has seen `false` already; its cleanup waits on a task.
    assert_eq!(log.events(), ["yield 0 -> false"]);
    assert_eq!(alive_tasks(), before + 1);
    release.send(()).unwrap();
    assert_eq!(
        settle_tasks_patiently(before).await,
        before,
        "the task outlived its producer"
    );
    assert_eq!(log.events(), ["yield 0 -> false", "cleanup"]);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_09_drop_with_async_cleanup_finishes_on_a_task_current_thread() {
    drop_with_async_cleanup_finishes_on_a_task().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_09_drop_with_async_cleanup_finishes_on_a_task_multi_thread() {
    drop_with_async_cleanup_finishes_on_a_task().await;
}

#[tokio::test]
async fn contract_09_dropping_an_unstarted_or_finished_pull_spawns_nothing() {
    let before = alive_tasks();
    let log = Log::new();
    drop(pull(logged_naturals(&log)));
    assert!(log.events().is_empty(), "an unstarted producer was started");

    let mut p = pull(logged_naturals(&log));
    assert_eq!(p.next().await, Some(0));
    p.stop().await;
    drop(p);

    let mut p = pull(seq::iter([1]));
    while p.next().await.is_some() {}
    drop(p);
    assert_eq!(alive_tasks(), before);
}

#[test]
fn contract_09_drop_outside_the_runtime_finishes_on_its_runtime() {
    let rt = support::two_workers_runtime();
    let (done_tx, done_rx) = oneshot::channel();
    let p = rt.block_on(async {
        let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
            while y.yield_(1).await {}
            // A tokio timer, created while the handle is dropped on a thread
            // outside the runtime.
            tokio::time::sleep(Duration::from_millis(1)).await;
            done_tx.send(()).unwrap();
        }));
        assert_eq!(p.next().await, Some(1));
        p
    });
    std::thread::spawn(move || drop(p)).join().unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), done_rx)
            .await
            .expect("the dropped producer's cleanup never finished")
            .unwrap();
        assert_eq!(settle_tasks_patiently(0).await, 0);
    });
}

#[tokio::test(flavor = "current_thread")]
async fn contract_09_drop_while_panicking_runs_a_synchronous_cleanup_inside_drop() {
    let before = alive_tasks();
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        c.store(true, Ordering::SeqCst);
    }));
    assert_eq!(p.next().await, Some(1));
    let res = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _p = p;
        panic!("consumer failed");
    }));
    assert_eq!(panic_message(&*res.unwrap_err()), "consumer failed");
    // The cleanup does not wait: it ran inside `drop`, during unwinding, and
    // nothing was spawned.
    assert!(cleaned.load(Ordering::SeqCst));
    assert_eq!(alive_tasks(), before);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_09_drop_while_panicking_with_a_panicking_cleanup_does_not_abort() {
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        panic!("cleanup failed too");
    }));
    assert_eq!(p.next().await, Some(1));
    let res = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _p = p;
        panic!("consumer failed");
    }));
    // The cleanup's panic was caught inside `drop` (and reported by the
    // hook): the consumer's panic is the one that comes out.
    assert_eq!(panic_message(&*res.unwrap_err()), "consumer failed");
}

#[tokio::test(flavor = "current_thread")]
async fn contract_09_drop_while_panicking_with_an_async_cleanup_finishes_on_a_task() {
    let before = alive_tasks();
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        tokio::task::yield_now().await;
        c.store(true, Ordering::SeqCst);
    }));
    assert_eq!(p.next().await, Some(1));
    let res = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _p = p;
        panic!("consumer failed");
    }));
    assert_eq!(panic_message(&*res.unwrap_err()), "consumer failed");
    assert!(!cleaned.load(Ordering::SeqCst));
    assert_eq!(settle_tasks_patiently(before).await, before);
    assert!(cleaned.load(Ordering::SeqCst));
}

#[tokio::test]
async fn contract_09_a_panic_in_the_cleanup_of_a_dropped_pull_goes_no_further() {
    let before = alive_tasks();
    // Synchronous cleanup: it runs inside `drop`, which must not panic.
    let mut p = pull(seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        panic!("cleanup failed inline");
    }));
    assert_eq!(p.next().await, Some(0));
    let res = std::panic::catch_unwind(AssertUnwindSafe(move || drop(p)));
    assert!(res.is_ok(), "drop panicked");
    // Async cleanup: it panics on the finishing task, which still ends.
    let mut p = pull(seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed on the task");
    }));
    assert_eq!(p.next().await, Some(0));
    drop(p);
    assert_eq!(settle_tasks_patiently(before).await, before);
}

// ── 10. cancel safety ──

#[tokio::test(start_paused = true)]
async fn contract_10_next_losing_a_select_loses_no_element() {
    let mut p = pull(seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..5 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::new();
    let mut lost_races = 0;
    loop {
        tokio::select! {
            v = p.next() => match v {
                Some(v) => got.push(v),
                None => break,
            },
            () = tokio::time::sleep(Duration::from_millis(3)) => lost_races += 1,
        }
    }
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert!(lost_races >= 10, "next never lost a race: {lost_races}");
}

#[tokio::test]
async fn contract_10_next_dropped_after_any_number_of_polls_loses_no_element() {
    let mut p = pull(seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..30 {
            for _ in 0..i % 4 {
                PendingOnce::new().await;
            }
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::new();
    let mut polls_before_drop = 0usize;
    loop {
        // Poll `next` a few times, then drop it unfinished (or take its
        // element if it completed).
        polls_before_drop = polls_before_drop % 3 + 1;
        let mut next = pin!(p.next());
        let mut out = None;
        for _ in 0..polls_before_drop {
            if let std::task::Poll::Ready(v) = futures::poll!(next.as_mut()) {
                out = Some(v);
                break;
            }
        }
        match out {
            Some(Some(v)) => got.push(v),
            Some(None) => break,
            None => {} // dropped mid-`next`
        }
    }
    assert_eq!(got, (0..30).collect::<Vec<_>>());
}

// ── 11. a Send, fused stream ──

#[tokio::test]
async fn contract_11_pull_is_a_fused_stream() {
    let mut p = pull(seq::iter([1, 2, 3]));
    assert_eq!(futures::Stream::size_hint(&p), (3, Some(3)));
    assert!(!p.is_terminated());
    assert_eq!(StreamExt::next(&mut p).await, Some(1));
    let rest: Vec<i32> = StreamExt::collect(&mut p).await;
    assert_eq!(rest, [2, 3]);
    assert!(p.is_terminated());
    assert_eq!(StreamExt::next(&mut p).await, None);
    assert_eq!(futures::Stream::size_hint(&p), (0, Some(0)));

    // And a pair stream for `pull2`.
    let p2 = pull2(seq::iter([("a", 1), ("b", 2)]));
    assert_eq!(StreamExt::collect::<Vec<_>>(p2).await, [("a", 1), ("b", 2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_11_pull_is_send_and_moves_between_tasks() {
    fn assert_send<T: Send>(_: &T) {}
    let before = alive_tasks();
    let log = Log::new();
    let mut p: Pull<u32> = pull(logged_naturals(&log));
    assert_send(&p);
    assert_eq!(p.next().await, Some(0));
    // Resume the producer from other tasks, possibly on other threads.
    for expected in 1..5 {
        p = tokio::spawn(async move {
            assert_eq!(p.next().await, Some(expected));
            p
        })
        .await
        .unwrap();
    }
    tokio::spawn(async move { p.stop().await }).await.unwrap();
    assert_eq!(log.events().last().unwrap(), "cleanup");
    assert_eq!(settle_tasks_patiently(before).await, before);
}

#[tokio::test]
async fn contract_11_pull_into_seq_is_a_seq_that_adapters_stop() {
    let log = Log::new();
    let p = pull(logged_naturals(&log));
    let firsts: Vec<u32> = p.into_seq().take(2).collect().await;
    assert_eq!(firsts, [0, 1]);
    assert_eq!(log.events(), stopped_at(1));
}

// ── 12. runtime ──

#[test]
fn contract_12_pull_outside_a_runtime_panics_naming_pull_on() {
    let err = std::panic::catch_unwind(|| pull(seq::iter([1]))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(
        msg.contains("`seqflow::pull` must be called within a tokio runtime"),
        "{msg}"
    );
    assert!(msg.contains("`seqflow::pull_on(&handle, seq)`"), "{msg}");

    let err = std::panic::catch_unwind(|| pull2(seq::iter([(1, 2)]))).unwrap_err();
    let msg = panic_message(&*err);
    assert!(
        msg.contains("`seqflow::pull2` must be called within a tokio runtime"),
        "{msg}"
    );
    assert!(msg.contains("`seqflow::pull2_on(&handle, seq)`"), "{msg}");
}

#[test]
fn contract_12_pull_on_takes_the_runtime_explicitly() {
    let rt = support::current_thread_runtime();
    let log = Log::new();
    // Built and started outside any runtime, with a foreign executor.
    let mut p = pull_on(rt.handle(), logged_naturals(&log));
    assert_eq!(futures::executor::block_on(p.next()), Some(0));
    let (release, wait) = oneshot::channel();
    let mut q = pull_on(rt.handle(), cleanup_waits_for(wait, &log));
    assert_eq!(futures::executor::block_on(q.next()), Some(0));
    // Dropped outside the runtime: both finish on `rt`.
    drop(p);
    drop(q);
    release.send(()).unwrap();
    rt.block_on(async {
        assert_eq!(settle_tasks_patiently(0).await, 0);
    });
    let events = log.events();
    assert_eq!(
        events.iter().filter(|e| *e == "cleanup").count(),
        2,
        "{events:?}"
    );
}

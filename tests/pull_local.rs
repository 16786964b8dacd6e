//! `pull_local` and `LocalPull`: the pull contract (DESIGN.md lines 6–12,
//! as `LocalPull`'s docs restate it) for sequences that are not `Send` or
//! not `'static`, and the one rule where it differs from `Pull`: drop stops
//! inline, as far as it can, and never spawns.

mod support;

use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::time::Duration;

use futures::stream::FusedStream;
use futures::{Stream, StreamExt};
use seqflow::{Seq, Yield, pull_local, seq};
use support::panics::{expect_panic, panic_message};
use support::{alive_tasks, current_thread_runtime, two_workers_runtime};

/// Naturals from 0 that log, into a shared `Rc<RefCell<_>>` (so the
/// producer is `!Send`), when they start, what each `yield_` returned, and
/// their cleanup: `cleanup` awaits once before logging "cleaned" when
/// `await_in_cleanup` is set.
fn rc_naturals(
    log: &Rc<RefCell<Vec<String>>>,
    await_in_cleanup: bool,
) -> impl Seq<Item = u32> + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        log.borrow_mut().push("start".into());
        let _guard = Guard(log.clone());
        for i in 0.. {
            let more = y.yield_(i).await;
            log.borrow_mut().push(format!("yield {i} -> {more}"));
            if !more {
                break;
            }
        }
        if await_in_cleanup {
            tokio::task::yield_now().await;
        }
        log.borrow_mut().push("cleaned".into());
    })
}

/// Logs "dropped" when the producer's state is dropped, whether it
/// returned or was cut at an await.
struct Guard(Rc<RefCell<Vec<String>>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.borrow_mut().push("dropped".into());
    }
}

fn new_log() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

// ── rule 6: the producer runs only inside `next` ──

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn local_rule_06_producer_runs_only_while_the_consumer_waits_in_next() {
    let log = new_log();
    let mut p = pull_local(rc_naturals(&log, false));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(log.borrow().is_empty(), "pull_local started the producer");
    for expected in 0..3 {
        assert_eq!(p.next().await, Some(expected));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            log.borrow().len(),
            1 + expected as usize,
            "the producer ran without a pending `next`: {:?}",
            log.borrow()
        );
    }
    p.stop().await;
}

// ── rule 7: fused ──

#[tokio::test(flavor = "current_thread")]
async fn local_rule_07_next_after_exhaustion_stop_or_panic_is_none() {
    let mut done = pull_local(seq::iter([1, 2]));
    assert_eq!(done.next().await, Some(1));
    assert_eq!(done.next().await, Some(2));
    for _ in 0..3 {
        assert_eq!(done.next().await, None);
    }
    assert!(done.is_done() && done.is_terminated());

    let log = new_log();
    let mut stopped = pull_local(rc_naturals(&log, false));
    assert_eq!(stopped.next().await, Some(0));
    stopped.stop().await;
    assert_eq!(stopped.next().await, None);
    assert_eq!(stopped.next().await, None);

    let mut panicked = pull_local(seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
        panic!("boom after one");
    }));
    assert_eq!(panicked.next().await, Some(1));
    let message = expect_panic(panicked.next()).await;
    assert!(message.contains("boom after one"), "{message}");
    assert!(panicked.is_done());
    assert_eq!(panicked.next().await, None);
}

// ── rule 8: stop ──

#[tokio::test(flavor = "current_thread")]
async fn local_rule_08_stop_waits_for_the_async_cleanup_and_is_idempotent() {
    let log = new_log();
    let mut p = pull_local(rc_naturals(&log, true));
    assert_eq!(p.next().await, Some(0));
    p.stop().await;
    assert_eq!(
        *log.borrow(),
        ["start", "yield 0 -> false", "cleaned", "dropped"],
        "stop returned before the producer did"
    );
    p.stop().await;
    p.stop().await;
    assert_eq!(log.borrow().len(), 4, "a second stop ran something");
    assert_eq!(p.next().await, None);
}

#[tokio::test(flavor = "current_thread")]
async fn local_rule_08_stop_before_next_never_starts_the_producer() {
    let log = new_log();
    let mut p = pull_local(rc_naturals(&log, true));
    p.stop().await;
    assert_eq!(p.next().await, None);
    assert!(log.borrow().is_empty(), "{:?}", log.borrow());
}

#[tokio::test(flavor = "current_thread")]
async fn local_rule_08_stop_resumes_a_panic_in_the_cleanup() {
    let mut p = pull_local(seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(7).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed");
    }));
    assert_eq!(p.next().await, Some(7));
    let message = expect_panic(p.stop()).await;
    assert!(message.contains("cleanup failed"), "{message}");
    assert!(p.is_done());
    p.stop().await; // done: completes at once
}

// ── rule 9 (where `LocalPull` differs): drop stops inline ──

#[tokio::test(flavor = "current_thread")]
async fn local_rule_09_drop_runs_a_cleanup_that_does_not_wait_inside_drop() {
    let log = new_log();
    let before = alive_tasks();
    let mut p = pull_local(rc_naturals(&log, false));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    drop(p);
    assert_eq!(
        *log.borrow(),
        [
            "start",
            "yield 0 -> true",
            "yield 1 -> false",
            "cleaned",
            "dropped"
        ]
    );
    assert_eq!(alive_tasks(), before, "drop spawned a task");
}

#[tokio::test(flavor = "current_thread")]
async fn local_rule_09_drop_cuts_an_awaiting_cleanup_at_its_await() {
    let log = new_log();
    let before = alive_tasks();
    let mut p = pull_local(rc_naturals(&log, true));
    assert_eq!(p.next().await, Some(0));
    drop(p);
    // The producer saw `false` and was dropped at the `yield_now` of its
    // cleanup: its guard ran, the code after the await did not.
    assert_eq!(*log.borrow(), ["start", "yield 0 -> false", "dropped"]);
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    assert!(!log.borrow().iter().any(|e| e == "cleaned"));
    assert_eq!(alive_tasks(), before, "drop spawned a task");
}

#[tokio::test(flavor = "current_thread")]
async fn local_rule_09_a_fresh_or_finished_handle_drops_without_running_anything() {
    let log = new_log();
    drop(pull_local(rc_naturals(&log, false)));
    assert!(
        log.borrow().is_empty(),
        "a fresh handle started its producer"
    );

    let polled = Rc::new(Cell::new(0));
    let count = polled.clone();
    let mut p = pull_local(seq::from_fn(move |mut y: Yield<u8>| async move {
        count.set(count.get() + 1);
        y.yield_(1).await;
    }));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.next().await, None);
    drop(p);
    assert_eq!(polled.get(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn local_rule_09_a_panic_in_a_cleanup_run_by_drop_goes_no_further() {
    let reached = Rc::new(Cell::new(false));
    let flag = reached.clone();
    let mut p = pull_local(seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        flag.set(true);
        panic!("cleanup of a dropped handle");
    }));
    assert_eq!(p.next().await, Some(1));
    // The cleanup ran inside `drop` up to its panic, which the panic hook
    // reported; `drop` itself returns normally.
    drop(p);
    assert!(reached.get(), "drop did not run the cleanup");
}

#[test]
fn local_rule_09_a_handle_dropped_while_unwinding_runs_a_synchronous_cleanup() {
    let log = new_log();
    let rt = current_thread_runtime();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let mut p = pull_local(rc_naturals(&log, false));
            assert_eq!(p.next().await, Some(0));
            panic!("consumer failed");
        })
    }));
    assert_eq!(panic_message(&*result.unwrap_err()), "consumer failed");
    // Dropped during unwinding: the pending `yield_` resolved to `false` and
    // the cleanup, which does not wait, ran inside `drop`.
    assert_eq!(
        *log.borrow(),
        ["start", "yield 0 -> false", "cleaned", "dropped"]
    );
}

// ── rule 10: cancel safe ──

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn local_rule_10_a_cancelled_next_loses_no_element() {
    let mut p = pull_local(seq::from_fn(|mut y: Yield<u32>| async move {
        let pace = Rc::new(Cell::new(0u64)); // `!Send` state across awaits
        for i in 0..50 {
            pace.set((pace.get() * 7 + 3) % 11);
            tokio::time::sleep(Duration::from_millis(pace.get())).await;
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::new();
    let mut cancelled = 0;
    loop {
        tokio::select! {
            v = p.next() => match v {
                Some(v) => got.push(v),
                None => break,
            },
            () = tokio::time::sleep(Duration::from_millis(4)) => cancelled += 1,
        }
    }
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    assert!(
        cancelled > 10,
        "the test never cancelled a next: {cancelled}"
    );
}

// ── rule 11: a stream, and a sequence through `into_seq` ──

#[tokio::test(flavor = "current_thread")]
async fn local_rule_11_a_local_pull_is_a_fused_stream_and_into_seq_gives_a_seq() {
    let log = new_log();
    let mut p = pull_local(rc_naturals(&log, false));
    assert_eq!(p.next().await, Some(0));
    let rest: Vec<u32> = StreamExt::collect(StreamExt::take(&mut p, 3)).await;
    assert_eq!(rest, [1, 2, 3]);
    assert!(!p.is_terminated());
    let more: Vec<u32> = p.into_seq().take(2).collect().await;
    assert_eq!(more, vec![4, 5]);
    assert_eq!(log.borrow().last().map(String::as_str), Some("dropped"));

    let p = pull_local(seq::iter(0..10));
    assert_eq!(Stream::size_hint(&p), (10, Some(10)));
    assert_eq!(
        format!("{p:?}"),
        "LocalPull { is_done: false, is_started: false }"
    );
}

// ── what `pull` cannot do ──

#[test]
fn local_borrows_the_callers_data_on_a_non_tokio_executor() {
    let lines = vec![
        String::from("a=1"),
        String::from("b=2"),
        String::from("c=3"),
    ];
    let lines = &lines;
    let (first, second) = futures::executor::block_on(async {
        let mut p = pull_local(seq::from_fn(move |mut y: Yield<&str>| async move {
            for line in lines {
                if !y.yield_(line.split('=').next().unwrap()).await {
                    return;
                }
            }
        }));
        let first = p.next().await;
        let second = p.next().await;
        p.stop().await;
        (first, second)
    });
    assert_eq!((first, second), (Some("a"), Some("b")));
}

#[test]
fn local_works_in_block_on_of_a_multi_thread_runtime_and_on_a_local_set() {
    let rt = two_workers_runtime();
    let log = new_log();
    let from_block_on = rt.block_on(async {
        let mut p = pull_local(rc_naturals(&log, true));
        let v = [p.next().await, p.next().await];
        p.stop().await;
        v
    });
    assert_eq!(from_block_on, [Some(0), Some(1)]);
    assert_eq!(log.borrow().last().map(String::as_str), Some("dropped"));

    let local = tokio::task::LocalSet::new();
    let from_local_task = local.block_on(&rt, async {
        tokio::task::spawn_local(async {
            let log = new_log();
            let p = pull_local(rc_naturals(&log, true));
            p.into_seq().take(3).collect::<Vec<u32>>().await
        })
        .await
        .unwrap()
    });
    assert_eq!(from_local_task, vec![0, 1, 2]);
}

#[tokio::test(flavor = "current_thread")]
async fn local_producer_panic_surfaces_from_next_with_its_message() {
    let mut p = pull_local(seq::from_fn(|_: Yield<u8>| async move {
        panic!("no rows table");
    }));
    assert_eq!(expect_panic(p.next()).await, "no rows table");
    assert_eq!(p.next().await, None);
}

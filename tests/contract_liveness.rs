//! DESIGN.md contract lines 19 (no stop ever hangs), 20
//! (`Yield::until_stopped`) and 21 (the cooperative budget).
//!
//! Every case of line 19 runs on both runtime flavours: on a paused
//! `current_thread` runtime, where tokio's clock jumps straight to the next
//! timer (so a hang shows up as the 600 s bound firing at once), and on two
//! workers in real time. Each case also checks that the runtime's alive-task
//! count is back at its start: a stop that completes by leaking a task is
//! not a stop.

mod support;

use std::future::pending;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use seqflow::{
    Beat, Error, Page, PageRequest, RetryPolicy, Seq, Stats, Yield, pull, pull_local, pull2, seq,
};
use support::liveness::both_flavours;
use support::{Log, LogOnDrop};
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Yields `0..k`, then waits for ever where no stop can be heard (a hung
/// socket read). Logs "heard" and "cleanup" if a `yield_` saw the stop, and
/// "dropped" if its future was dropped before it returned.
fn hangs_after(k: u64, log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&log, "dropped");
        for i in 0..k {
            if !y.yield_(i).await {
                log.push("heard");
                tokio::task::yield_now().await; // async cleanup
                log.push("cleanup");
                dropped.disarm();
                return;
            }
        }
        pending::<()>().await;
    })
}

/// The error type of the fallible cases.
#[derive(Debug, PartialEq)]
enum AppError {
    Crate(Error),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Crate(e)
    }
}

/// Cancels `token` after `after` ms, from a task of its own.
fn cancel_after(token: &CancellationToken, after: u64) -> tokio::task::JoinHandle<()> {
    let token = token.clone();
    tokio::spawn(async move {
        sleep(ms(after)).await;
        token.cancel();
    })
}

// ── 19. the tools a user reaches for because a source hangs ──

async fn timeout_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log).timeout(ms(1000)).collect().await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped"]);
}

async fn try_timeout_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log)
        .map(Ok::<u64, AppError>)
        .try_timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(AppError::Crate(Error::Timeout))]);
    assert_eq!(log.events(), ["dropped"]);
}

async fn with_cancel_case() {
    let log = Log::new();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 30);
    let got: Vec<_> = hangs_after(1, &log).with_cancel(token).collect().await;
    assert_eq!(got, [0]);
    assert_eq!(log.events(), ["dropped"]);
    canceller.await.expect("no panic");
}

async fn try_with_cancel_case() {
    let log = Log::new();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 30);
    let got: Vec<_> = hangs_after(1, &log)
        .map(Ok::<u64, AppError>)
        .try_with_cancel(token)
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(AppError::Crate(Error::Cancelled))]);
    assert_eq!(log.events(), ["dropped"]);
    canceller.await.expect("no panic");
}

async fn heartbeat_take_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log)
        .heartbeat(ms(100))
        .take(3)
        .collect()
        .await;
    // (Exact instants are checked on the paused clock of tests/contract_control.rs.)
    assert!(
        matches!(got[..], [Beat::Item(0), Beat::Idle(a), Beat::Idle(b)] if a >= ms(100) && b >= ms(200)),
        "{got:?}"
    );
    assert_eq!(log.events(), ["dropped"]);
}

async fn batched_timeout_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(3, &log)
        .batched_timeout(10, ms(100))
        .take(1)
        .collect()
        .await;
    assert_eq!(got, [vec![0, 1, 2]]);
    assert_eq!(log.events(), ["dropped"]);
}

both_flavours! {
    contract_19_timeout_ends_a_hung_producer => timeout_case;
    contract_19_try_timeout_ends_a_hung_producer => try_timeout_case;
    contract_19_with_cancel_ends_a_hung_producer => with_cancel_case;
    contract_19_try_with_cancel_ends_a_hung_producer => try_with_cancel_case;
    contract_19_take_after_heartbeat_ends_a_hung_producer => heartbeat_take_case;
    contract_19_batched_timeout_then_take_ends_a_hung_producer => batched_timeout_case;
}

// ── 19. pull handles after a cancelled `next()` ──

async fn pull_stop_case() {
    let log = Log::new();
    let mut p = pull(hangs_after(1, &log));
    assert_eq!(p.next().await, Some(0));
    tokio::select! {
        v = p.next() => panic!("the producer hangs, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    p.stop().await;
    assert_eq!(log.events(), ["dropped"]);
    assert_eq!(p.next().await, None);
}

async fn pull_drop_case() {
    let log = Log::new();
    let mut p = pull(hangs_after(1, &log));
    assert_eq!(p.next().await, Some(0));
    tokio::select! {
        v = p.next() => panic!("the producer hangs, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    drop(p);
    // Dropped inside `drop`: nothing was spawned for it.
    assert_eq!(log.events(), ["dropped"]);
}

async fn pull2_stop_case() {
    let log = Log::new();
    let mut p = pull2(hangs_after(1, &log).map(|v| (v, v * 10)));
    assert_eq!(p.next().await, Some((0, 0)));
    tokio::select! {
        v = p.next() => panic!("the producer hangs, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    p.stop().await;
    assert_eq!(log.events(), ["dropped"]);
}

async fn local_pull_case() {
    let log = Log::new();
    let mut p = pull_local(hangs_after(1, &log));
    assert_eq!(p.next().await, Some(0));
    tokio::select! {
        v = p.next() => panic!("the producer hangs, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    p.stop().await;
    assert_eq!(log.events(), ["dropped"]);
    let mut p = pull_local(hangs_after(1, &log));
    assert_eq!(p.next().await, Some(0));
    tokio::select! {
        v = p.next() => panic!("the producer hangs, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    drop(p);
    assert_eq!(log.events(), ["dropped", "dropped"]);
}

both_flavours! {
    contract_19_pull_stop_after_a_cancelled_next_completes => pull_stop_case;
    contract_19_pull_drop_after_a_cancelled_next_leaves_no_task => pull_drop_case;
    contract_19_pull2_stop_after_a_cancelled_next_completes => pull2_stop_case;
    contract_19_local_pull_stop_and_drop_after_a_cancelled_next_complete => local_pull_case;
}

// ── 19. prefetch, merge, zip and the other adapters ──

async fn prefetch_take_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(3, &log).prefetch(8).take(3).collect().await;
    assert_eq!(got, [0, 1, 2]);
    let log2 = Log::new();
    let mut st = Box::pin(hangs_after(3, &log2).prefetch(8).stream());
    assert_eq!(st.next().await, Some(0));
    drop(st);
    // `bounded` checks that the prefetch tasks ended.
    for log in [log, log2] {
        for _ in 0..1000 {
            if !log.events().is_empty() {
                break;
            }
            sleep(ms(1)).await;
        }
        assert_eq!(log.events(), ["dropped"]);
    }
}

/// An endless producer that yields every millisecond.
fn ticks() -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(|mut y: Yield<u64>| async move {
        for i in 100.. {
            sleep(ms(1)).await;
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

async fn merge_take_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log).merge(ticks()).take(5).collect().await;
    assert_eq!(got.len(), 5);
    assert!(got.contains(&0));
    assert_eq!(log.events(), ["dropped"]);
}

async fn merge_all_take_case() {
    let log = Log::new();
    let got: Vec<_> = seq::merge_all([hangs_after(1, &log).boxed(), ticks().boxed()])
        .take(5)
        .collect()
        .await;
    assert_eq!(got.len(), 5);
    assert_eq!(log.events(), ["dropped"]);
}

async fn zip_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log)
        .zip(seq::iter(10..))
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok((0, 10)), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped"]);
}

async fn chain_flat_map_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(1, &log)
        .chain(seq::iter([7]))
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    let inner_log = log.clone();
    let got: Vec<_> = seq::iter([1, 2])
        .flat_map(move |_| hangs_after(1, &inner_log))
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped", "dropped"]);
}

async fn concurrent_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(2, &log)
        .map_concurrent(4, |v| async move { v + 1 })
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(1), Ok(2), Err(Error::Timeout)]);
    let got: Vec<_> = hangs_after(2, &log)
        .map_unordered(4, |v| async move { v + 1 })
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got.len(), 3);
    assert_eq!(got.last(), Some(&Err(Error::Timeout)));
    assert_eq!(log.events(), ["dropped", "dropped"]);
}

async fn instrumented_case() {
    let log = Log::new();
    let stats = Arc::new(Stats::new());
    let got: Vec<_> = hangs_after(1, &log)
        .instrumented(stats.clone())
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped"]);
    assert_eq!(stats.active(), 0, "the iteration is still reported active");
}

both_flavours! {
    contract_19_prefetch_take_and_drop_end_a_hung_producer_and_its_task => prefetch_take_case;
    contract_19_merge_take_ends_a_hung_side => merge_take_case;
    contract_19_merge_all_take_ends_a_hung_source => merge_all_take_case;
    contract_19_zip_early_end_drops_a_hung_side => zip_case;
    contract_19_chain_and_flat_map_early_end_drop_a_hung_producer => chain_flat_map_case;
    contract_19_map_concurrent_and_map_unordered_early_end_drop_a_hung_producer => concurrent_case;
    contract_19_instrumented_early_end_drops_a_hung_producer => instrumented_case;
}

// ── 19. the crate's own sequences: paginate and resume ──

async fn paginate_case() {
    let requests = Arc::new(AtomicU64::new(0));
    let r = requests.clone();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 30);
    let walk = seq::paginate(move |req: PageRequest<u32>| {
        r.fetch_add(1, Ordering::SeqCst);
        async move {
            if req.token.is_some() {
                pending::<()>().await; // the second request hangs
            }
            Ok::<_, String>(Page {
                items: vec![1, 2],
                next_token: Some(1),
            })
        }
    });
    let got: Vec<_> = walk.with_cancel(token).collect().await;
    assert_eq!(got.len(), 2);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    canceller.await.expect("no panic");
}

async fn paginate_checkpoint_case() {
    let log = Log::new();
    let l = log.clone();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 30);
    let walk = seq::paginate(|_req: PageRequest<u32>| async {
        Ok::<_, String>(Page {
            items: vec![1],
            next_token: Some(1),
        })
    })
    .on_page(move |_token| {
        let l = l.clone();
        async move {
            l.push("checkpoint started");
            sleep(ms(500)).await;
            l.push("checkpoint written");
        }
    });
    let start = Instant::now();
    let got: Vec<_> = walk.with_cancel(token).collect().await;
    // The checkpoint hook had started when the token fired: the stop waits
    // for it (a half-written checkpoint is worse than a late stop).
    assert_eq!(got.len(), 1);
    assert!(start.elapsed() >= ms(500));
    assert_eq!(log.events(), ["checkpoint started", "checkpoint written"]);
    canceller.await.expect("no panic");
}

async fn resume_case() {
    let log = Log::new();
    let l = log.clone();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 30);
    let events = seq::resume(
        move |_from: Option<u64>| hangs_after(1, &l).map(Ok::<u64, String>),
        |v: &u64| Some(*v),
        RetryPolicy::new(),
    );
    let got: Vec<_> = events.with_cancel(token).collect().await;
    assert_eq!(got, [Ok(0)]);
    assert_eq!(log.events(), ["dropped"]);
    canceller.await.expect("no panic");
}

both_flavours! {
    contract_19_paginate_drops_a_hung_request => paginate_case;
    contract_19_paginate_finishes_a_started_checkpoint_before_stopping => paginate_checkpoint_case;
    contract_19_resume_ends_a_hung_source => resume_case;
}

// ── 19. a producer that heard the stop is waited for ──

async fn heard_case() {
    let log = Log::new();
    let got: Vec<_> = hangs_after(10, &log).take(2).collect().await;
    assert_eq!(got, [0, 1]);
    // It heard the stop at its `yield_`: its async cleanup ran before
    // `collect` returned.
    assert_eq!(log.events(), ["heard", "cleanup"]);
    let mut p = pull(hangs_after(10, &log));
    assert_eq!(p.next().await, Some(0));
    p.stop().await;
    assert_eq!(log.events(), ["heard", "cleanup", "heard", "cleanup"]);
}

both_flavours! {
    contract_19_a_producer_that_heard_the_stop_is_waited_for => heard_case;
}

// ── 20. until_stopped ──

/// Yields one element per `read`, reading inside `until_stopped`; after the
/// stop, closes its "connection" asynchronously.
fn reads_until_stopped(log: &Log, read_ms: Vec<u64>) -> impl Seq<Item = u64> + Send + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for (i, wait) in (0..).zip(read_ms) {
            let Some(v) = y
                .until_stopped(async move {
                    sleep(ms(wait)).await;
                    i
                })
                .await
            else {
                log.push("stopped while reading");
                break;
            };
            if !y.yield_(v).await {
                log.push("stopped at yield_");
                break;
            }
        }
        sleep(ms(5)).await; // closing the connection takes time
        log.push("closed");
    })
}

async fn until_stopped_case() {
    // Completes first: `Some(output)`.
    let log = Log::new();
    let got: Vec<_> = reads_until_stopped(&log, vec![1, 2]).collect().await;
    assert_eq!(got, [0, 1]);
    assert_eq!(log.events(), ["closed"]);

    // Stopped while the read waits: `None`, and the async close runs before
    // the stop completes.
    let log = Log::new();
    let got: Vec<_> = reads_until_stopped(&log, vec![1, 3_600_000])
        .timeout(ms(1000))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["stopped while reading", "closed"]);

    let log = Log::new();
    let mut p = pull(reads_until_stopped(&log, vec![1, 3_600_000]));
    assert_eq!(p.next().await, Some(0));
    tokio::select! {
        v = p.next() => panic!("the read takes an hour, yet next() gave {v:?}"),
        () = sleep(ms(10)) => {}
    }
    p.stop().await;
    assert_eq!(log.events(), ["stopped while reading", "closed"]);
}

both_flavours! {
    contract_20_until_stopped_is_some_first_and_none_once_stopped => until_stopped_case;
}

#[tokio::test]
async fn contract_20_until_stopped_drops_its_future_at_the_stop() {
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        y.yield_(1).await;
        let guarded = {
            let guard = LogOnDrop::armed(&l, "read dropped");
            async move {
                let _guard = guard;
                pending::<u8>().await
            }
        };
        let got = y.until_stopped(guarded).await;
        l.push(format!("until_stopped -> {got:?}"));
    });
    let mut p = pull(s);
    assert_eq!(p.next().await, Some(1));
    tokio::select! {
        biased;
        _ = p.next() => panic!("the read never completes"),
        () = tokio::task::yield_now() => {}
    }
    p.stop().await;
    assert_eq!(log.events(), ["read dropped", "until_stopped -> None"]);
}

#[tokio::test]
#[should_panic(expected = "outside the producer it was given to")]
async fn contract_20_until_stopped_outside_its_producer_panics() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let s = seq::from_fn(move |y: Yield<u8>| async move {
        tx.send(y).ok();
    });
    assert_eq!(s.count().await, 0);
    let mut y = rx.await.expect("sent");
    y.until_stopped(async {}).await;
}

// ── 21. the cooperative budget ──

/// Sets `flag` from a task spawned on the same `current_thread` runtime:
/// the consumer below can only see it if it lets that task run.
fn set_soon(flag: &Arc<AtomicBool>) {
    let flag = flag.clone();
    tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_take_while_count_over_an_endless_iter_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let f = flag.clone();
    let n = seq::iter(0u64..)
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0 && flag.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_for_each_over_an_endless_from_fn_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let endless = seq::from_fn(|mut y: Yield<u64>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                return;
            }
        }
    });
    let mut seen = 0u64;
    endless
        .for_each(|_| {
            seen += 1;
            let go_on = !flag.load(Ordering::SeqCst);
            async move { go_on }
        })
        .await;
    assert!(seen > 0);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_collect_and_stream_over_endless_sources_let_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let f = flag.clone();
    let v: Vec<u64> = seq::repeat_with(|| 1u64)
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .collect()
        .await;
    assert!(!v.is_empty());

    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let mut st = pin!(seq::iter(0u64..).stream());
    let mut n = 0;
    while !flag.load(Ordering::SeqCst) {
        st.next().await.expect("endless");
        n += 1;
    }
    assert!(n > 0);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_pull_next_in_a_loop_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let mut p = pull(seq::iter(0u64..));
    let mut n = 0;
    while !flag.load(Ordering::SeqCst) {
        p.next().await.expect("endless");
        n += 1;
    }
    p.stop().await;
    assert!(n > 0);

    let flag = Arc::new(AtomicBool::new(false));
    set_soon(&flag);
    let mut p = pull(seq::from_fn(|mut y: Yield<u64>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    while !flag.load(Ordering::SeqCst) {
        p.next().await.expect("endless");
    }
    p.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_a_consumer_in_unconstrained_is_not_budgeted() {
    // The budget is tokio's: code that opts out with `unconstrained` (as it
    // can for tokio's own channels) consumes without yielding. The same
    // count polled once on the task's budget does yield (it asks for more
    // than 128 * 32 elements); in `unconstrained` it completes in one poll.
    tokio::task::yield_now().await; // a fresh budget
    let budgeted = futures::poll!(pin!(seq::iter(0u64..100_000).count()));
    assert!(budgeted.is_pending(), "the budget did not apply");
    let unconstrained = futures::poll!(pin!(tokio::task::coop::unconstrained(
        seq::iter(0u64..100_000).count()
    )));
    assert_eq!(unconstrained, std::task::Poll::Ready(100_000));
}

/// Elements an always-ready source delivers on a fresh task budget before
/// it returns `Pending`.
async fn ready_run(s: impl Seq<Item = u64>) -> u64 {
    // A fresh budget: tokio refills it when the task is polled again.
    tokio::task::yield_now().await;
    let mut st = pin!(s.stream());
    let mut n = 0;
    while let std::task::Poll::Ready(v) = futures::poll!(st.next()) {
        v.expect("endless");
        n += 1;
    }
    n
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_always_ready_sources_spend_one_unit_per_32_elements() {
    // tokio's budget is 128 units per task poll; `iter`, `repeat_with` and
    // `from_fn` spend one unit per batch of 32 elements (see the crate docs).
    let endless = || {
        seq::from_fn(|mut y: Yield<u64>| async move {
            for i in 0.. {
                if !y.yield_(i).await {
                    return;
                }
            }
        })
    };
    assert_eq!(ready_run(seq::iter(0u64..)).await, 128 * 32);
    assert_eq!(ready_run(seq::repeat_with(|| 1u64)).await, 128 * 32);
    assert_eq!(ready_run(endless()).await, 128 * 32);
}

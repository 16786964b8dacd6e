//! `tee` and `partition` (DESIGN.md contract 27): two ends of one upstream,
//! bounded (one end at most 64 elements ahead), the upstream stopped by the
//! stop rule once both ends have stopped or been dropped, and the other end
//! getting everything when one is gone.

mod support;

use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;

use seqflow::{Seq, Yield, seq};
use tokio_test::{assert_pending, task};

use support::logged::{logged_naturals, stopped_at};
use support::panics::{expect_panic, panicking_after};
use support::{
    Log, LogOnDrop, alive_tasks, current_thread_runtime, noop_cx, settle_tasks_patiently,
    two_workers_runtime,
};

async fn next<S: Seq + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

async fn stop<S: Seq + Unpin>(s: &mut S) {
    poll_fn(|cx| Pin::new(&mut *s).poll_stop(cx)).await;
}

// ── tee ──

fn tee_on_two_tasks(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let start = alive_tasks();
        let (a, b) = seq::iter(0..1000u32).tee();
        let a = tokio::spawn(a.collect::<Vec<_>>());
        let b = tokio::spawn(b.collect::<Vec<_>>());
        let want: Vec<_> = (0..1000).collect();
        assert_eq!(a.await.unwrap(), want);
        assert_eq!(b.await.unwrap(), want);
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_27_tee_gives_both_ends_every_element_current_thread() {
    tee_on_two_tasks(&current_thread_runtime());
}

#[test]
fn contract_27_tee_gives_both_ends_every_element_multi_thread() {
    tee_on_two_tasks(&two_workers_runtime());
}

#[tokio::test]
async fn contract_27_tee_is_bounded_at_64_ahead() {
    let produced = Arc::new(AtomicU64::new(0));
    let p = produced.clone();
    let (mut a, mut b) = seq::iter(0..200u32)
        .inspect(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
        })
        .tee();
    for want in 0..64 {
        assert_eq!(next(&mut a).await, Some(want));
    }
    let mut t = task::spawn(poll_fn(|cx| Pin::new(&mut a).poll_next(cx)));
    assert_pending!(t.poll());
    assert_eq!(produced.load(Ordering::SeqCst), 64);
    assert_eq!(next(&mut b).await, Some(0));
    assert!(t.is_woken());
    assert_eq!(t.poll(), Poll::Ready(Some(64)));
    drop(t);
    // b dropped: a gets the rest.
    drop(b);
    assert_eq!(a.collect::<Vec<_>>().await, (65..200).collect::<Vec<_>>());
}

#[tokio::test]
async fn contract_27_tee_is_cold_and_stops_the_upstream_when_both_ends_stop() {
    let log = Log::new();
    let (a, b) = logged_naturals(&log).tee();
    assert!(log.events().is_empty());
    assert_eq!(a.take(2).collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(log.events(), stopped_at(2)[..2].to_vec(), "one end left");
    assert_eq!(b.take(3).collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(log.events(), stopped_at(2), "stopped, cleanup waited for");
}

#[tokio::test]
async fn contract_27_tee_ends_stopped_before_the_start_never_start_it() {
    let log = Log::new();
    let (mut a, mut b) = logged_naturals(&log).tee();
    stop(&mut a).await;
    stop(&mut b).await;
    assert_eq!(next(&mut a).await, None);
    assert!(log.events().is_empty());
}

#[tokio::test]
async fn contract_27_tee_drops_a_hung_upstream_without_hanging() {
    let log = Log::new();
    let (mut a, b) = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let _guard = LogOnDrop::armed(&log, "dropped");
            y.yield_(0).await;
            pending::<()>().await;
        }
    })
    .tee();
    drop(b);
    assert_eq!(next(&mut a).await, Some(0));
    let mut t = task::spawn(next(&mut a));
    assert_pending!(t.poll());
    drop(t);
    tokio::time::timeout(std::time::Duration::from_secs(5), stop(&mut a))
        .await
        .expect("the stop completes");
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_tee_dropping_both_ends_drops_the_upstream() {
    let log = Log::new();
    let (mut a, b) = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let _guard = LogOnDrop::armed(&log, "dropped");
            for i in 0.. {
                if !y.yield_(i).await {
                    return;
                }
            }
        }
    })
    .tee();
    assert_eq!(next(&mut a).await, Some(0));
    drop(a);
    assert!(log.events().is_empty());
    drop(b);
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_tee_a_panic_reaches_both_ends() {
    let (mut a, mut b) = panicking_after(2).tee();
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(next(&mut a).await, Some(1));
    assert_eq!(expect_panic(next(&mut a)).await, "producer failed after 2");
    assert_eq!(next(&mut b).await, Some(0));
    assert_eq!(next(&mut b).await, Some(1));
    assert_eq!(
        expect_panic(next(&mut b)).await,
        "the split sequence's producer panicked: producer failed after 2"
    );
    assert_eq!(next(&mut b).await, None);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_27_tee_over_an_endless_source_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let (a, b) = seq::repeat_with(|| 1u64).tee();
    drop(b);
    let f = flag.clone();
    let n = a
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0);
}

// ── partition ──

#[tokio::test]
async fn contract_27_partition_splits_by_the_predicate() {
    let (even, odd) = seq::iter(0..300u32).partition(|v| v % 3 == 0);
    let (even, odd) = tokio::join!(even.collect::<Vec<_>>(), odd.collect::<Vec<_>>());
    assert_eq!(even, (0..300).filter(|v| v % 3 == 0).collect::<Vec<_>>());
    assert_eq!(odd, (0..300).filter(|v| v % 3 != 0).collect::<Vec<_>>());
}

#[tokio::test]
async fn contract_27_partition_with_one_end_gone_gives_the_other_all_of_its_own() {
    let (small, big) = seq::iter(0..1000u32).partition(|v| *v < 10);
    drop(big);
    assert_eq!(small.collect::<Vec<_>>().await, (0..10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "current_thread")]
async fn contract_27_partition_routing_everything_away_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let f = flag.clone();
    // Nothing matches and the other end is gone: the matching end's poll
    // must still yield to the runtime now and then.
    let (none, rest) = seq::repeat_with(|| 1u64)
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .partition(|_| false);
    drop(rest);
    assert_eq!(none.count().await, 0);
    assert!(flag.load(Ordering::SeqCst));
}

#[tokio::test]
async fn contract_27_partition_a_predicate_panic_reaches_both_ends() {
    let (mut a, mut b) = seq::iter(0..5u32).partition(|v| {
        assert!(*v != 3, "pred failed");
        v % 2 == 0
    });
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(next(&mut a).await, Some(2));
    assert_eq!(expect_panic(next(&mut a)).await, "pred failed");
    assert_eq!(next(&mut b).await, Some(1));
    assert!(expect_panic(next(&mut b)).await.ends_with("pred failed"));
}

#[test]
fn contract_27_tee_and_partition_debug() {
    let (a, _b) = seq::iter(0..3u8).tee();
    assert_eq!(
        format!("{a:?}"),
        "Tee { queued: 0, other_live: true, live: true }"
    );
    let (m, r) = seq::iter(0..3u8).partition(|v| *v > 0);
    drop(r);
    assert_eq!(
        format!("{m:?}"),
        "Partition { queued: 0, other_live: false, live: true }"
    );
    let mut m = m;
    let _ = Pin::new(&mut m).poll_next(&mut noop_cx());
}

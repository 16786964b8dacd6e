//! `share`, `share_lagging` and `Share::replay` (DESIGN.md contract 27):
//! every subscriber gets every element produced after it subscribed, the
//! upstream is cold until the first poll and stopped by the stop rule when
//! the last subscription ends, a slow subscriber either holds the upstream
//! back or (lagging) skips ahead exactly as a tokio `broadcast` receiver
//! does, panics reach every subscriber, and no task is left behind.

mod support;

use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::FutureExt;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use seqflow::{Error, Seq, Subscription, Yield, seq};
use tokio::sync::broadcast;
use tokio_test::{assert_pending, assert_ready_eq, task};

use support::logged::{logged_below, logged_naturals, stopped_at};
use support::panics::{expect_panic, panic_message, panic_message_and_location, panicking_after};
use support::{
    Log, LogOnDrop, PendingOnce, alive_tasks, current_thread_runtime, noop_cx,
    settle_tasks_patiently, two_workers_runtime,
};

/// Polls `s` once with a waker that does nothing.
fn poll_once<S: Seq + Unpin>(s: &mut S) -> Poll<Option<S::Item>> {
    Pin::new(s).poll_next(&mut noop_cx())
}

/// Stops `s` by hand, to completion.
async fn stop<S: Seq + Unpin>(s: &mut S) {
    poll_fn(|cx| Pin::new(&mut *s).poll_stop(cx)).await;
}

/// Takes the next element of `s`.
async fn next<S: Seq + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

// ── every subscriber, every element ──

fn every_subscriber_on_its_own_task(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let start = alive_tasks();
        let shared = seq::iter(0..1000u32).share(8);
        let handles: Vec<_> = (0..4)
            .map(|_| tokio::spawn(shared.subscribe().collect::<Vec<_>>()))
            .collect();
        for h in handles {
            assert_eq!(h.await.unwrap(), (0..1000).collect::<Vec<_>>());
        }
        drop(shared);
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_27_every_subscriber_gets_every_element_current_thread() {
    every_subscriber_on_its_own_task(&current_thread_runtime());
}

#[test]
fn contract_27_every_subscriber_gets_every_element_multi_thread() {
    every_subscriber_on_its_own_task(&two_workers_runtime());
}

#[tokio::test]
async fn contract_27_a_late_subscriber_gets_the_elements_after_it_subscribed() {
    let shared = seq::iter(0..6u32).share(4);
    let mut early = shared.subscribe();
    assert_eq!(next(&mut early).await, Some(0));
    assert_eq!(next(&mut early).await, Some(1));
    let late = shared.subscribe();
    let (early, late) = tokio::join!(early.collect::<Vec<_>>(), late.collect::<Vec<_>>());
    assert_eq!(early, [2, 3, 4, 5]);
    assert_eq!(late, [2, 3, 4, 5]);
}

#[tokio::test]
async fn contract_27_replay_gives_a_late_subscriber_the_last_n_first() {
    let shared = seq::iter(0..8u32).share(4).replay(3);
    let mut early = shared.subscribe();
    for want in 0..5 {
        assert_eq!(next(&mut early).await, Some(want));
    }
    let late = shared.subscribe();
    let (early, late) = tokio::join!(early.collect::<Vec<_>>(), late.collect::<Vec<_>>());
    assert_eq!(early, [5, 6, 7]);
    assert_eq!(late, [2, 3, 4, 5, 6, 7]);
    // After the end, a subscription gets the replay and ends.
    assert_eq!(shared.subscribe().collect::<Vec<_>>().await, [5, 6, 7]);
}

#[tokio::test]
async fn contract_27_replay_before_any_element_is_empty() {
    let shared = seq::iter(0..3u32).share(2).replay(2);
    let a = shared.subscribe();
    assert_eq!(a.collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(shared.subscribe().collect::<Vec<_>>().await, [1, 2]);
}

// ── cold start, stop, drop ──

#[tokio::test]
async fn contract_27_upstream_is_cold_until_the_first_poll() {
    let log = Log::new();
    let shared = logged_naturals(&log).share(4);
    let mut a = shared.subscribe();
    let b = shared.subscribe();
    drop(b);
    assert!(
        log.events().is_empty(),
        "subscribing must not start the upstream"
    );
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(log.events(), ["start"]);
    stop(&mut a).await;
}

#[tokio::test]
async fn contract_27_subscriptions_dropped_before_the_start_leave_it_cold() {
    let log = Log::new();
    let shared = logged_below(3, &log).share(4);
    drop(shared.subscribe());
    let mut a = shared.subscribe();
    stop(&mut a).await; // never polled: never started
    assert!(log.events().is_empty());
    assert_eq!(shared.subscribe().collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(log.events().last().unwrap(), "cleanup");
}

#[tokio::test]
async fn contract_27_the_last_subscriptions_stop_stops_the_upstream_and_waits_for_its_cleanup() {
    let log = Log::new();
    let shared = logged_naturals(&log).share(8);
    let a = shared.subscribe();
    let b = shared.subscribe();
    assert_eq!(a.take(2).collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(
        log.events(),
        stopped_at(2)[..2].to_vec(),
        "a was not the last"
    );
    // b reads 0 and 1 from the buffer and drives 2; its stop is the last.
    assert_eq!(b.take(3).collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(log.events(), stopped_at(2));
    assert_eq!(shared.subscriber_count(), 0);
    // The upstream ran once: a new subscription ends at once.
    assert_eq!(
        shared.subscribe().collect::<Vec<_>>().await,
        Vec::<u32>::new()
    );
}

#[tokio::test]
async fn contract_27_dropping_the_last_subscription_drops_the_upstream() {
    let log = Log::new();
    let shared = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let guard = LogOnDrop::armed(&log, "dropped");
            for i in 0.. {
                if !y.yield_(i).await {
                    break;
                }
            }
            guard.disarm();
            log.push("cleanup");
        }
    })
    .share(2);
    let mut a = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(0));
    drop(a);
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_a_subscription_dropped_midway_releases_the_others() {
    let log = Log::new();
    let shared = logged_below(10, &log).share(2);
    let mut a = shared.subscribe();
    let b = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(next(&mut a).await, Some(1));
    // a is 2 ahead of b: it is held back.
    let mut t = task::spawn(next(&mut a));
    assert_pending!(t.poll());
    drop(t);
    drop(a);
    assert_eq!(b.collect::<Vec<_>>().await, (0..10).collect::<Vec<_>>());
    assert_eq!(log.events().last().unwrap(), "cleanup");
}

#[tokio::test]
async fn contract_27_a_consumer_dropped_at_every_await_point_ends_the_upstream() {
    for polls in 0..6 {
        let log = Log::new();
        let shared = seq::from_fn({
            let log = log.clone();
            move |mut y: Yield<u32>| async move {
                let guard = LogOnDrop::armed(&log, "dropped");
                for i in 0..3 {
                    PendingOnce::new().await;
                    if !y.yield_(i).await {
                        break;
                    }
                }
                PendingOnce::new().await;
                guard.disarm();
                log.push("cleanup");
            }
        })
        .share(4);
        let mut a = shared.subscribe();
        let mut got = Vec::new();
        for _ in 0..polls {
            if let Poll::Ready(Some(v)) = poll_once(&mut a) {
                got.push(v);
            }
        }
        drop(a);
        let events = log.events();
        if polls == 0 {
            assert!(events.is_empty());
            // Never started: a new subscription starts it.
            assert_eq!(shared.subscribe().collect::<Vec<_>>().await, [0, 1, 2]);
        } else if events.last().map(String::as_str) != Some("cleanup") {
            assert_eq!(events, ["dropped"], "after {polls} polls");
            assert_eq!(
                shared.subscribe().collect::<Vec<_>>().await,
                Vec::<u32>::new()
            );
        }
        assert!(got.len() <= 3);
    }
}

// ── holding back ──

#[tokio::test]
async fn contract_27_a_slow_subscriber_holds_the_upstream_back() {
    let produced = Arc::new(AtomicU64::new(0));
    let p = produced.clone();
    let shared = seq::iter(0..10u32)
        .inspect(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
        })
        .share(3);
    let mut fast = shared.subscribe();
    let mut slow = shared.subscribe();
    for want in 0..3 {
        assert_eq!(next(&mut fast).await, Some(want));
    }
    let mut t = task::spawn(poll_fn(|cx| Pin::new(&mut fast).poll_next(cx)));
    assert_pending!(t.poll());
    assert_eq!(
        produced.load(Ordering::SeqCst),
        3,
        "held 3 ahead of the slow one"
    );
    assert!(!t.is_woken());
    assert_eq!(next(&mut slow).await, Some(0));
    assert!(
        t.is_woken(),
        "the slow subscriber's read wakes the held one"
    );
    assert_ready_eq!(t.poll(), Some(3));
    drop(t);
    assert_eq!(produced.load(Ordering::SeqCst), 4);
    drop(slow);
    assert_eq!(fast.collect::<Vec<_>>().await, [4, 5, 6, 7, 8, 9]);
}

#[tokio::test]
async fn contract_27_a_waiting_subscriber_is_woken_by_the_element_another_drove() {
    let (tx, rx) = tokio::sync::mpsc::channel::<u32>(4);
    let shared = seq::from_stream(tokio_stream_of(rx)).share(4);
    let mut a = shared.subscribe();
    let mut b = shared.subscribe();
    let mut ta = task::spawn(poll_fn(|cx| Pin::new(&mut a).poll_next(cx)));
    let mut tb = task::spawn(poll_fn(|cx| Pin::new(&mut b).poll_next(cx)));
    assert_pending!(ta.poll()); // a polls the upstream: nothing yet
    assert_pending!(tb.poll());
    tx.send(7).await.unwrap();
    assert!(
        ta.is_woken() && tb.is_woken(),
        "the upstream's wake-up reaches both"
    );
    assert_ready_eq!(tb.poll(), Some(7));
    assert_ready_eq!(ta.poll(), Some(7));
}

/// A `futures::Stream` of a tokio receiver.
fn tokio_stream_of(mut rx: tokio::sync::mpsc::Receiver<u32>) -> impl futures::Stream<Item = u32> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

// ── lagging, against tokio broadcast ──

/// What a tokio `broadcast` receiver sees when `sent` values are sent after
/// it subscribed, into a channel of `capacity`, before it receives.
fn broadcast_sees(capacity: usize, sent: u32) -> Vec<Result<u32, u64>> {
    let (tx, mut rx) = broadcast::channel(capacity);
    for v in 0..sent {
        tx.send(v).unwrap();
    }
    drop(tx);
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(v) => out.push(Ok(v)),
            Err(broadcast::error::TryRecvError::Lagged(k)) => out.push(Err(k)),
            Err(_) => return out,
        }
    }
}

#[tokio::test]
async fn contract_27_lagging_skips_exactly_as_tokio_broadcast() {
    for capacity in [1usize, 2, 4, 8] {
        for sent in 0..20u32 {
            let shared = seq::iter(0..sent).share_lagging(capacity);
            let slow = shared.subscribe();
            let fast: Vec<_> = shared.subscribe().collect().await;
            assert_eq!(fast, (0..sent).map(Ok).collect::<Vec<_>>());
            let slow: Vec<_> = slow
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .map(|r| {
                    r.map_err(|e| match e {
                        Error::Lagged(k) => k,
                        other => panic!("unexpected {other:?}"),
                    })
                })
                .collect();
            assert_eq!(
                slow,
                broadcast_sees(capacity, sent),
                "capacity {capacity}, {sent} sent"
            );
        }
    }
}

#[tokio::test]
async fn contract_27_a_lagged_subscriber_gets_one_error_then_continues() {
    let shared = seq::iter(0..10u32).share_lagging(3);
    let mut fast = shared.subscribe();
    let mut slow = shared.subscribe();
    assert_eq!(next(&mut slow).await, Some(Ok(0)));
    for want in 0..7 {
        assert_eq!(next(&mut fast).await, Some(Ok(want)));
    }
    // Kept: 4, 5, 6; slow missed 1, 2, 3.
    assert_eq!(next(&mut slow).await, Some(Err(Error::Lagged(3))));
    assert_eq!(next(&mut slow).await, Some(Ok(4)));
    assert_eq!(next(&mut fast).await, Some(Ok(7)));
    for want in 5..8 {
        assert_eq!(next(&mut slow).await, Some(Ok(want)));
    }
    let (fast, slow) = tokio::join!(fast.collect::<Vec<_>>(), slow.collect::<Vec<_>>());
    assert_eq!(fast, [Ok(8), Ok(9)]);
    assert_eq!(slow, [Ok(8), Ok(9)]);
}

// ── liveness ──

#[tokio::test]
async fn contract_27_a_hung_upstream_is_dropped_by_the_last_stop_without_hanging() {
    let log = Log::new();
    let shared = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let _guard = LogOnDrop::armed(&log, "dropped");
            y.yield_(0).await;
            pending::<()>().await; // never returns, never hears a stop
        }
    })
    .share(2);
    let (a, b) = (shared.subscribe(), shared.subscribe());
    let mut a = a.take(2);
    assert_eq!(next(&mut a).await, Some(0));
    drop(b);
    // a asks for the second element: the upstream hangs.
    let mut t = task::spawn(poll_fn(|cx| Pin::new(&mut a).poll_next(cx)));
    assert_pending!(t.poll());
    drop(t);
    tokio::time::timeout(std::time::Duration::from_secs(5), stop(&mut a))
        .await
        .expect("the stop completes");
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_a_producer_that_ignores_false_panics_into_the_last_stop() {
    let shared = seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0.. {
            y.yield_(i).await; // ignores `false`
        }
    })
    .share(2);
    let a = shared.subscribe();
    let msg = expect_panic(a.take(2).collect::<Vec<_>>()).await;
    assert!(
        msg.contains("continued after `yield_` returned `false`"),
        "{msg}"
    );
    assert_eq!(
        shared.subscribe().collect::<Vec<_>>().await,
        Vec::<u32>::new()
    );
}

struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("drop panicked");
    }
}

#[tokio::test]
async fn contract_27_a_panicking_drop_of_the_upstream_reaches_the_last_subscription() {
    let make = || {
        seq::from_fn(|mut y: Yield<u32>| async move {
            let _guard = PanicOnDrop;
            y.yield_(0).await;
            pending::<()>().await;
        })
        .share(2)
    };
    // Dropped: the panic unwinds out of the drop.
    let shared = make();
    let mut a = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(0));
    let mut t = task::spawn(next(&mut a));
    assert_pending!(t.poll());
    drop(t);
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(a)));
    assert_eq!(
        panic_message(&*res.expect_err("the drop panics")),
        "drop panicked"
    );
    assert_eq!(
        shared.subscribe().collect::<Vec<_>>().await,
        Vec::<u32>::new()
    );
    // Stopped: the panic unwinds out of the stop.
    let shared = make();
    let mut a = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(0));
    let mut t = task::spawn(next(&mut a));
    assert_pending!(t.poll());
    drop(t);
    assert_eq!(expect_panic(stop(&mut a)).await, "drop panicked");
    assert_eq!(next(&mut a).await, None);
    assert_eq!(
        shared.subscribe().collect::<Vec<_>>().await,
        Vec::<u32>::new()
    );
}

// ── panics ──

fn panics_reach_every_subscriber(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let start = alive_tasks();
        let shared = panicking_after(3).share(2);
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let sub = shared.subscribe();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut sub = sub;
                    let res = std::panic::AssertUnwindSafe(async {
                        while let Some(v) = next(&mut sub).await {
                            got.push(v);
                        }
                    })
                    .catch_unwind()
                    .await;
                    (got, res.map_err(|p| panic_message(&*p)))
                })
            })
            .collect();
        let mut original = 0;
        for h in handles {
            let (got, res) = h.await.unwrap();
            assert_eq!(got, [0, 1, 2], "elements before the panic are delivered");
            let msg = res.expect_err("the panic reaches every subscriber");
            if msg == "producer failed after 3" {
                original += 1;
            } else {
                assert_eq!(
                    msg,
                    "the shared sequence's producer panicked: producer failed after 3"
                );
            }
        }
        assert_eq!(
            original, 1,
            "the subscription that polled it gets the payload"
        );
        drop(shared);
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_27_a_producer_panic_reaches_every_subscriber_current_thread() {
    panics_reach_every_subscriber(&current_thread_runtime());
}

#[test]
fn contract_27_a_producer_panic_reaches_every_subscriber_multi_thread() {
    panics_reach_every_subscriber(&two_workers_runtime());
}

#[tokio::test]
async fn contract_27_a_panic_in_a_closure_after_a_subscription_reaches_its_consumer() {
    let shared = seq::iter(0..5u32).share(8);
    let a = shared.subscribe();
    let b = shared
        .subscribe()
        .map(|v| if v == 2 { panic!("map failed") } else { v });
    let msg = expect_panic(b.collect::<Vec<_>>()).await;
    assert_eq!(msg, "map failed");
    assert_eq!(a.collect::<Vec<_>>().await, [0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn contract_27_a_panicking_clone_leaves_the_share_usable() {
    #[derive(Debug, PartialEq)]
    struct Fragile(u32);
    impl Clone for Fragile {
        fn clone(&self) -> Self {
            assert!(self.0 != 1, "clone failed");
            Fragile(self.0)
        }
    }
    let shared = seq::iter((0..3).map(Fragile)).share(4);
    let mut a = shared.subscribe();
    let b = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(Fragile(0)));
    assert_eq!(expect_panic(next(&mut a)).await, "clone failed");
    drop(a);
    // b is the last reader of 1: it takes it, no clone.
    assert_eq!(
        b.collect::<Vec<_>>().await,
        [Fragile(0), Fragile(1), Fragile(2)]
    );
}

// ── the cooperative budget ──

/// An endless, always-ready sequence that spends no budget of its own.
struct Endless(u64);
impl Seq for Endless {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u64>> {
        self.0 += 1;
        Poll::Ready(Some(self.0))
    }
    fn poll_stop(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn contract_27_a_subscription_of_an_endless_upstream_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let shared = Endless(0).share(16);
    let f = flag.clone();
    let n = shared
        .subscribe()
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0 && flag.load(Ordering::SeqCst));
}

// ── construction ──

#[test]
fn contract_27_a_zero_capacity_panics_at_the_callers_line() {
    let (msg, file) = panic_message_and_location(|| drop(seq::iter(0..1u8).share(0)));
    assert_eq!(msg, "`share` capacity must be non-zero");
    assert_eq!(file, file!());
    let (msg, file) = panic_message_and_location(|| drop(seq::iter(0..1u8).share_lagging(0)));
    assert_eq!(msg, "`share_lagging` capacity must be non-zero");
    assert_eq!(file, file!());
    let (msg, file) = panic_message_and_location(|| drop(seq::iter(0..1u8).share(2).replay(3)));
    assert_eq!(msg, "`replay` count must not exceed the `share` capacity");
    assert_eq!(file, file!());
    let (msg, _) = panic_message_and_location(|| {
        let shared = seq::iter(0..1u8).share(2);
        let _other = shared.clone();
        drop(shared.replay(1));
    });
    assert_eq!(
        msg,
        "`replay` must be set before the `Share` handle is cloned or subscribed to"
    );
}

#[tokio::test]
async fn contract_27_debug_shows_state_not_closures() {
    let shared = seq::iter(0..3u8).share(4).replay(1);
    let mut a = shared.subscribe();
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(
        format!("{shared:?}"),
        "Share { capacity: 4, lagging: false, replay: 1, subscribers: 1, buffered: 1, started: true, upstream: \"parked\" }"
    );
    assert_eq!(
        format!("{a:?}"),
        "Subscription { position: 1, live: true, stopping: false }"
    );
}

#[test]
fn contract_27_the_subscription_type_is_nameable() {
    fn takes(_: Subscription<u8>) {}
    takes(seq::iter(0..1u8).share(1).subscribe());
}

// ── the model: every subscriber sees the upstream from where it subscribed ──

#[derive(Debug, Clone)]
enum Op {
    Subscribe,
    Poll(usize),
    Drop(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            1 => Just(Op::Subscribe),
            6 => (0usize..8).prop_map(Op::Poll),
            1 => (0usize..8).prop_map(Op::Drop),
        ],
        0..80,
    )
}

/// A source of `0..len` that suspends before the elements whose bit is
/// set, and counts what it produced.
fn counted_source(
    len: u32,
    pauses: Vec<bool>,
    produced: &Arc<AtomicU64>,
    ended: &Arc<AtomicBool>,
) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let (produced, ended) = (produced.clone(), ended.clone());
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..len {
            if pauses.get(i as usize).copied().unwrap_or(false) {
                PendingOnce::new().await;
            }
            produced.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(i).await {
                return;
            }
        }
        ended.store(true, Ordering::SeqCst);
    })
}

/// A lagging subscription (`None` once dropped) and its tokio twin.
type LaggingPair = (
    Option<Subscription<Result<u32, Error>>>,
    broadcast::Receiver<u32>,
);

struct Sub {
    /// `None` once dropped.
    seq: Option<Subscription<u32>>,
    /// Position of its first expected element.
    from: u64,
    got: Vec<u32>,
    done: bool,
}

impl Sub {
    /// What it got must be the upstream from its subscription point.
    fn check(&self, len: u32) -> Result<(), TestCaseError> {
        let want: Vec<u32> = (self.from as u32..len).take(self.got.len()).collect();
        prop_assert_eq!(&self.got, &want);
        Ok(())
    }

    fn poll(&mut self) {
        if let Some(s) = self.seq.as_mut().filter(|_| !self.done) {
            match poll_once(s) {
                Poll::Ready(Some(v)) => self.got.push(v),
                Poll::Ready(None) => self.done = true,
                Poll::Pending => {}
            }
        }
    }
}

proptest! {
    #[test]
    fn contract_27_share_agrees_with_the_model(
        len in 0u32..30,
        pauses in prop::collection::vec(any::<bool>(), 30),
        capacity in 1usize..5,
        replay_wish in 0usize..5,
        ops in ops(),
    ) {
        let replay = replay_wish.min(capacity);
        let produced = Arc::new(AtomicU64::new(0));
        let ended = Arc::new(AtomicBool::new(false));
        let shared = counted_source(len, pauses, &produced, &ended).share(capacity).replay(replay);
        let mut subs: Vec<Sub> = Vec::new();
        let subscribe = |subs: &mut Vec<Sub>| {
            let p = produced.load(Ordering::SeqCst);
            let from = p - p.min(replay as u64);
            subs.push(Sub { seq: Some(shared.subscribe()), from, got: Vec::new(), done: false });
        };
        subscribe(&mut subs);
        for op in ops {
            let n = subs.len();
            match op {
                Op::Subscribe => subscribe(&mut subs),
                Op::Poll(i) => subs[i % n].poll(),
                // Never the last live one: its end would stop the upstream.
                Op::Drop(i) if subs.iter().filter(|s| !s.done).count() > 1 => {
                    let s = &mut subs[i % n];
                    if !s.done {
                        s.done = true;
                        s.seq = None;
                    }
                }
                Op::Drop(_) => {}
            }
            // Held back: nobody live is more than `capacity` behind.
            let p = produced.load(Ordering::SeqCst);
            for s in subs.iter().filter(|s| !s.done) {
                prop_assert!(p - (s.from + s.got.len() as u64) <= capacity as u64);
            }
        }
        // Drain every live subscription, round-robin.
        let mut rounds = 0;
        while subs.iter().any(|s| !s.done) {
            rounds += 1;
            prop_assert!(rounds < 10_000, "no progress");
            subs.iter_mut().for_each(Sub::poll);
        }
        prop_assert!(ended.load(Ordering::SeqCst));
        for s in &subs {
            s.check(len)?;
            if s.seq.is_some() {
                // Ended by the upstream's end: it got everything.
                prop_assert_eq!(s.from + s.got.len() as u64, u64::from(len).max(s.from));
            }
        }
    }

    #[test]
    fn contract_27_share_lagging_agrees_with_tokio_broadcast(
        len in 0u32..30,
        log2_capacity in 0u32..4,
        ops in ops(),
    ) {
        let capacity = 1usize << log2_capacity;
        let produced = Arc::new(AtomicU64::new(0));
        let ended = Arc::new(AtomicBool::new(false));
        let shared = counted_source(len, Vec::new(), &produced, &ended).share_lagging(capacity);
        let (tx, _) = broadcast::channel::<u32>(capacity);
        let mut tx = Some(tx);
        let mut sent = 0u64;
        let mut subs: Vec<LaggingPair> = Vec::new();
        let live = |subs: &Vec<LaggingPair>| {
            subs.iter().filter(|s| s.0.is_some()).count()
        };
        subs.push((Some(shared.subscribe()), tx.as_ref().unwrap().subscribe()));
        for op in ops.into_iter().chain((0..2000).map(Op::Poll)) {
            match op {
                Op::Subscribe => {
                    if let Some(tx) = &tx {
                        subs.push((Some(shared.subscribe()), tx.subscribe()));
                    }
                }
                Op::Poll(i) => {
                    let n = subs.len();
                    let (ours, theirs) = &mut subs[i % n];
                    let Some(s) = ours else { continue };
                    let polled = poll_once(s);
                    // Mirror what the upstream produced during that poll.
                    let p = produced.load(Ordering::SeqCst);
                    while sent < p {
                        let _ = tx.as_ref().expect("open").send(sent as u32);
                        sent += 1;
                    }
                    if ended.load(Ordering::SeqCst) {
                        tx = None;
                    }
                    let expected = match theirs.try_recv() {
                        Ok(v) => Poll::Ready(Some(Ok(v))),
                        Err(broadcast::error::TryRecvError::Lagged(k)) => Poll::Ready(Some(Err(Error::Lagged(k)))),
                        Err(broadcast::error::TryRecvError::Closed) => Poll::Ready(None),
                        Err(broadcast::error::TryRecvError::Empty) => Poll::Pending,
                    };
                    prop_assert_eq!(&polled, &expected);
                    if polled == Poll::Ready(None) {
                        *ours = None;
                    }
                }
                Op::Drop(i) if live(&subs) > 1 => {
                    let n = subs.len();
                    subs[i % n].0 = None;
                }
                Op::Drop(_) => {}
            }
        }
    }
}

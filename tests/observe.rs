//! `instrumented`: the outcome, count and duration reported for each way an
//! iteration ends; `Stats` counters and its `active` gauge. The `tracing`
//! and `metrics` observers, recorded by a real subscriber and recorder, are
//! tested in `integration/tests/observe_backends.rs`.
//!
//! Durations are exact: time is paused.

mod support;

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use seqflow::{Observer, Outcome, Seq, Stats, StatsSnapshot, Yield, seq};
use support::DropFlag;
use support::panics::panic_message;
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Start,
    Item,
    End(Outcome, u64, Duration),
}

/// Records every report; shared as `Arc<Recorder>` through `&Recorder`.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    fn ends(&self) -> Vec<Event> {
        self.events()
            .into_iter()
            .filter(|e| matches!(e, Event::End(..)))
            .collect()
    }
}

impl Observer for &Recorder {
    fn on_start(&mut self) {
        self.events.lock().unwrap().push(Event::Start);
    }

    fn on_item(&mut self) {
        self.events.lock().unwrap().push(Event::Item);
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        self.events
            .lock()
            .unwrap()
            .push(Event::End(outcome, items, elapsed));
    }
}

/// `n` elements, 10 ms apart, then 5 ms of async cleanup that sets
/// `cleaned`.
fn rows(n: u32, cleaned: &Arc<AtomicBool>) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let cleaned = cleaned.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..n {
            sleep(ms(10)).await;
            if !y.yield_(i).await {
                break;
            }
        }
        sleep(ms(5)).await;
        cleaned.store(true, Ordering::SeqCst);
    })
}

fn flag() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

// ── outcomes ──

#[tokio::test(start_paused = true)]
async fn exhausted_reports_start_each_item_and_the_end_with_count_and_duration() {
    let rec = Arc::new(Recorder::default());
    let got: Vec<u32> = rows(3, &flag()).instrumented(rec.clone()).collect().await;
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(
        rec.events(),
        [
            Event::Start,
            Event::Item,
            Event::Item,
            Event::Item,
            Event::End(Outcome::Exhausted, 3, ms(35)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn broke_early_via_take_is_reported_after_the_cleanup() {
    let rec = Arc::new(Recorder::default());
    let got: Vec<u32> = rows(10, &flag())
        .instrumented(rec.clone())
        .take(2)
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
    // 2 elements at 10 ms each, then the 5 ms cleanup the stop waited for.
    assert_eq!(rec.ends(), [Event::End(Outcome::BrokeEarly, 2, ms(25))]);
}

#[tokio::test(start_paused = true)]
async fn broke_early_via_first_and_for_each() {
    let rec = Arc::new(Recorder::default());
    assert_eq!(
        rows(10, &flag()).instrumented(rec.clone()).first().await,
        Some(0)
    );
    rows(10, &flag())
        .instrumented(rec.clone())
        .for_each(|i| async move { i < 3 })
        .await;
    assert_eq!(
        rec.ends(),
        [
            Event::End(Outcome::BrokeEarly, 1, ms(15)),
            Event::End(Outcome::BrokeEarly, 4, ms(45)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn broke_early_is_reported_once_the_producer_has_cleaned_up() {
    struct SeesCleanup(Arc<AtomicBool>, Option<bool>);
    impl Observer for SeesCleanup {
        fn on_end(&mut self, _: Outcome, _: u64, _: Duration) {
            self.1 = Some(self.0.load(Ordering::SeqCst));
        }
    }
    let cleaned = flag();
    let mut obs = SeesCleanup(cleaned.clone(), None);
    assert_eq!(
        rows(10, &cleaned)
            .instrumented(&mut obs)
            .take(1)
            .count()
            .await,
        1
    );
    assert_eq!(obs.1, Some(true));
}

#[tokio::test(start_paused = true)]
async fn stop_through_the_stream_bridge_then_next_reports_broke_early_once() {
    let rec = Arc::new(Recorder::default());
    let mut st = pin!(rows(10, &flag()).instrumented(rec.clone()).stream());
    assert_eq!(st.next().await, Some(0));
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    assert_eq!(st.next().await, None);
    assert_eq!(rec.ends(), [Event::End(Outcome::BrokeEarly, 1, ms(15))]);
}

#[tokio::test(start_paused = true)]
async fn cancelled_via_drop_is_reported_after_the_producers_drop_cleanup() {
    struct SeesDrop(Arc<AtomicBool>, Arc<Mutex<Option<(Outcome, u64, bool)>>>);
    impl Observer for SeesDrop {
        fn on_end(&mut self, outcome: Outcome, items: u64, _: Duration) {
            *self.1.lock().unwrap() = Some((outcome, items, self.0.load(Ordering::SeqCst)));
        }
    }
    let (guard, dropped) = DropFlag::new();
    let report = Arc::new(Mutex::new(None));
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        let _guard = guard;
        while y.yield_(1).await {}
    });
    let mut st = Box::pin(
        s.instrumented(SeesDrop(dropped.clone(), report.clone()))
            .stream(),
    );
    assert_eq!(st.next().await, Some(1));
    assert_eq!(st.next().await, Some(1));
    assert_eq!(*report.lock().unwrap(), None);
    drop(st);
    assert_eq!(*report.lock().unwrap(), Some((Outcome::Cancelled, 2, true)));
}

#[tokio::test(start_paused = true)]
async fn cancelled_when_the_consuming_future_loses_a_race() {
    let rec = Arc::new(Recorder::default());
    let collect = rows(10, &flag())
        .instrumented(rec.clone())
        .collect::<Vec<_>>();
    let res = tokio::time::timeout(ms(25), collect).await;
    assert!(res.is_err(), "the collect should have timed out");
    assert_eq!(rec.ends(), [Event::End(Outcome::Cancelled, 2, ms(25))]);
}

#[tokio::test(start_paused = true)]
async fn panicked_when_the_producer_panics_and_the_panic_goes_on() {
    let rec = Arc::new(Recorder::default());
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
        y.yield_(2).await;
        sleep(ms(7)).await;
        panic!("producer failed");
    });
    let res = AssertUnwindSafe(s.instrumented(rec.clone()).collect::<Vec<_>>())
        .catch_unwind()
        .await;
    assert_eq!(
        panic_message(&*res.expect_err("the panic surfaces")),
        "producer failed"
    );
    assert_eq!(rec.ends(), [Event::End(Outcome::Panicked, 2, ms(7))]);
}

#[tokio::test(start_paused = true)]
async fn panicked_when_the_cleanup_panics_during_a_stop() {
    let rec = Arc::new(Recorder::default());
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        sleep(ms(3)).await;
        panic!("cleanup failed");
    });
    let res = AssertUnwindSafe(s.instrumented(rec.clone()).first())
        .catch_unwind()
        .await;
    assert_eq!(
        panic_message(&*res.expect_err("the panic surfaces")),
        "cleanup failed"
    );
    assert_eq!(rec.ends(), [Event::End(Outcome::Panicked, 1, ms(3))]);
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_consumer_is_a_cancellation_of_the_sequence() {
    // The panic does not go through the sequence's poll: the sequence is
    // dropped mid-iteration while it unwinds.
    let rec = Arc::new(Recorder::default());
    let res = AssertUnwindSafe(rows(10, &flag()).instrumented(rec.clone()).for_each(
        |i| async move {
            assert!(i < 1, "body failed at {i}");
            true
        },
    ))
    .catch_unwind()
    .await;
    assert_eq!(
        panic_message(&*res.expect_err("the panic surfaces")),
        "body failed at 1"
    );
    assert_eq!(rec.ends(), [Event::End(Outcome::Cancelled, 2, ms(20))]);
}

#[tokio::test(start_paused = true)]
async fn an_iteration_that_never_started_is_not_reported() {
    let rec = Arc::new(Recorder::default());
    let cleaned = flag();
    assert_eq!(
        rows(3, &cleaned)
            .instrumented(rec.clone())
            .take(0)
            .count()
            .await,
        0
    );
    drop(rows(3, &cleaned).instrumented(rec.clone()));
    assert_eq!(rec.events(), []);
    assert!(!cleaned.load(Ordering::SeqCst), "the producer never ran");
}

#[tokio::test(start_paused = true)]
async fn the_end_is_reported_once() {
    let rec = Arc::new(Recorder::default());
    let mut st = pin!(rows(1, &flag()).instrumented(rec.clone()).stream());
    assert_eq!(st.next().await, Some(0));
    assert_eq!(st.next().await, None);
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    assert_eq!(st.next().await, None);
    assert_eq!(rec.ends(), [Event::End(Outcome::Exhausted, 1, ms(15))]);
}

#[tokio::test(start_paused = true)]
async fn observers_compose_through_references_boxes_and_unit() {
    let stats = Stats::new();
    assert_eq!(seq::iter(0..4).instrumented(&stats).count().await, 4);
    let boxed: Box<dyn Observer + Send> = Box::new(&stats);
    assert_eq!(seq::iter(0..2).instrumented(boxed).count().await, 2);
    assert_eq!(seq::iter(0..2).instrumented(()).count().await, 2);
    let mut owned = seq::iter(0..3).instrumented(Stats::new());
    assert_eq!((&mut owned).count().await, 3);
    assert_eq!(owned.observer().snapshot().items, 3);
    let snap = stats.snapshot();
    assert_eq!((snap.started, snap.finished, snap.items), (2, 2, 6));
}

// ── Stats ──

#[tokio::test(start_paused = true)]
async fn stats_counts_every_outcome_and_active_returns_to_zero() {
    let stats = Arc::new(Stats::new());
    let cleaned = flag();
    let s = || rows(5, &cleaned).instrumented(stats.clone());

    assert_eq!(s().count().await, 5); // finished
    assert_eq!(s().take(2).count().await, 2); // broke early
    assert_eq!(s().first().await, Some(0)); // broke early
    let _ = tokio::time::timeout(ms(15), s().count()).await; // cancelled
    let boom = seq::from_fn(|mut y: Yield<u32>| async move {
        y.yield_(9).await;
        panic!("boom");
    });
    let res = AssertUnwindSafe(boom.instrumented(stats.clone()).count())
        .catch_unwind()
        .await;
    assert!(res.is_err());

    let snap = stats.snapshot();
    assert_eq!(
        snap,
        StatsSnapshot {
            started: 5,
            active: 0,
            finished: 1,
            broke_early: 2,
            cancelled: 1,
            panicked: 1,
            abandoned: 0,
            items: 5 + 2 + 1 + 1 + 1,
        }
    );
    assert_eq!(
        snap.started,
        snap.finished + snap.broke_early + snap.cancelled + snap.panicked + snap.abandoned
    );
}

#[tokio::test(start_paused = true)]
async fn stats_active_is_the_leak_detector() {
    static STATS: Stats = Stats::new();
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut st = Box::pin(rows(10, &flag()).instrumented(&STATS).stream());
        assert_eq!(st.next().await, Some(0));
        kept.push(st);
    }
    assert_eq!(STATS.active(), 3, "three iterations are alive");
    kept.pop();
    assert_eq!(STATS.active(), 2);
    drop(kept);
    assert_eq!(STATS.active(), 0);
    assert_eq!(STATS.snapshot().cancelled, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_gauges_return_to_zero_with_spawned_and_aborted_consumers() {
    let before = support::alive_tasks();
    let stats = Arc::new(Stats::new());
    let endless = || {
        seq::from_fn(|mut y: Yield<u64>| async move {
            let mut i = 0;
            loop {
                tokio::task::yield_now().await;
                if !y.yield_(i).await {
                    break;
                }
                i += 1;
            }
        })
    };
    let mut finishing = Vec::new();
    let mut aborted = Vec::new();
    for k in 0..8 {
        let s = endless().instrumented(stats.clone());
        if k % 2 == 0 {
            finishing.push(tokio::spawn(s.take(100).count()));
        } else {
            aborted.push(tokio::spawn(s.count()));
        }
    }
    for h in finishing {
        assert_eq!(h.await.expect("no panic"), 100);
    }
    while stats.snapshot().started < 8 {
        tokio::task::yield_now().await;
    }
    for h in &aborted {
        h.abort();
    }
    for h in aborted {
        assert!(h.await.expect_err("aborted").is_cancelled());
    }
    assert_eq!(support::settle_tasks_patiently(before).await, before);
    let snap = stats.snapshot();
    assert_eq!(snap.active, 0, "{snap:?}");
    assert_eq!((snap.started, snap.broke_early, snap.cancelled), (8, 4, 4));
}

#[test]
fn stats_debug_shows_the_counters() {
    let stats = Stats::new();
    let shown = format!("{stats:?}");
    assert_eq!(
        shown,
        "Stats { started: 0, active: 0, finished: 0, broke_early: 0, cancelled: 0, panicked: 0, abandoned: 0, items: 0 }"
    );
    futures::executor::block_on(seq::iter([1, 2]).instrumented(&stats).count());
    assert!(format!("{stats:?}").contains("items: 2"));
}

#[test]
fn instrumented_works_without_a_runtime_and_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let stats = Arc::new(Stats::new());
    let s = rows(0, &flag()).instrumented(stats.clone());
    assert_send(&s);
    let n = futures::executor::block_on(seq::iter(0..5).instrumented(stats.clone()).count());
    assert_eq!(n, 5);
    assert_eq!(stats.snapshot().finished, 1);
    drop(s);
}

//! `instrumented`: the outcome, count and duration reported for each way an
//! iteration ends; `Stats` counters and its `active` gauge; the `tracing`
//! and `metrics` observers (each under its feature).
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
            items: 5 + 2 + 1 + 1 + 1,
        }
    );
    assert_eq!(
        snap.started,
        snap.finished + snap.broke_early + snap.cancelled + snap.panicked
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
        "Stats { started: 0, active: 0, finished: 0, broke_early: 0, cancelled: 0, panicked: 0, items: 0 }"
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

// ── feature: tracing ──

#[cfg(feature = "tracing")]
mod tracing_feature {
    use std::collections::HashMap;
    use std::fmt;

    use seqflow::TracingObserver;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::{Layer, Registry};

    use super::*;

    #[derive(Debug, Default, Clone)]
    struct SpanRec {
        name: &'static str,
        fields: HashMap<&'static str, String>,
        closed: bool,
    }

    /// Captures every span with its fields.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<(Id, SpanRec)>>>);

    struct Fields<'a>(&'a mut HashMap<&'static str, String>);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.insert(field.name(), format!("{value:?}"));
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name(), value.to_owned());
        }
    }

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
            let mut rec = SpanRec {
                name: attrs.metadata().name(),
                ..SpanRec::default()
            };
            attrs.record(&mut Fields(&mut rec.fields));
            self.0.lock().unwrap().push((id.clone(), rec));
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
            let mut spans = self.0.lock().unwrap();
            let (_, rec) = spans
                .iter_mut()
                .rfind(|(i, _)| i == id)
                .expect("known span");
            values.record(&mut Fields(&mut rec.fields));
        }

        fn on_close(&self, id: Id, _: Context<'_, S>) {
            let mut spans = self.0.lock().unwrap();
            let (_, rec) = spans
                .iter_mut()
                .rfind(|(i, _)| *i == id)
                .expect("known span");
            rec.closed = true;
        }
    }

    #[test]
    fn one_span_per_iteration_with_count_duration_and_outcome() {
        let capture = Capture::default();
        let subscriber = Registry::default().with(capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            support::paused_runtime().block_on(async {
                let obs = TracingObserver::new("rows");
                assert_eq!(
                    rows(50, &flag()).instrumented(obs.clone()).count().await,
                    50
                );
                assert_eq!(
                    rows(50, &flag())
                        .instrumented(obs.clone())
                        .take(2)
                        .count()
                        .await,
                    2
                );
                let boom = seq::from_fn(|mut y: Yield<u8>| async move {
                    y.yield_(1).await;
                    panic!("boom");
                });
                let res = AssertUnwindSafe(boom.instrumented(obs).count())
                    .catch_unwind()
                    .await;
                assert!(res.is_err());
            });
        });
        let spans: Vec<SpanRec> = capture
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect();
        assert_eq!(
            spans.len(),
            3,
            "one span per iteration, none per element: {spans:?}"
        );
        let expected = [
            ("50", "505ms", "exhausted"),
            ("2", "25ms", "broke_early"),
            ("1", "0ns", "panicked"),
        ];
        for (span, (items, duration, outcome)) in spans.iter().zip(expected) {
            assert_eq!(span.name, "seqflow.iteration");
            assert!(span.closed, "the span closes with the iteration: {span:?}");
            assert_eq!(span.fields["name"], "rows");
            assert_eq!(span.fields["items"], items);
            assert_eq!(span.fields["duration"], duration);
            assert_eq!(span.fields["outcome"], outcome);
        }
    }

    #[test]
    fn the_span_is_open_while_the_iteration_runs() {
        let capture = Capture::default();
        let subscriber = Registry::default().with(capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            support::paused_runtime().block_on(async {
                let mut st = Box::pin(
                    rows(5, &flag())
                        .instrumented(TracingObserver::new("open"))
                        .stream(),
                );
                assert_eq!(st.next().await, Some(0));
                {
                    let spans = capture.0.lock().unwrap();
                    assert_eq!(spans.len(), 1);
                    assert!(!spans[0].1.closed);
                    assert!(!spans[0].1.fields.contains_key("outcome"));
                }
                drop(st);
            });
        });
        let spans = capture.0.lock().unwrap();
        assert!(spans[0].1.closed);
        assert_eq!(spans[0].1.fields["outcome"], "cancelled");
        assert_eq!(spans[0].1.fields["items"], "1");
    }
}

// ── feature: metrics ──

#[cfg(feature = "metrics")]
mod metrics_feature {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    use seqflow::MetricsObserver;

    use super::*;

    type Series = Vec<(String, Vec<(String, String)>, DebugValue)>;

    fn run_recorded(f: impl std::future::Future<Output = ()>) -> Series {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, || {
            support::paused_runtime().block_on(f);
        });
        let mut series: Series = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let key = key.key();
                let mut labels: Vec<_> = key
                    .labels()
                    .map(|l| (l.key().to_owned(), l.value().to_owned()))
                    .collect();
                labels.sort();
                (key.name().to_owned(), labels, value)
            })
            .collect();
        series.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        series
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn find<'a>(series: &'a Series, name: &str, want: &[(&str, &str)]) -> &'a DebugValue {
        let want = labels(want);
        &series
            .iter()
            .find(|(n, l, _)| n == name && *l == want)
            .unwrap_or_else(|| panic!("no {name} {want:?} in {series:?}"))
            .2
    }

    #[test]
    fn counters_and_the_active_gauge_are_labelled_by_name() {
        let series = run_recorded(async {
            MetricsObserver::describe();
            let rows_obs = MetricsObserver::new("rows");
            assert_eq!(
                rows(4, &flag())
                    .instrumented(rows_obs.clone())
                    .count()
                    .await,
                4
            );
            assert_eq!(
                rows(4, &flag())
                    .instrumented(rows_obs.clone())
                    .first()
                    .await,
                Some(0)
            );
            let mut live = Box::pin(rows(4, &flag()).instrumented(rows_obs).stream());
            assert_eq!(live.next().await, Some(0));
            let pages = MetricsObserver::new(String::from("pages"));
            let mut kept = Box::pin(rows(4, &flag()).instrumented(pages).stream());
            assert_eq!(kept.next().await, Some(0));
            drop(live);
            std::mem::forget(kept); // a leak the gauge must show
        });
        let name = [("name", "rows")];
        assert_eq!(
            find(&series, "seqflow_iterations_started_total", &name),
            &DebugValue::Counter(3)
        );
        assert_eq!(
            find(&series, "seqflow_items_total", &name),
            &DebugValue::Counter(4 + 1 + 1)
        );
        for (outcome, n) in [("exhausted", 1), ("broke_early", 1), ("cancelled", 1)] {
            assert_eq!(
                find(
                    &series,
                    "seqflow_iterations_ended_total",
                    &[("name", "rows"), ("outcome", outcome)]
                ),
                &DebugValue::Counter(n),
                "{outcome}"
            );
        }
        let DebugValue::Gauge(active) = find(&series, "seqflow_iterations_active", &name) else {
            panic!("the active gauge is a gauge");
        };
        assert_eq!(active.0, 0.0, "every `rows` iteration ended");
        let DebugValue::Gauge(leaked) =
            find(&series, "seqflow_iterations_active", &[("name", "pages")])
        else {
            panic!("the active gauge is a gauge");
        };
        assert_eq!(leaked.0, 1.0, "the leaked `pages` iteration shows");
        let DebugValue::Histogram(durations) = find(
            &series,
            "seqflow_iteration_duration_seconds",
            &[("name", "rows"), ("outcome", "exhausted")],
        ) else {
            panic!("durations are a histogram");
        };
        assert_eq!(durations.iter().map(|d| d.0).collect::<Vec<_>>(), [0.045]);
    }
}

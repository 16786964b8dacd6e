//! The `tracing` and `metrics` observers of `instrumented`, recorded by a
//! real `tracing-subscriber` layer and a `metrics-util` debugging recorder:
//! one span (or one set of series) per iteration with its outcome, count and
//! duration. The observer-independent tests are in `tests/observe.rs`.
//!
//! Durations are exact: time is paused.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use seqflow::{Seq, Yield, seq};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
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

// ── tracing ──

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

    /// An event's level and fields.
    type EventRec = (tracing::Level, HashMap<&'static str, String>);

    /// Captures every event with its fields.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<EventRec>>>);

    impl<S: tracing::Subscriber> Layer<S> for Events {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut fields = HashMap::new();
            event.record(&mut Fields(&mut fields));
            fields.insert("target", event.metadata().target().to_owned());
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), fields));
        }
    }

    /// Yields 0, then waits for ever where no stop is heard.
    fn hangs_after_one() -> impl Seq<Item = u32> + Send + 'static {
        seq::from_fn(|mut y: Yield<u32>| async move {
            if y.yield_(0).await {
                std::future::pending::<()>().await;
            }
        })
    }

    #[test]
    fn contract_19_an_abandoned_producer_is_logged_with_its_name() {
        let events = Events::default();
        let subscriber = Registry::default().with(events.clone());
        tracing::subscriber::with_default(subscriber, || {
            support::paused_runtime().block_on(async {
                let got: Vec<_> = hangs_after_one()
                    .timeout(ms(10))
                    .instrumented(TracingObserver::new("hung"))
                    .collect()
                    .await;
                assert_eq!(got.len(), 2);
                // A stop that was heard logs nothing.
                assert_eq!(hangs_after_one().take(1).count().await, 1);
            });
        });
        let events = events.0.lock().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let (level, fields) = &events[0];
        assert_eq!(*level, tracing::Level::DEBUG);
        assert_eq!(fields["target"], "seqflow");
        assert!(
            fields["producer"].contains("hangs_after_one"),
            "the event names the producer: {fields:?}"
        );
        assert!(
            fields["message"].contains("async cleanup did not run"),
            "{fields:?}"
        );
    }

    #[test]
    fn contract_19_an_abandoned_iteration_has_its_own_outcome() {
        let capture = Capture::default();
        let subscriber = Registry::default().with(capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            support::paused_runtime().block_on(async {
                let got: Vec<_> = hangs_after_one()
                    .instrumented(TracingObserver::new("hung"))
                    .timeout(ms(10))
                    .collect()
                    .await;
                assert_eq!(got.len(), 2);
            });
        });
        let spans = capture.0.lock().unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].1.fields["outcome"], "abandoned");
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

// ── metrics ──

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

//! [`MetricsObserver`]: counters and an active gauge through the `metrics`
//! facade.

use std::fmt;
use std::time::Duration;

use ::metrics::{
    Counter, Gauge, SharedString, Unit, counter, describe_counter, describe_gauge,
    describe_histogram, gauge, histogram,
};

use super::{Observer, Outcome};

const STARTED: &str = "seqflow_iterations_started_total";
const ENDED: &str = "seqflow_iterations_ended_total";
const ACTIVE: &str = "seqflow_iterations_active";
const ITEMS: &str = "seqflow_items_total";
const DURATION: &str = "seqflow_iteration_duration_seconds";

/// An [`Observer`] that reports through the [`metrics`](::metrics) facade,
/// labelled by a name.
///
/// Every metric has the label `name`; the ones about ended iterations also
/// have `outcome` (an [`Outcome`]'s [`as_str`](Outcome::as_str)):
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `seqflow_iterations_started_total` | counter | `name` |
/// | `seqflow_iterations_ended_total` | counter | `name`, `outcome` |
/// | `seqflow_iterations_active` | gauge: started and not ended, the leak detector | `name` |
/// | `seqflow_items_total` | counter: elements delivered | `name` |
/// | `seqflow_iteration_duration_seconds` | histogram | `name`, `outcome` |
///
/// The metrics are registered with the recorder installed when the
/// iteration starts. [`describe`](MetricsObserver::describe) gives the
/// recorder their descriptions and units.
///
/// An observer watches one iteration at a time: give each sequence its own
/// (it is cheap, and a [`clone`](Clone::clone) is a fresh one with the
/// same name).
///
/// # Examples
///
/// ```
/// use seqflow::{seq, MetricsObserver, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // With no recorder installed, the metrics go nowhere.
/// let rows = MetricsObserver::new("rows");
/// let n = seq::iter(0..3).instrumented(rows.clone()).count().await;
/// assert_eq!(n, 3);
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub struct MetricsObserver {
    name: SharedString,
    // Registered when an iteration starts: the per-element and the gauge
    // updates then need no look-up.
    live: Option<Live>,
}

struct Live {
    items: Counter,
    active: Gauge,
}

impl MetricsObserver {
    /// Creates an observer whose metrics carry the label `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::MetricsObserver;
    ///
    /// let pages = MetricsObserver::new(String::from("pages"));
    /// assert_eq!(pages.name(), "pages");
    /// ```
    pub fn new(name: impl Into<SharedString>) -> Self {
        MetricsObserver {
            name: name.into(),
            live: None,
        }
    }

    /// Returns the value of the `name` label.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::MetricsObserver;
    ///
    /// assert_eq!(MetricsObserver::new("rows").name(), "rows");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Describes the metrics (help text and unit) to the recorder
    /// installed now; call it once, after installing one.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::MetricsObserver;
    ///
    /// MetricsObserver::describe(); // a no-op without a recorder
    /// ```
    pub fn describe() {
        describe_counter!(STARTED, "Iterations of seqflow sequences started");
        describe_counter!(
            ENDED,
            "Iterations of seqflow sequences ended, by outcome (exhausted, broke_early, cancelled, panicked, abandoned)"
        );
        describe_gauge!(
            ACTIVE,
            "Iterations of seqflow sequences started and not yet ended"
        );
        describe_counter!(ITEMS, "Elements delivered by seqflow sequences");
        describe_histogram!(
            DURATION,
            Unit::Seconds,
            "Duration of iterations of seqflow sequences, by outcome"
        );
    }
}

impl Observer for MetricsObserver {
    fn on_start(&mut self) {
        let name = self.name.clone();
        counter!(STARTED, "name" => name.clone()).increment(1);
        let active = gauge!(ACTIVE, "name" => name.clone());
        active.increment(1.0);
        self.live = Some(Live {
            items: counter!(ITEMS, "name" => name),
            active,
        });
    }

    fn on_item(&mut self) {
        if let Some(live) = &self.live {
            live.items.increment(1);
        }
    }

    fn on_end(&mut self, outcome: Outcome, _items: u64, elapsed: Duration) {
        let Some(live) = self.live.take() else {
            return;
        };
        live.active.decrement(1.0);
        let labels = [
            ("name", self.name.clone()),
            ("outcome", SharedString::from(outcome.as_str())),
        ];
        counter!(ENDED, &labels).increment(1);
        histogram!(DURATION, &labels).record(elapsed.as_secs_f64());
    }
}

impl Clone for MetricsObserver {
    /// A fresh observer with the same name.
    fn clone(&self) -> Self {
        MetricsObserver::new(self.name.clone())
    }
}

impl fmt::Debug for MetricsObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsObserver")
            .field("name", &self.name)
            .field("in_iteration", &self.live.is_some())
            .finish()
    }
}

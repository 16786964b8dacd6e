//! [`TracingObserver`]: one `tracing` span per iteration.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use ::tracing::{Span, field, info_span};

use super::{Observer, Outcome};

/// An [`Observer`] that records one [`tracing`](::tracing) span per
/// iteration, never one per element.
///
/// The span, named `seqflow.iteration` at level `INFO`, opens when the
/// iteration starts (as a child of the span current at that moment) and
/// closes when it ends. It carries the fields `name` (given here), and, set
/// at the end, `items` (the element count), `duration` (the iteration's
/// [`Duration`], as `Debug`) and `outcome` (an [`Outcome`]'s
/// [`as_str`](Outcome::as_str)). With `tracing-subscriber`'s `fmt`
/// layer, `FmtSpan::CLOSE` prints it as it closes.
///
/// An observer watches one iteration at a time: give each sequence its own
/// (it is cheap, and a [`clone`](Clone::clone) is a fresh one with the
/// same name).
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq, TracingObserver};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let rows = TracingObserver::new("rows");
/// let n = seq::iter(0..3).instrumented(rows.clone()).count().await;
/// assert_eq!(n, 3);
/// assert_eq!(rows.name(), "rows");
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub struct TracingObserver {
    name: Cow<'static, str>,
    // The span of the iteration under way.
    span: Option<Span>,
}

impl TracingObserver {
    /// Creates an observer whose spans carry `name` in their `name` field.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::TracingObserver;
    ///
    /// let pages = TracingObserver::new(format!("pages of {}", "users"));
    /// assert_eq!(pages.name(), "pages of users");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        TracingObserver {
            name: name.into(),
            span: None,
        }
    }

    /// Returns the name the spans carry.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::TracingObserver;
    ///
    /// assert_eq!(TracingObserver::new("rows").name(), "rows");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Observer for TracingObserver {
    fn on_start(&mut self) {
        self.span = Some(info_span!(
            "seqflow.iteration",
            name = %self.name,
            items = field::Empty,
            duration = field::Empty,
            outcome = field::Empty,
        ));
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        if let Some(span) = self.span.take() {
            span.record("items", items);
            span.record("duration", field::debug(elapsed));
            span.record("outcome", outcome.as_str());
            // Dropping the last handle closes the span.
        }
    }
}

impl Clone for TracingObserver {
    /// A fresh observer with the same name.
    fn clone(&self) -> Self {
        TracingObserver::new(self.name.clone())
    }
}

impl fmt::Debug for TracingObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingObserver")
            .field("name", &self.name)
            .field("in_iteration", &self.span.is_some())
            .finish()
    }
}

//! Watching sequences: the [`Observer`] of [`Seq::instrumented`], its
//! [`Outcome`]s, the built-in [`Stats`] counters, and the [`Beat`]s of
//! [`Seq::heartbeat`].
//!
//! With the `tracing` feature, `TracingObserver` records one span per
//! iteration; with the `metrics` feature, `MetricsObserver` reports
//! counters and an active gauge through the `metrics` facade.
//!
//! [`Seq::instrumented`]: crate::Seq::instrumented
//! [`Seq::heartbeat`]: crate::Seq::heartbeat

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod stats;

#[cfg(feature = "metrics")]
mod metrics;
#[cfg(feature = "tracing")]
mod tracing;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use self::metrics::MetricsObserver;
pub use self::stats::{Stats, StatsSnapshot};
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use self::tracing::TracingObserver;

// ===== impl Beat =====

/// An element of [`Seq::heartbeat`](crate::Seq::heartbeat): an element of
/// the source, or a sign of life while the source is silent.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seqflow::Beat;
///
/// let beats = [Beat::Item("row"), Beat::Idle(Duration::from_secs(1))];
/// assert_eq!(beats[0].as_item(), Some(&"row"));
/// assert!(beats[1].is_idle());
/// assert_eq!(beats.into_iter().filter_map(Beat::into_item).collect::<Vec<_>>(), ["row"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Beat<T> {
    /// An element of the source sequence.
    Item(T),
    /// The source has been silent this long: the time the consumer has
    /// waited for its next element (for a prompt consumer, the time since
    /// the last element).
    Idle(Duration),
}

impl<T> Beat<T> {
    /// Returns `true` for an [`Idle`](Beat::Idle) beat.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::Beat;
    ///
    /// assert!(Beat::<u8>::Idle(Duration::from_millis(100)).is_idle());
    /// assert!(!Beat::Item(1).is_idle());
    /// ```
    #[must_use]
    pub fn is_idle(&self) -> bool {
        matches!(self, Beat::Idle(_))
    }

    /// Returns a reference to the element of an [`Item`](Beat::Item) beat.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::Beat;
    ///
    /// assert_eq!(Beat::Item(7).as_item(), Some(&7));
    /// assert_eq!(Beat::<u8>::Idle(Duration::ZERO).as_item(), None);
    /// ```
    #[must_use]
    pub fn as_item(&self) -> Option<&T> {
        match self {
            Beat::Item(item) => Some(item),
            Beat::Idle(_) => None,
        }
    }

    /// Returns the element of an [`Item`](Beat::Item) beat, `None` for an
    /// [`Idle`](Beat::Idle) one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::Beat;
    ///
    /// assert_eq!(Beat::Item("a").into_item(), Some("a"));
    /// assert_eq!(Beat::<&str>::Idle(Duration::ZERO).into_item(), None);
    /// ```
    #[must_use]
    pub fn into_item(self) -> Option<T> {
        match self {
            Beat::Item(item) => Some(item),
            Beat::Idle(_) => None,
        }
    }
}

// ===== impl Outcome =====

/// How one iteration of an [`instrumented`](crate::Seq::instrumented)
/// sequence ended.
///
/// # Examples
///
/// ```
/// use seqflow::Outcome;
///
/// assert_eq!(Outcome::BrokeEarly.as_str(), "broke_early");
/// assert_eq!(Outcome::Exhausted.to_string(), "exhausted");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The sequence ran to its end: its producer returned on its own.
    Exhausted,
    /// The consumer stopped it ([`Seq::poll_stop`](crate::Seq::poll_stop):
    /// a `for_each` body returned `false`, `take` or `first` had enough,
    /// ...), and the producer's cleanup finished.
    BrokeEarly,
    /// It was dropped mid-iteration (Rust cancellation: the future
    /// consuming it lost a `select!`, its task was aborted, ...).
    Cancelled,
    /// A panic unwound through its `poll_next` or `poll_stop`.
    Panicked,
    /// It ended (its source ran out, or the consumer stopped it), and on
    /// the way a stop dropped a producer that was not listening for it:
    /// one waiting outside `yield_`, [`until_stopped`](crate::Yield::until_stopped)
    /// and [`shield`](crate::Yield::shield), a hung read or a sleep, say.
    /// That producer's `Drop` cleanup ran, its async cleanup did not. Look
    /// here when "my cleanup did not run": wrap the cleanup in
    /// [`Yield::shield`](crate::Yield::shield), or the wait in
    /// [`Yield::until_stopped`](crate::Yield::until_stopped).
    ///
    /// A `Panicked` or `Cancelled` end is reported as such even if a
    /// producer was abandoned on the way.
    Abandoned,
}

impl Outcome {
    /// The outcome's name in `snake_case`, as used for labels and fields.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::Outcome;
    ///
    /// assert_eq!(Outcome::Panicked.as_str(), "panicked");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Exhausted => "exhausted",
            Outcome::BrokeEarly => "broke_early",
            Outcome::Cancelled => "cancelled",
            Outcome::Panicked => "panicked",
            Outcome::Abandoned => "abandoned",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ===== impl Observer =====

/// Watches the iterations of an [`instrumented`](crate::Seq::instrumented)
/// sequence.
///
/// An iteration starts when the consumer first asks for an element and
/// ends once: when the sequence is exhausted, when the consumer's stop has
/// finished, when the sequence is dropped mid-iteration, or when a panic
/// unwinds through it (see [`Outcome`]). Every method has a no-op default.
///
/// An `instrumented` sequence owns its observer. To share one observer
/// between many sequences, implement `Observer` for a shared reference,
/// `&YourObserver` (with interior mutability, as [`Stats`] does with
/// atomics); then `&YourObserver` and `Arc<YourObserver>` are observers.
/// `&mut O` and `Box<O>` forward to `O`, and `()` observes nothing.
///
/// Observer methods run inside the sequence's `poll` calls, on the
/// consumer's task: keep them short and never block.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seqflow::{seq, Observer, Outcome, Seq};
///
/// #[derive(Default)]
/// struct Log(Vec<String>);
///
/// impl Observer for Log {
///     fn on_start(&mut self) {
///         self.0.push("start".into());
///     }
///     fn on_item(&mut self) {
///         self.0.push("item".into());
///     }
///     fn on_end(&mut self, outcome: Outcome, items: u64, _elapsed: Duration) {
///         self.0.push(format!("{outcome} after {items}"));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut log = Log::default();
/// let firsts: Vec<u32> = seq::iter(1..).instrumented(&mut log).take(2).collect().await;
/// assert_eq!(firsts, [1, 2]);
/// assert_eq!(log.0, ["start", "item", "item", "broke_early after 2"]);
/// # }
/// ```
pub trait Observer {
    /// An iteration starts: the consumer asked for the first element.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Observer, Seq};
    ///
    /// #[derive(Default)]
    /// struct Starts(u32);
    /// impl Observer for Starts {
    ///     fn on_start(&mut self) {
    ///         self.0 += 1;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut starts = Starts::default();
    /// let s = seq::iter([1, 2]).instrumented(&mut starts);
    /// // Building the sequence starts nothing; consuming it does.
    /// assert_eq!(s.count().await, 2);
    /// assert_eq!(starts.0, 1);
    /// # }
    /// ```
    fn on_start(&mut self) {}

    /// The sequence delivered an element.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Observer, Seq};
    ///
    /// #[derive(Default)]
    /// struct Items(u32);
    /// impl Observer for Items {
    ///     fn on_item(&mut self) {
    ///         self.0 += 1;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut items = Items::default();
    /// let found = seq::iter(1..).instrumented(&mut items).find(|v| *v == 3).await;
    /// assert_eq!(found, Some(3));
    /// assert_eq!(items.0, 3); // 1, 2 and the match
    /// # }
    /// ```
    fn on_item(&mut self) {}

    /// The iteration ended with `outcome`, after delivering `items` elements
    /// in `elapsed` (from [`on_start`](Observer::on_start), including the
    /// producer's cleanup).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Observer, Outcome, Seq};
    ///
    /// #[derive(Default)]
    /// struct Ends(Vec<(Outcome, u64)>);
    /// impl Observer for Ends {
    ///     fn on_end(&mut self, outcome: Outcome, items: u64, _elapsed: Duration) {
    ///         self.0.push((outcome, items));
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut ends = Ends::default();
    /// seq::iter(0..5).instrumented(&mut ends).count().await;
    /// seq::iter(0..5).instrumented(&mut ends).take(2).count().await;
    /// assert_eq!(ends.0, [(Outcome::Exhausted, 5), (Outcome::BrokeEarly, 2)]);
    /// # }
    /// ```
    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        let _ = (outcome, items, elapsed);
    }
}

impl Observer for () {}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn on_start(&mut self) {
        (**self).on_start();
    }

    fn on_item(&mut self) {
        (**self).on_item();
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        (**self).on_end(outcome, items, elapsed);
    }
}

impl<O: Observer + ?Sized> Observer for Box<O> {
    fn on_start(&mut self) {
        (**self).on_start();
    }

    fn on_item(&mut self) {
        (**self).on_item();
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        (**self).on_end(outcome, items, elapsed);
    }
}

/// A shared observer: `Arc<O>` observes as `&O` does.
impl<O: ?Sized> Observer for Arc<O>
where
    for<'a> &'a O: Observer,
{
    fn on_start(&mut self) {
        (&**self).on_start();
    }

    fn on_item(&mut self) {
        (&**self).on_item();
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        (&**self).on_end(outcome, items, elapsed);
    }
}

//! [`Stats`]: atomic counters of iterations, with a live `active` gauge.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{Observer, Outcome};

/// Atomic counters of the iterations of the sequences it observes, with a
/// live `active` gauge: the leak detector.
///
/// `Stats` is an [`Observer`] through a shared reference. Share one between
/// sequences (and read it while they run) as an `Arc<Stats>` or as a
/// `&'static Stats` from a `static` ([`Stats::new`] is `const`); a plain
/// `&Stats` works too where the sequence may borrow it.
///
/// Every counter only grows, except `active`, which counts the iterations
/// started and not yet ended. Once no iteration runs,
/// `started == finished + broke_early + cancelled + panicked + abandoned` and `active`
/// is back to zero; an `active` that stays above zero is an iteration that
/// never ended: a sequence kept alive somewhere, a leak.
///
/// Updates are relaxed atomic increments, one per element for `items`. A
/// [`snapshot`](Stats::snapshot) reads the counters one by one, so while
/// sequences run it may see an iteration counted as started but not yet as
/// active; read it when they are done for exact sums.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use seqflow::{seq, Seq, Stats};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let stats = Arc::new(Stats::new());
/// let all: Vec<u8> = seq::iter([1, 2, 3]).instrumented(stats.clone()).collect().await;
/// let first = seq::iter([4, 5]).instrumented(stats.clone()).first().await;
/// assert_eq!((all.len(), first), (3, Some(4)));
///
/// let snap = stats.snapshot();
/// assert_eq!((snap.started, snap.finished, snap.broke_early), (2, 1, 1));
/// assert_eq!(snap.items, 4);
/// assert_eq!(snap.active, 0, "no iteration leaked");
/// # }
/// ```
///
/// As a `static`:
///
/// ```
/// use seqflow::{seq, Seq, Stats};
///
/// static ROWS: Stats = Stats::new();
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(seq::iter(0..10).instrumented(&ROWS).count().await, 10);
/// assert_eq!(ROWS.snapshot().items, 10);
/// # }
/// ```
#[derive(Default)]
pub struct Stats {
    started: AtomicU64,
    active: AtomicU64,
    finished: AtomicU64,
    broke_early: AtomicU64,
    cancelled: AtomicU64,
    panicked: AtomicU64,
    abandoned: AtomicU64,
    items: AtomicU64,
}

/// The counters of a [`Stats`], read at one moment by
/// [`Stats::snapshot`].
///
/// # Examples
///
/// ```
/// use seqflow::{Stats, StatsSnapshot};
///
/// assert_eq!(Stats::new().snapshot(), StatsSnapshot::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct StatsSnapshot {
    /// Iterations started.
    pub started: u64,
    /// Iterations started and not yet ended: the leak gauge.
    pub active: u64,
    /// Iterations that ran to the end ([`Outcome::Exhausted`]).
    pub finished: u64,
    /// Iterations the consumer stopped ([`Outcome::BrokeEarly`]).
    pub broke_early: u64,
    /// Iterations dropped mid-way ([`Outcome::Cancelled`]).
    pub cancelled: u64,
    /// Iterations a panic unwound through ([`Outcome::Panicked`]).
    pub panicked: u64,
    /// Iterations that ended with a producer dropped by a stop it did not
    /// hear, its async cleanup skipped ([`Outcome::Abandoned`]).
    pub abandoned: u64,
    /// Elements delivered, over all iterations.
    pub items: u64,
}

impl Stats {
    /// Creates counters at zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::Stats;
    ///
    /// static STATS: Stats = Stats::new();
    /// assert_eq!(STATS.active(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Stats {
            started: AtomicU64::new(0),
            active: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            broke_early: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            panicked: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            items: AtomicU64::new(0),
        }
    }

    /// Reads every counter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use seqflow::{seq, Seq, Stats};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let stats = Arc::new(Stats::new());
    /// seq::iter(["a", "b"]).instrumented(stats.clone()).count().await;
    /// let snap = stats.snapshot();
    /// assert_eq!((snap.started, snap.finished, snap.items, snap.active), (1, 1, 2, 0));
    /// # }
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> StatsSnapshot {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StatsSnapshot {
            started: read(&self.started),
            active: read(&self.active),
            finished: read(&self.finished),
            broke_early: read(&self.broke_early),
            cancelled: read(&self.cancelled),
            panicked: read(&self.panicked),
            abandoned: read(&self.abandoned),
            items: read(&self.items),
        }
    }

    /// The iterations running now: started and not yet ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use seqflow::{seq, Seq, Stats};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// static STATS: Stats = Stats::new();
    /// let mut st = Box::pin(seq::iter(0..).instrumented(&STATS).stream());
    /// assert_eq!(st.next().await, Some(0));
    /// assert_eq!(STATS.active(), 1);
    /// drop(st);
    /// assert_eq!(STATS.active(), 0);
    /// assert_eq!(STATS.snapshot().cancelled, 1);
    /// # }
    /// ```
    #[must_use]
    pub fn active(&self) -> u64 {
        self.active.load(Ordering::Relaxed)
    }
}

impl Observer for &Stats {
    fn on_start(&mut self) {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::Relaxed);
    }

    fn on_item(&mut self) {
        self.items.fetch_add(1, Ordering::Relaxed);
    }

    fn on_end(&mut self, outcome: Outcome, _items: u64, _elapsed: Duration) {
        let counter = match outcome {
            Outcome::Exhausted => &self.finished,
            Outcome::BrokeEarly => &self.broke_early,
            Outcome::Cancelled => &self.cancelled,
            Outcome::Panicked => &self.panicked,
            Outcome::Abandoned => &self.abandoned,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An owned `Stats` observes one sequence; read it through
/// [`Instrumented::observer`](crate::seq::Instrumented::observer).
impl Observer for Stats {
    fn on_start(&mut self) {
        (&*self).on_start();
    }

    fn on_item(&mut self) {
        (&*self).on_item();
    }

    fn on_end(&mut self, outcome: Outcome, items: u64, elapsed: Duration) {
        (&*self).on_end(outcome, items, elapsed);
    }
}

impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.snapshot();
        f.debug_struct("Stats")
            .field("started", &snap.started)
            .field("active", &snap.active)
            .field("finished", &snap.finished)
            .field("broke_early", &snap.broke_early)
            .field("cancelled", &snap.cancelled)
            .field("panicked", &snap.panicked)
            .field("abandoned", &snap.abandoned)
            .field("items", &snap.items)
            .finish()
    }
}

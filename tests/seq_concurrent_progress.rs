//! The "buffered streams" trap (futures-rs issue 2387, "Barbara battles
//! buffered streams"), as it applies to `map_concurrent` and
//! `map_unordered`: their futures are polled inline on the consumer's task,
//! so they make progress only while the consumer polls the sequence. A
//! consumer busy elsewhere (here: sleeping a second per element) stalls
//! every future in flight. `.prefetch(k)` after the adapter moves the
//! polling to a task of its own, and the futures run while the consumer is
//! busy.
//!
//! Everything runs under tokio's paused clock: time moves only when every
//! task waits, straight to the next timer, so the timestamps are exact.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use seqflow::{Seq, pull, seq};
use support::{alive_tasks, settle_tasks};
use tokio::time::{Instant, sleep};

const ELEMENTS: u64 = 8;
const LIMIT: usize = 4;
/// Each future does four steps of 250 ms: one second of its own time.
const STEP: Duration = Duration::from_millis(250);
const STEPS: u32 = 4;
/// The consumer spends one second on each element.
const BUSY: Duration = Duration::from_secs(1);

/// When each step of each future completed, and when each consumer's busy
/// period started and ended (offsets from the start of the test).
#[derive(Clone, Default)]
struct Timeline {
    start: Arc<Mutex<Option<Instant>>>,
    steps: Arc<Mutex<Vec<Duration>>>,
    busy: Arc<Mutex<Vec<(Duration, Duration)>>>,
    /// For each future: (first poll, completion).
    spans: Arc<Mutex<Vec<(Duration, Duration)>>>,
    /// When the consumer received each element.
    arrivals: Arc<Mutex<Vec<Duration>>>,
}

impl Timeline {
    fn begin(&self) {
        *self.start.lock().unwrap() = Some(Instant::now());
    }

    fn now(&self) -> Duration {
        self.start.lock().unwrap().expect("begun").elapsed()
    }

    /// The future made of element `x`: four timed steps, each recorded.
    fn work(&self, x: u64) -> impl Future<Output = u64> + Send + use<> {
        let t = self.clone();
        async move {
            let first_poll = t.now();
            for _ in 0..STEPS {
                sleep(STEP).await;
                let at = t.now();
                t.steps.lock().unwrap().push(at);
            }
            let done = t.now();
            t.spans.lock().unwrap().push((first_poll, done));
            x
        }
    }

    /// The consumer's work on one element: one second, recorded.
    async fn busy(&self) {
        let from = self.now();
        self.arrivals.lock().unwrap().push(from);
        sleep(BUSY).await;
        let to = self.now();
        self.busy.lock().unwrap().push((from, to));
    }

    /// How many future steps completed strictly inside a busy period of the
    /// consumer.
    fn steps_while_busy(&self) -> usize {
        let busy = self.busy.lock().unwrap().clone();
        let steps = self.steps.lock().unwrap().clone();
        steps
            .iter()
            .filter(|&&at| busy.iter().any(|&(from, to)| from < at && at < to))
            .count()
    }

    /// How long the consumer waited for its elements after the first: the
    /// time from the end of its work on one element to the arrival of the
    /// next, summed.
    fn waited_after_first(&self) -> Duration {
        let arrivals = self.arrivals.lock().unwrap();
        let busy = self.busy.lock().unwrap();
        arrivals
            .iter()
            .skip(1)
            .zip(busy.iter())
            .map(|(&at, &(_, done))| at - done)
            .sum()
    }

    fn longest_span(&self) -> Duration {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .map(|&(a, b)| b - a)
            .max()
            .expect("futures ran")
    }
}

// ── map_concurrent ──

#[tokio::test(start_paused = true)]
async fn map_concurrent_futures_stall_while_the_consumer_is_busy() {
    let t = Timeline::default();
    t.begin();
    let mut got = Vec::new();
    seq::iter(0..ELEMENTS)
        .map_concurrent(LIMIT, |x| t.work(x))
        .for_each(|x| {
            got.push(x);
            let t = t.clone();
            async move {
                t.busy().await;
                true
            }
        })
        .await;
    assert_eq!(got, (0..ELEMENTS).collect::<Vec<_>>());
    // Not one step of any future completed while the consumer slept: the
    // futures' timers fired, but nobody polled them until the consumer
    // asked for its next element.
    assert_eq!(t.steps_while_busy(), 0);
    // So a future of one second's work took far longer than a second:
    // each of its steps waited for a consumer poll.
    assert!(
        t.longest_span() >= 3 * BUSY,
        "longest future: {:?}",
        t.longest_span()
    );
    // The consumer, back from its work, waits again for futures that could
    // have finished while it was away.
    assert!(
        t.waited_after_first() >= BUSY,
        "waited: {:?}",
        t.waited_after_first()
    );
    // And the whole run costs more than the consumer's own 8 s plus the
    // first element's 1 s.
    assert!(
        t.now() > BUSY * ELEMENTS as u32 + STEPS * STEP,
        "total: {:?}",
        t.now()
    );
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_then_prefetch_keeps_the_futures_running() {
    let before = alive_tasks();
    let t = Timeline::default();
    t.begin();
    let mut got = Vec::new();
    seq::iter(0..ELEMENTS)
        .map_concurrent(LIMIT, {
            let t = t.clone();
            move |x| t.work(x)
        })
        .prefetch(LIMIT)
        .for_each(|x| {
            got.push(x);
            let t = t.clone();
            async move {
                t.busy().await;
                true
            }
        })
        .await;
    assert_eq!(got, (0..ELEMENTS).collect::<Vec<_>>());
    // The futures ran on the prefetch task while the consumer slept.
    assert!(t.steps_while_busy() > 0);
    // The consumer never waited after the first element: each was ready
    // when it asked.
    assert_eq!(t.waited_after_first(), Duration::ZERO);
    // The run is the consumer's 8 s plus the first element's 1 s: the
    // futures' work overlapped entirely with the consumer's.
    assert_eq!(t.now(), BUSY * ELEMENTS as u32 + STEPS * STEP);
    assert_eq!(
        settle_tasks(before).await,
        before,
        "the prefetch task ended"
    );
}

// ── map_unordered ──

#[tokio::test(start_paused = true)]
async fn map_unordered_futures_stall_while_a_pull_consumer_is_busy() {
    let before = alive_tasks();
    let t = Timeline::default();
    t.begin();
    let mut p = pull(seq::iter(0..ELEMENTS).map_unordered(LIMIT, {
        let t = t.clone();
        move |x| t.work(x)
    }));
    let mut n = 0;
    while p.next().await.is_some() {
        n += 1;
        t.busy().await;
    }
    p.stop().await;
    assert_eq!(n, ELEMENTS);
    assert_eq!(t.steps_while_busy(), 0);
    assert!(t.longest_span() >= 3 * BUSY, "{:?}", t.longest_span());
    assert!(
        t.waited_after_first() >= BUSY,
        "{:?}",
        t.waited_after_first()
    );
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn map_unordered_then_prefetch_keeps_the_futures_running() {
    let before = alive_tasks();
    let t = Timeline::default();
    t.begin();
    let mut p = pull(
        seq::iter(0..ELEMENTS)
            .map_unordered(LIMIT, {
                let t = t.clone();
                move |x| t.work(x)
            })
            .prefetch(LIMIT),
    );
    let mut n = 0;
    while p.next().await.is_some() {
        n += 1;
        t.busy().await;
    }
    p.stop().await;
    assert_eq!(n, ELEMENTS);
    assert!(t.steps_while_busy() > 0);
    // The consumer never waited after the first element: each was ready
    // when it asked.
    assert_eq!(t.waited_after_first(), Duration::ZERO);
    assert_eq!(t.now(), BUSY * ELEMENTS as u32 + STEPS * STEP);
    assert_eq!(settle_tasks(before).await, before);
}

// ── a consumer that stops early while the futures run ahead ──

#[tokio::test(start_paused = true)]
async fn map_concurrent_then_prefetch_stopped_early_leaves_no_task() {
    let before = alive_tasks();
    let t = Timeline::default();
    t.begin();
    let first: Vec<u64> = seq::iter(0..ELEMENTS)
        .map_concurrent(LIMIT, {
            let t = t.clone();
            move |x| t.work(x)
        })
        .prefetch(LIMIT)
        .take(2)
        .collect()
        .await;
    assert_eq!(first, [0, 1]);
    assert_eq!(settle_tasks(before).await, before);
}

//! The scaffolding of the time-operator tests (`seq_time.rs`,
//! `seq_time_fallible.rs`): marble and scheduled sources on tokio's paused
//! clock, a consumer that notes when each element came, and the runner of
//! the simulated-clock property tests.
//!
//! A marble is written as in RxJS's marble tests: one character per 10 ms
//! frame, a letter is an element at that frame, `-` a quiet frame, `|` the
//! end of the source.

use std::future::poll_fn;
use std::time::Duration;

use seqflow::{Seq, Yield, seq};
use tokio::time::Instant;

use super::{Log, LogOnDrop, collect_checking_size_hint, paused_runtime};

/// The length of a marble frame, in milliseconds.
pub const FRAME: u64 = 10;

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A source that yields `item(c)` for each letter `c` of `marble` at its
/// frame (from the first poll) and ends at `|` (or after the last frame).
pub fn marble_of<T: Send + 'static>(
    marble: &'static str,
    item: fn(char) -> T,
) -> impl Seq<Item = T> + Send + 'static {
    seq::from_fn(move |mut y: Yield<T>| async move {
        let start = Instant::now();
        for (frame, c) in marble.chars().enumerate() {
            let at = start + ms(frame as u64 * FRAME);
            match c {
                '-' => {}
                '|' => {
                    tokio::time::sleep_until(at).await;
                    return;
                }
                c => {
                    tokio::time::sleep_until(at).await;
                    if !y.yield_(item(c)).await {
                        return;
                    }
                }
            }
        }
    })
}

/// A source that yields `item` after sleeping `delay` ms, for each pair.
pub fn scheduled<T: Send + 'static>(
    schedule: Vec<(T, u64)>,
) -> impl Seq<Item = T> + Send + 'static {
    seq::from_fn(move |mut y: Yield<T>| async move {
        for (item, delay) in schedule {
            if delay > 0 {
                tokio::time::sleep(ms(delay)).await;
            }
            if !y.yield_(item).await {
                return;
            }
        }
    })
}

/// Consumes `s`, noting the millisecond (since the start) of each element.
pub async fn timed<S: Seq>(s: S) -> Vec<(S::Item, u64)> {
    let start = Instant::now();
    let mut out = Vec::new();
    s.for_each(|x| {
        out.push((x, start.elapsed().as_millis() as u64));
        async { true }
    })
    .await;
    out
}

/// Arrival times (ms) of a schedule of `(item, delay)` pairs.
pub fn arrivals<T: Clone>(schedule: &[(T, u64)]) -> Vec<(T, u64)> {
    let mut t = 0;
    schedule
        .iter()
        .map(|(v, delay)| {
            t += delay;
            (v.clone(), t)
        })
        .collect()
}

/// Runs `make()` under a paused clock twice: once timed, once checking its
/// `size_hint` at every step (the items must agree); returns the timed run.
pub fn run_paused<S: Seq>(make: impl Fn() -> S) -> Vec<(S::Item, u64)>
where
    S::Item: PartialEq + std::fmt::Debug,
{
    let got = paused_runtime().block_on(timed(make()));
    let items = paused_runtime().block_on(collect_checking_size_hint(make().stream()));
    assert!(
        got.iter().map(|(x, _)| x).eq(items.iter()),
        "{got:?} against {items:?}"
    );
    got
}

/// A producer that yields 1, then waits in `until_stopped`: it hears a
/// stop there, or at its `yield_`, and cleans up asynchronously.
pub fn listening(log: &Log) -> impl Seq<Item = u32> + Send + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        if y.yield_(1).await {
            let waited = y.until_stopped(tokio::time::sleep(ms(10_000))).await;
            assert!(waited.is_none(), "stopped before the sleep ended");
        }
        tokio::task::yield_now().await; // async cleanup
        log.push("cleanup");
    })
}

/// A producer that yields 1, then hangs where it cannot hear a stop.
pub fn hung(log: &Log) -> impl Seq<Item = u32> + Send + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let guard = LogOnDrop::armed(&log, "dropped");
        if !y.yield_(1).await {
            return guard.disarm();
        }
        std::future::pending::<()>().await;
    })
}

/// Takes the first element, asks for the next (the producer then hangs),
/// and stops: the stop must complete in one poll.
pub async fn first_then_stop_hung<T>(s: seqflow::BoxSeq<'static, T>) -> Option<T> {
    let mut s = s;
    let first = poll_fn(|cx| s.as_mut().poll_next(cx)).await;
    let second = futures::poll!(poll_fn(|cx| s.as_mut().poll_next(cx)));
    assert!(second.is_pending(), "the producer hangs");
    let stop = futures::poll!(poll_fn(|cx| s.as_mut().poll_stop(cx)));
    assert!(stop.is_ready(), "the stop waited for a hung producer");
    first
}

/// A producer that goes on yielding after its `yield_` returned `false`
/// (a bug: contract 2 makes that `yield_` panic).
pub fn deaf() -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0.. {
            let _ignored = y.yield_(i).await;
        }
    })
}

/// An element whose `Drop` panics when it holds 1 (unless the thread is
/// already panicking): a replaced or dropped element 1 panics in the
/// operator, and the panic must reach the consumer.
pub struct Bomb(pub u32);

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.0 == 1 && !std::thread::panicking() {
            panic!("drop of element {}", self.0);
        }
    }
}

/// Polls `s.collect()` as a task up to `polls` times, sleeping 3 ms on the
/// (paused) clock between polls, then drops it: the consumer dropped at
/// whichever await point it had reached.
pub async fn drop_after_polls<T: 'static>(s: seqflow::BoxSeq<'static, T>, polls: usize) {
    let mut task = tokio_test::task::spawn(s.collect::<Vec<_>>());
    for _ in 0..polls {
        if task.poll().is_ready() {
            break;
        }
        tokio::time::sleep(ms(3)).await;
    }
    drop(task);
}

/// Whether a task spawned on this `current_thread` runtime gets to run
/// while `s`, endless and always ready, is counted (contract 21): polls
/// the count until the task ran, for at most 10 s of runtime time.
pub async fn lets_a_task_run<T: 'static>(s: seqflow::BoxSeq<'static, T>) -> bool {
    use std::future::Future;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::Poll;

    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    drop(tokio::spawn(async move { r.store(true, Ordering::SeqCst) }));
    let mut count = std::pin::pin!(s.count());
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        poll_fn(|cx| {
            assert!(count.as_mut().poll(cx).is_pending(), "endless");
            if ran.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }),
    )
    .await;
    outcome.is_ok()
}

/// An element of the simulated-clock schedules: a value or an error.
pub type R = Result<u8, u8>;

// The simulated-clock models of the four time operators, with errors: an
// `Err` goes out at its arrival, after the value the operator held. On a
// schedule without errors, each is the plain operator's model.

pub fn try_debounce_model(schedule: &[(R, u64)], d: u64) -> Vec<(R, u64)> {
    let a = arrivals(schedule);
    let mut out = Vec::new();
    for (i, &(v, t)) in a.iter().enumerate() {
        if v.is_err() {
            out.push((v, t));
            continue;
        }
        match a.get(i + 1) {
            None => out.push((v, t)), // at the end, at once
            // Flushed by the error, unless its silence ended first.
            Some(&(Err(_), next)) => out.push((v, next.min(t + d))),
            Some(&(Ok(_), next)) if next > t + d => out.push((v, t + d)),
            Some(_) => {}
        }
    }
    out
}

pub fn try_sample_model(schedule: &[(R, u64)], d: u64) -> Vec<(R, u64)> {
    let a = arrivals(schedule);
    let Some(&(_, end)) = a.last() else {
        return Vec::new();
    };
    let tick = |t: u64| t.div_ceil(d).max(1) * d;
    let mut out = Vec::new();
    // The latest value of the current period, and the period's end.
    let mut latest: Option<(R, u64)> = None;
    for &(v, t) in &a {
        // A period that ended before this arrival gave its value then.
        if let Some((l, due)) = latest.filter(|&(_, due)| due < t) {
            out.push((l, due));
            latest = None;
        }
        match v {
            Err(_) => {
                if let Some((l, _)) = latest.take() {
                    out.push((l, t));
                }
                out.push((v, t));
            }
            Ok(_) => latest = Some((v, tick(t))),
        }
    }
    if let Some((l, due)) = latest.filter(|&(_, due)| due <= end) {
        out.push((l, due));
    }
    out
}

pub fn try_throttle_model(schedule: &[(R, u64)], d: u64) -> Vec<(R, u64)> {
    let mut last: Option<u64> = None;
    arrivals(schedule)
        .into_iter()
        .filter(|&(v, t)| {
            if v.is_err() {
                return true;
            }
            let through = last.is_none_or(|l| t > l + d);
            if through {
                last = Some(t);
            }
            through
        })
        .collect()
}

pub fn try_throttle_latest_model(schedule: &[(R, u64)], d: u64) -> Vec<(R, u64)> {
    let a = arrivals(schedule);
    let mut out = Vec::new();
    let mut window: Option<u64> = None;
    let mut latest: Option<R> = None;
    for &(v, t) in &a {
        // The windows that end before this element.
        while let Some(w) = window.filter(|&w| w < t) {
            match latest.take() {
                Some(l) => {
                    out.push((l, w));
                    window = Some(w + d);
                }
                None => window = None,
            }
        }
        match (v, window) {
            (Err(_), _) => {
                // The waiting value first; it opens the next window.
                if let Some(l) = latest.take() {
                    out.push((l, t));
                    window = Some(t + d);
                }
                out.push((v, t));
            }
            (Ok(_), None) => {
                out.push((v, t));
                window = Some(t + d);
            }
            (Ok(_), Some(_)) => latest = Some(v),
        }
    }
    if let (Some(l), Some(&(_, end))) = (latest, a.last()) {
        out.push((l, end));
    }
    out
}

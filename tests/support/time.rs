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

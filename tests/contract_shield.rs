//! `Yield::shield` from every place a stop can come from (DESIGN.md
//! contract 19, December 2026), and the abandoned producer made visible.
//!
//! The producers here run ahead of their consumer, finish their elements,
//! and are inside a shielded cleanup (a 100 ms "remove the spool file")
//! when the stop comes, 10 ms or one element later. Without the shield the
//! stop would drop them there; with it, the stop waits for the cleanup,
//! then treats the producer as it finds it next. Every case runs on both
//! runtime flavours and checks that the alive-task count is back at its
//! start.

mod support;

use std::future::pending;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Beat, Error, Outcome, Seq, Stats, Yield, pull, seq};
use support::liveness::both_flavours;
use support::{Log, LogOnDrop};
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What the producer does once its shielded cleanup is over.
#[derive(Clone, Copy)]
enum Then {
    /// Returns.
    Return,
    /// Awaits `yield_` again: it hears the stop there.
    Yield,
    /// Waits for ever where no stop can be heard: dropped there.
    Hang,
}

/// Yields `0..k` without hearing a stop, then runs a 100 ms cleanup inside
/// `shield` (logs "cleaned" at its end), then does `then`. Logs "heard"
/// when a `yield_` returned `false`, and "dropped" if its future was
/// dropped before it returned.
fn shielded(k: u64, then: Then, log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&log, "dropped");
        for i in 0..k {
            if !y.yield_(i).await {
                log.push("heard");
                dropped.disarm();
                return;
            }
        }
        y.shield(async {
            sleep(ms(100)).await;
            log.push("cleaned");
        })
        .await;
        match then {
            Then::Return => {}
            Then::Yield => {
                if !y.yield_(99).await {
                    log.push("heard");
                }
            }
            Then::Hang => pending::<()>().await,
        }
        dropped.disarm();
    })
}

/// An endless producer that yields every millisecond, from 100 on.
fn ticks() -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(|mut y: Yield<u64>| async move {
        for i in 100.. {
            sleep(ms(1)).await;
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

// ── the early ends of a single source ──

async fn timeout_case() {
    for (then, events) in [
        (Then::Return, &["cleaned"][..]),
        (Then::Yield, &["cleaned", "heard"][..]),
        (Then::Hang, &["cleaned", "dropped"][..]),
    ] {
        let log = Log::new();
        let got: Vec<_> = shielded(2, then, &log).timeout(ms(10)).collect().await;
        assert_eq!(got, [Ok(0), Ok(1), Err(Error::Timeout)]);
        assert_eq!(log.events(), events);
    }
}

async fn with_cancel_case() {
    let log = Log::new();
    let token = CancellationToken::new();
    let canceller = {
        let token = token.clone();
        tokio::spawn(async move {
            sleep(ms(10)).await;
            token.cancel();
        })
    };
    let got: Vec<_> = shielded(2, Then::Hang, &log)
        .with_cancel(token)
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
    assert_eq!(log.events(), ["cleaned", "dropped"]);
    canceller.await.expect("no panic");
}

async fn heartbeat_take_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(1, Then::Hang, &log)
        .heartbeat(ms(10))
        .take(2)
        .collect()
        .await;
    assert_eq!(got[0], Beat::Item(0));
    assert!(got[1].is_idle());
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn pull_stop_case() {
    let log = Log::new();
    let mut p = pull(shielded(1, Then::Yield, &log));
    assert_eq!(p.next().await, Some(0));
    // The producer is inside its cleanup when this `next()` is cancelled.
    assert!(tokio::time::timeout(ms(10), p.next()).await.is_err());
    p.stop().await;
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

async fn pull_drop_case() {
    let log = Log::new();
    let mut p = pull(shielded(1, Then::Hang, &log));
    assert_eq!(p.next().await, Some(0));
    assert!(tokio::time::timeout(ms(10), p.next()).await.is_err());
    drop(p); // stops in the background: the cleanup still finishes
    for _ in 0..1000 {
        if log.events().len() == 2 {
            break;
        }
        sleep(ms(1)).await;
    }
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

// ── adapters that run a producer ahead of its consumer ──

async fn merge_take_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(2, Then::Hang, &log)
        .merge(ticks())
        .take(5)
        .collect()
        .await;
    assert_eq!(got.len(), 5);
    assert!(got.contains(&0) && got.contains(&1));
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn zip_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(2, Then::Hang, &log)
        .zip(seq::iter(10..))
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok((0, 10)), Ok((1, 11)), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn map_concurrent_case() {
    let log = Log::new();
    // The source runs ahead of a slow mapping: it is in its cleanup when
    // the second result completes the `take`.
    let got: Vec<_> = shielded(2, Then::Hang, &log)
        .map_concurrent(4, |v| async move {
            sleep(ms(10 * (v + 1))).await;
            v
        })
        .take(2)
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn map_unordered_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(2, Then::Return, &log)
        .map_unordered(4, |v| async move {
            sleep(ms(10)).await;
            v
        })
        .take(2)
        .collect()
        .await;
    assert_eq!(got.len(), 2);
    assert_eq!(log.events(), ["cleaned"]);
}

async fn prefetch_take_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(3, Then::Hang, &log)
        .prefetch(8)
        .then(|v| async move {
            sleep(ms(10)).await; // a slow consumer: the task runs ahead
            v
        })
        .take(3)
        .collect()
        .await;
    assert_eq!(got, [0, 1, 2]);
    // `take` returned after the stop completed, on the task: the cleanup ran.
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn prefetch_zero_case() {
    let log = Log::new();
    let got: Vec<_> = shielded(2, Then::Yield, &log)
        .prefetch(0)
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Ok(1), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

async fn flat_map_inner_case() {
    let log = Log::new();
    let inner_log = log.clone();
    let got: Vec<_> = seq::iter([1, 2])
        .flat_map(move |_| shielded(1, Then::Hang, &inner_log))
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "dropped"]);
}

async fn yield_all_inner_case() {
    let log = Log::new();
    let inner = shielded(1, Then::Hang, &log);
    let outer_log = log.clone();
    let outer = seq::from_fn(move |mut y: Yield<u64>| async move {
        if !y.yield_all(inner).await {
            outer_log.push("outer heard");
        }
    });
    let got: Vec<_> = outer.timeout(ms(10)).collect().await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "dropped", "outer heard"]);
}

both_flavours! {
    contract_19_shield_completes_under_timeout => timeout_case;
    contract_19_shield_completes_under_with_cancel => with_cancel_case;
    contract_19_shield_completes_under_take_after_heartbeat => heartbeat_take_case;
    contract_19_shield_completes_under_pull_stop => pull_stop_case;
    contract_19_shield_completes_after_a_pull_is_dropped => pull_drop_case;
    contract_19_shield_completes_under_merge_take => merge_take_case;
    contract_19_shield_completes_under_zip => zip_case;
    contract_19_shield_completes_under_map_concurrent_take => map_concurrent_case;
    contract_19_shield_completes_under_map_unordered_take => map_unordered_case;
    contract_19_shield_completes_under_prefetch_take => prefetch_take_case;
    contract_19_shield_completes_under_prefetch_zero => prefetch_zero_case;
    contract_19_shield_completes_in_a_flat_map_inner => flat_map_inner_case;
    contract_19_shield_completes_in_a_yield_all_inner => yield_all_inner_case;
}

// ── the shield itself ──

#[tokio::test(start_paused = true)]
async fn contract_19_without_a_shield_the_same_cleanup_is_dropped() {
    // The control experiment: the same producer, its cleanup not shielded.
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let _dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            return;
        }
        sleep(ms(100)).await;
        producer_log.push("cleaned");
    });
    let got: Vec<_> = s.timeout(ms(10)).collect().await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test(start_paused = true)]
async fn contract_19_a_sequence_consumed_inside_until_stopped_loses_its_shield() {
    // As the docs of `until_stopped` say: the stop drops `fut` as a whole,
    // an inner sequence run inside it included, so the inner producer's
    // shield does not hold the outer stop back.
    let log = Log::new();
    let outer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return;
        }
        let inner_log = outer_log.clone();
        let inner = seq::from_fn(move |mut z: Yield<u64>| async move {
            let _dropped = LogOnDrop::armed(&inner_log, "inner dropped");
            z.shield(sleep(Duration::from_secs(3600))).await;
            inner_log.push("inner shield done");
        });
        let ran = y.until_stopped(inner.for_each(|_| async { true })).await;
        outer_log.push(format!("until_stopped: {ran:?}"));
    });
    let start = tokio::time::Instant::now();
    let got: Vec<_> = s.timeout(ms(10)).collect().await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["inner dropped", "until_stopped: None"]);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the stop did not wait for the inner shield"
    );
}

#[tokio::test(start_paused = true)]
async fn contract_19_a_shield_returns_its_output_and_runs_without_a_stop() {
    let s = seq::from_fn(|mut y: Yield<u64>| async move {
        let v = y.shield(async { 41 }).await + 1;
        y.yield_(v).await;
        let slow = y
            .shield(async {
                sleep(ms(5)).await;
                7
            })
            .await;
        y.yield_(slow).await;
    });
    assert_eq!(s.collect::<Vec<_>>().await, [42, 7]);
}

#[tokio::test(start_paused = true)]
async fn contract_19_a_stop_waits_for_every_shield_in_turn() {
    // Two shields one after the other: the stop that finds the producer in
    // the first waits for both, and drops it at the hang after them.
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let _dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            return;
        }
        y.shield(sleep(ms(50))).await;
        producer_log.push("first");
        y.shield(sleep(ms(50))).await;
        producer_log.push("second");
        pending::<()>().await;
    });
    let started = tokio::time::Instant::now();
    let got: Vec<_> = s.timeout(ms(10)).collect().await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["first", "second", "dropped"]);
    assert_eq!(started.elapsed(), ms(100));
}

#[tokio::test(start_paused = true)]
async fn contract_19_a_shield_after_the_stop_was_heard_runs_to_its_end() {
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                break;
            }
        }
        y.shield(sleep(ms(20))).await;
        producer_log.push("cleaned");
    });
    assert_eq!(s.take(2).collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(log.events(), ["cleaned"]);
}

#[tokio::test(start_paused = true)]
async fn contract_19_a_panic_inside_a_shield_reaches_the_stop() {
    let s = seq::from_fn(|mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return;
        }
        y.shield(async {
            sleep(ms(50)).await;
            panic!("cleanup failed");
        })
        .await;
    });
    let run = tokio::spawn(async move { s.timeout(ms(10)).collect::<Vec<_>>().await });
    let err = run.await.expect_err("the panic surfaces");
    assert!(err.is_panic());
    let msg = support::panics::panic_message(&*err.into_panic());
    assert!(msg.contains("cleanup failed"), "{msg}");
}

#[test]
#[should_panic(expected = "outside the producer it was given to")]
fn contract_05_a_shield_awaited_outside_its_producer_panics() {
    let kept = Arc::new(std::sync::Mutex::new(None));
    let keep = kept.clone();
    let s = seq::from_fn(move |y: Yield<u8>| async move {
        *keep.lock().unwrap() = Some(y);
    });
    let rt = support::current_thread_runtime();
    rt.block_on(async {
        assert_eq!(s.count().await, 0);
        let mut y = kept.lock().unwrap().take().expect("kept");
        y.shield(async {}).await;
    });
}

#[tokio::test(start_paused = true)]
async fn contract_03_dropping_the_stream_drops_a_shield() {
    // A shield protects against stops, not against Rust cancellation.
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let _dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            return;
        }
        y.shield(sleep(ms(100))).await;
        producer_log.push("cleaned");
    });
    let mut st = Box::pin(s.stream());
    assert_eq!(st.next().await, Some(0));
    assert!(tokio::time::timeout(ms(10), st.next()).await.is_err());
    drop(st);
    assert_eq!(log.events(), ["dropped"]);
}

// ── an abandoned producer is visible ──

/// Yields `0..k`, then hangs where no stop is heard.
fn hangs_after(k: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..k {
            if !y.yield_(i).await {
                return;
            }
        }
        pending::<()>().await;
    })
}

async fn outcomes_case() {
    // Stopped from outside the observed sequence.
    let stats = Arc::new(Stats::new());
    let got: Vec<_> = hangs_after(1)
        .instrumented(stats.clone())
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // Stopped by an early end inside it.
    let got: Vec<_> = hangs_after(1)
        .timeout(ms(10))
        .instrumented(stats.clone())
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // On the task of a `prefetch` inside it.
    let got: Vec<_> = hangs_after(3)
        .prefetch(8)
        .instrumented(stats.clone())
        .take(3)
        .collect()
        .await;
    assert_eq!(got, [0, 1, 2]);
    // Heard stops and shielded cleanups are not abandoned.
    let log = Log::new();
    assert_eq!(
        hangs_after(5)
            .instrumented(stats.clone())
            .take(2)
            .count()
            .await,
        2
    );
    let got: Vec<_> = shielded(1, Then::Return, &log)
        .instrumented(stats.clone())
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    let snap = stats.snapshot();
    assert_eq!(
        (snap.started, snap.abandoned, snap.broke_early, snap.active),
        (5, 3, 2, 0),
        "{snap:?}"
    );
}

both_flavours! {
    contract_19_an_abandoned_producer_is_counted_by_stats => outcomes_case;
}

#[tokio::test(start_paused = true)]
async fn contract_19_the_observer_sees_an_abandoned_outcome() {
    #[derive(Default)]
    struct Ends(Vec<Outcome>);
    impl seqflow::Observer for Ends {
        fn on_end(&mut self, outcome: Outcome, _items: u64, _elapsed: Duration) {
            self.0.push(outcome);
        }
    }
    let mut ends = Ends::default();
    let got: Vec<_> = hangs_after(1)
        .instrumented(&mut ends)
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got.len(), 2);
    let log = Log::new();
    let _ = shielded(1, Then::Hang, &log)
        .instrumented(&mut ends)
        .timeout(ms(10))
        .collect::<Vec<_>>()
        .await;
    assert_eq!(ends.0, [Outcome::Abandoned, Outcome::Abandoned]);
    assert_eq!(Outcome::Abandoned.as_str(), "abandoned");
}

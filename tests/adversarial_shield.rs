//! Hostile tests for `Yield::shield` (DESIGN.md contract 19, December
//! 2026), the abandoned-producer report (`Outcome::Abandoned`,
//! `Stats::abandoned`, prefetch's carried count) and `try_from_fn`'s
//! "no element after a stop".
//!
//! Timing runs on a paused clock; every wait that could hang is bounded, so
//! a hang is a failure, not a stuck run. The `miri_*` tests need no runtime.

mod support;

use std::future::{pending, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use seqflow::{Error, Observer, Outcome, Seq, Stats, Yield, pull, seq};
use support::liveness::both_flavours;
use support::{Log, LogOnDrop, alive_tasks, settle_tasks_patiently};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A bound for anything that must not hang (on a paused clock it costs no
/// real time).
const HANG: Duration = Duration::from_secs(3600);

// ── a shield that is dropped before it completes ──

/// Yields 0, then runs a 100 ms cleanup in a shield bounded by a 50 ms
/// deadline, then waits for ever where no stop is heard.
fn shield_with_deadline(log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        let cleaned = tokio::time::timeout(ms(50), y.shield(sleep(ms(100)))).await;
        log.push(if cleaned.is_ok() {
            "cleaned"
        } else {
            "gave up"
        });
        pending::<()>().await;
        dropped.disarm();
    })
}

/// Runs `consumer` on a task of its own and waits at most [`HANG`] for it:
/// an outer timer must not wake the consumer's task (a `timeout` around the
/// consumer polls it once more when it fires, which can hide a hang).
async fn on_its_own_task<T: Send + 'static>(
    consumer: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    tokio::time::timeout(HANG, tokio::spawn(consumer))
        .await
        .expect("the consumer hung")
        .expect("the consumer panicked")
}

/// Polls `fut` once, on the caller's task, then drops it: a cancellation
/// that does not depend on a clock (the multi-thread flavour runs on real
/// time, on a busy machine).
async fn poll_once<F: std::future::Future>(fut: F) -> Poll<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await
}

#[tokio::test(start_paused = true)]
async fn a_shield_dropped_by_its_own_deadline_does_not_hold_the_stop() {
    let log = Log::new();
    let started = Instant::now();
    let s = shield_with_deadline(&log);
    let got = on_its_own_task(s.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // The stop came at 10 ms and found the shield; the deadline dropped the
    // shield at 50 ms; the producer then waits outside it: dropped there.
    assert_eq!(log.events(), ["gave up", "dropped"]);
    assert_eq!(started.elapsed(), ms(50));
}

/// Ready once `flag` is set; registers no waker (so nothing wakes the task
/// when the flag is set: only the stop's own poll sees it).
async fn flag_set(flag: Arc<AtomicBool>) {
    poll_fn(|_| {
        if flag.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_shield_that_loses_a_select_during_the_stop_does_not_hold_the_stop() {
    // The same through `Pull::stop` and a `select!` whose other branch is
    // ready in the very poll of the stop.
    let log = Log::new();
    let gate = Arc::new(AtomicBool::new(false));
    let (producer_log, producer_gate) = (log.clone(), gate.clone());
    let mut p = pull(seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        tokio::select! {
            biased;
            () = y.shield(sleep(ms(100))) => producer_log.push("cleaned"),
            () = flag_set(producer_gate) => producer_log.push("gave up"),
        }
        pending::<()>().await;
        dropped.disarm();
    }));
    let started = Instant::now();
    on_its_own_task(async move {
        assert_eq!(p.next().await, Some(0));
        // The producer enters its shield; this `next()` is cancelled.
        assert!(tokio::time::timeout(ms(10), p.next()).await.is_err());
        gate.store(true, Ordering::SeqCst);
        p.stop().await;
    })
    .await;
    assert_eq!(log.events(), ["gave up", "dropped"]);
    assert_eq!(started.elapsed(), ms(10));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_shield_does_not_make_the_stop_wait_for_the_next_sleep() {
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        let _ = tokio::time::timeout(ms(50), y.shield(sleep(ms(100)))).await;
        sleep(Duration::from_secs(60)).await; // unshielded: a stop drops it here
        producer_log.push("slept");
        dropped.disarm();
    });
    let started = Instant::now();
    let got = on_its_own_task(s.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["dropped"]);
    assert_eq!(started.elapsed(), ms(50), "the stop waited for the sleep");
}

// ── shields in `join!` and `select!`, nested with another sequence ──

#[tokio::test(start_paused = true)]
async fn a_shield_joined_with_a_hung_branch_is_waited_for_then_dropped_at_the_hang() {
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        let cleanup = y.shield(async {
            sleep(ms(50)).await;
            producer_log.push("cleaned");
        });
        tokio::join!(cleanup, pending::<()>());
        dropped.disarm();
    });
    let started = Instant::now();
    let got = on_its_own_task(s.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "dropped"]);
    assert_eq!(started.elapsed(), ms(50));
}

#[tokio::test(start_paused = true)]
async fn a_shield_that_wins_a_select_against_a_hung_branch_then_hears_the_stop() {
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return;
        }
        tokio::select! {
            () = y.shield(sleep(ms(50))) => producer_log.push("cleaned"),
            () = pending::<()>() => unreachable!(),
        }
        if !y.yield_(1).await {
            producer_log.push("heard");
        }
    });
    let got = on_its_own_task(s.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

/// Yields 0, then cleans up in a 50 ms shield (logs "inner cleaned"), then
/// returns; logs "inner dropped" if dropped first.
fn inner_with_shield(log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&log, "inner dropped");
        if y.yield_(0).await {
            y.shield(sleep(ms(50))).await;
            log.push("inner cleaned");
        }
        dropped.disarm();
    })
}

#[tokio::test(start_paused = true)]
async fn an_inner_sequence_consumed_inside_until_stopped_loses_its_shield_to_the_outer_stop() {
    // `until_stopped` drops its future when it hears the stop: an inner
    // sequence consumed there is dropped (Rust cancellation), and its
    // shield with it. The outer stop never reaches the inner producer.
    let log = Log::new();
    let (inner_log, outer_log) = (log.clone(), log.clone());
    let outer = seq::from_fn(move |mut y: Yield<u64>| async move {
        if !y.yield_(7).await {
            return;
        }
        let consumed = y
            .until_stopped(inner_with_shield(&inner_log).collect::<Vec<_>>())
            .await;
        outer_log.push(format!("outer heard: {}", consumed.is_none()));
    });
    let got = on_its_own_task(outer.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(7), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["inner dropped", "outer heard: true"]);
}

#[tokio::test(start_paused = true)]
async fn an_inner_sequence_re_yielded_by_yield_all_keeps_its_shield_under_the_outer_stop() {
    // The alternative that keeps it: `yield_all` stops the inner sequence
    // and waits for its shielded cleanup.
    let log = Log::new();
    let (inner_log, outer_log) = (log.clone(), log.clone());
    let outer = seq::from_fn(move |mut y: Yield<u64>| async move {
        let all = y.yield_all(inner_with_shield(&inner_log)).await;
        outer_log.push(format!("outer all: {all}"));
    });
    let got = on_its_own_task(outer.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // The inner producer was in its shield when the stop came through.
    assert_eq!(log.events(), ["inner cleaned", "outer all: false"]);
}

#[tokio::test(start_paused = true)]
async fn a_shield_around_an_inner_stop_waits_for_the_inner_shield() {
    // The outer producer, not having heard the stop, stops an inner
    // sequence inside its own shield: the outer stop waits for the whole
    // inner cleanup, the inner shield included.
    let log = Log::new();
    let (inner_log, outer_log) = (log.clone(), log.clone());
    let outer = seq::from_fn(move |mut y: Yield<u64>| async move {
        let mut inner = pull(inner_with_shield(&inner_log));
        let first = inner.next().await.expect("one element");
        if !y.yield_(first).await {
            return;
        }
        // Runs the inner producer into its shield, then stops it.
        y.shield(async move {
            let _ = tokio::time::timeout(ms(1), inner.next()).await;
            inner.stop().await;
        })
        .await;
        outer_log.push("outer cleaned");
        pending::<()>().await;
    });
    let started = Instant::now();
    let got = on_its_own_task(outer.timeout(ms(10)).collect::<Vec<_>>()).await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["inner cleaned", "outer cleaned"]);
    assert_eq!(started.elapsed(), ms(50));
}

// ── a shield that never completes ──

/// Yields 0, then enters a shield that never completes (logs "dropped" if
/// its future is dropped).
fn endless_shield(log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let _dropped = LogOnDrop::armed(&log, "dropped");
        if !y.yield_(0).await {
            return;
        }
        y.shield(pending::<()>()).await;
    })
}

#[test]
fn an_endless_shield_keeps_a_dropped_pulls_task_until_the_runtime_shuts_down() {
    // Documented: the stop waits for a shield however long it takes, so the
    // background stop of a dropped `Pull` lives as long as the shield. The
    // runtime's shutdown drops that task, and the producer's `Drop` runs.
    let log = Log::new();
    let rt = support::current_thread_runtime();
    let before = rt.block_on(async {
        let before = alive_tasks();
        let mut p = pull(endless_shield(&log));
        assert_eq!(p.next().await, Some(0));
        assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
        drop(p);
        tokio::task::yield_now().await;
        before
    });
    rt.block_on(async {
        sleep(ms(20)).await;
        assert_eq!(alive_tasks(), before + 1, "the background stop waits");
    });
    assert!(log.events().is_empty());
    drop(rt);
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test(start_paused = true)]
async fn an_endless_shield_makes_pull_stop_wait_and_a_cancelled_stop_can_be_dropped() {
    let log = Log::new();
    let before = alive_tasks();
    let mut p = pull(endless_shield(&log));
    assert_eq!(p.next().await, Some(0));
    assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
    assert!(tokio::time::timeout(HANG, p.stop()).await.is_err());
    // `next()` after a cancelled stop goes on with the stop: it waits too,
    // and never delivers.
    assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
    drop(p);
    // A task of its own finishes the stop: it waits for ever too.
    tokio::task::yield_now().await;
    assert_eq!(alive_tasks(), before + 1);
    assert!(log.events().is_empty());
}

// ── `Pull::stop` cancelled while the producer is in a shield ──

/// Yields 0, then runs a 50 ms shielded cleanup (logs "cleaned"), then
/// yields 1 (logs "heard" on `false`).
fn cleanup_then_yield(log: &Log) -> impl Seq<Item = u64> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let dropped = LogOnDrop::armed(&log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        y.shield(async {
            sleep(ms(50)).await;
            log.push("cleaned");
        })
        .await;
        if !y.yield_(1).await {
            log.push("heard");
        }
        dropped.disarm();
    })
}

async fn cancelled_stop_then_stop_case() {
    let log = Log::new();
    let mut p = pull(cleanup_then_yield(&log));
    assert_eq!(p.next().await, Some(0));
    assert!(poll_once(p.next()).await.is_pending());
    assert!(
        poll_once(p.stop()).await.is_pending(),
        "the stop must wait for the shield"
    );
    assert!(log.events().is_empty());
    p.stop().await;
    assert_eq!(log.events(), ["cleaned", "heard"]);
    assert_eq!(p.next().await, None);
}

async fn cancelled_stop_then_next_case() {
    let log = Log::new();
    let mut p = pull(cleanup_then_yield(&log));
    assert_eq!(p.next().await, Some(0));
    assert!(poll_once(p.next()).await.is_pending());
    assert!(poll_once(p.stop()).await.is_pending());
    // Element 1 is never delivered: `next` finishes the stop.
    assert_eq!(p.next().await, None);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

async fn cancelled_stop_then_drop_case() {
    let log = Log::new();
    let before = alive_tasks();
    let mut p = pull(cleanup_then_yield(&log));
    assert_eq!(p.next().await, Some(0));
    assert!(poll_once(p.next()).await.is_pending());
    assert!(poll_once(p.stop()).await.is_pending());
    drop(p);
    assert_eq!(settle_tasks_patiently(before).await, before);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

both_flavours! {
    a_cancelled_stop_in_a_shield_then_stop_again_completes => cancelled_stop_then_stop_case;
    a_cancelled_stop_in_a_shield_then_next_finishes_the_stop => cancelled_stop_then_next_case;
    a_cancelled_stop_in_a_shield_then_drop_finishes_in_the_background => cancelled_stop_then_drop_case;
}

// ── Rust cancellation of the consumer mid-shield ──

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

#[tokio::test(start_paused = true)]
async fn dropping_for_each_mid_shield_drops_the_shield() {
    // `merge` runs the source into its shield; the body's `false` at the
    // first tick stops it there, and `for_each` waits for the shield.
    // Dropping the `for_each` future then is Rust cancellation.
    let log = Log::new();
    let stats = Arc::new(Stats::new());
    let s = cleanup_then_yield(&log)
        .instrumented(stats.clone())
        .merge(ticks());
    let ran = tokio::time::timeout(ms(10), s.for_each(|v| async move { v < 100 })).await;
    assert!(ran.is_err(), "the stop waits for the 50 ms shield");
    assert_eq!(log.events(), ["dropped"]);
    let snap = stats.snapshot();
    assert_eq!((snap.cancelled, snap.abandoned), (1, 0), "{snap:?}");
}

async fn prefetch_consumer_dropped_mid_shield_case() {
    // Under `prefetch` the consumer's drop is a stop on the task: the
    // shield there completes, and the task ends.
    let log = Log::new();
    let before = alive_tasks();
    let s = cleanup_then_yield(&log).prefetch(4);
    let ran = tokio::time::timeout(ms(25), s.for_each(|_| async { true })).await;
    assert!(ran.is_err());
    assert_eq!(settle_tasks_patiently(before).await, before);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

both_flavours! {
    dropping_a_prefetch_consumer_mid_shield_stops_and_keeps_the_shield => prefetch_consumer_dropped_mid_shield_case;
}

#[test]
fn a_block_on_consumer_waits_for_the_shield() {
    #[tokio::main(flavor = "current_thread", start_paused = true)]
    async fn consume(log: Log) -> Vec<Result<u64, Error>> {
        cleanup_then_yield(&log).timeout(ms(10)).collect().await
    }
    let log = Log::new();
    assert_eq!(consume(log.clone()), [Ok(0), Err(Error::Timeout)]);
    assert_eq!(log.events(), ["cleaned", "heard"]);
}

// ── panics: in a shield, and in a `Drop` after it ──

/// Yields 0, then panics inside a shield after `after` ms.
fn panicking_shield(after: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return;
        }
        y.shield(async move {
            sleep(ms(after)).await;
            panic!("shield boom");
        })
        .await;
    })
}

/// Panics when dropped (unless already panicking).
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("drop boom");
        }
    }
}

/// Yields 0, then a 60 ms shield, then hangs holding a `PanicOnDrop`.
fn drop_panics_after_shield() -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        let _bomb = PanicOnDrop;
        if !y.yield_(0).await {
            std::mem::forget(_bomb);
            return;
        }
        y.shield(sleep(ms(60))).await;
        pending::<()>().await;
    })
}

fn panic_text(err: tokio::task::JoinError) -> String {
    assert!(err.is_panic(), "{err:?}");
    support::panics::panic_message(&*err.into_panic())
}

/// Consumes `s` behind `prefetch(n)` and a 25 ms timeout on a task of its
/// own: the panic of the stop on prefetch's task reaches the consumer with
/// `expected` in its message, and no task outlives it.
async fn panic_reaches_the_stop_behind_prefetch(
    s: impl Seq<Item = u64> + Send + 'static,
    n: usize,
    expected: &str,
) {
    let before = alive_tasks();
    let run = tokio::spawn(async move { s.prefetch(n).timeout(ms(25)).collect::<Vec<_>>().await });
    let msg = panic_text(
        run.await
            .expect_err("the panic reaches the consumer's stop"),
    );
    assert!(msg.contains(expected), "{msg}");
    assert_eq!(settle_tasks_patiently(before).await, before);
}

async fn prefetch_shield_panic_case() {
    panic_reaches_the_stop_behind_prefetch(panicking_shield(60), 4, "shield boom").await;
}

async fn prefetch_drop_panic_case() {
    panic_reaches_the_stop_behind_prefetch(drop_panics_after_shield(), 0, "drop boom").await;
}

async fn pull_stop_drop_panic_case() {
    let mut p = pull(drop_panics_after_shield());
    assert_eq!(p.next().await, Some(0));
    assert!(poll_once(p.next()).await.is_pending());
    let stopped = tokio::spawn(async move {
        p.stop().await;
        p
    });
    let msg = panic_text(stopped.await.expect_err("stop resumes the panic"));
    assert!(msg.contains("drop boom"), "{msg}");
}

async fn pull_drop_shield_panic_case() {
    // The background stop of a dropped `Pull` panics in the shield: the
    // panic ends that task (reported by the hook), nothing else.
    let before = alive_tasks();
    let mut p = pull(panicking_shield(30));
    assert_eq!(p.next().await, Some(0));
    assert!(poll_once(p.next()).await.is_pending());
    drop(p);
    assert_eq!(settle_tasks_patiently(before).await, before);
}

async fn pull_drop_inline_shield_panic_case() {
    // A shield that panics in the very poll of the drop's inline stop: the
    // panic is caught inside `drop`, nothing is spawned.
    let before = alive_tasks();
    let mut p = pull(seq::from_fn(|mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return;
        }
        y.shield(async {
            tokio::task::yield_now().await;
            panic!("shield boom inline");
        })
        .await;
    }));
    assert_eq!(p.next().await, Some(0));
    // One poll: the producer is in the shield, after its `yield_now`.
    {
        let mut next = pin!(p.next());
        assert!(
            poll_fn(|cx| Poll::Ready(next.as_mut().poll(cx)))
                .await
                .is_pending()
        );
    }
    drop(p);
    assert_eq!(alive_tasks(), before);
}

both_flavours! {
    a_shield_panic_during_a_stop_on_prefetchs_task_reaches_the_consumer => prefetch_shield_panic_case;
    a_drop_panic_after_a_shield_on_prefetchs_task_reaches_the_consumer => prefetch_drop_panic_case;
    a_drop_panic_after_a_shield_reaches_pull_stop => pull_stop_drop_panic_case;
    a_shield_panic_in_a_dropped_pulls_task_ends_that_task => pull_drop_shield_panic_case;
    a_shield_panic_inside_a_pulls_drop_is_caught_there => pull_drop_inline_shield_panic_case;
}

// ── `yield_` inside a shield, shields inside `until_stopped` ──
//
// `y.shield(async { y.yield_(1).await })` and
// `y.until_stopped(y.shield(..))` do not compile (E0499: `y` borrowed
// mutably twice): every `Yield` future borrows the run's one `Yield`
// mutably, so a shield can neither yield nor nest with another `Yield`
// future of its own producer. Checked by hand; the crate has no
// compile-fail harness.

// ── the abandoned-producer report ──

/// Records every outcome it is told of.
#[derive(Clone, Default)]
struct Ends(Arc<Mutex<Vec<Outcome>>>);

impl Ends {
    fn seen(&self) -> Vec<Outcome> {
        self.0.lock().unwrap().clone()
    }
}

impl Observer for Ends {
    fn on_end(&mut self, outcome: Outcome, _items: u64, _elapsed: Duration) {
        self.0.lock().unwrap().push(outcome);
    }
}

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

/// Yields `first`, then waits in `until_stopped` for ever: it hears a stop.
fn listens_after(first: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        if y.yield_(first).await {
            y.until_stopped(pending::<()>()).await;
        }
    })
}

#[tokio::test(start_paused = true)]
async fn nested_observers_each_see_the_abandoned_producer() {
    let (a, b) = (Ends::default(), Ends::default());
    let got: Vec<_> = hangs_after(1)
        .instrumented(a.clone())
        .instrumented(b.clone())
        .timeout(ms(10))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(a.seen(), [Outcome::Abandoned]);
    assert_eq!(b.seen(), [Outcome::Abandoned]);
    // The early end between the two: the inner one is stopped from outside
    // (its `poll_stop`), the outer one ends after an element of its own.
    let (a, b) = (Ends::default(), Ends::default());
    let got: Vec<_> = hangs_after(1)
        .instrumented(a.clone())
        .timeout(ms(10))
        .instrumented(b.clone())
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    assert_eq!(a.seen(), [Outcome::Abandoned]);
    assert_eq!(b.seen(), [Outcome::Abandoned]);
}

async fn merge_attribution_case() {
    // Two sources stopped in the same poll of `merge`: one hears the stop,
    // one is abandoned. Only the abandoned one's observer (and one around
    // the merge) say so: each observer measures its own `poll_stop`.
    let (heard, hung, outer) = (Ends::default(), Ends::default(), Ends::default());
    let merged = listens_after(0)
        .instrumented(heard.clone())
        .merge(hangs_after(1).map(|v| v + 1000).instrumented(hung.clone()))
        .instrumented(outer.clone());
    let mut p = pull(merged);
    let mut firsts = vec![p.next().await.unwrap(), p.next().await.unwrap()];
    firsts.sort_unstable();
    assert_eq!(firsts, [0, 1000]);
    // Both sources wait now: one in `until_stopped`, one in `pending()`.
    assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
    p.stop().await;
    assert_eq!(heard.seen(), [Outcome::BrokeEarly]);
    assert_eq!(hung.seen(), [Outcome::Abandoned]);
    assert_eq!(outer.seen(), [Outcome::Abandoned]);
}

async fn concurrent_attribution_case() {
    // Many iterations on the workers at once, half of them abandoned: the
    // per-thread count is never credited to a neighbour polled on the same
    // thread.
    let stats = Arc::new(Stats::new());
    let mut tasks = Vec::new();
    for i in 0..64u64 {
        let stats = stats.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let got: Vec<_> = hangs_after(1)
                    .instrumented(stats)
                    .timeout(ms(20))
                    .collect()
                    .await;
                assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
            } else {
                let n = listens_after(i)
                    .instrumented(stats)
                    .timeout(ms(20))
                    .count()
                    .await;
                assert_eq!(n, 2);
            }
        }));
    }
    for t in tasks {
        t.await.expect("no panic");
    }
    let snap = stats.snapshot();
    assert_eq!(
        (snap.started, snap.abandoned, snap.broke_early, snap.active),
        (64, 32, 32, 0),
        "{snap:?}"
    );
}

async fn prefetch_carries_the_count_case() {
    // Abandoned on prefetch's task, stopped from outside the observer: the
    // count crosses over at the consumer's stop.
    let stats = Arc::new(Stats::new());
    let got: Vec<_> = hangs_after(1)
        .prefetch(4)
        .instrumented(stats.clone())
        .timeout(ms(50))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // The same, with the rendezvous.
    let got: Vec<_> = hangs_after(1)
        .prefetch(0)
        .instrumented(stats.clone())
        .timeout(ms(50))
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Err(Error::Timeout)]);
    // A producer that hears its stop on the task is not abandoned.
    let n = listens_after(0)
        .prefetch(4)
        .instrumented(stats.clone())
        .timeout(ms(50))
        .count()
        .await;
    assert_eq!(n, 2);
    let snap = stats.snapshot();
    assert_eq!(
        (snap.started, snap.abandoned, snap.broke_early),
        (3, 2, 1),
        "{snap:?}"
    );
}

async fn pull_moved_across_tasks_case() {
    // Started on one task, stopped on another (on `multi_thread`, possibly
    // another worker): the stop's own poll carries the report.
    let stats = Arc::new(Stats::new());
    let mut p = pull(hangs_after(1).instrumented(stats.clone()));
    assert_eq!(p.next().await, Some(0));
    assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
    tokio::spawn(async move { p.stop().await })
        .await
        .expect("no panic");
    let snap = stats.snapshot();
    assert_eq!((snap.abandoned, snap.active), (1, 0), "{snap:?}");
}

both_flavours! {
    merge_reports_the_abandoned_source_only => merge_attribution_case;
    concurrent_iterations_are_counted_apart => concurrent_attribution_case;
    prefetch_carries_the_abandoned_count_to_the_consumer => prefetch_carries_the_count_case;
    a_pull_stopped_on_another_task_reports_the_abandon => pull_moved_across_tasks_case;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_drop_is_cancelled_and_a_pull_drop_is_a_stop() {
    // Dropping the stream: Rust cancellation, `Cancelled`, never
    // `Abandoned`, although the producer's async cleanup is skipped too.
    let ends = Ends::default();
    let mut st = Box::pin(hangs_after(1).instrumented(ends.clone()).stream());
    assert_eq!(futures::StreamExt::next(&mut st).await, Some(0));
    assert!(
        tokio::time::timeout(ms(5), futures::StreamExt::next(&mut st))
            .await
            .is_err()
    );
    drop(st);
    assert_eq!(ends.seen(), [Outcome::Cancelled]);
    // A stop waiting for a shield, then the consumer dropped: `Cancelled`.
    let ends = Ends::default();
    let log = Log::new();
    let s = cleanup_then_yield(&log)
        .instrumented(ends.clone())
        .merge(ticks());
    assert!(
        tokio::time::timeout(ms(10), s.for_each(|v| async move { v < 100 }))
            .await
            .is_err()
    );
    assert_eq!(ends.seen(), [Outcome::Cancelled]);
    // Dropping a `Pull` stops it (contract 9): the producer waiting in
    // `pending()` is abandoned, and reported so.
    let ends = Ends::default();
    let mut p = pull(hangs_after(1).instrumented(ends.clone()));
    assert_eq!(p.next().await, Some(0));
    assert!(tokio::time::timeout(ms(5), p.next()).await.is_err());
    drop(p);
    assert_eq!(ends.seen(), [Outcome::Abandoned]);
}

#[tokio::test(start_paused = true)]
async fn an_abandon_by_an_elements_drop_is_credited_to_the_sequence_that_dropped_it() {
    // Characterisation, arguably misleading: the observed iteration's own
    // producer ran to its end, but `filter` dropped an element that was a
    // `Pull` over a hung producer. That drop stops the pull (contract 9),
    // abandoning its producer inside the observed poll, so the observer
    // reports `Abandoned` for an iteration that abandoned none of its own.
    let mut hung = pull(hangs_after(1));
    assert_eq!(hung.next().await, Some(0));
    assert!(tokio::time::timeout(ms(5), hung.next()).await.is_err());
    let ends = Ends::default();
    let n = seq::iter(vec![hung])
        .filter(|_| false)
        .instrumented(ends.clone())
        .count()
        .await;
    assert_eq!(n, 0);
    assert_eq!(ends.seen(), [Outcome::Abandoned]);
}

// ── `try_from_fn`: no element after a stop ──

/// Yields `0..` until the consumer stops, then fails its async cleanup.
fn cleanup_fails() -> impl Seq<Item = Result<u64, String>> + Send + 'static {
    seq::try_from_fn(|mut y: Yield<u64>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                break;
            }
        }
        sleep(ms(5)).await;
        Err("cleanup failed".to_owned())
    })
}

/// Yields 0, then fails in a shielded cleanup it reaches without hearing
/// the stop.
fn shielded_cleanup_fails() -> impl Seq<Item = Result<u64, String>> + Send + 'static {
    seq::try_from_fn(|mut y: Yield<u64>| async move {
        if !y.yield_(0).await {
            return Ok(());
        }
        y.shield(sleep(ms(50))).await;
        Err("late".to_owned())
    })
}

async fn try_pull_case() {
    let mut p = pull(cleanup_fails());
    assert_eq!(p.next().await, Some(Ok(0)));
    p.stop().await;
    assert_eq!(p.next().await, None);
    // A stop cancelled during the failing cleanup, then `next`.
    let mut p = pull(cleanup_fails());
    assert_eq!(p.next().await, Some(Ok(0)));
    assert!(poll_once(p.stop()).await.is_pending());
    assert_eq!(p.next().await, None);
    assert_eq!(p.next().await, None);
    // The same through `into_seq`.
    let mut p = pull(cleanup_fails());
    assert_eq!(p.next().await, Some(Ok(0)));
    assert_eq!(
        p.into_seq().take(2).collect::<Vec<_>>().await,
        [Ok(1), Ok(2)]
    );
    // A failure in a shield the stop waited for.
    let mut p = pull(shielded_cleanup_fails());
    assert_eq!(p.next().await, Some(Ok(0)));
    assert!(poll_once(p.next()).await.is_pending());
    p.stop().await;
    assert_eq!(p.next().await, None);
}

async fn try_prefetch_case() {
    for n in [0, 1, 4] {
        let got: Vec<_> = cleanup_fails().prefetch(n).take(2).collect().await;
        assert_eq!(got, [Ok(0), Ok(1)], "prefetch({n})");
        let got: Vec<_> = shielded_cleanup_fails()
            .prefetch(n)
            .timeout(ms(25))
            .collect()
            .await;
        assert_eq!(got, [Ok(Ok(0)), Err(Error::Timeout)], "prefetch({n})");
        // A pull over the prefetch, stopped while the cleanup fails.
        let mut p = pull(cleanup_fails().prefetch(n));
        assert_eq!(p.next().await, Some(Ok(0)));
        assert!(poll_once(p.stop()).await.is_pending());
        assert_eq!(p.next().await, None, "prefetch({n})");
    }
}

both_flavours! {
    a_fallible_producers_late_error_never_reaches_a_pull => try_pull_case;
    a_fallible_producers_late_error_never_crosses_prefetch => try_prefetch_case;
}

#[tokio::test(start_paused = true)]
async fn an_error_returned_with_the_last_element_is_dropped_by_a_stop() {
    // The producer hands over 1 and returns `Err` in the same poll (its
    // `yield_` lost a `select!`): the error waits for the next `poll_next`.
    fn racing() -> impl Seq<Item = Result<u64, &'static str>> + Send + 'static {
        seq::try_from_fn(|mut y: Yield<u64>| async move {
            tokio::select! {
                biased;
                _ = y.yield_(1) => unreachable!("handed over, then lost the race"),
                () = std::future::ready(()) => {}
            }
            Err("returned with the last element")
        })
    }
    assert_eq!(
        racing().collect::<Vec<_>>().await,
        [Ok(1), Err("returned with the last element")]
    );
    assert_eq!(racing().take(1).collect::<Vec<_>>().await, [Ok(1)]);
    let mut p = pull(racing());
    assert_eq!(p.next().await, Some(Ok(1)));
    p.stop().await;
    assert_eq!(p.next().await, None);
    let got: Vec<_> = racing().prefetch(4).take(1).collect().await;
    assert_eq!(got, [Ok(1)]);
}

// ── without a runtime: small cases for Miri ──

/// Pending `n` times (waking itself each time), then ready with `n`.
struct PendN(u32, u32);

impl std::future::Future for PendN {
    type Output = u32;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<u32> {
        if self.0 == self.1 {
            return Poll::Ready(self.1);
        }
        self.0 += 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Polls `seq` by hand with a no-op waker.
fn poll_next_by_hand<S: Seq>(seq: std::pin::Pin<&mut S>) -> Poll<Option<S::Item>> {
    seq.poll_next(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

fn poll_stop_by_hand<S: Seq>(seq: std::pin::Pin<&mut S>) -> Poll<()> {
    seq.poll_stop(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn miri_a_shield_polled_on_a_scoped_thread_holds_the_stop() {
    // The shield is polled on a scoped thread with the producer's own
    // waker, while the stop is under way: it marks the poll there, and the
    // consumer reads the mark after the thread is joined.
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<Box<u32>>| async move {
        if !y.yield_(Box::new(0)).await {
            return;
        }
        let out = {
            let mut shield = pin!(y.shield(PendN(0, 2)));
            poll_fn(|cx| {
                let waker = cx.waker();
                let shield = shield.as_mut();
                std::thread::scope(|sc| {
                    sc.spawn(move || {
                        let mut cx = std::task::Context::from_waker(waker);
                        shield.poll(&mut cx)
                    })
                    .join()
                    .unwrap()
                })
            })
            .await
        };
        producer_log.push(format!("shield gave {out}"));
        if !y.yield_(Box::new(out)).await {
            producer_log.push("heard");
        }
    });
    let mut s = pin!(s);
    assert_eq!(
        poll_next_by_hand(s.as_mut()),
        Poll::Ready(Some(Box::new(0)))
    );
    // The producer enters the shield (first pending).
    assert!(poll_next_by_hand(s.as_mut()).is_pending());
    // The stop finds it there (second pending): it waits.
    assert!(poll_stop_by_hand(s.as_mut()).is_pending());
    assert!(log.events().is_empty());
    // The shield completes; the producer hears the stop at `yield_`.
    assert!(poll_stop_by_hand(s.as_mut()).is_ready());
    assert_eq!(log.events(), ["shield gave 2", "heard"]);
    assert_eq!(poll_next_by_hand(s.as_mut()), Poll::Ready(None));
}

#[test]
fn miri_a_stop_waits_for_a_shield_and_drops_the_producer_at_its_next_hang() {
    let log = Log::new();
    let producer_log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<String>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_("a".to_owned()).await {
            dropped.disarm();
            return;
        }
        let n = y.shield(PendN(0, 3)).await;
        producer_log.push(format!("shield gave {n}"));
        pending::<()>().await;
        dropped.disarm();
    });
    let mut s = pin!(s);
    assert_eq!(
        poll_next_by_hand(s.as_mut()),
        Poll::Ready(Some("a".to_owned()))
    );
    assert!(poll_next_by_hand(s.as_mut()).is_pending());
    assert!(poll_stop_by_hand(s.as_mut()).is_pending());
    assert!(poll_stop_by_hand(s.as_mut()).is_pending());
    assert!(log.events().is_empty());
    // The shield completes in this poll; the producer then waits in
    // `pending()`, outside any shield: dropped at once.
    assert!(poll_stop_by_hand(s.as_mut()).is_ready());
    assert_eq!(log.events(), ["shield gave 3", "dropped"]);
}

#[test]
fn miri_a_shield_pending_then_ready_in_the_stops_poll_does_not_hold_the_stop() {
    // In the very poll of the stop, the producer polls its shield twice:
    // pending, then ready. It then waits outside any shield: the stop drops
    // it at once.
    let log = Log::new();
    let gate = Arc::new(AtomicBool::new(false));
    let (producer_log, producer_gate) = (log.clone(), gate.clone());
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        let release = Arc::new(AtomicBool::new(false));
        {
            let mut shield = pin!(y.shield(flag_set(release.clone())));
            poll_fn(|cx| {
                if shield.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
                if !producer_gate.load(Ordering::SeqCst) {
                    return Poll::Pending;
                }
                release.store(true, Ordering::SeqCst);
                shield.as_mut().poll(cx)
            })
            .await;
        }
        producer_log.push("past the shield");
        pending::<()>().await;
        dropped.disarm();
    });
    let mut s = pin!(s);
    assert_eq!(poll_next_by_hand(s.as_mut()), Poll::Ready(Some(0)));
    assert!(poll_next_by_hand(s.as_mut()).is_pending());
    gate.store(true, Ordering::SeqCst);
    assert!(
        poll_stop_by_hand(s.as_mut()).is_ready(),
        "the stop waits for a shield that has completed"
    );
    assert_eq!(log.events(), ["past the shield", "dropped"]);
}

/// Counts its wake-ups.
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn miri_a_shield_dropped_pending_during_the_stop_wakes_the_consumer() {
    // The stop's poll finds the shield pending, then the producer drops it
    // (a `select!` lost) and waits elsewhere. The frame still says
    // "shielded", so this poll of the stop is pending; but the consumer is
    // woken, and its next poll drops the producer.
    let log = Log::new();
    let gate = Arc::new(AtomicBool::new(false));
    let (producer_log, producer_gate) = (log.clone(), gate.clone());
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        let dropped = LogOnDrop::armed(&producer_log, "dropped");
        if !y.yield_(0).await {
            dropped.disarm();
            return;
        }
        {
            let mut shield = pin!(y.shield(pending::<()>()));
            poll_fn(|cx| match shield.as_mut().poll(cx) {
                Poll::Ready(()) => unreachable!(),
                Poll::Pending if producer_gate.load(Ordering::SeqCst) => Poll::Ready(()),
                Poll::Pending => Poll::Pending,
            })
            .await;
        }
        producer_log.push("gave up");
        pending::<()>().await;
        dropped.disarm();
    });
    let counter = Arc::new(CountingWaker(Default::default()));
    let waker = std::task::Waker::from(counter.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    let mut s = pin!(s);
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(0)));
    assert!(s.as_mut().poll_next(&mut cx).is_pending());
    gate.store(true, Ordering::SeqCst);
    let woken = counter.0.load(Ordering::SeqCst);
    let first = s.as_mut().poll_stop(&mut cx);
    if first.is_pending() {
        assert!(
            counter.0.load(Ordering::SeqCst) > woken,
            "a stop pending for a shield that is gone must wake the consumer"
        );
        assert!(s.as_mut().poll_stop(&mut cx).is_ready());
    }
    assert_eq!(log.events(), ["gave up", "dropped"]);
}

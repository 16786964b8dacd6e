//! DESIGN.md contract lines 16 and 17: `heartbeat`, `with_cancel` /
//! `try_with_cancel`, `timeout` / `try_timeout`.
//!
//! Time is paused everywhere: tokio's clock moves only when every task
//! waits, straight to the next timer, so the instants checked here are
//! exact.

mod support;

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use seqflow::{Beat, Error, Seq, Yield, seq};
use support::panics::{panic_message, panic_message_file_and_line};
use support::{Log, LogOnDrop};
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A producer that sleeps `waits[i]` ms before yielding `i`, logging each
/// `yield_` result and its async cleanup, or "dropped" if it was dropped
/// before its return (a stop it could not hear: contract 19).
fn paced(waits: &[u64], log: &Log) -> impl Seq<Item = usize> + Send + 'static + use<> {
    paced_with(waits, log, |i| i)
}

/// Like [`paced`], yielding `item(i)` for each `i`.
fn paced_with<T, F>(
    waits: &[u64],
    log: &Log,
    item: F,
) -> impl Seq<Item = T> + Send + 'static + use<T, F>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + 'static,
{
    let waits = waits.to_vec();
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<T>| async move {
        let dropped = LogOnDrop::armed(&log, "dropped");
        for (i, wait) in waits.into_iter().enumerate() {
            sleep(ms(wait)).await;
            let more = y.yield_(item(i)).await;
            log.push(format!("yield {i} -> {more}"));
            if !more {
                break;
            }
        }
        tokio::task::yield_now().await; // async cleanup
        log.push("cleanup");
        dropped.disarm();
    })
}

/// Cancels `token` after `after` ms, from a task of its own.
fn cancel_after(token: &CancellationToken, after: u64) -> tokio::task::JoinHandle<()> {
    let token = token.clone();
    tokio::spawn(async move {
        sleep(ms(after)).await;
        token.cancel();
    })
}

/// Collects a sequence with the instant (ms since `t0`) of each element.
async fn timed<S: Seq>(s: S) -> Vec<(u64, S::Item)> {
    let t0 = Instant::now();
    let mut st = pin!(s.stream());
    let mut out = Vec::new();
    while let Some(item) = st.next().await {
        let at = u64::try_from(t0.elapsed().as_millis()).expect("short test");
        out.push((at, item));
    }
    out
}

// ── 16. heartbeat ──

#[tokio::test(start_paused = true)]
async fn contract_16_350ms_of_silence_at_100ms_is_three_idles() {
    let log = Log::new();
    let beats = timed(paced(&[0, 350], &log).heartbeat(ms(100))).await;
    assert_eq!(
        beats,
        [
            (0, Beat::Item(0)),
            (100, Beat::Idle(ms(100))),
            (200, Beat::Idle(ms(200))),
            (300, Beat::Idle(ms(300))),
            (350, Beat::Item(1)),
        ]
    );
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
}

#[tokio::test(start_paused = true)]
async fn contract_16_one_idle_per_full_every_of_silence() {
    for (silence, idles) in [(99, 0), (100, 0), (101, 1), (250, 2), (1000, 9), (1001, 10)] {
        let beats: Vec<_> = paced(&[silence], &Log::new())
            .heartbeat(ms(100))
            .collect()
            .await;
        let got = beats.iter().filter(|b| b.is_idle()).count();
        assert_eq!(got, idles, "{silence} ms of silence at 100 ms");
        assert_eq!(beats.last(), Some(&Beat::Item(0)));
    }
}

#[tokio::test(start_paused = true)]
async fn contract_16_no_idle_between_elements_faster_than_every() {
    let log = Log::new();
    let beats: Vec<_> = paced(&[99; 30], &log).heartbeat(ms(100)).collect().await;
    assert_eq!(beats, (0..30).map(Beat::Item).collect::<Vec<_>>());
    assert!(log.contains("cleanup"));
}

#[tokio::test(start_paused = true)]
async fn contract_16_an_element_due_with_a_beat_comes_first() {
    let beats: Vec<_> = paced(&[100, 100, 100], &Log::new())
        .heartbeat(ms(100))
        .collect()
        .await;
    assert_eq!(beats, [Beat::Item(0), Beat::Item(1), Beat::Item(2)]);
}

#[tokio::test(start_paused = true)]
async fn contract_16_clock_restarts_at_each_item() {
    let beats = timed(paced(&[150, 150, 150], &Log::new()).heartbeat(ms(100))).await;
    // One idle per gap, each 100 ms after the previous item, each reporting
    // 100 ms: the silence is counted from the last item, not from the start.
    assert_eq!(
        beats,
        [
            (100, Beat::Idle(ms(100))),
            (150, Beat::Item(0)),
            (250, Beat::Idle(ms(100))),
            (300, Beat::Item(1)),
            (400, Beat::Idle(ms(100))),
            (450, Beat::Item(2)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_16_time_the_consumer_spends_is_not_silence() {
    let mut seen = Vec::new();
    paced(&[0, 50, 50], &Log::new())
        .heartbeat(ms(100))
        .for_each(|beat| {
            seen.push(beat);
            // The consumer works 300 ms on each beat.
            async {
                sleep(ms(300)).await;
                true
            }
        })
        .await;
    assert_eq!(seen, [Beat::Item(0), Beat::Item(1), Beat::Item(2)]);
}

#[tokio::test(start_paused = true)]
async fn contract_16_never_ends_the_sequence() {
    // A source silent for good: the heartbeat keeps beating.
    let endless = seq::from_stream(futures::stream::pending::<u8>()).heartbeat(ms(100));
    let beats: Vec<_> = endless.take(50).collect().await;
    assert_eq!(beats.len(), 50);
    assert_eq!(beats[49], Beat::Idle(ms(5000)));

    // The sequence ends when the source does, right after its last element:
    // no trailing beat.
    let log = Log::new();
    let beats = timed(paced(&[1000], &log).heartbeat(ms(100))).await;
    assert_eq!(beats.len(), 10);
    assert_eq!(beats[9], (1000, Beat::Item(0)));
    assert!(log.contains("cleanup"));
}

#[tokio::test(start_paused = true)]
async fn contract_16_timer_stops_when_the_sequence_ends() {
    let mut task = tokio_test::task::spawn(paced(&[150], &Log::new()).heartbeat(ms(100)).stream());
    assert!(task.poll_next().is_pending());
    sleep(ms(100)).await;
    assert!(task.is_woken(), "the beat at 100 ms wakes the consumer");
    assert_eq!(task.poll_next(), Poll::Ready(Some(Beat::Idle(ms(100)))));
    assert!(task.poll_next().is_pending());
    sleep(ms(50)).await;
    assert_eq!(task.poll_next(), Poll::Ready(Some(Beat::Item(0))));
    // The producer cleans up asynchronously, then the sequence ends.
    while task.poll_next().is_pending() {
        tokio::task::yield_now().await;
    }
    assert_eq!(task.poll_next(), Poll::Ready(None));
    // Well past the next beat: nothing wakes the finished consumer.
    sleep(ms(1000)).await;
    assert!(!task.is_woken(), "a timer outlived the sequence");
}

#[tokio::test(start_paused = true)]
async fn contract_16_timer_stops_when_the_consumer_stops() {
    let log = Log::new();
    let t0 = Instant::now();
    let beats: Vec<_> = paced(&[500, 0], &log)
        .heartbeat(ms(100))
        .take(2)
        .collect()
        .await;
    assert_eq!(beats, [Beat::Idle(ms(100)), Beat::Idle(ms(200))]);
    // The producer was stopped in its 500 ms sleep, where no stop can be
    // heard: it was dropped at once (contract 19), at 200 ms.
    assert_eq!(log.events(), ["dropped"]);
    assert_eq!(t0.elapsed(), ms(200));

    let mut st = pin!(paced(&[500], &Log::new()).heartbeat(ms(100)).stream());
    assert_eq!(st.next().await, Some(Beat::Idle(ms(100))));
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    let mut task = tokio_test::task::spawn(st);
    assert_eq!(task.poll_next(), Poll::Ready(None));
    sleep(ms(1000)).await;
    assert!(!task.is_woken(), "a timer outlived the stop");
}

#[test]
fn contract_16_zero_period_panics_at_the_callers_line() {
    let zero = Duration::ZERO;
    let line = line!() + 1;
    let (msg, file, at) = panic_message_file_and_line(|| drop(seq::iter([1]).heartbeat(zero)));
    assert_eq!(msg, "`heartbeat` period `every` must be non-zero");
    assert_eq!((file.as_str(), at), (file!(), line));
}

#[tokio::test(start_paused = true)]
async fn contract_16_heartbeat_is_cold_and_propagates_panics() {
    let log = Log::new();
    let s = paced(&[10], &log).heartbeat(ms(100));
    sleep(ms(1000)).await;
    assert!(log.events().is_empty(), "building a heartbeat ran it");
    assert_eq!(s.count().await, 1);

    let boom = seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
        sleep(ms(250)).await;
        panic!("source failed");
    });
    let mut seen = Vec::new();
    let res = AssertUnwindSafe(boom.heartbeat(ms(100)).for_each(|b| {
        seen.push(b);
        async { true }
    }))
    .catch_unwind()
    .await;
    assert_eq!(
        panic_message(&*res.expect_err("the panic surfaces")),
        "source failed"
    );
    assert_eq!(
        seen,
        [Beat::Item(1), Beat::Idle(ms(100)), Beat::Idle(ms(200))]
    );
}

// ── 17. with_cancel / try_with_cancel ──

#[tokio::test(start_paused = true)]
async fn contract_17_with_cancel_ends_within_one_element() {
    let log = Log::new();
    let token = CancellationToken::new();
    let mut seen = Vec::new();
    paced(&[10; 100], &log)
        .with_cancel(token.clone())
        .for_each(|i| {
            seen.push(i);
            if i == 2 {
                token.cancel();
            }
            async { true }
        })
        .await;
    assert_eq!(seen, [0, 1, 2]);
    // Element 2's `yield_` sees the stop: nothing more was produced.
    assert_eq!(
        log.events(),
        [
            "yield 0 -> true",
            "yield 1 -> true",
            "yield 2 -> false",
            "cleanup"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_17_with_cancel_ends_at_once_when_the_producer_waits_elsewhere() {
    let log = Log::new();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 1000);
    // The producer is in a 10 s await when the token fires at 1 s: it
    // cannot hear the stop there, so it is dropped at once (contract 19),
    // and element 1 is never produced.
    let t0 = Instant::now();
    let got = timed(paced(&[0, 10_000, 0], &log).with_cancel(token)).await;
    assert_eq!(got, [(0, 0)]);
    assert_eq!(t0.elapsed(), ms(1000));
    assert_eq!(log.events(), ["yield 0 -> true", "dropped"]);
    canceller.await.expect("no panic");
}

#[tokio::test(start_paused = true)]
async fn contract_17_with_cancel_watches_the_token_while_the_producer_waits() {
    // A source whose stop acts at once (a stream is stopped by dropping it):
    // the sequence ends the moment the token fires, not when the source
    // would have produced.
    let token = CancellationToken::new();
    let t0 = Instant::now();
    let canceller = cancel_after(&token, 1000);
    let silent = seq::from_stream(futures::stream::pending::<u8>());
    assert_eq!(silent.with_cancel(token).count().await, 0);
    assert_eq!(t0.elapsed(), ms(1000));
    canceller.await.expect("no panic");
}

#[tokio::test(start_paused = true)]
async fn contract_17_with_cancel_on_a_cancelled_token_never_starts_the_producer() {
    let log = Log::new();
    let token = CancellationToken::new();
    token.cancel();
    assert_eq!(
        paced(&[0, 0], &log)
            .with_cancel(token.clone())
            .count()
            .await,
        0
    );
    assert!(
        log.events().is_empty(),
        "the producer ran: {:?}",
        log.events()
    );

    let res = fallible(&[0, 0], &log)
        .try_with_cancel(token)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(res, [Err(DbError::Cancelled)]);
    assert!(
        log.events().is_empty(),
        "the producer ran: {:?}",
        log.events()
    );
}

#[tokio::test(start_paused = true)]
async fn contract_17_with_cancel_passes_everything_through_when_not_cancelled() {
    let log = Log::new();
    let token = CancellationToken::new();
    let got: Vec<_> = paced(&[5; 20], &log).with_cancel(token).collect().await;
    assert_eq!(got, (0..20).collect::<Vec<_>>());
    assert!(log.contains("cleanup"));
}

#[derive(Debug, Clone, PartialEq)]
enum DbError {
    Query(usize),
    Cancelled,
    Timeout,
}

impl From<Error> for DbError {
    fn from(e: Error) -> Self {
        match e {
            Error::Cancelled => DbError::Cancelled,
            Error::Timeout => DbError::Timeout,
            other => panic!("unexpected {other}"),
        }
    }
}

/// Like [`paced`], for a fallible producer whose element 3 is an error
/// element (it goes on after it).
fn fallible(
    waits: &[u64],
    log: &Log,
) -> impl Seq<Item = Result<usize, DbError>> + Send + 'static + use<> {
    paced_with(waits, log, |i| {
        if i == 3 {
            Err(DbError::Query(i))
        } else {
            Ok(i)
        }
    })
}

#[tokio::test(start_paused = true)]
async fn contract_17_try_with_cancel_ends_with_err_cancelled() {
    let log = Log::new();
    let token = CancellationToken::new();
    let mut st = pin!(
        fallible(&[10; 10], &log)
            .try_with_cancel(token.clone())
            .stream()
    );
    let mut seen = Vec::new();
    while let Some(item) = st.next().await {
        if item == Ok(4) {
            token.cancel();
        }
        seen.push(item);
    }
    assert_eq!(
        seen,
        [
            Ok(0),
            Ok(1),
            Ok(2),
            Err(DbError::Query(3)), // the sequence's own errors pass through
            Ok(4),
            Err(DbError::Cancelled),
        ]
    );
    assert_eq!(
        log.events().last().map(String::as_str),
        Some("cleanup"),
        "{:?}",
        log.events()
    );
    assert!(log.contains("yield 4 -> false"));
}

#[tokio::test(start_paused = true)]
async fn contract_17_try_with_cancel_reports_and_ends_at_once_when_the_producer_waits_elsewhere() {
    let log = Log::new();
    let token = CancellationToken::new();
    let canceller = cancel_after(&token, 1000);
    let t0 = Instant::now();
    let got = timed(fallible(&[0, 10_000], &log).try_with_cancel(token)).await;
    // The error comes when the token fires, and so does the end: the
    // producer waits in its 10 s await, where it cannot hear the stop, so it
    // is dropped (contract 19).
    assert_eq!(got, [(0, Ok(0)), (1000, Err(DbError::Cancelled))]);
    assert_eq!(t0.elapsed(), ms(1000));
    assert_eq!(log.events(), ["yield 0 -> true", "dropped"]);
    canceller.await.expect("no panic");
}

#[tokio::test(start_paused = true)]
async fn contract_17_try_with_cancel_short_circuits_try_collect_and_cleans_up() {
    let log = Log::new();
    let token = CancellationToken::new();
    token.cancel();
    let s = seq::try_from_fn({
        let log = log.clone();
        move |mut y: Yield<u8>| async move {
            while y.yield_(1).await {}
            log.push("cleanup");
            Ok::<(), DbError>(())
        }
    });
    let res = s.try_with_cancel(token).try_collect::<Vec<_>>().await;
    assert_eq!(res, Err(DbError::Cancelled));
    assert!(log.events().is_empty(), "never started, nothing to clean");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_17_with_cancel_from_another_thread() {
    use std::sync::atomic::{AtomicU64, Ordering};

    let before = support::alive_tasks();
    let log = Log::new();
    let token = CancellationToken::new();
    let produced = Arc::new(AtomicU64::new(0));
    let consumer = tokio::spawn({
        let (log, token, produced) = (log.clone(), token.clone(), produced.clone());
        async move {
            let s = seq::from_fn(move |mut y: Yield<u64>| async move {
                loop {
                    tokio::task::yield_now().await;
                    let i = produced.fetch_add(1, Ordering::SeqCst);
                    if !y.yield_(i).await {
                        break;
                    }
                }
                log.push("cleanup");
            });
            s.with_cancel(token).count().await
        }
    });
    while produced.load(Ordering::SeqCst) < 100 {
        tokio::task::yield_now().await;
    }
    token.cancel();
    let delivered = consumer.await.expect("no panic");
    // At most the element in flight when the token fired was not delivered.
    let produced = produced.load(Ordering::SeqCst);
    assert!(
        produced - 1 <= delivered as u64 && delivered as u64 <= produced,
        "{delivered} of {produced}"
    );
    assert_eq!(log.events(), ["cleanup"]);
    assert_eq!(support::settle_tasks_patiently(before).await, before);
}

// ── 17. timeout / try_timeout ──

#[tokio::test(start_paused = true)]
async fn contract_17_timeout_yields_err_after_the_first_late_item_and_ends() {
    let log = Log::new();
    let t0 = Instant::now();
    let got = timed(paced(&[10, 40, 90, 20], &log).timeout(ms(50))).await;
    // Element 2 is due at 50 + 90 = 140 ms; its deadline is 50 + 50 = 100 ms.
    assert_eq!(got, [(10, Ok(0)), (50, Ok(1)), (100, Err(Error::Timeout))]);
    // The late element is never produced: at the deadline the producer
    // waits in its sleep, where it cannot hear the stop, so it is dropped
    // at once (contract 19).
    assert_eq!(t0.elapsed(), ms(100));
    assert_eq!(
        log.events(),
        ["yield 0 -> true", "yield 1 -> true", "dropped"]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_17_timeout_clock_restarts_at_each_element() {
    let log = Log::new();
    // 20 elements, 45 ms apart: 900 ms in all, each within 50 ms.
    let got: Vec<_> = paced(&[45; 20], &log).timeout(ms(50)).collect().await;
    assert_eq!(got, (0..20).map(Ok).collect::<Vec<_>>());
    assert!(log.contains("cleanup"));

    // An element ready at its deadline is in time.
    let got: Vec<_> = paced(&[50, 50], &log).timeout(ms(50)).collect().await;
    assert_eq!(got, [Ok(0), Ok(1)]);
}

#[tokio::test(start_paused = true)]
async fn contract_17_timeout_does_not_count_the_consumers_time() {
    let mut seen = Vec::new();
    paced(&[40; 5], &Log::new())
        .timeout(ms(50))
        .for_each(|item| {
            seen.push(item);
            async {
                sleep(ms(200)).await;
                true
            }
        })
        .await;
    assert_eq!(seen, (0..5).map(Ok).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn contract_17_timeout_stopped_by_the_consumer_cleans_up() {
    let log = Log::new();
    let got: Vec<_> = paced(&[10; 10], &log)
        .timeout(ms(50))
        .take(2)
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Ok(1)]);
    assert_eq!(
        log.events(),
        ["yield 0 -> true", "yield 1 -> false", "cleanup"]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_17_try_timeout_ends_with_err_timeout() {
    let log = Log::new();
    let got = timed(fallible(&[10, 10, 10, 10, 10, 500, 10], &log).try_timeout(ms(50))).await;
    assert_eq!(
        got,
        [
            (10, Ok(0)),
            (20, Ok(1)),
            (30, Ok(2)),
            (40, Err(DbError::Query(3))), // passes through, restarts the clock
            (50, Ok(4)),
            (100, Err(DbError::Timeout)),
        ]
    );
    // Element 5 was still in its 500 ms wait: dropped there (contract 19).
    assert_eq!(log.events().last().map(String::as_str), Some("dropped"));
    assert!(log.contains("yield 4 -> true"));
    assert!(!log.contains("yield 5 -> true") && !log.contains("yield 5 -> false"));
}

#[tokio::test(start_paused = true)]
async fn contract_17_try_timeout_short_circuits_try_collect() {
    let log = Log::new();
    let res = fallible(&[10, 10, 100], &log)
        .try_timeout(ms(50))
        .try_collect::<Vec<_>>()
        .await;
    assert_eq!(res, Err(DbError::Timeout));
    assert_eq!(log.events().last().map(String::as_str), Some("dropped"));
}

// ── all of them ──

#[tokio::test(start_paused = true)]
async fn duration_max_means_never_and_does_not_overflow() {
    let log = Log::new();
    let got: Vec<_> = paced(&[10, 3_600_000, 10], &log)
        .timeout(Duration::MAX)
        .collect()
        .await;
    assert_eq!(got, [Ok(0), Ok(1), Ok(2)]);
    let beats: Vec<_> = paced(&[10, 3_600_000], &log)
        .heartbeat(Duration::MAX)
        .collect()
        .await;
    assert_eq!(beats, [Beat::Item(0), Beat::Item(1)]);
}

#[test]
#[deny(unused_must_use)]
fn control_sequences_are_cold_and_need_no_runtime_to_be_built() {
    // Built outside any runtime, then dropped: nothing runs, no timer is
    // created, nothing is reported.
    let log = Log::new();
    let stats = Arc::new(seqflow::Stats::new());
    let token = CancellationToken::new();
    drop(paced(&[0], &log).heartbeat(ms(1)));
    drop(paced(&[0], &log).timeout(ms(1)));
    drop(fallible(&[0], &log).try_timeout(ms(1)));
    drop(paced(&[0], &log).with_cancel(token.clone()));
    drop(fallible(&[0], &log).try_with_cancel(token));
    drop(paced(&[0], &log).instrumented(stats.clone()));
    assert!(log.events().is_empty(), "{:?}", log.events());
    assert_eq!(stats.snapshot(), seqflow::StatsSnapshot::default());
}

#[test]
fn control_sequences_are_send_when_their_source_is() {
    fn assert_send<T: Send>(_: &T) {}
    let log = Log::new();
    let token = CancellationToken::new();
    assert_send(&paced(&[], &log).heartbeat(ms(1)));
    assert_send(&paced(&[], &log).timeout(ms(1)));
    assert_send(&fallible(&[], &log).try_timeout(ms(1)));
    assert_send(&paced(&[], &log).with_cancel(token.clone()));
    assert_send(&fallible(&[], &log).try_with_cancel(token));
}

#[test]
fn control_sequences_show_their_state_in_debug() {
    let token = CancellationToken::new();
    let s = seq::iter([1]).with_cancel(token.clone());
    token.cancel();
    let shown = format!("{s:?}");
    assert!(shown.contains("is_cancelled: true"), "{shown}");
    assert!(format!("{:?}", seq::iter([1]).heartbeat(ms(7))).contains("every: 7ms"));
    assert!(format!("{:?}", seq::iter([1]).timeout(ms(9))).contains("per_item: 9ms"));
}

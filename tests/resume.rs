//! `seq::resume`: reconnection from the last delivered position, errors as
//! elements, backoff between attempts, resync when the position is gone;
//! in memory on the paused clock. The same over a real HTTP watch is in
//! `integration/tests/resume_http.rs`.

mod support;

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use seqflow::{BoxSeq, RetryPolicy, Seq, Yield, seq};
use support::Log;
use support::panics::panic_message;
use tokio::time::Instant;
use tokio_test::{assert_pending, assert_ready};
use tokio_util::sync::CancellationToken;

const MS: Duration = Duration::from_millis(1);

/// How one connection to the in-memory log behaves.
#[derive(Clone, Copy, Debug)]
enum Conn {
    /// Deliver this many events, then report a broken connection.
    BreakAfter(usize),
    /// The position asked for is compacted away.
    Gone,
    /// Deliver everything, then end.
    Whole,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LogError {
    Broken(usize),
    Compacted,
    Fatal,
}

/// The position and instant of each connection.
type Connects = Arc<Mutex<Vec<(Option<u64>, Instant)>>>;

/// An in-memory event log with revisions `1..=len`, whose connections
/// follow `plan` (then `Whole`). Logs `connect <from>`, each connection's
/// cleanup, and the instant of each connection.
struct Events {
    len: u64,
    plan: Arc<Mutex<VecDeque<Conn>>>,
    log: Log,
    connects: Connects,
}

impl Events {
    fn new(len: u64, plan: impl IntoIterator<Item = Conn>) -> Self {
        Events {
            len,
            plan: Arc::new(Mutex::new(plan.into_iter().collect())),
            log: Log::new(),
            connects: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The `make` of `seq::resume`. The source yields errors as elements
    /// (it does not end by itself after one), with async cleanup.
    fn make(&self) -> impl FnMut(Option<u64>) -> BoxSeq<'static, Result<u64, LogError>> + use<> {
        let (len, plan, log, connects) = (
            self.len,
            self.plan.clone(),
            self.log.clone(),
            self.connects.clone(),
        );
        let mut n = 0;
        move |from: Option<u64>| {
            let conn = plan.lock().unwrap().pop_front().unwrap_or(Conn::Whole);
            connects.lock().unwrap().push((from, Instant::now()));
            log.push(format!("connect {from:?}"));
            let log = log.clone();
            let id = n;
            n += 1;
            seq::from_fn(move |mut y: Yield<Result<u64, LogError>>| async move {
                let start = from.map_or(1, |rev| rev + 1);
                let mut revs = start..=len;
                let outcome = match conn {
                    Conn::Gone => Some(LogError::Compacted),
                    Conn::Whole => None,
                    Conn::BreakAfter(k) => {
                        revs = start..=len.min(start + k as u64 - 1);
                        (start + (k as u64) <= len).then_some(LogError::Broken(id))
                    }
                };
                let mut go_on = true;
                if !matches!(conn, Conn::Gone) {
                    for rev in revs {
                        if !y.yield_(Ok(rev)).await {
                            go_on = false;
                            break;
                        }
                    }
                }
                if go_on {
                    if let Some(e) = outcome {
                        // An error element; a watch that keeps its stream
                        // open would wait here until stopped.
                        if y.yield_(Err(e)).await {
                            std::future::pending::<()>().await;
                        }
                    }
                }
                tokio::task::yield_now().await; // async cleanup
                log.push(format!("cleanup {id}"));
            })
            .boxed()
        }
    }

    fn froms(&self) -> Vec<Option<u64>> {
        self.connects.lock().unwrap().iter().map(|c| c.0).collect()
    }

    fn gaps(&self) -> Vec<Duration> {
        let c = self.connects.lock().unwrap();
        c.windows(2).map(|w| w[1].1 - w[0].1).collect()
    }
}

fn rev(item: &u64) -> Option<u64> {
    Some(*item)
}

fn quick() -> RetryPolicy<LogError> {
    RetryPolicy::new().initial_delay(MS).no_jitter()
}

fn split(got: Vec<Result<u64, LogError>>) -> (Vec<u64>, Vec<LogError>) {
    let mut ok = Vec::new();
    let mut err = Vec::new();
    for g in got {
        match g {
            Ok(v) => ok.push(v),
            Err(e) => err.push(e),
        }
    }
    (ok, err)
}

// ── no loss, no duplicate ──

#[tokio::test(start_paused = true)]
async fn reconnects_from_the_last_position_without_loss_or_duplicates() {
    let events = Events::new(
        12,
        [
            Conn::BreakAfter(3),
            Conn::BreakAfter(0),
            Conn::BreakAfter(2),
            Conn::BreakAfter(5),
        ],
    );
    let got: Vec<_> = seq::resume(events.make(), rev, quick()).collect().await;
    let (ok, err) = split(got);
    assert_eq!(ok, (1..=12).collect::<Vec<_>>());
    assert_eq!(
        err,
        [0, 1, 2, 3].map(LogError::Broken),
        "every break is an element"
    );
    assert_eq!(events.froms(), [None, Some(3), Some(3), Some(5), Some(10)]);
}

#[tokio::test(start_paused = true)]
async fn each_broken_source_is_stopped_before_the_next_is_made() {
    let events = Events::new(4, [Conn::BreakAfter(1), Conn::BreakAfter(1)]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick()).collect().await;
    assert_eq!(split(got).0, [1, 2, 3, 4]);
    assert_eq!(
        events.log.events(),
        [
            "connect None",
            "cleanup 0",
            "connect Some(1)",
            "cleanup 1",
            "connect Some(2)",
            "cleanup 2",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn start_at_resumes_from_a_saved_position() {
    let events = Events::new(6, []);
    let r = seq::resume(events.make(), rev, quick()).start_at(4);
    assert_eq!(r.position(), Some(&4));
    assert_eq!(r.try_collect::<Vec<_>>().await, Ok(vec![5, 6]));
    assert_eq!(events.froms(), [Some(4)]);
}

#[tokio::test(start_paused = true)]
async fn items_without_a_position_do_not_move_the_resume_point() {
    // Only even revisions are checkpoints: after a break at 3, the source
    // restarts after 2 and 3 comes again (at-least-once, by design).
    let events = Events::new(5, [Conn::BreakAfter(3)]);
    let even = |r: &u64| (r % 2 == 0).then_some(*r);
    let got: Vec<_> = seq::resume(events.make(), even, quick()).collect().await;
    assert_eq!(split(got).0, [1, 2, 3, 3, 4, 5]);
    assert_eq!(events.froms(), [None, Some(2)]);
}

// ── backoff and the attempt budget ──

#[tokio::test(start_paused = true)]
async fn reconnections_back_off_with_growing_delays() {
    let events = Events::new(2, [Conn::BreakAfter(0); 4]);
    let policy = RetryPolicy::new()
        .initial_delay(100 * MS)
        .max_attempts(5)
        .no_jitter();
    let got: Vec<_> = seq::resume(events.make(), rev, policy).collect().await;
    let (ok, err) = split(got);
    assert_eq!(ok, [1, 2]);
    assert_eq!(err.len(), 4);
    assert_eq!(events.gaps(), [100, 200, 400, 800].map(|ms| ms * MS));
}

#[tokio::test(start_paused = true)]
async fn the_budget_bounds_consecutive_failures() {
    let events = Events::new(2, [Conn::BreakAfter(0); 10]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick().max_attempts(3))
        .collect()
        .await;
    assert_eq!(got, [0, 1, 2].map(|i| Err(LogError::Broken(i))));
    assert_eq!(events.froms().len(), 3, "no fourth connection");
}

#[tokio::test(start_paused = true)]
async fn the_budget_resets_with_every_delivered_item() {
    // Twenty connections that each deliver one event and break: with a
    // budget of 2 the sequence still goes on, since each delivers.
    let events = Events::new(20, [Conn::BreakAfter(1); 20]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick().max_attempts(2))
        .collect()
        .await;
    let (ok, err) = split(got);
    assert_eq!(ok, (1..=20).collect::<Vec<_>>());
    assert_eq!(err.len(), 19);
    // The backoff restarts too: every wait is the first one.
    assert!(
        events.gaps().iter().all(|g| *g == MS),
        "{:?}",
        events.gaps()
    );
}

#[tokio::test(start_paused = true)]
async fn an_error_the_policy_does_not_retry_ends_the_sequence() {
    let make = |_: Option<u64>| seq::iter(vec![Ok(1), Err(LogError::Fatal), Ok(2)]);
    let policy = quick().retry_if(|e: &LogError| matches!(e, LogError::Broken(_)));
    let got: Vec<_> = seq::resume(make, rev, policy).collect().await;
    assert_eq!(got, [Ok(1), Err(LogError::Fatal)]);
}

#[tokio::test(start_paused = true)]
async fn a_source_that_ends_cleanly_ends_the_sequence() {
    let events = Events::new(3, []);
    let got: Vec<_> = seq::resume(events.make(), rev, quick()).collect().await;
    assert_eq!(got, [Ok(1), Ok(2), Ok(3)]);
    assert_eq!(events.froms().len(), 1);
}

// ── resync ──

#[tokio::test(start_paused = true)]
async fn a_gone_position_resyncs_from_scratch() {
    let events = Events::new(5, [Conn::BreakAfter(2), Conn::Gone]);
    let policy = quick().retry_if(|_| false); // only resyncs are retried
    let got: Vec<_> = seq::resume(events.make(), rev, policy)
        .resync_when(|e: &LogError| *e == LogError::Compacted)
        .collect()
        .await;
    assert_eq!(
        got,
        [Ok(1), Ok(2), Err(LogError::Broken(0)),],
        "a plain break is not retried by this policy"
    );

    let events = Events::new(5, [Conn::Gone]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick())
        .start_at(2)
        .resync_when(|e: &LogError| *e == LogError::Compacted)
        .collect()
        .await;
    assert_eq!(
        got,
        [Err(LogError::Compacted), Ok(1), Ok(2), Ok(3), Ok(4), Ok(5)]
    );
    assert_eq!(
        events.froms(),
        [Some(2), None],
        "resync starts from scratch"
    );
}

#[tokio::test(start_paused = true)]
async fn resyncs_count_against_the_budget() {
    let events = Events::new(5, [Conn::Gone; 10]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick().max_attempts(3))
        .resync_when(|e: &LogError| *e == LogError::Compacted)
        .collect()
        .await;
    assert_eq!(got, [Err(LogError::Compacted); 3]);
}

// ── stopping and cancellation ──

#[tokio::test(start_paused = true)]
async fn cancelling_the_token_ends_the_backoff_and_the_sequence() {
    let events = Events::new(5, [Conn::BreakAfter(1); 10]);
    let token = CancellationToken::new();
    let policy = RetryPolicy::new()
        .initial_delay(Duration::from_secs(3600))
        .no_jitter()
        .cancel_on(token.clone());
    let start = Instant::now();
    let (got, ()) = tokio::join!(
        seq::resume(events.make(), rev, policy).collect::<Vec<_>>(),
        async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            token.cancel();
        }
    );
    assert_eq!(got, [Ok(1), Err(LogError::Broken(0))]);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(events.froms().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_consumer_stop_stops_the_source_and_makes_no_new_one() {
    let events = Events::new(100, [Conn::BreakAfter(3)]);
    let got: Vec<_> = seq::resume(events.make(), rev, quick())
        .take(5)
        .collect()
        .await;
    assert_eq!(got, [Ok(1), Ok(2), Ok(3), Err(LogError::Broken(0)), Ok(4)]);
    assert_eq!(
        events.log.events(),
        ["connect None", "cleanup 0", "connect Some(3)", "cleanup 1"],
        "the live source was stopped and cleaned up before take returned"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_during_the_backoff_makes_no_new_source() {
    let events = Events::new(5, [Conn::BreakAfter(0)]);
    let policy = quick().initial_delay(Duration::from_secs(10));
    let mut task = tokio_test::task::spawn(seq::resume(events.make(), rev, policy));
    assert_eq!(
        assert_ready!(task.enter(|cx, s| s.poll_next(cx))),
        Some(Err(LogError::Broken(0)))
    );
    // Closing the broken source takes a poll (its async cleanup), then the
    // backoff waits.
    for _ in 0..3 {
        assert_pending!(task.enter(|cx, s| s.poll_next(cx)));
        tokio::task::yield_now().await;
    }
    assert!(events.log.contains("cleanup 0"));
    assert_ready!(task.enter(|cx, s| s.poll_stop(cx)));
    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(assert_ready!(task.enter(|cx, s| s.poll_next(cx))), None);
    assert_eq!(events.froms().len(), 1);
}

#[tokio::test]
async fn a_panic_in_the_source_reaches_the_consumer() {
    let make = |from: Option<u64>| {
        seq::try_from_fn(move |mut y: Yield<u64>| async move {
            assert!(from.is_none(), "the watch exploded after {from:?}");
            y.yield_(1).await;
            Err::<(), _>("reset")
        })
    };
    let res =
        AssertUnwindSafe(seq::resume(make, rev, RetryPolicy::new().initial_delay(MS)).count())
            .catch_unwind()
            .await;
    let payload = res.expect_err("the panic was swallowed");
    assert_eq!(panic_message(&*payload), "the watch exploded after Some(1)");
}

#[tokio::test]
async fn nothing_connects_before_the_first_element_is_wanted() {
    let events = Events::new(3, []);
    let r = seq::resume(events.make(), rev, quick());
    tokio::task::yield_now().await;
    assert!(events.froms().is_empty(), "building a resume connected");
    assert_eq!(r.size_hint(), (0, None));
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&r);
    drop(r);
    assert!(events.froms().is_empty());
}

#[test]
fn debug_shows_the_phase_and_the_position() {
    let events = Events::new(1, []);
    let r = seq::resume(events.make(), rev, quick()).start_at(9);
    let shown = format!("{r:?}");
    assert!(shown.contains("phase: \"connecting\""), "{shown}");
    assert!(shown.contains("position: Some(9)"), "{shown}");
}

//! `RetryPolicy`: the schedule it computes, and the waits it makes,
//! measured on tokio's paused (virtual) clock.

mod support;

use std::panic::Location;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seqflow::{Page, PageRequest, RetryError, RetryPolicy, Seq, seq};
use support::panics::panic_message_and_location;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const MS: Duration = Duration::from_millis(1);

/// A walk of `pages` one-item pages whose page `p` fails `fails(p)` times
/// before it succeeds; records the virtual instant of every request.
fn flaky<Fails: Fn(u32) -> u32 + Send + 'static>(
    pages: u32,
    fails: Fails,
    at: &Arc<Mutex<Vec<(u32, Instant)>>>,
) -> impl FnMut(PageRequest<u32>) -> std::future::Ready<Result<Page<u32, u32>, String>>
+ Send
+ 'static
+ use<Fails> {
    let at = at.clone();
    let mut failed = std::collections::HashMap::<u32, u32>::new();
    move |req| {
        let p = req.token.unwrap_or(0);
        at.lock().unwrap().push((p, Instant::now()));
        let f = failed.entry(p).or_insert(0);
        std::future::ready(if *f < fails(p) {
            *f += 1;
            Err(format!("503 on page {p}"))
        } else {
            Ok(Page::new(vec![p], (p + 1 < pages).then_some(p + 1)))
        })
    }
}

fn gaps(at: &[(u32, Instant)]) -> Vec<Duration> {
    at.windows(2).map(|w| w[1].1 - w[0].1).collect()
}

// ── the schedule ──

#[test]
fn ceilings_grow_by_the_multiplier_and_stop_at_the_cap() {
    let p = RetryPolicy::<()>::new()
        .initial_delay(Duration::from_millis(50))
        .multiplier(2.0)
        .max_delay(Duration::from_millis(1000));
    let ceilings: Vec<u64> = (1..=7)
        .map(|n| p.delay_ceiling(n).as_millis() as u64)
        .collect();
    assert_eq!(ceilings, [50, 100, 200, 400, 800, 1000, 1000]);
    assert_eq!(p.delay_ceiling(1_000_000), Duration::from_millis(1000));
    let fractional = RetryPolicy::<()>::new()
        .initial_delay(Duration::from_millis(100))
        .multiplier(1.5);
    assert_eq!(fractional.delay_ceiling(3), Duration::from_millis(225));
}

#[test]
fn full_jitter_stays_under_the_ceiling_and_varies() {
    let p = RetryPolicy::<()>::new().jitter_seed(42);
    let delays: Vec<Duration> = p.delays().take(200).collect();
    for (n, d) in (1..).zip(&delays) {
        assert!(*d <= p.delay_ceiling(n), "retry {n} waited {d:?}");
    }
    // Past the cap the ceiling is fixed at 10 s: the draws spread under it.
    let capped = &delays[100..];
    let low = capped
        .iter()
        .filter(|d| **d < Duration::from_secs(5))
        .count();
    assert!(
        (20..=80).contains(&low),
        "{low} of 100 draws under half the ceiling: not uniform"
    );
    assert!(capped.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn a_seed_makes_the_jitter_reproducible_and_seeds_differ() {
    let a = RetryPolicy::<()>::new().jitter_seed(1);
    let b = RetryPolicy::<()>::new().jitter_seed(2);
    let draw = |p: &RetryPolicy<()>| p.delays().take(16).collect::<Vec<_>>();
    assert_eq!(draw(&a), draw(&a));
    assert_eq!(draw(&a), draw(&a.clone()));
    assert_ne!(draw(&a), draw(&b));
    // Unseeded policies draw from fresh random seeds.
    let unseeded = RetryPolicy::<()>::new().initial_delay(Duration::from_secs(1000));
    assert_ne!(draw(&unseeded), draw(&unseeded));
}

#[test]
fn debug_shows_the_settings_not_the_closures() {
    let p = RetryPolicy::new()
        .max_attempts(3)
        .retry_if(|e: &u16| *e == 503);
    let shown = format!("{p:?}");
    assert!(shown.starts_with("RetryPolicy {"), "{shown}");
    assert!(shown.contains("max_attempts: Some(3)"), "{shown}");
    assert!(shown.contains("has_retry_if: true"), "{shown}");
}

// ── the waits, on the virtual clock ──

#[tokio::test(start_paused = true)]
async fn retries_wait_exactly_the_computed_growing_delays() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new()
        .initial_delay(100 * MS)
        .max_delay(Duration::from_secs(1))
        .max_attempts(6)
        .no_jitter();
    let items: Vec<u32> = seq::paginate(flaky(1, |_| 5, &at))
        .retry(policy)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0]);
    assert_eq!(
        gaps(&at.lock().unwrap()),
        [100, 200, 400, 800, 1000].map(|ms| ms * MS)
    );
}

#[tokio::test(start_paused = true)]
async fn jittered_waits_are_the_policys_draws() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new()
        .initial_delay(100 * MS)
        .max_attempts(5)
        .jitter_seed(7);
    let expected: Vec<Duration> = policy.delays().take(4).collect();
    let items: Vec<u32> = seq::paginate(flaky(1, |_| 4, &at))
        .retry(policy.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0]);
    let waited = gaps(&at.lock().unwrap());
    // tokio's timer counts whole milliseconds and rounds a sleep up.
    let round_up = |d: &Duration| MS * u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap();
    assert_eq!(waited, expected.iter().map(round_up).collect::<Vec<_>>());
    for (n, d) in (1..).zip(&expected) {
        assert!(*d <= policy.delay_ceiling(n));
    }
    assert!(
        expected.iter().any(|d| *d < MS * 100),
        "jitter drew nothing below the first ceiling"
    );
}

#[tokio::test(start_paused = true)]
async fn the_attempt_budget_resets_after_every_success() {
    // Every one of 50 pages fails twice; a budget of 3 attempts per page is
    // enough for all of them (a budget that never reset would be spent on
    // page 2).
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new()
        .initial_delay(10 * MS)
        .max_attempts(3)
        .no_jitter();
    let items: Vec<u32> = seq::paginate(flaky(50, |_| 2, &at))
        .retry(policy)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..50).collect::<Vec<_>>());
    let at = at.lock().unwrap();
    assert_eq!(at.len(), 150);
    // The backoff starts over too: 10 ms, 20 ms, then straight on.
    assert_eq!(gaps(&at[..4]), [10 * MS, 20 * MS, Duration::ZERO]);
    assert_eq!(gaps(&at[3..6]), [10 * MS, 20 * MS]);
}

#[tokio::test(start_paused = true)]
async fn exhausted_budget_reports_attempts_and_the_failed_token() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new().max_attempts(4).no_jitter();
    let got: Vec<_> = seq::paginate(flaky(9, |p| if p == 3 { 99 } else { 0 }, &at))
        .retry(policy)
        .collect()
        .await;
    assert_eq!(got[..3], [Ok(0), Ok(1), Ok(2)]);
    assert_eq!(
        got[3],
        Err(RetryError::Exhausted {
            error: "503 on page 3".to_owned(),
            attempts: 4,
            token: Some(3),
        })
    );
    assert_eq!(got.len(), 4);
    assert_eq!(at.lock().unwrap().len(), 3 + 4);
}

#[tokio::test(start_paused = true)]
async fn unlimited_attempts_retry_until_success() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new()
        .unlimited_attempts()
        .max_delay(Duration::from_secs(1));
    let items: Vec<u32> = seq::paginate(flaky(1, |_| 40, &at))
        .retry(policy)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0]);
    assert_eq!(at.lock().unwrap().len(), 41);
}

#[tokio::test(start_paused = true)]
async fn retry_if_gives_up_at_once_on_other_errors() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new().retry_if(|e: &String| e.contains("429"));
    let got: Vec<_> = seq::paginate(flaky(2, |_| 1, &at))
        .retry(policy)
        .collect()
        .await;
    assert_eq!(
        got,
        [Err(RetryError::Rejected {
            error: "503 on page 0".to_owned(),
            attempts: 1,
            token: None,
        })]
    );
    assert_eq!(at.lock().unwrap().len(), 1);
}

// ── cancellation ──

#[tokio::test(start_paused = true)]
async fn cancelling_the_token_interrupts_the_backoff_sleep() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let token = CancellationToken::new();
    let policy = RetryPolicy::new()
        .initial_delay(Duration::from_secs(3600))
        .no_jitter()
        .cancel_on(token.clone());
    let start = Instant::now();
    let canceller = tokio::spawn({
        let token = token.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            token.cancel();
        }
    });
    let got: Vec<_> = seq::paginate(flaky(1, |_| 99, &at))
        .retry(policy)
        .collect()
        .await;
    canceller.await.unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(5),
        "the walk ended when the token was cancelled, not after the hour"
    );
    assert_eq!(
        got,
        [Err(RetryError::Cancelled {
            error: "503 on page 0".to_owned(),
            attempts: 1,
            token: None,
        })]
    );
    assert_eq!(at.lock().unwrap().len(), 1, "no request after cancellation");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_token_means_no_retry_at_all() {
    let at = Arc::new(Mutex::new(Vec::new()));
    let token = CancellationToken::new();
    token.cancel();
    let start = Instant::now();
    let got: Vec<_> = seq::paginate(flaky(1, |_| 1, &at))
        .retry(RetryPolicy::new().cancel_on(token))
        .collect()
        .await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert!(got[0].as_ref().unwrap_err().is_cancelled());
    assert_eq!(at.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn cancellation_also_interrupts_an_injected_sleep() {
    let token = CancellationToken::new();
    let policy = RetryPolicy::new()
        .cancel_on(token.clone())
        .sleep_with(|_| std::future::pending::<()>()); // a sleep that never ends
    let at = Arc::new(Mutex::new(Vec::new()));
    let walk = seq::paginate(flaky(1, |_| 1, &at)).retry(policy);
    let (got, ()) = tokio::join!(walk.collect::<Vec<_>>(), async {
        tokio::task::yield_now().await;
        token.cancel();
    });
    assert!(got[0].as_ref().unwrap_err().is_cancelled());
}

// ── argument checks ──

#[test]
fn argument_checks_panic_at_the_callers_location() {
    let here = Location::caller().file().to_owned();
    let fetch = |_: PageRequest<()>| async { Ok::<_, ()>(Page::new(vec![0], None)) };
    type Case = Box<dyn FnOnce() + std::panic::UnwindSafe>;
    let cases: Vec<(Case, &str)> = vec![
        (
            Box::new(|| drop(RetryPolicy::<()>::new().max_attempts(0))),
            "`max_attempts` attempts must be non-zero",
        ),
        (
            Box::new(|| drop(RetryPolicy::<()>::new().multiplier(0.9))),
            "`multiplier` factor must be finite and at least 1",
        ),
        (
            Box::new(move || drop(seq::paginate(fetch).page_size(0))),
            "`page_size` size must be non-zero",
        ),
        (
            Box::new(move || drop(seq::paginate(fetch).pager(0))),
            "`pager` page_size must be non-zero",
        ),
    ];
    for (f, message) in cases {
        let (text, file) = panic_message_and_location(f);
        assert_eq!(text, message);
        assert_eq!(file, here, "{message}: reported at {file}");
    }
}

//! `seq::paginate`, `RetryPolicy` and `Pager` against a real HTTP server on
//! loopback (axum) through a real client (reqwest).
//!
//! Delays are never measured on the wall clock: the policy's sleep is
//! injected (`sleep_with`) to record the delays it computed; the waits
//! themselves are a millisecond or two of real time. Virtual-time
//! measurements of the same schedules are in `tests/retry.rs`.

mod http_api;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_api::{Api, ApiError, Fault, Logged, by_request, fetcher};
use seqflow::{RetryError, RetryPolicy, Seq, seq};
use support::{alive_tasks, settle_tasks_within};
use tokio_util::sync::CancellationToken;

/// A policy that records each computed delay and waits it out for real
/// (milliseconds).
fn recording_policy(initial: Duration) -> (RetryPolicy<ApiError>, Arc<Mutex<Vec<Duration>>>) {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let policy = RetryPolicy::new()
        .initial_delay(initial)
        .no_jitter()
        .retry_if(ApiError::is_transient)
        .sleep_with({
            let delays = delays.clone();
            move |d| {
                delays.lock().unwrap().push(d);
                tokio::time::sleep(d)
            }
        });
    (policy, delays)
}

fn afters(log: &[Logged]) -> Vec<Option<u32>> {
    log.iter().map(|l| l.after).collect()
}

// ── exactly once, in order, through faults ──

async fn walk_through_503s_and_slow_pages() {
    let start_tasks = alive_tasks();
    // Requests 1 and 2 (page 2, twice) get 503; request 4 is slow;
    // request 6 gets 503 again, after successes.
    let plan = HashMap::from([
        (1, Fault::Unavailable),
        (2, Fault::Unavailable),
        (4, Fault::Slow(Duration::from_millis(20))),
        (6, Fault::Unavailable),
    ]);
    let api = Api::builder()
        .items(0..100)
        .faults(by_request(plan))
        .start()
        .await;
    let client = reqwest::Client::new();
    let (policy, delays) = recording_policy(Duration::from_millis(1));

    let items: Vec<u32> = seq::paginate(fetcher(&api, &client))
        .page_size(7)
        .retry(policy.max_attempts(3))
        .try_collect()
        .await
        .expect("the walk survives transient 503s");

    assert_eq!(
        items,
        (0..100).collect::<Vec<_>>(),
        "every item exactly once, in order"
    );
    let log = api.log();
    // 15 pages of 7 (the last has 2), plus 3 retried requests.
    assert_eq!(log.len(), 15 + 3);
    let statuses: Vec<u16> = log.iter().map(|l| l.status).collect();
    assert_eq!(&statuses[..8], [200, 503, 503, 200, 200, 200, 503, 200]);
    // A retry asks for the same page again, with the same size.
    assert_eq!(afters(&log[..4]), [None, Some(6), Some(6), Some(6)]);
    assert_eq!(afters(&log[5..8]), [Some(20), Some(27), Some(27)]);
    assert!(log.iter().all(|l| l.limit == Some(7)));
    // Growing delays (1 ms, 2 ms); after a success the backoff starts over.
    assert_eq!(
        *delays.lock().unwrap(),
        [
            Duration::from_millis(1),
            Duration::from_millis(2),
            Duration::from_millis(1)
        ]
    );
    assert_eq!(api.max_in_flight(), 1, "one page in flight at a time");

    drop(client);
    api.stop().await;
    assert_eq!(
        settle_tasks_within(start_tasks, Duration::from_secs(10)).await,
        start_tasks,
        "a task outlived the walk, its client or its server"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn every_item_arrives_exactly_once_in_order_through_faults_current_thread() {
    walk_through_503s_and_slow_pages().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_arrives_exactly_once_in_order_through_faults_multi_thread() {
    walk_through_503s_and_slow_pages().await;
}

#[tokio::test]
async fn retries_wait_growing_delays_up_to_the_cap() {
    // Four 503s in a row on the first page.
    let api = Api::builder()
        .items(0..5)
        .faults(|n, _| (n < 4).then_some(Fault::Unavailable))
        .start()
        .await;
    let client = reqwest::Client::new();
    let (policy, delays) = recording_policy(Duration::from_millis(1));
    let policy = policy.max_delay(Duration::from_millis(5)).max_attempts(5);

    let items: Vec<u32> = seq::paginate(fetcher(&api, &client))
        .retry(policy.clone())
        .try_collect()
        .await
        .unwrap();

    assert_eq!(items, [0, 1, 2, 3, 4]);
    let delays = delays.lock().unwrap().clone();
    assert_eq!(
        delays,
        [1, 2, 4, 5].map(Duration::from_millis),
        "doubling, capped at max_delay"
    );
    assert!(delays.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(api.requests(), 5);
    api.stop().await;
}

#[tokio::test]
async fn exhausted_retries_say_how_many_attempts_and_which_token_failed() {
    // The page after item 13 is down for good.
    let api = Api::builder()
        .items(0..40)
        .faults(|_, after| (after == Some(13)).then_some(Fault::Unavailable))
        .start()
        .await;
    let client = reqwest::Client::new();
    let (policy, _) = recording_policy(Duration::from_millis(1));

    let got: Vec<Result<u32, RetryError<ApiError, u32>>> = seq::paginate(fetcher(&api, &client))
        .page_size(7)
        .retry(policy.max_attempts(3))
        .collect()
        .await;

    let (ok, err): (Vec<_>, Vec<_>) = got.into_iter().partition(Result::is_ok);
    assert_eq!(
        ok.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        (0..14).collect::<Vec<_>>()
    );
    let err = err.into_iter().map(Result::unwrap_err).collect::<Vec<_>>();
    assert_eq!(
        err,
        [RetryError::Exhausted {
            error: ApiError::Status(503),
            attempts: 3,
            token: Some(13),
        }]
    );
    assert_eq!(
        err[0].to_string(),
        "gave up after 3 attempts: http status 503"
    );
    // Three attempts at the failed page, then nothing more.
    assert_eq!(
        afters(&api.log()),
        [None, Some(6), Some(13), Some(13), Some(13)]
    );
    api.stop().await;
}

#[tokio::test]
async fn a_non_retryable_error_ends_the_walk_at_once() {
    let api = Api::builder()
        .items(0..40)
        .faults(|_, after| (after == Some(9)).then_some(Fault::NotFound))
        .start()
        .await;
    let client = reqwest::Client::new();
    let (policy, delays) = recording_policy(Duration::from_millis(1));

    let got: Vec<_> = seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .retry(policy)
        .collect()
        .await;

    assert_eq!(got.len(), 11);
    assert_eq!(
        got[10],
        Err(RetryError::Rejected {
            error: ApiError::Status(404),
            attempts: 1,
            token: Some(9),
        })
    );
    assert!(delays.lock().unwrap().is_empty(), "a 404 is not retried");
    assert_eq!(api.requests(), 2);
    api.stop().await;
}

#[tokio::test]
async fn without_a_policy_the_first_failure_is_the_last_element() {
    let api = Api::builder()
        .items(0..30)
        .faults(by_request(HashMap::from([(1, Fault::Unavailable)])))
        .start()
        .await;
    let client = reqwest::Client::new();
    let got: Vec<Result<u32, ApiError>> = seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .collect()
        .await;
    assert_eq!(got.len(), 11);
    assert_eq!(got[10], Err(ApiError::Status(503)));
    assert_eq!(api.requests(), 2);
    api.stop().await;
}

// ── stopping early ──

#[tokio::test]
async fn a_consumer_break_stops_further_requests() {
    let api = Api::builder().items(0..1000).start().await;
    let client = reqwest::Client::new();

    // 15 items need 2 pages of 10.
    let first: Vec<u32> = seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .take(15)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first, (0..15).collect::<Vec<_>>());
    assert_eq!(api.requests(), 2);

    // Breaking on item 25 (the 6th of page 3): 3 requests in all.
    let mut seen = Vec::new();
    seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .for_each(|item| {
            let item = item.unwrap();
            seen.push(item);
            async move { item != 25 }
        })
        .await;
    assert_eq!(seen.len(), 26);
    assert_eq!(api.requests(), 2 + 3);

    // Nothing is requested before the first element is wanted.
    let lazy = seq::paginate(fetcher(&api, &client)).page_size(10);
    tokio::task::yield_now().await;
    assert_eq!(api.requests(), 5);
    drop(lazy);
    assert_eq!(api.requests(), 5);
    api.stop().await;
}

#[tokio::test]
async fn a_consumer_that_stops_during_a_slow_response_makes_no_further_request() {
    let api = Api::builder()
        .items(0..100)
        .faults(by_request(HashMap::from([(
            1,
            Fault::Slow(Duration::from_secs(3600)),
        )])))
        .start()
        .await;
    let client = reqwest::Client::new();
    let stop = CancellationToken::new();
    let walk = seq::paginate(fetcher(&api, &client)).page_size(10);
    // The consumer gives up once the slow second request is on the server.
    let consumer = async {
        let mut n = 0;
        let mut walk = std::pin::pin!(walk.stream());
        loop {
            tokio::select! {
                item = futures::StreamExt::next(&mut walk) => match item {
                    Some(Ok(_)) => n += 1,
                    other => panic!("unexpected {other:?}"),
                },
                () = stop.cancelled() => break,
            }
        }
        std::future::poll_fn(|cx| walk.as_mut().poll_stop(cx)).await;
        n
    };
    let watchdog = async {
        api.wait_requests(2).await;
        stop.cancel();
    };
    let (n, ()) = tokio::join!(consumer, watchdog);
    assert_eq!(n, 10, "the first page, then the stop");
    // Give a runaway walk a chance to send more requests.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(api.requests(), 2);
    drop(client);
    api.stop().await;
}

// ── cancellation ──

#[tokio::test]
async fn cancellation_interrupts_a_backoff_sleep() {
    let api = Api::builder()
        .items(0..10)
        .faults(|_, _| Some(Fault::Unavailable))
        .start()
        .await;
    let client = reqwest::Client::new();
    let token = CancellationToken::new();
    // The first retry would wait an hour of real time.
    let policy = RetryPolicy::new()
        .initial_delay(Duration::from_secs(3600))
        .no_jitter()
        .unlimited_attempts()
        .cancel_on(token.clone());

    let walk = seq::paginate(fetcher(&api, &client)).retry(policy);
    let cancel_after_first_failure = async {
        api.wait_requests(1).await;
        token.cancel();
    };
    let (got, ()) = tokio::time::timeout(Duration::from_secs(60), async {
        tokio::join!(walk.collect::<Vec<_>>(), cancel_after_first_failure)
    })
    .await
    .expect("cancellation did not interrupt the backoff sleep");

    assert_eq!(
        got,
        [Err(RetryError::Cancelled {
            error: ApiError::Status(503),
            attempts: 1,
            token: None,
        })]
    );
    assert!(got[0].as_ref().unwrap_err().is_cancelled());
    assert_eq!(api.requests(), 1, "no request after the cancellation");
    api.stop().await;
}

// ── resuming ──

#[tokio::test]
async fn resuming_from_a_checkpoint_rereads_at_most_one_page() {
    let api = Api::builder().items(0..100).start().await;
    let client = reqwest::Client::new();
    // The checkpoint store: the serialized token, as a job would persist it.
    let store: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let save = |store: &Arc<Mutex<Option<String>>>| {
        let store = store.clone();
        move |token: Option<u32>| {
            let store = store.clone();
            async move {
                tokio::task::yield_now().await; // an async write
                *store.lock().unwrap() = Some(serde_json::to_string(&token).unwrap());
            }
        }
    };

    // Run 1 "crashes" while processing item 23 (on page 3 of 10).
    let mut run1 = Vec::new();
    seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .on_page(save(&store))
        .for_each(|item| {
            let item = item.unwrap();
            run1.push(item);
            async move { item != 23 }
        })
        .await;
    let saved = store
        .lock()
        .unwrap()
        .clone()
        .expect("a checkpoint was saved");
    assert_eq!(saved, "19", "the resume point after the second page");

    // Run 2, "in another process": only the serialized token crosses.
    let token: Option<u32> = serde_json::from_str(&saved).unwrap();
    let mut walk = seq::paginate(fetcher(&api, &client))
        .page_size(10)
        .on_page(save(&store));
    if let Some(token) = token {
        walk = walk.start_at(token);
    }
    let run2: Vec<u32> = walk.try_collect().await.unwrap();

    assert_eq!(run2, (20..100).collect::<Vec<_>>());
    let reread: Vec<u32> = run1.iter().copied().filter(|i| run2.contains(i)).collect();
    assert_eq!(
        reread,
        [20, 21, 22, 23],
        "only the page in progress is read again"
    );
    assert!(reread.len() <= 10);
    let mut all = run1.clone();
    all.extend(&run2);
    all.sort_unstable();
    all.dedup();
    assert_eq!(
        all,
        (0..100).collect::<Vec<_>>(),
        "nothing lost across the restart"
    );
    assert_eq!(
        store.lock().unwrap().as_deref(),
        Some("null"),
        "the finished walk says so"
    );
    // Page after 19 requested once per run; no other page twice.
    let log = api.log();
    assert_eq!(log.iter().filter(|l| l.after == Some(19)).count(), 2);
    api.stop().await;
}

#[tokio::test]
async fn pager_walks_page_by_page_and_resumes_from_a_handed_back_token() {
    let api = Api::builder().items((0..60).map(|i| i * 3)).start().await;
    let client = reqwest::Client::new();

    let mut pager = seq::paginate(fetcher(&api, &client)).pager(25);
    assert_eq!(pager.page_size(), 25);
    let (page, token) = pager.next_page().await.unwrap();
    assert_eq!(page, (0..25).map(|i| i * 3).collect::<Vec<_>>());
    assert_eq!(token, Some(72));
    drop(pager);

    // The token goes to a client and comes back later.
    let handed_back = token.unwrap().to_string();
    let mut pager = seq::paginate(fetcher(&api, &client))
        .start_at(handed_back.parse().unwrap())
        .pager(25);
    let (page, token) = pager.next_page().await.unwrap();
    assert_eq!(page, (25..50).map(|i| i * 3).collect::<Vec<_>>());
    let (page, last) = pager.next_page().await.unwrap();
    assert_eq!(page, (50..60).map(|i| i * 3).collect::<Vec<_>>());
    assert_eq!((token, last), (Some(147), None));
    assert!(pager.is_done());
    assert_eq!(pager.next_page().await.unwrap(), (vec![], None));
    assert_eq!(api.requests(), 3, "no request after the last page");
    assert!(api.log().iter().all(|l| l.limit == Some(25)));
    api.stop().await;
}

#[tokio::test]
async fn pager_with_retry_recovers_and_stays_on_a_failed_page() {
    // Page 2 fails 3 times: the pager's budget of 2 gives up once, the
    // next call asks for the same page again and gets it.
    let api = Api::builder()
        .items(0..20)
        .faults(|n, _| (1..=3).contains(&n).then_some(Fault::Unavailable))
        .start()
        .await;
    let client = reqwest::Client::new();
    let (policy, _) = recording_policy(Duration::from_millis(1));
    let mut pager = seq::paginate(fetcher(&api, &client))
        .retry(policy.max_attempts(2))
        .pager(10);

    assert_eq!(pager.next_page().await.unwrap().1, Some(9));
    let err = pager.next_page().await.unwrap_err();
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.token(), Some(&9));
    assert!(!pager.is_done());
    let (page, next) = pager.next_page().await.unwrap();
    assert_eq!((page, next), ((10..20).collect::<Vec<_>>(), None));
    assert_eq!(
        afters(&api.log()),
        [None, Some(9), Some(9), Some(9), Some(9)]
    );
    api.stop().await;
}

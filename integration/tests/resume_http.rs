//! `seq::resume` over a real HTTP watch (an axum server on loopback, a
//! reqwest client): reconnection after disconnects without loss, and a
//! resync after `410 Gone`. The in-memory tests are in `tests/resume.rs`.

mod http_api;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use http_api::{Api, ApiError, Fault, WatchEvent, by_request, watch_from};
use seqflow::{RetryPolicy, Seq, Yield, seq};
use support::{alive_tasks, settle_tasks_within};

const MS: Duration = Duration::from_millis(1);

async fn watch_over_http() {
    let start_tasks = alive_tasks();
    let log: Vec<WatchEvent> = (1..=30)
        .map(|rev| WatchEvent { rev, item: rev * 7 })
        .collect();
    let api = Api::builder()
        .events(log.clone())
        .faults(by_request(
            [
                (0, Fault::DisconnectAfter(7)),
                (1, Fault::Unavailable),
                (2, Fault::DisconnectAfter(7)),
            ]
            .into(),
        ))
        .start()
        .await;
    let client = reqwest::Client::new();
    let make = {
        let (client, base) = (client.clone(), api.base());
        move |from: Option<u32>| watch_from(client.clone(), base.clone(), from)
    };
    let policy = RetryPolicy::new()
        .initial_delay(MS)
        .retry_if(ApiError::is_transient);

    let got: Vec<_> = seq::resume(make, |e: &WatchEvent| Some(e.rev), policy)
        .collect()
        .await;

    let mut events = Vec::new();
    let mut errors = Vec::new();
    for g in got {
        match g {
            Ok(e) => events.push(e),
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(
        events, log,
        "every event once, in order, across two disconnects"
    );
    assert_eq!(errors.len(), 3);
    assert!(matches!(errors[0], ApiError::Transport(_)), "{errors:?}");
    assert_eq!(errors[1], ApiError::Status(503));
    let afters: Vec<Option<u32>> = api.log().iter().map(|l| l.after).collect();
    assert_eq!(afters, [None, Some(7), Some(7), Some(14)]);

    drop(client);
    api.stop().await;
    assert_eq!(
        settle_tasks_within(start_tasks, Duration::from_secs(10)).await,
        start_tasks
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_http_watch_reconnects_after_disconnects_without_loss_current_thread() {
    watch_over_http().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_watch_reconnects_after_disconnects_without_loss_multi_thread() {
    watch_over_http().await;
}

#[tokio::test]
async fn an_http_410_gone_resyncs_from_a_fresh_start() {
    // Revisions up to 10 are compacted: a watch from 3 gets 410 Gone. From
    // scratch, this source announces a reset and watches from the oldest
    // revision still kept.
    let api = Api::builder()
        .events((1..=15).map(|rev| WatchEvent { rev, item: rev }))
        .compacted(10)
        .start()
        .await;
    let client = reqwest::Client::new();
    let make = {
        let (client, base) = (client.clone(), api.base());
        move |from: Option<u32>| {
            let (client, base) = (client.clone(), base.clone());
            seq::try_from_fn(move |mut y: Yield<Option<WatchEvent>>| async move {
                let from = match from {
                    Some(rev) => Some(rev),
                    None => {
                        if !y.yield_(None).await {
                            return Ok(());
                        }
                        Some(10)
                    }
                };
                let mut watch = pin!(watch_from(client, base, from).stream());
                while let Some(event) = watch.next().await {
                    if !y.yield_(Some(event?)).await {
                        break;
                    }
                }
                Ok(())
            })
        }
    };
    let got: Vec<_> = seq::resume(
        make,
        |e: &Option<WatchEvent>| e.map(|e| e.rev),
        RetryPolicy::new().initial_delay(MS),
    )
    .start_at(3)
    .resync_when(|e: &ApiError| *e == ApiError::Status(410))
    .collect()
    .await;
    assert_eq!(got[0], Err(ApiError::Status(410)));
    assert_eq!(got[1], Ok(None), "the reset marker");
    let revs: Vec<u32> = got[2..]
        .iter()
        .map(|g| g.as_ref().unwrap().unwrap().rev)
        .collect();
    assert_eq!(revs, [11, 12, 13, 14, 15]);
    let afters: Vec<Option<u32>> = api.log().iter().map(|l| l.after).collect();
    assert_eq!(afters, [Some(3), Some(10)]);
    api.stop().await;
}

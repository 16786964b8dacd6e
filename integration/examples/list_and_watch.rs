//! List, then watch: keep a local copy of a remote key-value store in sync,
//! the way Kubernetes informers and etcd clients do.
//!
//! Run with `cargo run -p seqflow-integration --example list_and_watch`.
//!
//! The program starts its own small store server on 127.0.0.1 (any free
//! port). The store is a log of revisions: every change (a put or a delete)
//! gets the next revision number, and a writer keeps changing it for a
//! while. The client
//!
//! 1. lists a snapshot page by page; the page token pins the snapshot's
//!    revision, so the pages are consistent with each other;
//! 2. watches the changes after that revision, as a stream of
//!    newline-delimited JSON over one long HTTP response;
//! 3. when the watch connection breaks (the server drops the first one on
//!    purpose, mid-stream, and answers the first reconnection with a 503),
//!    reconnects after a backoff from the last revision it applied, and
//!    checks that no change is lost or applied twice.
//!
//! `seq::resume` does the reconnecting; if the server ever answered
//! "410 Gone" (the revision was compacted away), it would start over with a
//! fresh list. The output labels each injected fault `[injected ...]`; the
//! client's report of the broken watch follows it.

use std::collections::BTreeMap;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;
use seqflow::{Page, PageRequest, RetryPolicy, Seq, Yield, seq};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// The writer stops at this revision, and so does the client.
const FINAL_REVISION: u64 = 60;

/// One change of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Event {
    rev: u64,
    key: u32,
    /// `None`: the key was deleted.
    value: Option<String>,
}

/// The `n`-th change the writer makes (revision `n`).
fn change(n: u64) -> Event {
    let key = u32::try_from(n * 7 % 13).expect("small");
    let value = (n % 5 != 0).then(|| format!("v{n}"));
    Event { rev: n, key, value }
}

/// The store's contents at `rev`: every change up to it, applied in order.
fn state_at(log: &[Event], rev: u64) -> BTreeMap<u32, String> {
    let mut state = BTreeMap::new();
    for e in log.iter().take_while(|e| e.rev <= rev) {
        apply(&mut state, e);
    }
    state
}

fn apply(state: &mut BTreeMap<u32, String>, e: &Event) {
    match &e.value {
        Some(v) => state.insert(e.key, v.clone()),
        None => state.remove(&e.key),
    };
}

// ── the server ──

struct Store {
    log: Mutex<Vec<Event>>,
    /// The current revision, for watchers to wait on.
    revision: tokio::sync::watch::Sender<u64>,
    watch_requests: Mutex<usize>,
}

/// A page token: the snapshot's revision and the last key listed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Cursor {
    rev: u64,
    after: u32,
}

#[derive(Deserialize)]
struct ListParams {
    rev: Option<u64>,
    after: Option<u32>,
    limit: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct ListBody {
    revision: u64,
    items: Vec<(u32, String)>,
    next: Option<Cursor>,
}

/// `GET /items?rev=&after=&limit=`: the store at one revision, by key.
async fn list(State(store): State<Arc<Store>>, Query(p): Query<ListParams>) -> Json<ListBody> {
    let log = store.log.lock().unwrap().clone();
    let revision = p.rev.unwrap_or_else(|| log.last().map_or(0, |e| e.rev));
    let limit = p.limit.unwrap_or(10).clamp(1, 100);
    let mut rest = state_at(&log, revision)
        .into_iter()
        .filter(|(k, _)| p.after.is_none_or(|a| *k > a))
        .peekable();
    let items: Vec<(u32, String)> = rest.by_ref().take(limit).collect();
    let next = match (rest.peek(), items.last()) {
        (Some(_), Some((last, _))) => Some(Cursor {
            rev: revision,
            after: *last,
        }),
        _ => None,
    };
    Json(ListBody {
        revision,
        items,
        next,
    })
}

#[derive(Deserialize)]
struct WatchParams {
    after: u64,
}

/// `GET /watch?after=<rev>`: the changes after `rev`, then each new one as
/// it happens, one JSON line each, until the final revision.
async fn watch(State(store): State<Arc<Store>>, Query(p): Query<WatchParams>) -> Response {
    let nth = {
        let mut n = store.watch_requests.lock().unwrap();
        *n += 1;
        *n
    };
    if nth == 2 {
        println!("  [injected 503] the server refuses watch request {nth} on purpose");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    // The first watch connection breaks after five changes (injected).
    let break_after = (nth == 1).then_some(5);
    let mut revision = store.revision.subscribe();
    let store = store.clone();
    // The response body is itself a seqflow sequence, bridged to a Stream.
    let body = seq::from_fn(
        move |mut y: Yield<Result<Bytes, std::io::Error>>| async move {
            let mut next = p.after + 1;
            let mut sent = 0;
            while next <= FINAL_REVISION {
                let current = *revision.borrow_and_update();
                if next > current {
                    if revision.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                if break_after == Some(sent) {
                    println!(
                        "  [injected disconnect] the server breaks watch connection {nth} after {sent} changes"
                    );
                    y.yield_(Err(std::io::Error::other("injected disconnect")))
                        .await;
                    return;
                }
                let event =
                    store.log.lock().unwrap()[usize::try_from(next - 1).expect("small")].clone();
                let mut line = serde_json::to_vec(&event).expect("json");
                line.push(b'\n');
                if !y.yield_(Ok(Bytes::from(line))).await {
                    return;
                }
                tokio::task::yield_now().await; // let the server flush each line
                next += 1;
                sent += 1;
            }
        },
    );
    Body::from_stream(body.stream()).into_response()
}

/// Serves on 127.0.0.1, with a writer that adds a change every few
/// milliseconds, until `stop` is cancelled.
async fn start_server(
    stop: CancellationToken,
) -> (String, Arc<Store>, tokio::task::JoinHandle<()>) {
    let first: Vec<Event> = (1..=20).map(change).collect();
    let store = Arc::new(Store {
        log: Mutex::new(first),
        revision: tokio::sync::watch::Sender::new(20),
        watch_requests: Mutex::new(0),
    });
    let app = axum::Router::new()
        .route("/items", get(list))
        .route("/watch", get(watch))
        .with_state(store.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let writer_store = store.clone();
    let writer_stop = stop.clone();
    let task = tokio::spawn(async move {
        let writer = async move {
            for n in 21..=FINAL_REVISION {
                tokio::time::sleep(Duration::from_millis(3)).await;
                writer_store.log.lock().unwrap().push(change(n));
                writer_store.revision.send_replace(n);
            }
            writer_stop.cancelled().await;
        };
        let server = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await });
        let (served, ()) = tokio::join!(server, writer);
        served.expect("server");
    });
    (base, store, task)
}

// ── the client ──

#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    Status(u16),
    Transport(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Status(s) => write!(f, "HTTP {s}"),
            ApiError::Transport(e) => write!(f, "transport: {e}"),
        }
    }
}

fn transport(e: impl std::fmt::Display) -> ApiError {
    ApiError::Transport(e.to_string())
}

/// What the local copy is told.
#[derive(Debug, Clone)]
enum Change {
    /// A fresh list starts: forget everything.
    Reset,
    /// An entry of the listed snapshot.
    Listed(u32, String),
    /// The snapshot is complete, at this revision.
    Synced(u64),
    /// A change after the snapshot.
    Event(Event),
}

/// Where a `Change` leaves the client: the revision to watch from next.
fn position(change: &Change) -> Option<u64> {
    match change {
        Change::Reset | Change::Listed(..) => None,
        Change::Synced(rev) => Some(*rev),
        Change::Event(e) => Some(e.rev),
    }
}

/// One page of the snapshot; records the snapshot's revision in `revision`.
async fn list_page(
    client: reqwest::Client,
    base: String,
    req: PageRequest<Cursor>,
    revision: Arc<Mutex<u64>>,
) -> Result<Page<(u32, String), Cursor>, ApiError> {
    let mut url = format!("{base}/items?limit={}", req.page_size.unwrap_or(10));
    if let Some(c) = req.token {
        url += &format!("&rev={}&after={}", c.rev, c.after);
    }
    let resp = client.get(url).send().await.map_err(transport)?;
    if !resp.status().is_success() {
        return Err(ApiError::Status(resp.status().as_u16()));
    }
    let body: ListBody = resp.json().await.map_err(transport)?;
    *revision.lock().unwrap() = body.revision;
    Ok(Page::new(body.items, body.next))
}

/// The source `seq::resume` re-creates: from `None`, list a snapshot and
/// watch from its revision; from `Some(rev)`, watch from `rev`.
fn list_then_watch(
    client: reqwest::Client,
    base: String,
    from: Option<u64>,
) -> impl Seq<Item = Result<Change, ApiError>> + Send + 'static {
    seq::try_from_fn(move |mut y: Yield<Change>| async move {
        let from = match from {
            Some(rev) => rev,
            None => {
                if !y.yield_(Change::Reset).await {
                    return Ok(());
                }
                let revision = Arc::new(Mutex::new(0));
                let fetch = {
                    let (client, base, revision) = (client.clone(), base.clone(), revision.clone());
                    move |req| list_page(client.clone(), base.clone(), req, revision.clone())
                };
                let mut pages = pin!(seq::paginate(fetch).page_size(4).pages().stream());
                while let Some(page) = pages.next().await {
                    for (key, value) in page?.items {
                        if !y.yield_(Change::Listed(key, value)).await {
                            return Ok(());
                        }
                    }
                }
                let rev = *revision.lock().unwrap();
                if !y.yield_(Change::Synced(rev)).await {
                    return Ok(());
                }
                rev
            }
        };
        let mut resp = client
            .get(format!("{base}/watch?after={from}"))
            .send()
            .await
            .map_err(transport)?;
        if !resp.status().is_success() {
            return Err(ApiError::Status(resp.status().as_u16()));
        }
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            buf.extend_from_slice(&chunk[..]);
            while let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                let event: Event = serde_json::from_slice(&line).map_err(transport)?;
                if !y.yield_(Change::Event(event)).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    })
}

#[tokio::main]
async fn main() {
    let stop = CancellationToken::new();
    let (base, store, server) = start_server(stop.clone()).await;
    println!("store server on {base}");

    let client = reqwest::Client::new();
    let make = {
        let (client, base) = (client.clone(), base.clone());
        move |from: Option<u64>| {
            match from {
                None => println!("listing a snapshot"),
                Some(rev) => println!("watching from revision {rev}"),
            }
            list_then_watch(client.clone(), base.clone(), from)
        }
    };
    let policy = RetryPolicy::new()
        .initial_delay(Duration::from_millis(20))
        .max_attempts(5);

    println!(
        "=== resume: list a snapshot page by page, then watch from its revision, reconnecting (and relisting on 410) without losing a change ==="
    );
    let mut local = BTreeMap::new();
    let mut applied: u64 = 0;
    let mut listed = 0;
    let mut watched = 0;
    let mut reconnects = 0;
    seq::resume(make, position, policy)
        .resync_when(|e: &ApiError| *e == ApiError::Status(410))
        .for_each(|change| {
            match change {
                Ok(Change::Reset) => local.clear(),
                Ok(Change::Listed(key, value)) => {
                    local.insert(key, value);
                    listed += 1;
                }
                Ok(Change::Synced(rev)) => {
                    println!("snapshot of {} keys at revision {rev}", local.len());
                    applied = rev;
                }
                Ok(Change::Event(e)) => {
                    assert_eq!(e.rev, applied + 1, "a change was lost or repeated");
                    apply(&mut local, &e);
                    applied = e.rev;
                    watched += 1;
                }
                Err(e) => {
                    println!("watch broke after revision {applied}: {e}");
                    reconnects += 1;
                }
            }
            let more = applied < FINAL_REVISION;
            async move { more }
        })
        .await;

    let expected = state_at(&store.log.lock().unwrap(), FINAL_REVISION);
    assert_eq!(local, expected, "the local copy matches the store");
    println!(
        "in sync at revision {applied}: {} keys ({listed} listed, {watched} changes watched, {reconnects} reconnections)",
        local.len()
    );

    drop(client);
    stop.cancel();
    server.await.expect("server task");
}

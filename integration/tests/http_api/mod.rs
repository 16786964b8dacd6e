//! A real paginated JSON API on loopback for the remote-source tests: an
//! axum server on `127.0.0.1:0`, and a reqwest client walking it.
//!
//! `GET /items?after=<id>&limit=<n>` returns `{"items": [...], "next": id}`
//! with cursor (keyset) tokens: the id of the last item of the page.
//! `GET /watch?after=<rev>` streams newline-delimited JSON events with a
//! revision above `rev`. A fault plan injects 503s, 404s, slow responses,
//! compaction (410) and disconnects per request. Every request is logged;
//! the server answers at most `MAX_REQUESTS` requests (then 500s), and stops
//! when [`Api::stop`] is called or the `Api` is dropped.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use seqflow::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A runaway client gets 500s past this many requests.
pub const MAX_REQUESTS: usize = 2_000;

/// What the fault plan does to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answer 503 Service Unavailable.
    Unavailable,
    /// Answer 404 Not Found.
    NotFound,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// (watch) Send this many events, then break the connection.
    DisconnectAfter(usize),
}

/// Decides the fault of request number `n` (0-based, across endpoints) for
/// the token it carries.
pub type FaultPlan = Box<dyn Fn(usize, Option<u32>) -> Option<Fault> + Send + Sync>;

/// One logged request.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub path: &'static str,
    pub after: Option<u32>,
    pub limit: Option<usize>,
    pub status: u16,
}

pub struct ApiState {
    items: Vec<u32>,
    events: Vec<WatchEvent>,
    /// Revisions at or below this were compacted: watching from one is 410.
    compacted: u32,
    faults: FaultPlan,
    log: Mutex<Vec<Logged>>,
    seen: Notify,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchEvent {
    pub rev: u32,
    pub item: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PageBody {
    pub items: Vec<u32>,
    pub next: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Params {
    after: Option<u32>,
    limit: Option<usize>,
}

/// A running server.
pub struct Api {
    pub addr: SocketAddr,
    pub state: Arc<ApiState>,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

/// Builds a server.
pub struct ApiBuilder {
    items: Vec<u32>,
    events: Vec<WatchEvent>,
    compacted: u32,
    faults: FaultPlan,
}

impl Api {
    pub fn builder() -> ApiBuilder {
        ApiBuilder {
            items: Vec::new(),
            events: Vec::new(),
            compacted: 0,
            faults: Box::new(|_, _| None),
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.state.log.lock().unwrap().len()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Waits until the server has received at least `n` requests.
    pub async fn wait_requests(&self, n: usize) {
        loop {
            let seen = self.state.seen.notified();
            if self.requests() >= n {
                return;
            }
            seen.await;
        }
    }

    /// Stops the server and waits for its task to end.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await.expect("server task panicked");
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl ApiBuilder {
    pub fn items(mut self, items: impl IntoIterator<Item = u32>) -> Self {
        self.items = items.into_iter().collect();
        self
    }

    pub fn events(mut self, events: impl IntoIterator<Item = WatchEvent>) -> Self {
        self.events = events.into_iter().collect();
        self
    }

    pub fn compacted(mut self, rev: u32) -> Self {
        self.compacted = rev;
        self
    }

    pub fn faults(
        mut self,
        plan: impl Fn(usize, Option<u32>) -> Option<Fault> + Send + Sync + 'static,
    ) -> Self {
        self.faults = Box::new(plan);
        self
    }

    /// Binds `127.0.0.1:0` and serves until stopped.
    pub async fn start(self) -> Api {
        let state = Arc::new(ApiState {
            items: self.items,
            events: self.events,
            compacted: self.compacted,
            faults: self.faults,
            log: Mutex::new(Vec::new()),
            seen: Notify::new(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/items", get(list_items))
            .route("/watch", get(watch))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let shutdown = CancellationToken::new();
        let signal = shutdown.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { signal.cancelled().await })
                .await
                .expect("serve");
        });
        Api {
            addr,
            state,
            shutdown,
            task: Some(task),
        }
    }
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<ApiState>);

impl InFlight {
    fn enter(state: &Arc<ApiState>) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Logs the request and returns its fault, or `Err` past the budget.
fn admit(
    state: &ApiState,
    path: &'static str,
    p: &Params,
    status_of: impl Fn(Option<Fault>) -> u16,
) -> Result<Option<Fault>, StatusCode> {
    let mut log = state.log.lock().unwrap();
    let n = log.len();
    if n >= MAX_REQUESTS {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let fault = (state.faults)(n, p.after);
    log.push(Logged {
        path,
        after: p.after,
        limit: p.limit,
        status: status_of(fault),
    });
    drop(log);
    state.seen.notify_waiters();
    Ok(fault)
}

async fn list_items(State(state): State<Arc<ApiState>>, Query(p): Query<Params>) -> Response {
    let _in_flight = InFlight::enter(&state);
    let fault = match admit(&state, "/items", &p, |f| match f {
        Some(Fault::Unavailable) => 503,
        Some(Fault::NotFound) => 404,
        _ => 200,
    }) {
        Ok(fault) => fault,
        Err(status) => return status.into_response(),
    };
    match fault {
        Some(Fault::Unavailable) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Some(Fault::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::DisconnectAfter(_)) | None => {}
    }
    let limit = p.limit.unwrap_or(10).clamp(1, 100);
    // Keyset pagination: the items after the cursor, in id order.
    let start = match p.after {
        Some(after) => state.items.partition_point(|&id| id <= after),
        None => 0,
    };
    let page: Vec<u32> = state.items[start..].iter().copied().take(limit).collect();
    let more = start + page.len() < state.items.len();
    let next = if more { page.last().copied() } else { None };
    axum::Json(PageBody { items: page, next }).into_response()
}

async fn watch(State(state): State<Arc<ApiState>>, Query(p): Query<Params>) -> Response {
    let from = p.after.unwrap_or(0);
    let gone = from < state.compacted;
    let fault = match admit(&state, "/watch", &p, |f| match f {
        _ if gone => 410,
        Some(Fault::Unavailable) => 503,
        Some(Fault::NotFound) => 404,
        _ => 200,
    }) {
        Ok(fault) => fault,
        Err(status) => return status.into_response(),
    };
    if gone {
        return StatusCode::GONE.into_response();
    }
    let events: Vec<WatchEvent> = state
        .events
        .iter()
        .copied()
        .filter(|e| e.rev > from)
        .collect();
    let (events, broken) = match fault {
        Some(Fault::Unavailable) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Some(Fault::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Some(Fault::DisconnectAfter(n)) if n < events.len() => (events[..n].to_vec(), true),
        _ => (events, false),
    };
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = events
        .into_iter()
        .map(|e| {
            let mut line = serde_json::to_vec(&e).expect("serialize");
            line.push(b'\n');
            Ok(Bytes::from(line))
        })
        .collect();
    if broken {
        // An error in the body stream makes the server drop the
        // connection mid-response: the client sees a broken body.
        chunks.push(Err(std::io::Error::other("injected disconnect")));
    }
    // Each chunk after a yield: the server flushes what it has written
    // before the next chunk (or the disconnect) comes.
    let paced = futures::StreamExt::then(futures::stream::iter(chunks), |chunk| async move {
        tokio::task::yield_now().await;
        chunk
    });
    Body::from_stream(paced).into_response()
}

// ── the client side ──

/// What the client reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with a non-success status.
    Status(u16),
    /// The connection or the body broke.
    Transport(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Status(s) => write!(f, "http status {s}"),
            ApiError::Transport(e) => write!(f, "transport error: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Status(s) => *s == 503 || *s == 429,
            ApiError::Transport(_) => true,
        }
    }
}

/// `GET /items` through reqwest: the `fetch` of `seq::paginate`.
pub async fn fetch_page(
    client: reqwest::Client,
    base: String,
    req: PageRequest<u32>,
) -> Result<Page<u32, u32>, ApiError> {
    let mut url = format!("{base}/items?");
    if let Some(after) = req.token {
        url += &format!("after={after}&");
    }
    if let Some(limit) = req.page_size {
        url += &format!("limit={limit}");
    }
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(ApiError::Status(resp.status().as_u16()));
    }
    let body: PageBody = resp
        .json()
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    Ok(Page::new(body.items, body.next))
}

/// The future of one page request.
pub type PageFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Page<u32, u32>, ApiError>> + Send>>;

/// A `fetch` closure for `seq::paginate` over `api`.
pub fn fetcher(
    api: &Api,
    client: &reqwest::Client,
) -> impl FnMut(PageRequest<u32>) -> PageFuture + Send + 'static + use<> {
    let base = api.base();
    let client = client.clone();
    move |req| Box::pin(fetch_page(client.clone(), base.clone(), req))
}

/// `GET /watch?after=<rev>` through reqwest, as a fallible sequence of
/// events; a broken body is an `Err` element, a 410 is `Status(410)`.
pub fn watch_from(
    client: reqwest::Client,
    base: String,
    after: Option<u32>,
) -> impl seqflow::Seq<Item = Result<WatchEvent, ApiError>> + Send + 'static {
    seqflow::seq::try_from_fn(move |mut y: seqflow::Yield<WatchEvent>| async move {
        let url = match after {
            Some(after) => format!("{base}/watch?after={after}"),
            None => format!("{base}/watch"),
        };
        let mut resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(ApiError::Status(resp.status().as_u16()));
        }
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let chunk = resp
                .chunk()
                .await
                .map_err(|e| ApiError::Transport(e.to_string()))?;
            let Some(chunk) = chunk else { break };
            buf.extend_from_slice(&chunk[..]);
            while let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                let event: WatchEvent = serde_json::from_slice(&line)
                    .map_err(|e| ApiError::Transport(e.to_string()))?;
                if !y.yield_(event).await {
                    return Ok(());
                }
            }
        }
        Ok(())
    })
}

/// A request plan as a map from request number to fault.
pub fn by_request(plan: HashMap<usize, Fault>) -> impl Fn(usize, Option<u32>) -> Option<Fault> {
    move |n, _| plan.get(&n).copied()
}

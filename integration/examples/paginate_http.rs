//! Walk a paginated JSON API over HTTP: lazily, with retries and a
//! checkpoint, then resume from the checkpoint, then page by page.
//!
//! Run with `cargo run -p seqflow-integration --example paginate_http`.
//!
//! The program starts its own small API server on 127.0.0.1 (any free
//! port). The server hands out 250 items in pages, with cursor tokens, and
//! misbehaves on purpose: every fourth request gets a 503, and some
//! responses are slow. The output labels each of these injected faults
//! `[injected ...]`; the client's retries absorb them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use seqflow::{Page, PageRequest, RetryPolicy, Seq, seq};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

const ITEMS: u32 = 250;

// ── the server ──

#[derive(Deserialize)]
struct ListParams {
    after: Option<u32>,
    limit: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct ListBody {
    items: Vec<Item>,
    /// The cursor of the next page: the id of this page's last item.
    next: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    id: u32,
    name: String,
}

/// `GET /items?after=<id>&limit=<n>`: keyset pagination over ids.
async fn list(State(requests): State<Arc<AtomicUsize>>, Query(p): Query<ListParams>) -> Response {
    let n = requests.fetch_add(1, Ordering::SeqCst);
    if n % 4 == 3 {
        println!("  [injected 503] the server refuses request {n} on purpose");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if n % 5 == 0 {
        println!("  [injected delay] the server answers request {n} 30 ms late");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let start = p.after.map_or(0, |a| a + 1);
    let end = (start + p.limit.unwrap_or(20).clamp(1, 100) as u32).min(ITEMS);
    let items = (start..end)
        .map(|id| Item {
            id,
            name: format!("item-{id:03}"),
        })
        .collect();
    let next = (end < ITEMS).then(|| end - 1);
    Json(ListBody { items, next }).into_response()
}

/// Serves on 127.0.0.1 until `stop` is cancelled.
async fn start_server(stop: CancellationToken) -> (String, tokio::task::JoinHandle<()>) {
    let requests = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route("/items", get(list))
        .with_state(requests);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
            .expect("server");
    });
    (base, server)
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

/// One page request: the `fetch` of `seq::paginate`.
async fn fetch(
    client: reqwest::Client,
    base: String,
    req: PageRequest<u32>,
) -> Result<Page<Item, u32>, ApiError> {
    let mut url = format!("{base}/items?limit={}", req.page_size.unwrap_or(20));
    if let Some(after) = req.token {
        url += &format!("&after={after}");
    }
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(ApiError::Status(resp.status().as_u16()));
    }
    let body: ListBody = resp
        .json()
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    Ok(Page::new(body.items, body.next))
}

#[tokio::main]
async fn main() {
    let stop = CancellationToken::new();
    let (base, server) = start_server(stop.clone()).await;
    println!("API server on {base}");

    let client = reqwest::Client::new();
    let fetch_page = {
        let (client, base) = (client.clone(), base.clone());
        move |req: PageRequest<u32>| fetch(client.clone(), base.clone(), req)
    };
    let policy = RetryPolicy::new()
        .initial_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(200))
        .max_attempts(4)
        .retry_if(|e: &ApiError| matches!(e, ApiError::Status(503) | ApiError::Transport(_)))
        // The default sleep, with a word about it.
        .sleep_with(|delay| {
            println!("  the client retries in {delay:.1?}");
            tokio::time::sleep(delay)
        });

    // 1. A job processes items and checkpoints after each page. It stops
    //    (say, its deadline passed) after 95 items.
    println!(
        "=== 1. paginate + retry + on_page: a job checkpoints after each page and stops after 95 items ==="
    );
    let checkpoint: Arc<Mutex<Option<u32>>> = Arc::new(Mutex::new(None));
    let mut processed = Vec::new();
    seq::paginate(fetch_page.clone())
        .page_size(20)
        .retry(policy.clone())
        .on_page({
            let checkpoint = checkpoint.clone();
            move |token| {
                let checkpoint = checkpoint.clone();
                async move {
                    println!("  checkpoint: resume after {token:?}");
                    *checkpoint.lock().unwrap() = token;
                }
            }
        })
        .take(95)
        .for_each(|item| {
            let item = item.expect("the retries absorb the 503s");
            processed.push(item.id);
            async { true }
        })
        .await;
    let saved = checkpoint.lock().unwrap().expect("a checkpoint was saved");
    println!(
        "job 1 processed {} items, checkpoint after id {saved}",
        processed.len()
    );

    // 2. The next run resumes from the checkpoint: it reads again only the
    //    part of the page the first run was in.
    println!(
        "\n=== 2. start_at: the next run resumes from the checkpoint and rereads at most one page ==="
    );
    let rest: Vec<Item> = seq::paginate(fetch_page.clone())
        .page_size(20)
        .retry(policy.clone())
        .start_at(saved)
        .try_collect()
        .await
        .expect("walk");
    let reread = rest.iter().filter(|i| processed.contains(&i.id)).count();
    println!(
        "job 2 processed {} items, {reread} of them again",
        rest.len()
    );
    assert_eq!(rest.first().map(|i| i.id), Some(saved + 1));
    assert_eq!(rest.last().map(|i| i.id), Some(ITEMS - 1));
    assert!(reread <= 20, "at most one page is read twice");

    // 3. Page by page, the way a web handler serves its own clients.
    println!(
        "\n=== 3. pager: page by page with tokens, the way a web handler serves its own clients ==="
    );
    let mut pager = seq::paginate(fetch_page)
        .retry(policy)
        .start_at(199)
        .pager(25);
    while !pager.is_done() {
        let (items, next) = pager.next_page().await.expect("page");
        println!(
            "  page of {} items ({}..), next token {next:?}",
            items.len(),
            items.first().map_or_else(String::new, |i| i.name.clone()),
        );
    }

    drop(client);
    stop.cancel();
    server.await.expect("server task");
    println!("done");
}

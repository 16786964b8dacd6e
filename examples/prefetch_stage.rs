//! Overlaps an I/O-bound producer with a CPU-bound consumer using
//! `prefetch`, and prints the speed-up over the sequential pipeline, first
//! page by page, then in batches.
//!
//! Run with `cargo run --release --example prefetch_stage` (release: it
//! measures).
//!
//! The producer "downloads" pages (5 ms of simulated latency each); the
//! consumer parses each one (5 ms of CPU work). Sequentially every page
//! costs both; with `prefetch(8)` the next downloads run while the current
//! page is parsed, so the pipeline approaches the cost of the slower stage.
//!
//! Then the consumer takes the pages in batches of 16 (a bulk insert, say).
//! `prefetch(4).batched(16)` overlaps little: while a batch is parsed the
//! producer gets only 4 pages ahead, and the next batch waits for the other
//! 12 to be fetched. Either `n` at least the batch size
//! (`prefetch(16).batched(16)`) or `prefetch` after `batched`
//! (`batched(16).prefetch(2)`, up to two whole batches ahead) overlaps
//! fully.

use std::hint::black_box;
use std::time::{Duration, Instant};

use seqflow::{Seq, Yield, seq};

const PAGES: u32 = 48;
const BATCH: usize = 16;
const FETCH_LATENCY: Duration = Duration::from_millis(5);
const PARSE_TIME: Duration = Duration::from_millis(5);

/// One downloaded page.
struct Page {
    id: u32,
    body: Vec<u8>,
}

/// The I/O-bound stage: pages from a slow remote source.
fn pages() -> impl Seq<Item = Page> + Send + 'static {
    seq::from_fn(|mut y: Yield<Page>| async move {
        for id in 0..PAGES {
            tokio::time::sleep(FETCH_LATENCY).await; // the request's latency
            let body = (0..4096u32).map(|i| (i * 31 + id) as u8).collect();
            if !y.yield_(Page { id, body }).await {
                return;
            }
        }
    })
}

/// The CPU-bound stage: a checksum of the page, plus work that keeps the
/// thread busy for `PARSE_TIME` (standing for real parsing).
fn parse(page: &Page) -> u64 {
    let start = Instant::now();
    let sum = page.body.iter().fold(u64::from(page.id), |acc, &b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    while start.elapsed() < PARSE_TIME {
        black_box(sum);
        std::hint::spin_loop();
    }
    sum
}

/// Parses every page of `pages`, returning the combined checksum and the
/// time it took.
async fn run(pages: impl Seq<Item = Page>) -> (u64, Duration) {
    let start = Instant::now();
    let total = pages.fold(0u64, |acc, page| acc ^ parse(&page)).await;
    (total, start.elapsed())
}

/// Parses every batch of `batches`, page by page.
async fn run_batches(batches: impl Seq<Item = Vec<Page>>) -> (u64, Duration) {
    let start = Instant::now();
    let total = batches
        .fold(0u64, |acc, batch| {
            batch.iter().fold(acc, |acc, page| acc ^ parse(page))
        })
        .await;
    (total, start.elapsed())
}

fn report(name: &str, t: Duration, sequential: Duration) {
    println!(
        "{name:<27}{t:>10.1?}  {:>5.2}x",
        sequential.as_secs_f64() / t.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    println!("{PAGES} pages, {FETCH_LATENCY:?} to fetch and {PARSE_TIME:?} to parse each");
    println!("speed-up at best 2x: fetching and parsing fully overlapped");

    println!("\n=== 1. page by page: sequential, then prefetch(8) overlapping fetch and parse ===");
    let (sequential, t_seq) = run(pages()).await;
    let (prefetched, t_pre) = run(pages().prefetch(8)).await;
    assert_eq!(sequential, prefetched, "same pages, same result");
    report("sequential", t_seq, t_seq);
    report("prefetch(8)", t_pre, t_seq);

    println!("\n=== 2. in batches of {BATCH}: where prefetch goes relative to batched ===");
    let (sequential, t_seq) = run_batches(pages().batched(BATCH)).await;
    report("batched(16)", t_seq, t_seq);
    for (name, batches) in [
        (
            "prefetch(4).batched(16)",
            pages().prefetch(4).batched(BATCH).boxed(),
        ),
        (
            "prefetch(16).batched(16)",
            pages().prefetch(BATCH).batched(BATCH).boxed(),
        ),
        (
            "batched(16).prefetch(2)",
            pages().batched(BATCH).prefetch(2).boxed(),
        ),
    ] {
        let (total, t) = run_batches(batches).await;
        assert_eq!(total, sequential, "same pages, same result");
        report(name, t, t_seq);
    }
}

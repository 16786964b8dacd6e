//! Overlaps an I/O-bound producer with a CPU-bound consumer using `prefetch`, and prints the speed-up over the sequential pipeline.
//!
//! The producer "downloads" pages (5 ms of simulated latency each); the
//! consumer parses each one (5 ms of CPU work). Sequentially every page
//! costs both; with `prefetch(8)` the next downloads run while the current
//! page is parsed, so the pipeline approaches the cost of the slower stage.
//!
//! Run with `cargo run --release --example prefetch_stage`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use seqflow::{Seq, Yield, seq};

const PAGES: u32 = 40;
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

#[tokio::main]
async fn main() {
    let (sequential, t_seq) = run(pages()).await;
    let (prefetched, t_pre) = run(pages().prefetch(8)).await;
    assert_eq!(sequential, prefetched, "same pages, same result");

    println!("{PAGES} pages, {FETCH_LATENCY:?} to fetch and {PARSE_TIME:?} to parse each");
    println!("sequential:   {t_seq:>10.1?}");
    println!("prefetch(8):  {t_pre:>10.1?}");
    println!(
        "speed-up:     {:>9.2}x (at best 2x: fetching and parsing fully overlapped)",
        t_seq.as_secs_f64() / t_pre.as_secs_f64()
    );
}

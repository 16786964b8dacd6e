//! Merges two sorted push-style sources into one sorted output by pulling from both: the classic reason to pull.
//!
//! Run with `cargo run --example pull_interleave`.
//!
//! Each source is a producer that fetches its log entries a page at a time
//! and closes its connection however it ends. A push-style `for_each` can
//! only walk one source; two `Pull` handles let the merge ask each source
//! for exactly one more entry, whichever is behind.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use seqflow::{Pull, Seq, Yield, pull, seq};

/// One log entry: a timestamp and the server it came from.
type Entry = (u64, &'static str);

/// The sorted entries of one server, fetched two per page; records in
/// `closed` how its connection was closed.
fn server_log(
    server: &'static str,
    timestamps: Vec<u64>,
    closed: Arc<Mutex<Vec<String>>>,
) -> impl Seq<Item = Entry> + Send + 'static {
    seq::from_fn(move |mut y: Yield<Entry>| async move {
        let mut stopped = false;
        'pages: for page in timestamps.chunks(2) {
            tokio::time::sleep(Duration::from_millis(1)).await; // fetch a page
            for &ts in page {
                if !y.yield_((ts, server)).await {
                    stopped = true;
                    break 'pages;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await; // close the connection
        let how = if stopped {
            "stopped early"
        } else {
            "exhausted"
        };
        closed.lock().unwrap().push(format!("{server}: {how}"));
    })
}

/// Merges two sorted pulls into one sorted vector of at most `limit`
/// entries, then stops both sources (each closes its connection).
///
/// `peek` looks at each source's next entry without taking it; only the
/// smaller one is taken, the other waits in its handle for the next round.
async fn merge(mut a: Pull<Entry>, mut b: Pull<Entry>, limit: usize) -> Vec<Entry> {
    let mut out = Vec::new();
    while out.len() < limit {
        let from_a = match (a.peek().await, b.peek().await) {
            (Some(x), Some(y)) => x <= y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if from_a {
            a.next().await
        } else {
            b.next().await
        };
        out.extend(next);
    }
    // The consumer is done: each producer's pending `yield_` returns
    // `false` (a peeked entry is dropped undelivered), and `stop` waits for
    // it to close its connection.
    a.stop().await;
    b.stop().await;
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let closed = Arc::new(Mutex::new(Vec::new()));
    let eu = || server_log("eu", vec![1, 4, 5, 9, 12], closed.clone());
    let us = || server_log("us", vec![2, 3, 6, 7, 8, 15], closed.clone());

    println!("=== 1. pull from two sorted sources, one element at a time, into one sorted log ===");
    let all = merge(pull(eu()), pull(us()), usize::MAX).await;
    for (ts, server) in &all {
        println!("{ts:>3} {server}");
    }
    let order: Vec<u64> = all.iter().map(|(ts, _)| *ts).collect();
    assert_eq!(order, [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15]);
    assert_eq!(*closed.lock().unwrap(), ["eu: exhausted", "us: exhausted"]);

    // Only the first five: both sources are stopped mid-way, and both still
    // close their connections before `merge` returns.
    println!(
        "\n=== 2. only the first five: both sources are stopped mid-way and close their connections first ==="
    );
    closed.lock().unwrap().clear();
    let first = merge(pull(eu()), pull(us()), 5).await;
    println!("first five: {first:?}");
    assert_eq!(
        first,
        [(1, "eu"), (2, "us"), (3, "us"), (4, "eu"), (5, "eu")]
    );
    assert_eq!(
        *closed.lock().unwrap(),
        ["eu: stopped early", "us: stopped early"]
    );
    println!("connections: {:?}", closed.lock().unwrap());
}

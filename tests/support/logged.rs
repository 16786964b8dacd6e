//! Logged producers: sources that write to a [`Log`] what their producer
//! did (its start, the result of each `yield_`, its async cleanup), so that
//! a test can check the protocol in order: who was started, what was asked
//! for past the end, and whether the cleanup ran before the consumer
//! returned.

use seqflow::{Seq, Yield, seq};

use super::{Log, PendingOnce};

/// Naturals from 0, without end (in practice), logging `"start"`,
/// `"yield {i} -> {more}"` after each `yield_`, and, after one more poll
/// (an async cleanup), `"cleanup"`.
pub fn logged_naturals(log: &Log) -> impl Seq<Item = u32> + Clone + Send + 'static + use<> {
    logged_below(u32::MAX, log)
}

/// Like [`logged_naturals`], ending after `n - 1`: the producer returns on
/// its own (its last `yield_` saw `true`), then cleans up.
pub fn logged_below(n: u32, log: &Log) -> impl Seq<Item = u32> + Clone + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        log.push("start");
        for i in 0..n {
            let more = y.yield_(i).await;
            log.push(format!("yield {i} -> {more}"));
            if !more {
                break;
            }
        }
        tokio::task::yield_now().await; // async cleanup: needs another poll
        log.push("cleanup");
    })
}

/// A producer named `name` that yields `items`, really suspending before
/// each one, and logs `"{name} start"`, `"{name} yield {v} -> {more}"` and,
/// after an async step, `"{name} cleanup"`: for tests that watch several
/// producers at once.
pub fn logged_source<T>(
    name: &'static str,
    items: Vec<T>,
    log: &Log,
) -> impl Seq<Item = T> + Clone + Send + 'static + use<T>
where
    T: Clone + std::fmt::Debug + Send + 'static,
{
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<T>| async move {
        log.push(format!("{name} start"));
        for item in items {
            PendingOnce::new().await;
            let shown = format!("{item:?}");
            let more = y.yield_(item).await;
            log.push(format!("{name} yield {shown} -> {more}"));
            if !more {
                break;
            }
        }
        PendingOnce::new().await; // async cleanup
        log.push(format!("{name} cleanup"));
    })
}

/// The log of [`logged_naturals`] (or [`logged_below`] past `n`) whose
/// consumer stopped while the producer's `yield_` of `n` was pending:
/// started, `0..n` delivered, the `yield_` of `n` saw `false`, cleaned up.
pub fn stopped_at(n: u32) -> Vec<String> {
    let delivered = (0..n).map(|i| format!("yield {i} -> true"));
    std::iter::once("start".to_owned())
        .chain(delivered)
        .chain([format!("yield {n} -> false"), "cleanup".to_owned()])
        .collect()
}

//! Logged producers: sources that write to a [`Log`] what their producer
//! did (its start, the result of each `yield_`, its async cleanup), so that
//! a test can check the protocol in order: who was started, what was asked
//! for past the end, and whether the cleanup ran before the consumer
//! returned.

use seqflow::{Seq, Yield, seq};

use super::{Log, PendingOnce};

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

//! The same producer/consumer pairs on both tokio runtime flavours, and with
//! the consumer in `Runtime::block_on`, where `#[tokio::main]` puts it.

mod support;

use std::time::Duration;

use seqflow::{Seq, Yield, seq};
use support::Log;

/// A producer that really suspends (timers, task yields) and cleans up
/// asynchronously.
fn ticking(n: u32, log: &Log) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..n {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if !y.yield_(i).await {
                break;
            }
        }
        tokio::task::yield_now().await;
        log.push("cleanup");
    })
}

async fn exercise() {
    let log = Log::new();
    assert_eq!(ticking(5, &log).collect::<Vec<_>>().await, [0, 1, 2, 3, 4]);
    let mut seen = Vec::new();
    ticking(100, &log)
        .for_each(|v| {
            seen.push(v);
            async move {
                tokio::task::yield_now().await;
                v < 2
            }
        })
        .await;
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(ticking(100, &log).take(3).count().await, 3);
    assert_eq!(log.events(), ["cleanup"; 3]);
}

#[tokio::test(flavor = "current_thread")]
async fn current_thread_runtime() {
    exercise().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_runtime() {
    exercise().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_runtime_consumer_in_a_spawned_task() {
    tokio::spawn(exercise()).await.expect("no panic");
}

#[test]
fn consumer_in_block_on_of_a_multi_thread_runtime() {
    let rt = support::two_workers_runtime();
    rt.block_on(exercise());
}

#[test]
fn consumer_in_block_on_of_a_current_thread_runtime() {
    let rt = support::current_thread_runtime();
    rt.block_on(exercise());
}

//! Stress: many concurrent pull handles on a multi-thread runtime, each
//! consumer cancelling `next()` at random (contract 10). Every element is
//! delivered exactly once and in order, and no task is left behind.

mod support;

use seqflow::{Yield, pull, seq};
use support::{PendingOnce, alive_tasks, settle_tasks_patiently};

const CONSUMERS: u64 = 64;
const LEN: u32 = 300;

/// Completes after `n` task yields (at once for 0).
async fn yields(n: usize) {
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
}

async fn consume(seed: u64) -> usize {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut producer_rng = fastrand::Rng::with_seed(!seed);
    let mut p = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..LEN {
            match producer_rng.u8(0..4) {
                0 => PendingOnce::new().await,
                1 => tokio::task::yield_now().await,
                2 => {
                    tokio::task::yield_now().await;
                    PendingOnce::new().await;
                }
                _ => {}
            }
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::with_capacity(LEN as usize);
    let mut cancelled = 0;
    loop {
        let give_up_after = rng.usize(0..4);
        // Unbiased: tokio picks the branch polled first at random.
        tokio::select! {
            v = p.next() => match v {
                Some(v) => got.push(v),
                None => break,
            },
            () = yields(give_up_after) => cancelled += 1,
        }
    }
    assert_eq!(got, (0..LEN).collect::<Vec<_>>(), "consumer {seed}");
    cancelled
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pulls_cancelled_at_random_deliver_every_element_once_in_order() {
    let before = alive_tasks();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|seed| tokio::spawn(consume(seed)))
        .collect();
    let mut cancelled = 0;
    for c in consumers {
        cancelled += c.await.expect("a consumer failed");
    }
    assert!(
        cancelled > CONSUMERS as usize * 10,
        "too few cancelled `next` calls to mean anything: {cancelled}"
    );
    assert_eq!(settle_tasks_patiently(before).await, before);
}

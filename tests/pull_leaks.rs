//! Leak tests for `pull` (contracts 8 and 9): thousands of pull handles,
//! stopped, dropped or exhausted at random points (some while a `next()` or
//! a `stop()` lost a `select!`), on both runtime flavours. Afterwards every
//! producer that started has run its cleanup, and the runtime's alive-task
//! count is back where it started.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use seqflow::{Seq, Yield, pull, seq};
use support::{PendingOnce, alive_tasks, settle_tasks_patiently};

/// Pull handles per test, split over `TASKS` concurrent consumer tasks.
const PULLS: u64 = 2_000;
const TASKS: u64 = 4;

#[derive(Default)]
struct Counters {
    started: AtomicUsize,
    cleaned: AtomicUsize,
    ended: AtomicUsize,
}

/// A producer of random length that suspends at random points (a self-waking
/// future or a task yield), and whose cleanup is synchronous or waits.
fn source(
    rng: &mut fastrand::Rng,
    counters: Arc<Counters>,
) -> impl Seq<Item = u32> + Send + 'static {
    let len = rng.u32(0..12);
    let pauses = rng.u32(..);
    let cleanup_waits = rng.u8(0..3);
    seq::from_fn(move |mut y: Yield<u32>| async move {
        counters.started.fetch_add(1, Ordering::SeqCst);
        for i in 0..len {
            match (pauses >> i) & 3 {
                1 => PendingOnce::new().await,
                2 => tokio::task::yield_now().await,
                _ => {}
            }
            if !y.yield_(i).await {
                break;
            }
        }
        match cleanup_waits {
            0 => {}
            1 => tokio::task::yield_now().await,
            _ => {
                PendingOnce::new().await;
                tokio::task::yield_now().await;
            }
        }
        counters.cleaned.fetch_add(1, Ordering::SeqCst);
    })
}

/// Runs `n` pull handles, each ended in a random way.
async fn churn(seed: u64, n: u64, counters: Arc<Counters>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..n {
        let mut p = pull(source(&mut rng, counters.clone()));
        for _ in 0..rng.usize(0..14) {
            if rng.bool() {
                p.next().await;
            } else {
                // `next` against a branch that is ready after one yield:
                // it loses whenever the producer suspends.
                tokio::select! {
                    biased;
                    _ = p.next() => {}
                    () = tokio::task::yield_now() => {}
                }
            }
        }
        match rng.u8(0..5) {
            0 => drop(p),
            1 => p.stop().await,
            2 => {
                // A `stop` that loses a race, then a drop mid-stop.
                tokio::select! {
                    biased;
                    () = p.stop() => {}
                    () = tokio::task::yield_now() => {}
                }
                drop(p);
            }
            3 => while p.next().await.is_some() {},
            _ => {
                p.stop().await;
                p.stop().await;
                drop(p);
            }
        }
        counters.ended.fetch_add(1, Ordering::Relaxed);
    }
}

async fn churn_everywhere(seed: u64) {
    let before = alive_tasks();
    let counters = Arc::new(Counters::default());
    let per_task = PULLS / TASKS;
    let tasks: Vec<_> = (0..TASKS - 1)
        .map(|i| tokio::spawn(churn(seed + i, per_task, counters.clone())))
        .collect();
    // One share in the test's own task (in `block_on`).
    churn(seed + TASKS, per_task, counters.clone()).await;
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(counters.ended.load(Ordering::Relaxed), PULLS as usize);
    assert_eq!(
        settle_tasks_patiently(before).await,
        before,
        "a finishing task outlived its producer"
    );
    let started = counters.started.load(Ordering::SeqCst);
    assert!(
        started > PULLS as usize / 2,
        "too few producers started: {started}"
    );
    assert_eq!(
        counters.cleaned.load(Ordering::SeqCst),
        started,
        "a started producer never ran its cleanup"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn thousands_of_pulls_ended_at_random_points_leak_nothing_current_thread() {
    churn_everywhere(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_pulls_ended_at_random_points_leak_nothing_multi_thread() {
    churn_everywhere(100).await;
}

#[test]
fn pulls_dropped_outside_the_runtime_leak_nothing() {
    // Started in the runtime, dropped on a plain thread: the cleanups that
    // wait finish on the runtime's tasks.
    let rt = support::two_workers_runtime();
    let counters = Arc::new(Counters::default());
    let mut rng = fastrand::Rng::with_seed(7);
    let pulls = rt.block_on(async {
        let mut pulls = Vec::new();
        for _ in 0..500 {
            let mut p = pull(source(&mut rng, counters.clone()));
            for _ in 0..rng.usize(0..5) {
                p.next().await;
            }
            pulls.push(p);
        }
        pulls
    });
    std::thread::spawn(move || drop(pulls)).join().unwrap();
    rt.block_on(async {
        assert_eq!(settle_tasks_patiently(0).await, 0);
    });
    assert_eq!(
        counters.cleaned.load(Ordering::SeqCst),
        counters.started.load(Ordering::SeqCst)
    );
}

//! What a runtime shutdown does to a dropped `Pull`'s background stop (the
//! caveat of contract rule 9): the producer's `Drop` cleanup runs, its
//! async cleanup is lost; `stop().await` before the runtime ends keeps it.

mod support;

use std::time::Duration;

use seqflow::{Yield, pull, seq};
use support::{Log, current_thread_runtime, two_workers_runtime};

/// Yields until stopped, then awaits a long async cleanup; a guard logs
/// when the producer's state is dropped.
fn run_until_main_returns(rt: tokio::runtime::Runtime, stop_first: bool) -> Vec<String> {
    struct Guard(Log);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.push("drop cleanup");
        }
    }

    let log = Log::new();
    let l = log.clone();
    rt.block_on(async move {
        let mut rows = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
            let _guard = Guard(l.clone());
            let mut row = 0;
            while y.yield_(row).await {
                row += 1;
            }
            // An awaited close: far longer than the runtime lives.
            tokio::time::sleep(Duration::from_secs(60)).await;
            l.push("async cleanup");
        }));
        assert_eq!(rows.next().await, Some(0));
        if stop_first {
            tokio::time::pause(); // let the 60 s pass at once
            rows.stop().await;
        }
        // `main` returns: the handle is dropped, then the runtime.
    });
    drop(rt);
    log.events()
}

#[test]
fn a_dropped_pulls_async_cleanup_is_lost_when_the_runtime_shuts_down_current_thread() {
    assert_eq!(
        run_until_main_returns(current_thread_runtime(), false),
        ["drop cleanup"]
    );
}

#[test]
fn a_dropped_pulls_async_cleanup_is_lost_when_the_runtime_shuts_down_multi_thread() {
    assert_eq!(
        run_until_main_returns(two_workers_runtime(), false),
        ["drop cleanup"]
    );
}

#[test]
fn stop_before_main_returns_runs_the_async_cleanup_current_thread() {
    assert_eq!(
        run_until_main_returns(current_thread_runtime(), true),
        ["async cleanup", "drop cleanup"]
    );
}

//! Contract 24: each run of `seq::from_blocking` gives back all its memory.
//!
//! This test binary installs a counting global allocator (a binary can
//! have only one, so this is not `tests/memory.rs`). Each case runs many
//! times after a warm-up, and the bytes in use must come back to where they
//! were: the shared state, its queue, the elements still queued when the
//! sequence ended and an undelivered panic payload are all freed. A run
//! that leaked its shared state (about 136 bytes a plain run, 648 a
//! `from_blocking_buffered(64)` one) fails by tens of kilobytes.
//!
//! The runtimes have one blocking thread that is kept alive, so the pool
//! does not start (and allocate for) a new thread while a stopped
//! producer's thread is finishing. The binary has a single `#[test]`, so
//! no other test allocates while a case is measured, and a silent panic
//! hook, so the test harness does not keep the messages of the expected
//! panics.

mod support;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::time::{Duration, Instant};

use peak_alloc::PeakAlloc;
use seqflow::{BlockingYield, Seq, seq};
use support::panics::expect_panic;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// A case: its name, and one run, which allocates and must give it all back.
type Case = (&'static str, fn() -> Pin<Box<dyn Future<Output = ()>>>);

/// An element that lives on the heap, so a leaked one shows.
type Element = Box<[u64; 4]>;

/// Yields `n` heap elements, stopping when told.
fn producer(n: u64) -> impl FnOnce(BlockingYield<Element>) + Send + 'static {
    move |mut y: BlockingYield<Element>| {
        for i in 0..n {
            if !y.yield_(Box::new([i; 4])) {
                return;
            }
        }
    }
}

const CASES: &[Case] = &[
    ("from_blocking, exhausted", || {
        Box::pin(async {
            assert_eq!(seq::from_blocking(producer(100)).count().await, 100);
        })
    }),
    ("from_blocking_buffered(64), exhausted", || {
        Box::pin(async {
            let s = seq::from_blocking_buffered(64, producer(100));
            assert_eq!(s.count().await, 100);
        })
    }),
    ("from_blocking_buffered(0), exhausted", || {
        Box::pin(async {
            let s = seq::from_blocking_buffered(0, producer(100));
            assert_eq!(s.count().await, 100);
        })
    }),
    (
        "from_blocking, stopped by take(1) with elements queued",
        || {
            Box::pin(async {
                let s = seq::from_blocking_buffered(64, producer(10));
                assert_eq!(s.take(1).count().await, 1);
            })
        },
    ),
    ("from_blocking, stopped by take(1) while f runs on", || {
        Box::pin(async {
            let s = seq::from_blocking(producer(u64::MAX));
            assert_eq!(s.take(1).count().await, 1);
        })
    }),
    ("from_blocking, dropped mid-way", || {
        Box::pin(async {
            let mut s = Box::pin(seq::from_blocking(producer(u64::MAX)));
            for _ in 0..3 {
                assert!(poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_some());
            }
            drop(s);
        })
    }),
    (
        "from_blocking, dropped with elements queued after f returned",
        || {
            Box::pin(async {
                let mut s = Box::pin(seq::from_blocking_buffered(64, producer(10)));
                assert!(poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_some());
                drop(s);
            })
        },
    ),
    ("from_blocking, f panics", || {
        Box::pin(async {
            let s = seq::from_blocking(|mut y: BlockingYield<Element>| {
                y.yield_(Box::new([1; 4]));
                panic!("{}", String::from("a heap-allocated message"));
            });
            let msg = expect_panic(s.count()).await;
            assert_eq!(msg, "a heap-allocated message");
        })
    }),
    (
        "from_blocking, f panics after the consumer was dropped",
        || {
            Box::pin(async {
                let mut s = Box::pin(seq::from_blocking(|mut y: BlockingYield<Element>| {
                    while y.yield_(Box::new([1; 4])) {}
                    panic!("{}", String::from("a panic nobody receives"));
                }));
                assert!(poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_some());
                drop(s);
            })
        },
    ),
];

/// Warm-up runs of each case (lazily allocated runtime state settles).
const WARM_UP: usize = 20;
/// Measured runs of each case.
const RUNS: usize = 200;
/// Bytes in use that may differ after the runs: runtime bookkeeping that
/// settles at a slightly different size. A leak of 100 bytes a run is
/// 20,000 bytes here.
const SLACK: usize = 2 * 1024;

/// Waits (bounded) until the bytes in use fall to `base + SLACK`: a
/// dropped sequence's producer finishes on its own thread, a little later.
fn settled_usage(base: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = ALLOC.current_usage();
        if now <= base + SLACK || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The bytes in use once they stopped changing (bounded): the producers
/// of the warm-up runs have finished.
fn stable_usage() -> usize {
    let mut last = ALLOC.current_usage();
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(10));
        let now = ALLOC.current_usage();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

fn runtimes() -> [(&'static str, tokio::runtime::Runtime); 2] {
    let one_blocking_thread = |mut b: tokio::runtime::Builder| {
        b.enable_all()
            .max_blocking_threads(1)
            .thread_keep_alive(Duration::from_secs(3600))
            .build()
            .expect("runtime")
    };
    let mut multi = tokio::runtime::Builder::new_multi_thread();
    multi.worker_threads(2);
    [
        (
            "current_thread",
            one_blocking_thread(tokio::runtime::Builder::new_current_thread()),
        ),
        ("two workers", one_blocking_thread(multi)),
    ]
}

#[test]
fn contract_24_each_run_gives_back_all_its_memory() {
    std::panic::set_hook(Box::new(|_| {}));
    for (flavour, rt) in runtimes() {
        for (name, run) in CASES {
            for _ in 0..WARM_UP {
                rt.block_on(run());
            }
            let base = stable_usage();
            for _ in 0..RUNS {
                rt.block_on(run());
            }
            let after = settled_usage(base);
            eprintln!("{name} on {flavour}: {base} B in use before {RUNS} runs, {after} B after");
            assert!(
                after <= base + SLACK,
                "{name} on {flavour}: {} B more in use after {RUNS} runs ({} B a run)",
                after - base,
                (after - base) / RUNS
            );
        }
    }
    drop(std::panic::take_hook());
}

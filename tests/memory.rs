//! P6 (DESIGN.md): `prefetch(64)`, `batched(1000)` and `pull` over millions
//! of elements hold memory bounded by their buffer, not by the number of
//! elements.
//!
//! This test binary installs a counting global allocator that tracks the
//! current and peak heap size of the whole process. Each case runs its
//! pipeline over a small and a large number of elements and asserts that
//! the peak heap growth of the large run is no larger than that of the
//! small one (plus a little slack), and far below what the elements would
//! take if they were held.
//!
//! To add a case, add one line to [`CASES`]: a name and a function from
//! an element count to a future that consumes that many elements and
//! returns how many it saw.
//!
//! The large run is 10 million elements in release builds and 1 million
//! in debug builds (where an element costs about a microsecond), so that
//! the test takes a few seconds at most in CI.
//!
//! The binary has a single `#[test]`, so no other test allocates while a
//! case is measured.

mod support;

use std::future::Future;
use std::pin::Pin;

use peak_alloc::PeakAlloc;
use seqflow::{Seq, Yield, seq};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// A case: its name, and the pipeline over `n` elements, returning the
/// number of elements it consumed.
type Case = (&'static str, fn(u64) -> Pin<Box<dyn Future<Output = u64>>>);

const CASES: &[Case] = &[
    ("prefetch(64)", |n| Box::pin(count(source(n).prefetch(64)))),
    ("batched(1000)", |n| {
        Box::pin(
            source(n)
                .batched(1000)
                .fold(0, |seen, batch| seen + batch.len() as u64),
        )
    }),
    ("pull", |n| {
        Box::pin(async move {
            let mut p = seqflow::pull(source(n));
            let mut seen = 0;
            while p.next().await.is_some() {
                seen += 1;
            }
            seen
        })
    }),
];

/// Elements of the large run.
const LARGE: u64 = if cfg!(debug_assertions) {
    1_000_000
} else {
    10_000_000
};

/// Elements of the small run.
const SMALL: u64 = 10_000;

/// Heap growth allowed between the small and the large run: runtime
/// bookkeeping (timer wheels, scheduler queues) may settle at a slightly
/// different size.
const SLACK: usize = 16 * 1024;

/// Yields 0..n, allocating nothing per element.
fn source(n: u64) -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u64>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

/// Consumes `s`, returning how many elements it had.
async fn count(s: impl Seq) -> u64 {
    s.fold(0, |n, _| n + 1).await
}

/// The peak heap growth of one run of `case` over `n` elements.
fn peak_growth(rt: &tokio::runtime::Runtime, case: &Case, n: u64) -> usize {
    let (name, pipeline) = case;
    let fut = pipeline(n);
    let base = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let seen = rt.block_on(fut);
    let peak = ALLOC.peak_usage();
    assert_eq!(seen, n, "{name}: lost elements");
    peak.saturating_sub(base)
}

#[test]
fn memory_stays_bounded_by_the_buffer_not_by_the_element_count() {
    let current_thread = support::current_thread_runtime();
    let two_workers = support::two_workers_runtime();
    for (flavour, rt) in [
        ("current_thread", &current_thread),
        ("two workers", &two_workers),
    ] {
        for case in CASES {
            let name = case.0;
            // The first run warms up lazily allocated runtime state.
            peak_growth(rt, case, SMALL);
            let small = peak_growth(rt, case, SMALL);
            let large = peak_growth(rt, case, LARGE);
            eprintln!(
                "{name} on {flavour}: peak heap growth {small} B over {SMALL} elements, {large} B over {LARGE}"
            );
            assert!(
                large <= small + SLACK,
                "{name} on {flavour}: the peak grew with the element count: {small} B over {SMALL} elements, {large} B over {LARGE}"
            );
            let held = LARGE as usize * size_of::<u64>();
            assert!(
                large < held / 100,
                "{name} on {flavour}: {large} B at peak, near the {held} B the elements would take"
            );
        }
    }
}

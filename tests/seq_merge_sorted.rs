//! Behaviour of `seq::merge_sorted` and `seq::merge_sorted_by` (contract
//! line 28): a stable k-way merge that asks each source for one element at
//! a time, and stops every source by the stop rule.

mod support;

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::time::Duration;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, Yield, seq};
use support::laws::{Probe, break_after};
use support::logged::logged_source;
use support::panics::expect_panic;
use support::{DropFlag, Log, alive_tasks, collect_checking_size_hint};

/// A key, its source and its position in that source.
type Tagged = (u8, usize, usize);

/// A sorted source that counts how many elements it yielded so far.
fn counting(items: Vec<u32>, yielded: &Arc<AtomicUsize>) -> impl Seq<Item = u32> + use<> {
    let yielded = yielded.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for x in items {
            yielded.fetch_add(1, AtomicOrdering::SeqCst);
            if !y.yield_(x).await {
                return;
            }
        }
    })
}

#[tokio::test]
async fn contract_28_merge_sorted_merges_and_is_stable() {
    // Equal keys: the element of the earlier source comes first.
    let a = seq::iter(vec![(1, 'a'), (3, 'a'), (3, 'b')]);
    let b = seq::iter(vec![(1, 'x'), (2, 'x'), (3, 'x')]);
    let got: Vec<_> =
        seq::merge_sorted_by([a, b], |l: &(i32, char), r: &(i32, char)| l.0.cmp(&r.0))
            .collect()
            .await;
    assert_eq!(
        got,
        [(1, 'a'), (1, 'x'), (2, 'x'), (3, 'a'), (3, 'b'), (3, 'x')]
    );
    let none: Vec<u8> = seq::merge_sorted(Vec::<seq::Iter<std::vec::IntoIter<u8>>>::new())
        .collect()
        .await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn contract_28_merge_sorted_asks_each_source_for_one_element_at_a_time() {
    let (ya, yb) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut m = std::pin::pin!(seq::merge_sorted([
        counting(vec![1, 2, 3, 10], &ya),
        counting(vec![5, 6], &yb),
    ]));
    let mut next = || block_on(std::future::poll_fn(|cx| m.as_mut().poll_next(cx)));
    assert_eq!(next(), Some(1));
    // One head each, no more.
    assert_eq!(
        (
            ya.load(AtomicOrdering::SeqCst),
            yb.load(AtomicOrdering::SeqCst)
        ),
        (1, 1)
    );
    assert_eq!(next(), Some(2));
    assert_eq!(next(), Some(3));
    // `a` was asked for its next element only after its head was yielded.
    assert_eq!(
        (
            ya.load(AtomicOrdering::SeqCst),
            yb.load(AtomicOrdering::SeqCst)
        ),
        (3, 1)
    );
    assert_eq!(next(), Some(5));
    assert_eq!(
        (
            ya.load(AtomicOrdering::SeqCst),
            yb.load(AtomicOrdering::SeqCst)
        ),
        (4, 1)
    );
}

#[tokio::test]
async fn contract_28_stopping_the_merge_stops_every_source_and_waits_for_cleanup() {
    let log = Log::new();
    let got: Vec<u32> = seq::merge_sorted([
        logged_source("a", vec![1, 4, 7], &log),
        logged_source("b", vec![2, 5, 8], &log),
        logged_source("c", vec![3, 6, 9], &log),
    ])
    .take(4)
    .collect()
    .await;
    assert_eq!(got, [1, 2, 3, 4]);
    let mut cleaned: Vec<_> = log
        .events()
        .into_iter()
        .filter(|e| e.ends_with("cleanup"))
        .collect();
    cleaned.sort();
    assert_eq!(cleaned, ["a cleanup", "b cleanup", "c cleanup"]);
}

#[tokio::test(start_paused = true)]
async fn contract_28_a_hung_source_is_dropped_on_stop_without_hang() {
    let before = alive_tasks();
    let (guard, dropped) = DropFlag::new();
    let hung = seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        y.yield_(0).await;
        std::future::pending::<()>().await;
    })
    .boxed();
    let fast = seq::iter(vec![1, 2, 3]).boxed();
    // `0` is delivered, then the merge needs the hung source's next head.
    let got = tokio::time::timeout(
        Duration::from_secs(5),
        seq::merge_sorted([hung, fast])
            .take_until(tokio::time::sleep(Duration::from_millis(10)))
            .collect::<Vec<_>>(),
    )
    .await
    .expect("the stop hung");
    assert_eq!(got, [0]);
    assert!(dropped.load(AtomicOrdering::SeqCst));
    assert_eq!(alive_tasks(), before);
}

#[tokio::test]
async fn contract_28_panics_in_a_source_or_in_cmp_surface() {
    let msg = expect_panic(
        seq::merge_sorted([
            support::panics::panicking_after(2),
            support::panics::panicking_after(5),
        ])
        .count(),
    )
    .await;
    assert_eq!(msg, "producer failed after 2");
    let msg = expect_panic(
        seq::merge_sorted_by(
            [seq::iter(vec![1]), seq::iter(vec![2])],
            |_: &i32, _: &i32| -> Ordering { panic!("cmp failed") },
        )
        .count(),
    )
    .await;
    assert_eq!(msg, "cmp failed");
}

#[test]
fn debug_shows_sources_but_no_closure() {
    let m = seq::merge_sorted_by([seq::iter(vec![1])], |a: &i32, b: &i32| a.cmp(b));
    let shown = format!("{m:?}");
    assert!(
        shown.starts_with("MergeSortedBy { seqs: [Iter {"),
        "{shown}"
    );
    assert!(shown.ends_with("live: 1, stopping: false }"), "{shown}");
}

proptest! {
    #[test]
    fn contract_28_merge_sorted_agrees_with_a_stable_sort_of_the_concatenation(
        runs in prop::collection::vec(
            prop::collection::vec((0u8..6, any::<bool>()), 0..12),
            0..6,
        ),
        brk in 0usize..70,
    ) {
        // Each source: sorted by key; the value tags its source and position
        // so stability is visible; the pause bits make it adversarial.
        let sources: Vec<(Vec<Tagged>, Vec<bool>)> = runs
            .iter()
            .enumerate()
            .map(|(s, run)| {
                let mut keys: Vec<_> = run.clone();
                keys.sort_by_key(|(k, _)| *k);
                let items = keys.iter().enumerate().map(|(i, (k, _))| (*k, s, i)).collect();
                let pauses = keys.iter().map(|(_, p)| *p).collect();
                (items, pauses)
            })
            .collect();
        let mut expect: Vec<_> = sources.iter().flat_map(|(items, _)| items.clone()).collect();
        expect.sort_by_key(|(k, _, _)| *k); // stable
        let cmp = |a: &(u8, usize, usize), b: &(u8, usize, usize)| a.0.cmp(&b.0);

        let probe = Probe::default();
        let make = || {
            seq::merge_sorted_by(
                sources.iter().map(|(items, pauses)| probe.source(items, pauses)).collect::<Vec<_>>(),
                cmp,
            )
        };
        let got = block_on(collect_checking_size_hint(make().stream()));
        prop_assert_eq!(&got, &expect);
        probe.check_cleaned()?;

        let got = block_on(break_after(make(), brk));
        prop_assert_eq!(&got[..], &expect[..expect.len().min(brk + 1)]);
        probe.check_cleaned()?;
        // No run-ahead: at most one element per source beyond those delivered.
        prop_assert!(probe.yielded() <= expect.len() + got.len() + sources.len());
    }
}

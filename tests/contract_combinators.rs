//! DESIGN.md contract lines 13 and 14: `take` and `batched`.
//!
//! Each test is named after the contract line it proves.

mod support;

use std::time::Duration;

use seqflow::{Seq, seq};
use support::Log;
use support::logged::logged_naturals;
use support::panics::panic_message_and_location;

// ── 13. take(0) never starts the producer; take(n) never asks for n + 1 ──

#[tokio::test]
async fn contract_13_take_zero_never_starts_the_producer() {
    let log = Log::new();
    assert_eq!(logged_naturals(&log).take(0).count().await, 0);
    assert!(log.events().is_empty(), "started: {:?}", log.events());
    // Nor does an adapter between the producer and `take(0)`.
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log)
        .map(|x| x + 1)
        .filter(|_| true)
        .take(0)
        .collect()
        .await;
    assert!(v.is_empty());
    assert!(log.events().is_empty(), "started: {:?}", log.events());
}

#[tokio::test]
async fn contract_13_take_n_never_asks_the_producer_for_element_n_plus_1() {
    for n in 1..4u32 {
        let log = Log::new();
        let v: Vec<u32> = logged_naturals(&log).take(n as usize).collect().await;
        assert_eq!(v, (0..n).collect::<Vec<_>>());
        let mut expected = vec!["start".to_owned()];
        expected.extend((0..n - 1).map(|i| format!("yield {i} -> true")));
        expected.push(format!("yield {} -> false", n - 1));
        expected.push("cleanup".to_owned());
        assert_eq!(log.events(), expected, "take({n})");
    }
}

#[tokio::test]
async fn contract_13_take_through_element_wise_adapters_asks_for_no_more() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log)
        .map(|x| x * 2)
        .inspect(|_| {})
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [0, 2]);
    assert!(log.contains("yield 1 -> false"));
    assert!(!log.contains("yield 2 -> true") && !log.contains("yield 2 -> false"));
}

#[tokio::test]
async fn contract_13_take_bounds_its_size_hint_by_what_is_left_to_take() {
    // An exact source: the smaller of what is left and what the source has.
    let mut s = std::pin::pin!(seq::iter(0..10).take(3));
    assert_eq!(s.size_hint(), (3, Some(3)));
    assert_eq!(
        std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
        Some(0)
    );
    assert_eq!(s.size_hint(), (2, Some(2)));
    assert_eq!(seq::iter(0..2).take(5).size_hint(), (2, Some(2)));
    // An unknown source: at most what is left to take.
    assert_eq!(
        logged_naturals(&Log::new()).take(4).size_hint(),
        (0, Some(4))
    );
    assert_eq!(seq::iter(0..10).take(0).size_hint(), (0, Some(0)));
}

// ── 14. batched(n): fresh Vecs of exactly n, then one shorter; n == 0 panics ──

#[tokio::test]
async fn contract_14_batched_yields_batches_of_exactly_n_then_one_shorter() {
    for len in 0..12u32 {
        let batches: Vec<Vec<u32>> = seq::iter(0..len).batched(4).collect().await;
        let expected: Vec<Vec<u32>> = (0..len)
            .collect::<Vec<_>>()
            .chunks(4)
            .map(<[u32]>::to_vec)
            .collect();
        assert_eq!(batches, expected, "len {len}");
        let (last, full) = batches.split_last().unzip();
        assert!(full.unwrap_or_default().iter().all(|b| b.len() == 4));
        assert!(last.is_none_or(|b| (1..=4).contains(&b.len())));
    }
}

#[tokio::test]
async fn contract_14_batched_on_an_exact_multiple_has_no_empty_final_batch() {
    let log = Log::new();
    let batches: Vec<Vec<u32>> = logged_naturals(&log).take(6).batched(3).collect().await;
    assert_eq!(batches, [vec![0, 1, 2], vec![3, 4, 5]]);
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
}

#[tokio::test]
async fn contract_14_batched_yields_fresh_vecs_the_consumer_owns() {
    let log = Log::new();
    let mut batches: Vec<Vec<u32>> = logged_naturals(&log).batched(8).take(3).collect().await;
    // Each batch was allocated for n elements and is its own buffer.
    assert!(batches.iter().all(|b| b.len() == 8 && b.capacity() >= 8));
    let ptrs: Vec<*const u32> = batches.iter().map(|b| b.as_ptr()).collect();
    assert!(ptrs[0] != ptrs[1] && ptrs[1] != ptrs[2] && ptrs[0] != ptrs[2]);
    batches[0].clear();
    assert_eq!(batches[1], (8..16).collect::<Vec<_>>());
}

#[test]
fn contract_14_batched_zero_panics_at_construction_in_the_callers_file() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1, 2, 3]).batched(0);
    });
    assert_eq!(msg, "`batched` size must be non-zero");
    assert_eq!(file, file!());
}

#[test]
fn contract_14_batched_timeout_zero_panics_at_construction_in_the_callers_file() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1, 2, 3]).batched_timeout(0, Duration::from_secs(1));
    });
    assert_eq!(msg, "`batched_timeout` size must be non-zero");
    assert_eq!(file, file!());
}

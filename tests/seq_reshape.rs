//! Behaviour of the single-source reshaping adapters (`enumerate`, `scan`,
//! `dedup`, `dedup_by_key`, `step_by`, `windows`), the `Seq2` helpers
//! (`keys`, `values`, `map2`) and the bounded terminal `collect_at_most`.
//!
//! Each adapter forwards a stop to its producer, whose cleanup has run when
//! the consumer returns; those that end early (`scan`, `collect_at_most`)
//! stop the producer themselves and never ask it for more.

mod support;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use seqflow::{Error, Seq, Seq2, Yield, seq};
use support::logged::logged_source;
use support::panics::panic_message_and_location;
use support::{Log, collect_checking_size_hint};

/// The events of `log` that report a `yield_` of `item`.
fn yields_of(log: &Log, name: &str, item: &str) -> Vec<String> {
    let prefix = format!("{name} yield {item} ->");
    log.events()
        .into_iter()
        .filter(|e| e.starts_with(&prefix))
        .collect()
}

/// Yields `first`, then waits forever.
fn one_then_stuck(first: u32) -> impl Seq<Item = u32> {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        if y.yield_(first).await {
            std::future::pending::<()>().await;
        }
    })
}

// ── enumerate ──

#[tokio::test]
async fn enumerate_counts_from_zero_and_forwards_the_stop() {
    let log = Log::new();
    let v: Vec<_> = logged_source("s", vec!['a', 'b', 'c'], &log)
        .enumerate()
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [(0, 'a'), (1, 'b')]);
    assert_eq!(yields_of(&log, "s", "'b'"), ["s yield 'b' -> false"]);
    assert!(log.contains("s cleanup"));
}

#[tokio::test]
async fn enumerate_size_hint_is_correct_at_every_step() {
    assert_eq!(seq::iter([1, 2]).enumerate().size_hint(), (2, Some(2)));
    let got = collect_checking_size_hint(seq::iter("abc".chars()).enumerate().stream()).await;
    assert_eq!(got, [(0, 'a'), (1, 'b'), (2, 'c')]);
}

// ── scan ──

#[tokio::test]
async fn scan_threads_its_state_through_the_elements() {
    let v: Vec<i32> = seq::iter([1, 2, 3, 4])
        .scan(10, |acc, x| {
            *acc *= x;
            Some(*acc)
        })
        .collect()
        .await;
    assert_eq!(v, [10, 20, 60, 240]);
}

#[tokio::test]
async fn scan_returning_none_stops_the_producer_and_is_not_called_again() {
    let log = Log::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let v: Vec<u32> = logged_source("s", vec![1, 2, 3, 4, 5], &log)
        .scan((), move |(), x| {
            c.fetch_add(1, Ordering::SeqCst);
            (x != 3).then_some(x * 10)
        })
        .collect()
        .await;
    assert_eq!(v, [10, 20]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let events = log.events();
    assert_eq!(
        events[events.len() - 2..],
        ["s yield 3 -> false", "s cleanup"]
    );
    assert!(
        yields_of(&log, "s", "4").is_empty(),
        "asked past the end: {events:?}"
    );
}

#[tokio::test]
async fn scan_size_hint_is_correct_at_every_step() {
    let s = seq::iter([1, 2, 3]).scan(0, |_, x| (x < 3).then_some(x));
    assert_eq!(s.size_hint(), (0, Some(3)));
    assert_eq!(collect_checking_size_hint(s.stream()).await, [1, 2]);
}

// ── dedup and dedup_by_key ──

#[tokio::test]
async fn dedup_removes_consecutive_duplicates_like_vec_dedup() {
    let input = vec![1, 1, 2, 3, 3, 3, 2, 2, 1];
    let mut expect = input.clone();
    expect.dedup();
    let got = collect_checking_size_hint(seq::iter(input).dedup().stream()).await;
    assert_eq!(got, expect);
    assert_eq!(got, [1, 2, 3, 2, 1]);
}

#[test]
fn dedup_delivers_each_new_element_as_soon_as_it_arrives() {
    // The source never yields a second element: `dedup` must not wait for
    // one before delivering the first.
    let mut s = pin!(one_then_stuck(7).dedup());
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(7)));
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Pending);
}

#[tokio::test]
async fn dedup_forwards_the_stop() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("s", vec![1, 1, 2, 2, 3], &log)
        .dedup()
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 2]);
    assert_eq!(yields_of(&log, "s", "2"), ["s yield 2 -> false"]);
    assert!(log.contains("s cleanup"));
}

#[tokio::test]
async fn dedup_by_key_compares_keys_like_vec_dedup_by_key() {
    let input = vec![10, 11, 20, 35, 31, 12, 19];
    let mut expect = input.clone();
    expect.dedup_by_key(|x| *x / 10);
    let got = collect_checking_size_hint(seq::iter(input).dedup_by_key(|x| *x / 10).stream()).await;
    assert_eq!(got, expect);
    assert_eq!(got, [10, 20, 35, 12]);
}

#[tokio::test]
async fn dedup_by_key_computes_each_key_once_and_forwards_the_stop() {
    let log = Log::new();
    let keys = Arc::new(AtomicUsize::new(0));
    let k = keys.clone();
    let v: Vec<u32> = logged_source("s", vec![1, 3, 2, 4, 5], &log)
        .dedup_by_key(move |x| {
            k.fetch_add(1, Ordering::SeqCst);
            *x % 2
        })
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 2]);
    assert_eq!(keys.load(Ordering::SeqCst), 3);
    assert!(log.contains("s cleanup"));
}

// ── step_by ──

#[tokio::test]
async fn step_by_never_asks_for_the_elements_after_the_last_one_taken() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("s", (0..10).collect(), &log)
        .step_by(3)
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [0, 3]);
    assert_eq!(yields_of(&log, "s", "3"), ["s yield 3 -> false"]);
    assert!(yields_of(&log, "s", "4").is_empty(), "{:?}", log.events());
    assert!(log.contains("s cleanup"));
}

#[tokio::test]
async fn step_by_agrees_with_iterator_step_by_including_size_hints() {
    for step in 1..6 {
        for len in 0..12 {
            let expect: Vec<_> = (0..len).step_by(step).collect();
            let got = collect_checking_size_hint(seq::iter(0..len).step_by(step).stream()).await;
            assert_eq!(got, expect, "step {step}, len {len}");
        }
    }
}

#[test]
fn step_by_zero_panics_at_the_callers_location() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1]).step_by(0);
    });
    assert_eq!(msg, "`step_by` step must be non-zero");
    assert_eq!(file, file!());
}

// ── windows ──

#[tokio::test]
async fn windows_agree_with_slice_windows_including_size_hints() {
    for size in 1..5 {
        for len in 0..8 {
            let v: Vec<u32> = (0..len).collect();
            let expect: Vec<Vec<u32>> = v.windows(size).map(<[u32]>::to_vec).collect();
            let got = collect_checking_size_hint(seq::iter(v).windows(size).stream()).await;
            assert_eq!(got, expect, "size {size}, len {len}");
        }
    }
}

#[tokio::test]
async fn windows_forward_the_stop() {
    let log = Log::new();
    let v: Vec<Vec<u32>> = logged_source("s", (0..10).collect(), &log)
        .windows(3)
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [[0, 1, 2], [1, 2, 3]]);
    assert_eq!(yields_of(&log, "s", "3"), ["s yield 3 -> false"]);
    assert!(log.contains("s cleanup"));
}

#[tokio::test]
async fn windows_larger_than_the_sequence_yield_nothing_and_allocate_only_what_arrives() {
    let got: Vec<Vec<u8>> = seq::iter([1, 2, 3]).windows(usize::MAX).collect().await;
    assert!(got.is_empty());
}

#[test]
fn windows_zero_panics_at_the_callers_location() {
    let (msg, file) = panic_message_and_location(|| {
        let _ = seq::iter([1]).windows(0);
    });
    assert_eq!(msg, "`windows` size must be non-zero");
    assert_eq!(file, file!());
}

// ── keys, values, map2 ──

fn ages(log: &Log) -> impl Seq2<&'static str, u32> + use<> {
    logged_source("ages", vec![("ann", 31), ("bob", 27), ("cy", 40)], log)
}

#[tokio::test]
async fn keys_and_values_split_the_pairs_of_a_seq2() {
    let log = Log::new();
    assert_eq!(
        ages(&log).keys().collect::<Vec<_>>().await,
        ["ann", "bob", "cy"]
    );
    assert_eq!(ages(&log).values().collect::<Vec<_>>().await, [31, 27, 40]);
    assert_eq!(
        log.events().iter().filter(|e| *e == "ages cleanup").count(),
        2
    );
}

#[tokio::test]
async fn keys_values_and_map2_forward_the_stop() {
    let log = Log::new();
    assert_eq!(ages(&log).keys().first().await, Some("ann"));
    assert_eq!(ages(&log).values().first().await, Some(31));
    assert_eq!(
        ages(&log).map2(|k, v| (v, k)).first().await,
        Some((31, "ann"))
    );
    let events = log.events();
    assert_eq!(events.iter().filter(|e| *e == "ages cleanup").count(), 3);
    assert_eq!(events.iter().filter(|e| e.ends_with("-> false")).count(), 3);
}

#[tokio::test]
async fn map2_maps_pairs_to_pairs() {
    let got = collect_checking_size_hint(
        seq::iter([("a", 1), ("bb", 2)])
            .map2(|k, v| (k.len(), v * 10))
            .stream(),
    )
    .await;
    assert_eq!(got, [(1, 10), (2, 20)]);
    let names = collect_checking_size_hint(seq::iter([(1, 'x')]).keys().stream()).await;
    assert_eq!(names, [1]);
    let vals = collect_checking_size_hint(seq::iter([(1, 'x')]).values().stream()).await;
    assert_eq!(vals, ['x']);
}

// ── collect_at_most ──

#[tokio::test]
async fn collect_at_most_collects_a_sequence_up_to_the_limit_whole() {
    let log = Log::new();
    let v: Result<Vec<u32>, _> = logged_source("s", vec![1, 2, 3], &log)
        .collect_at_most(3)
        .await;
    assert_eq!(v, Ok(vec![1, 2, 3]));
    assert!(log.contains("s cleanup"));
    let none: Result<Vec<u32>, _> = seq::empty::<u32>().collect_at_most(0).await;
    assert_eq!(none, Ok(vec![]));
    let text: Result<String, _> = seq::iter("abc".chars()).collect_at_most(5).await;
    assert_eq!(text.as_deref(), Ok("abc"));
}

#[tokio::test]
async fn collect_at_most_stops_the_producer_at_element_max_plus_one() {
    let log = Log::new();
    let v: Result<Vec<u32>, _> = logged_source("s", (0..1000).collect(), &log)
        .collect_at_most(3)
        .await;
    assert_eq!(v, Err(Error::TooMany { max: 3 }));
    let events = log.events();
    assert_eq!(
        events[events.len() - 2..],
        ["s yield 3 -> false", "s cleanup"]
    );
    assert!(yields_of(&log, "s", "4").is_empty());

    let one: Result<Vec<u32>, _> = seq::once(1).collect_at_most(0).await;
    assert_eq!(one, Err(Error::TooMany { max: 0 }));
}

#[test]
fn too_many_has_a_lower_case_message() {
    assert_eq!(
        Error::TooMany { max: 3 }.to_string(),
        "sequence has more than 3 elements"
    );
}

// ── Debug ──

#[test]
fn debug_shows_state_but_no_closures() {
    let s = || seq::iter([1u8, 1, 2]);
    let show = |x: &dyn std::fmt::Debug| format!("{x:?}");
    assert!(show(&s().enumerate()).starts_with("Enumerate { seq: Iter"));
    let scan = show(&s().scan(5u8, |_, x| Some(x)));
    assert!(
        scan.contains("state: 5") && scan.contains("done: false"),
        "{scan}"
    );
    assert!(show(&s().dedup()).ends_with("last: None }"));
    assert!(show(&s().dedup_by_key(|x| *x)).ends_with("last_key: None }"));
    assert!(show(&s().step_by(2)).ends_with("step: 2 }"));
    assert!(show(&s().windows(2)).ends_with("size: 2, window: [] }"));
    let pairs = || seq::iter([(1u8, 2u8)]);
    assert!(show(&pairs().keys()).starts_with("Keys { seq: Iter"));
    assert!(show(&pairs().values()).starts_with("Values { seq: Iter"));
    assert!(show(&pairs().map2(|a, b| (b, a))).starts_with("Map2 { seq: Iter"));
    let collect = show(&s().collect_at_most::<Vec<u8>>(4));
    assert!(
        collect.contains("collection: Some([])") && collect.ends_with("max: Some(4) }"),
        "{collect}"
    );
}

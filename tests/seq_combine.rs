//! Behaviour of the adapters that combine sequences: `chain`, `zip`,
//! `flat_map`, `flatten`, `merge` and `merge_all`.
//!
//! Above all, stop propagation: every producer they started has finished
//! its cleanup by the time the consumer returns, and no producer they did
//! not need is ever started. (`support::logged::logged_source` logs each
//! producer's start, each `yield_` result and its async cleanup.)

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Seq, Yield, seq};
use support::logged::logged_source;
use support::panics::expect_panic;
use support::{DropFlag, Log, PendingOnce, collect_checking_size_hint, noop_cx};

/// A producer that yields `first`, then panics with `msg`.
fn panics_after_one(first: u32, msg: &'static str) -> impl Seq<Item = u32> {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        if y.yield_(first).await {
            PendingOnce::new().await;
            panic!("{msg}");
        }
    })
}

/// A producer that never yields and never returns; it holds `guard`.
fn stuck(guard: DropFlag) -> impl Seq<Item = u32> {
    seq::from_fn(move |_y: Yield<u32>| async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    })
}

// ── chain ──

#[tokio::test]
async fn chain_starts_the_second_only_after_the_first_cleaned_up() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("a", vec![1, 2], &log)
        .chain(logged_source("b", vec![3], &log))
        .collect()
        .await;
    assert_eq!(v, [1, 2, 3]);
    assert_eq!(
        log.events(),
        [
            "a start",
            "a yield 1 -> true",
            "a yield 2 -> true",
            "a cleanup",
            "b start",
            "b yield 3 -> true",
            "b cleanup",
        ]
    );
}

#[tokio::test]
async fn chain_stopped_in_the_first_never_starts_the_second() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("a", vec![1, 2, 3], &log)
        .chain(logged_source("b", vec![4], &log))
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 2]);
    assert_eq!(
        log.events(),
        [
            "a start",
            "a yield 1 -> true",
            "a yield 2 -> false",
            "a cleanup"
        ]
    );
}

#[tokio::test]
async fn chain_stopped_in_the_second_stops_it_and_waits_for_its_cleanup() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("a", vec![1], &log)
        .chain(logged_source("b", vec![2, 3, 4], &log))
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 2]);
    let events = log.events();
    assert_eq!(
        events[events.len() - 2..],
        ["b yield 2 -> false", "b cleanup"]
    );
}

#[test]
fn chain_poll_next_during_an_unfinished_stop_never_starts_the_second() {
    let log = Log::new();
    let mut s = pin!(logged_source("a", vec![1], &log).chain(logged_source("b", vec![2], &log)));
    let mut cx = noop_cx();
    // The first poll only starts `a` (it suspends before its element).
    assert!(s.as_mut().poll_next(&mut cx).is_pending());
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(1)));
    // The first poll of the stop leaves `a` in its async cleanup...
    assert!(s.as_mut().poll_stop(&mut cx).is_pending());
    // ...and a `poll_next` now finishes that stop and delivers nothing.
    assert_eq!(
        futures::executor::block_on(poll_fn(|cx| s.as_mut().poll_next(cx))),
        None
    );
    assert!(log.contains("a cleanup"));
    assert!(!log.contains("b start"), "{:?}", log.events());
}

#[tokio::test]
async fn chain_size_hint_is_correct_at_every_step() {
    assert_eq!(
        seq::iter([1, 2]).chain(seq::once(3)).size_hint(),
        (3, Some(3))
    );
    let log = Log::new();
    let got = collect_checking_size_hint(
        seq::iter(vec![1, 2])
            .chain(logged_source("b", vec![3, 4], &log))
            .stream(),
    )
    .await;
    assert_eq!(got, [1, 2, 3, 4]);
}

#[tokio::test]
async fn chain_surfaces_a_panic_in_the_second() {
    let msg = expect_panic(
        seq::iter([7])
            .chain(panics_after_one(8, "b failed"))
            .count(),
    )
    .await;
    assert_eq!(msg, "b failed");
}

// ── zip ──

#[tokio::test]
async fn zip_stops_the_second_when_the_first_ends() {
    let log = Log::new();
    let v: Vec<_> = logged_source("a", vec![1, 2], &log)
        .zip(logged_source("b", vec!['x', 'y', 'z'], &log))
        .collect()
        .await;
    assert_eq!(v, [(1, 'x'), (2, 'y')]);
    // `b` is never asked for 'z': its pending `yield_` of 'y' sees `false`,
    // and its cleanup runs before `collect` returns.
    assert_eq!(
        log.events(),
        [
            "a start",
            "b start",
            "a yield 1 -> true",
            "b yield 'x' -> true",
            "a yield 2 -> true",
            "a cleanup",
            "b yield 'y' -> false",
            "b cleanup",
        ]
    );
}

#[tokio::test]
async fn zip_stops_the_first_when_the_second_ends() {
    let log = Log::new();
    let v: Vec<_> = logged_source("a", vec![1, 2, 3], &log)
        .zip(logged_source("b", vec!['x'], &log))
        .collect()
        .await;
    assert_eq!(v, [(1, 'x')]);
    // `a` had yielded 2 before `b` ended: 2 is dropped, `a` is stopped
    // there and never asked for 3.
    assert_eq!(
        log.events(),
        [
            "a start",
            "b start",
            "a yield 1 -> true",
            "b yield 'x' -> true",
            "b cleanup",
            "a yield 2 -> false",
            "a cleanup",
        ]
    );
}

#[tokio::test]
async fn zip_consumer_stop_stops_both_sides_together() {
    let log = Log::new();
    let v: Vec<_> = logged_source("a", (0..100).collect(), &log)
        .zip(logged_source("b", (0..100).collect(), &log))
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [(0, 0), (1, 1)]);
    let events = log.events();
    // Both stops are driven together: `b` hears `false` before `a`'s
    // cleanup has finished.
    assert_eq!(
        events[events.len() - 4..],
        [
            "a yield 1 -> false",
            "b yield 1 -> false",
            "a cleanup",
            "b cleanup"
        ]
    );
}

#[tokio::test]
async fn zip_with_an_empty_first_never_starts_the_second() {
    let log = Log::new();
    let v: Vec<(u8, u8)> = seq::empty()
        .zip(logged_source("b", vec![1], &log))
        .collect()
        .await;
    assert!(v.is_empty());
    assert!(log.events().is_empty(), "{:?}", log.events());
}

#[tokio::test]
async fn zip_surfaces_a_panic_in_the_second() {
    let msg = expect_panic(
        seq::iter([1, 2, 3])
            .zip(panics_after_one(1, "b failed"))
            .count(),
    )
    .await;
    assert_eq!(msg, "b failed");
}

#[tokio::test]
async fn zip_size_hint_is_correct_at_every_step() {
    assert_eq!(
        seq::iter([1, 2, 3]).zip(seq::iter(0..5)).size_hint(),
        (3, Some(3))
    );
    let log = Log::new();
    let got = collect_checking_size_hint(
        seq::iter(0..5)
            .zip(logged_source("b", vec!['x', 'y'], &log))
            .stream(),
    )
    .await;
    assert_eq!(got, [(0, 'x'), (1, 'y')]);
    let got = collect_checking_size_hint(
        logged_source("a", vec!['x', 'y', 'z'], &log)
            .zip(seq::iter(0..2))
            .stream(),
    )
    .await;
    assert_eq!(got, [('x', 0), ('y', 1)]);
}

// ── flat_map and flatten ──

fn inner_name(n: u32) -> &'static str {
    ["zero", "one", "two", "three"][n as usize]
}

#[tokio::test]
async fn flat_map_runs_each_inner_sequence_once_the_previous_has_ended() {
    let log = Log::new();
    let l = log.clone();
    let v: Vec<u32> = logged_source("outer", vec![1, 2], &log)
        .flat_map(move |n| logged_source(inner_name(n), (0..n).collect(), &l))
        .collect()
        .await;
    assert_eq!(v, [0, 0, 1]);
    assert_eq!(
        log.events(),
        [
            "outer start",
            "one start",
            "one yield 0 -> true",
            "one cleanup",
            "outer yield 1 -> true",
            "two start",
            "two yield 0 -> true",
            "two yield 1 -> true",
            "two cleanup",
            "outer yield 2 -> true",
            "outer cleanup",
        ]
    );
}

#[tokio::test]
async fn flat_map_stopped_mid_inner_stops_the_inner_then_the_outer() {
    let log = Log::new();
    let l = log.clone();
    let v: Vec<u32> = logged_source("outer", vec![1, 2, 3], &log)
        .flat_map(move |n| logged_source(inner_name(n), (0..n).collect(), &l))
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [0, 0]);
    let events = log.events();
    assert_eq!(
        events[events.len() - 4..],
        [
            "two yield 0 -> false",
            "two cleanup",
            "outer yield 2 -> false",
            "outer cleanup"
        ]
    );
    assert!(!log.contains("three start"));
}

#[tokio::test]
async fn flat_map_surfaces_a_panic_in_an_inner_sequence() {
    let msg = expect_panic(
        seq::iter([1, 2])
            .flat_map(|n| panics_after_one(n, "inner failed"))
            .count(),
    )
    .await;
    assert_eq!(msg, "inner failed");
}

#[tokio::test]
async fn flatten_skips_empty_inner_sequences_and_has_a_correct_size_hint() {
    let pages = seq::iter(vec![
        seq::iter(vec![1, 2]),
        seq::iter(vec![]),
        seq::iter(vec![3]),
        seq::iter(vec![]),
    ]);
    assert_eq!(pages.size_hint(), (4, Some(4)));
    assert_eq!(pages.clone().flatten().size_hint(), (0, None));
    let got = collect_checking_size_hint(pages.flatten().stream()).await;
    assert_eq!(got, [1, 2, 3]);
    // Once the outer sequence is known to be empty, the inner one's hint
    // is exact.
    let mut s = pin!(seq::iter(vec![seq::iter(vec![1, 2, 3])]).flatten());
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(1));
    assert_eq!(s.size_hint(), (2, Some(2)));
}

#[tokio::test]
async fn flatten_stopped_mid_inner_stops_the_inner_then_the_outer() {
    let log = Log::new();
    let inners = vec![
        logged_source("one", vec![1], &log),
        logged_source("two", vec![2, 3], &log),
    ];
    let outer = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<_>| async move {
            for inner in inners {
                let more = y.yield_(inner).await;
                log.push(format!("outer yield -> {more}"));
                if !more {
                    break;
                }
            }
            PendingOnce::new().await;
            log.push("outer cleanup");
        }
    });
    let v: Vec<u32> = outer.flatten().take(2).collect().await;
    assert_eq!(v, [1, 2]);
    let events = log.events();
    assert_eq!(
        events[events.len() - 4..],
        [
            "two yield 2 -> false",
            "two cleanup",
            "outer yield -> false",
            "outer cleanup"
        ]
    );
}

// ── merge ──

fn ticks(name: &'static str, every_ms: u64, n: usize) -> impl Seq<Item = &'static str> {
    seq::from_fn(move |mut y: Yield<&'static str>| async move {
        for _ in 0..n {
            tokio::time::sleep(Duration::from_millis(every_ms)).await;
            if !y.yield_(name).await {
                return;
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn merge_delivers_elements_in_order_of_arrival() {
    let got: Vec<_> = ticks("fast", 10, 4)
        .merge(ticks("slow", 25, 2))
        .collect()
        .await;
    // fast at 10, 20, 30, 40 ms; slow at 25, 50 ms.
    assert_eq!(got, ["fast", "fast", "slow", "fast", "fast", "slow"]);
}

#[tokio::test]
async fn merge_alternates_between_sides_that_are_always_ready() {
    let v: Vec<char> = seq::repeat_with(|| 'a')
        .merge(seq::repeat_with(|| 'b'))
        .take(6)
        .collect()
        .await;
    assert_eq!(v, ['a', 'b', 'a', 'b', 'a', 'b']);
}

#[tokio::test]
async fn merge_ends_only_when_both_sides_have_ended() {
    let log = Log::new();
    let mut v: Vec<u32> = seq::merge(
        logged_source("a", vec![1], &log),
        logged_source("b", vec![2, 3, 4], &log),
    )
    .collect()
    .await;
    v.sort();
    assert_eq!(v, [1, 2, 3, 4]);
    assert!(log.contains("a cleanup") && log.contains("b cleanup"));
}

#[tokio::test]
async fn merge_consumer_stop_stops_both_and_waits_for_their_cleanup() {
    let log = Log::new();
    let v: Vec<u32> = logged_source("a", (0..100).collect(), &log)
        .merge(logged_source("b", (100..200).collect(), &log))
        .take(3)
        .collect()
        .await;
    assert_eq!(v.len(), 3);
    let events = log.events();
    let stops: Vec<_> = events.iter().filter(|e| e.ends_with("-> false")).collect();
    assert_eq!(
        stops.len(),
        2,
        "each producer hears `false` once: {events:?}"
    );
    assert_eq!(
        events[events.len() - 2..],
        ["a cleanup", "b cleanup"],
        "both cleanups ran before `collect` returned"
    );
}

#[tokio::test]
async fn merge_delivers_errors_as_elements() {
    let a = seq::iter(vec![Ok(1), Err("boom"), Ok(2)]);
    let b = seq::iter(vec![Ok(10)]);
    let all: Vec<Result<i32, &str>> = a.clone().merge(b.clone()).collect().await;
    assert_eq!(all.len(), 4);
    assert!(all.contains(&Err("boom")));
    assert_eq!(seq::merge(a, b).try_collect::<Vec<_>>().await, Err("boom"));
}

#[tokio::test]
async fn merge_surfaces_a_panic_while_the_other_side_waits() {
    let (guard, dropped) = DropFlag::new();
    let msg = expect_panic(
        stuck(guard)
            .merge(panics_after_one(1, "branch failed"))
            .count(),
    )
    .await;
    assert_eq!(msg, "branch failed");
    // The waiting side was dropped with the merged sequence.
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn merge_dropped_mid_element_drops_both_producers() {
    let (ga, a_dropped) = DropFlag::new();
    let (gb, b_dropped) = DropFlag::new();
    let one = seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = ga;
        while y.yield_(1).await {}
    });
    let mut st = Box::pin(one.merge(stuck(gb)).stream());
    assert_eq!(st.next().await, Some(1));
    drop(st);
    assert!(a_dropped.load(Ordering::SeqCst));
    assert!(b_dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn merge_size_hint_is_correct_at_every_step() {
    assert_eq!(
        seq::iter([1, 2]).merge(seq::once(3)).size_hint(),
        (3, Some(3))
    );
    let log = Log::new();
    let got = collect_checking_size_hint(
        seq::iter(vec![1, 2])
            .merge(logged_source("b", vec![3, 4], &log))
            .stream(),
    )
    .await;
    // Interleaved by arrival: every element once, each source in order.
    let from_a: Vec<_> = got.iter().copied().filter(|x| *x <= 2).collect();
    let from_b: Vec<_> = got.iter().copied().filter(|x| *x > 2).collect();
    assert_eq!((from_a, from_b), (vec![1, 2], vec![3, 4]), "{got:?}");
}

#[test]
fn merge_stop_during_a_pending_cleanup_delivers_nothing_more() {
    let log = Log::new();
    let mut s = pin!(logged_source("a", vec![1, 2], &log).merge(logged_source("b", vec![3], &log)));
    let mut cx = noop_cx();
    assert!(s.as_mut().poll_next(&mut cx).is_pending()); // both start
    assert!(matches!(
        s.as_mut().poll_next(&mut cx),
        Poll::Ready(Some(_))
    ));
    assert!(s.as_mut().poll_stop(&mut cx).is_pending()); // cleanups pending
    assert_eq!(
        futures::executor::block_on(poll_fn(|cx| s.as_mut().poll_next(cx))),
        None
    );
    assert!(log.contains("a cleanup") && log.contains("b cleanup"));
}

// ── merge_all ──

#[tokio::test]
async fn merge_all_rotates_between_sources_that_are_always_ready() {
    let v: Vec<char> = seq::merge_all(['a', 'b', 'c'].map(|c| seq::repeat_with(move || c)))
        .take(7)
        .collect()
        .await;
    assert_eq!(v, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
}

#[tokio::test]
async fn merge_all_of_nothing_ends_at_once() {
    let none: Vec<seq::Iter<std::vec::IntoIter<u8>>> = Vec::new();
    assert_eq!(seq::merge_all(none).count().await, 0);
}

#[tokio::test]
async fn merge_all_delivers_everything_and_ends_when_every_source_ended() {
    let log = Log::new();
    let sources = vec![
        logged_source("a", vec![1, 2], &log),
        logged_source("b", vec![], &log),
        logged_source("c", vec![3, 4, 5], &log),
    ];
    let mut v: Vec<u32> = collect_checking_size_hint(seq::merge_all(sources).stream()).await;
    v.sort();
    assert_eq!(v, [1, 2, 3, 4, 5]);
    for name in ["a", "b", "c"] {
        assert!(log.contains(&format!("{name} cleanup")));
    }
}

#[tokio::test]
async fn merge_all_consumer_stop_stops_every_source_and_waits_for_cleanup() {
    let log = Log::new();
    let sources =
        ["a", "b", "c"].map(|name| logged_source(name, (0..100).collect::<Vec<u32>>(), &log));
    let v: Vec<u32> = seq::merge_all(sources).take(4).collect().await;
    assert_eq!(v.len(), 4);
    let events = log.events();
    assert_eq!(events.iter().filter(|e| e.ends_with("-> false")).count(), 3);
    let mut tail = events[events.len() - 3..].to_vec();
    tail.sort();
    assert_eq!(tail, ["a cleanup", "b cleanup", "c cleanup"]);
}

#[tokio::test]
async fn merge_all_surfaces_a_panic_in_any_source() {
    let (guard, dropped) = DropFlag::new();
    let sources: Vec<seqflow::BoxSeq<'static, u32>> = vec![
        stuck(guard).boxed(),
        seq::iter([1, 2]).boxed(),
        panics_after_one(3, "source 2 failed").boxed(),
    ];
    let msg = expect_panic(seq::merge_all(sources).count()).await;
    assert_eq!(msg, "source 2 failed");
    assert!(dropped.load(Ordering::SeqCst));
}

// ── Debug ──

#[test]
fn debug_shows_state_but_no_closures() {
    let s = seq::empty::<u8>;
    let chain = format!("{:?}", s().chain(s()));
    assert!(
        chain.starts_with("Chain { first: ") && chain.contains("first_done: false"),
        "{chain}"
    );
    let zip = format!("{:?}", s().zip(s()));
    assert!(
        zip.starts_with("Zip { a: ") && zip.contains("has_pending: false"),
        "{zip}"
    );
    let flat_map = format!("{:?}", seq::iter([1]).flat_map(|_| s()));
    assert!(
        flat_map.starts_with("FlatMap { outer: ") && flat_map.contains("inner: None"),
        "{flat_map}"
    );
    let flatten = format!("{:?}", seq::once(s()).flatten());
    assert!(flatten.starts_with("Flatten { outer: "), "{flatten}");
    let merge = format!("{:?}", s().merge(s()));
    assert!(
        merge.starts_with("Merge { a: ") && merge.contains("stopping: false"),
        "{merge}"
    );
    let merge_all = format!("{:?}", seq::merge_all([s(), s()]));
    assert!(
        merge_all.starts_with("MergeAll { seqs: [") && merge_all.contains("stopping: false"),
        "{merge_all}"
    );
}

#[tokio::test]
async fn merge_stopped_while_one_cleanup_panics_drops_the_other_side_as_documented() {
    let log = Log::new();
    let l = log.clone();
    let failing = seq::from_fn(|mut y: Yield<u32>| async move {
        while y.yield_(1).await {}
        panic!("cleanup failed");
    });
    let (guard, other_dropped) = DropFlag::new();
    let other = seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        while y.yield_(2).await {}
        tokio::task::yield_now().await;
        l.push("other cleanup");
    });
    let msg = expect_panic(failing.merge(other).take(2).count()).await;
    assert_eq!(msg, "cleanup failed");
    // The other side was not driven to its return: it was dropped with the
    // merged sequence, so its `Drop` guard ran and its async cleanup did not.
    assert!(other_dropped.load(Ordering::SeqCst));
    assert!(log.events().is_empty());
}

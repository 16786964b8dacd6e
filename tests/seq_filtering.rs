//! `filter`, `filter_map`, `take_while`, `skip` and `skip_while`: adapters
//! that drop elements.

mod support;

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;

use futures::StreamExt;
use futures_test::stream::StreamTestExt;
use seqflow::{Seq, Yield, seq};
use support::logged::{logged_below, logged_naturals, stopped_at};
use support::panics::expect_panic;
use support::{Log, collect_checking_size_hint};

/// `0..n` through `from_stream`, returning `Pending` (after a wake-up)
/// before each element: a lost wake-up hangs the test.
fn pending_between(n: u32) -> impl Seq<Item = u32> {
    seq::from_stream(futures::stream::iter(0..n).interleave_pending())
}

#[tokio::test]
async fn every_filtering_adapter_survives_pending_between_elements() {
    let even = pending_between(10).filter(|x| x % 2 == 0);
    assert_eq!(even.collect::<Vec<_>>().await, [0, 2, 4, 6, 8]);
    let halves = pending_between(10).filter_map(|x| (x % 2 == 0).then_some(x / 2));
    assert_eq!(halves.collect::<Vec<_>>().await, [0, 1, 2, 3, 4]);
    let small = pending_between(10).take_while(|x| *x < 3);
    assert_eq!(small.collect::<Vec<_>>().await, [0, 1, 2]);
    let tail = pending_between(10).skip(7);
    assert_eq!(tail.collect::<Vec<_>>().await, [7, 8, 9]);
    let big = pending_between(10).skip_while(|x| *x < 8);
    assert_eq!(big.collect::<Vec<_>>().await, [8, 9]);
}

// ── filter ──

#[tokio::test]
async fn filter_keeps_matches_and_hints_at_most_the_source() {
    let s = seq::iter(1..=6).filter(|x| x % 3 == 0);
    assert_eq!(s.size_hint(), (0, Some(6)));
    assert_eq!(collect_checking_size_hint(s.stream()).await, [3, 6]);
}

#[tokio::test]
async fn filter_skips_every_ready_rejected_element_in_one_poll() {
    // Outside tokio's cooperative budget, which would otherwise (rightly)
    // make the source yield after 128 elements: contract 21.
    tokio::task::coop::unconstrained(async {
        let mut st = pin!(seq::iter(0..1000).filter(|x| *x == 999).stream());
        assert_eq!(futures::poll!(st.next()), Poll::Ready(Some(999)));
        assert_eq!(futures::poll!(st.next()), Poll::Ready(None));
    })
    .await;
}

#[tokio::test]
async fn filter_rejecting_everything_still_spends_the_budget_and_yields() {
    // Contract 21: rejected elements count too, so a filter that rejects an
    // endless source cannot monopolise its thread.
    let mut st = pin!(seq::iter(0u64..).filter(|_| false).stream());
    assert_eq!(futures::poll!(st.next()), Poll::Pending);
}

#[tokio::test]
async fn filter_forwards_a_stop_and_cleanup_runs_before_the_consumer_returns() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log)
        .filter(|x| x % 2 == 1)
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 3]);
    assert_eq!(log.events(), stopped_at(3));
}

#[tokio::test]
async fn filter_debug_shows_the_source_not_the_predicate() {
    let s = seq::iter([1]).filter(|_| true);
    assert_eq!(
        format!("{s:?}"),
        "Filter { seq: Iter { iter: Some(IntoIter([1])) } }"
    );
}

// ── filter_map ──

#[tokio::test]
async fn filter_map_keeps_the_somes_and_hints_at_most_the_source() {
    let s = seq::iter(["4", "x", "2", ""]).filter_map(|s| s.parse::<u8>().ok());
    assert_eq!(s.size_hint(), (0, Some(4)));
    assert_eq!(collect_checking_size_hint(s.stream()).await, [4, 2]);
}

#[tokio::test]
async fn filter_map_forwards_a_stop() {
    let log = Log::new();
    let first = logged_naturals(&log)
        .filter_map(|x| (x > 1).then_some(x * 10))
        .first()
        .await;
    assert_eq!(first, Some(20));
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn filter_map_debug_shows_the_source_not_the_closure() {
    let s = seq::empty::<u8>().filter_map(Some);
    assert!(format!("{s:?}").starts_with("FilterMap { seq: Empty"));
}

// ── take_while ──

#[tokio::test]
async fn take_while_stops_the_producer_at_the_first_failure_after_its_cleanup() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log).take_while(|x| *x < 2).collect().await;
    assert_eq!(v, [0, 1]);
    // The failing element 2 was the last one asked for; the cleanup ran
    // before `collect` returned.
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn take_while_is_fused_and_never_calls_pred_after_the_failure() {
    let calls = Cell::new(0);
    let mut s = pin!(seq::iter([1, 2, 9, 3]).take_while(|x| {
        calls.set(calls.get() + 1);
        *x < 5
    }));
    assert_eq!(s.size_hint(), (0, Some(4)));
    let mut out = Vec::new();
    for _ in 0..5 {
        out.push(poll_fn(|cx| s.as_mut().poll_next(cx)).await);
    }
    assert_eq!(out, [Some(1), Some(2), None, None, None]);
    assert_eq!(calls.get(), 3);
    assert_eq!(s.size_hint(), (0, Some(0)));
    assert_eq!(
        format!("{s:?}"),
        "TakeWhile { seq: Iter { iter: None }, done: true }"
    );
}

#[tokio::test]
async fn take_while_over_a_source_that_ends_first_yields_everything() {
    let log = Log::new();
    let v: Vec<u32> = logged_below(3, &log).take_while(|_| true).collect().await;
    assert_eq!(v, [0, 1, 2]);
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
}

#[tokio::test]
async fn take_while_forwards_a_consumer_stop() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log)
        .take_while(|x| *x < 50)
        .take(1)
        .collect()
        .await;
    assert_eq!(v, [0]);
    assert_eq!(log.events(), stopped_at(0));
}

#[tokio::test]
async fn take_while_lets_a_panic_in_the_producers_cleanup_through() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        let mut i = 0;
        while y.yield_(i).await {
            i += 1;
        }
        tokio::task::yield_now().await;
        panic!("cleanup failed after {i}");
    });
    let msg = expect_panic(s.take_while(|x| *x < 3).collect::<Vec<_>>()).await;
    assert_eq!(msg, "cleanup failed after 3");
}

// ── skip ──

#[tokio::test]
async fn skip_drops_the_first_n_elements_and_subtracts_them_from_the_hint() {
    let s = seq::iter(0..5).skip(2);
    assert_eq!(s.size_hint(), (3, Some(3)));
    assert_eq!(
        format!("{s:?}"),
        "Skip { seq: Iter { iter: Some(0..5) }, remaining: 2 }"
    );
    assert_eq!(collect_checking_size_hint(s.stream()).await, [2, 3, 4]);
    let s = seq::iter(0..5).skip(9);
    assert_eq!(s.size_hint(), (0, Some(0)));
    assert_eq!(s.count().await, 0);
    assert_eq!(seq::iter(0..3).skip(0).count().await, 3);
}

#[tokio::test]
async fn skip_forwards_a_stop() {
    let log = Log::new();
    assert_eq!(logged_naturals(&log).skip(2).first().await, Some(2));
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn skip_counts_the_skipped_elements_across_pending_polls() {
    let mut st = pin!(pending_between(6).skip(4).stream());
    let mut pendings = 0;
    let first = loop {
        match futures::poll!(st.next()) {
            Poll::Pending => pendings += 1,
            Poll::Ready(v) => break v,
        }
    };
    assert_eq!(first, Some(4));
    assert_eq!(pendings, 5, "each element was behind one `Pending`");
    assert_eq!(st.next().await, Some(5));
}

// ── skip_while ──

#[tokio::test]
async fn skip_while_yields_from_the_first_failure_on_and_calls_pred_no_more() {
    let calls = Cell::new(0);
    let s = seq::iter([1, 2, 7, 1, 9]).skip_while(|x| {
        calls.set(calls.get() + 1);
        *x < 5
    });
    assert_eq!(s.size_hint(), (0, Some(5)));
    assert_eq!(collect_checking_size_hint(s.stream()).await, [7, 1, 9]);
    assert_eq!(calls.get(), 3);
}

#[tokio::test]
async fn skip_while_hint_is_exact_once_skipping_is_over() {
    let mut st = pin!(seq::iter([0, 5, 6, 7]).skip_while(|x| *x == 0).stream());
    assert_eq!(futures::Stream::size_hint(&*st), (0, Some(4)));
    assert_eq!(st.next().await, Some(5));
    assert_eq!(futures::Stream::size_hint(&*st), (2, Some(2)));
    assert_eq!(
        format!("{:?}", st.get_ref()),
        "SkipWhile { seq: Iter { iter: Some(IntoIter([6, 7])) }, skipping: false }"
    );
}

#[tokio::test]
async fn skip_while_forwards_a_stop() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log)
        .skip_while(|x| *x < 1)
        .take(2)
        .collect()
        .await;
    assert_eq!(v, [1, 2]);
    assert_eq!(log.events(), stopped_at(2));
}

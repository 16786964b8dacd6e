//! The terminal operations: results, short-circuiting and early stop.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use seqflow::{Seq, Yield, seq};
use support::Log;

/// Yields 1..=n and logs how far the producer got.
fn counted(n: u32, log: &Log) -> impl Seq<Item = u32> + use<> {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 1..=n {
            if !y.yield_(i).await {
                log.push(format!("stopped at {i}"));
                return;
            }
        }
        log.push("exhausted");
    })
}

// ── for_each ──

#[tokio::test]
async fn for_each_runs_an_async_body_per_element_in_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    seq::iter(0..4)
        .for_each(move |v| {
            let s = s.clone();
            async move {
                tokio::task::yield_now().await;
                s.lock().unwrap().push(v);
                true
            }
        })
        .await;
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2, 3]);
}

#[tokio::test]
async fn for_each_body_returning_false_on_the_last_element_still_stops() {
    let log = Log::new();
    counted(3, &log).for_each(|v| async move { v < 3 }).await;
    assert_eq!(log.events(), ["stopped at 3"]);
}

// ── try_for_each ──

#[tokio::test]
async fn try_for_each_ok_runs_to_the_end() {
    let log = Log::new();
    let fallible = seq::from_stream(futures::stream::iter(vec![Ok::<u32, String>(1), Ok(2)]));
    let mut sum = 0;
    let res = fallible
        .try_for_each(|v| {
            sum += v;
            async { Ok(()) }
        })
        .await;
    assert_eq!(res, Ok(()));
    assert_eq!(sum, 3);
    assert!(log.events().is_empty());
}

// ── collect / try_collect ──

#[tokio::test]
async fn collect_into_any_extend_collection() {
    let m: HashMap<&str, u8> = seq::iter([("a", 1), ("b", 2)]).collect().await;
    assert_eq!(m["b"], 2);
    let s: String = seq::iter(['h', 'i']).collect().await;
    assert_eq!(s, "hi");
    let set: BTreeSet<u8> = seq::iter([3, 1, 3]).collect().await;
    assert_eq!(set.len(), 2);
}

#[tokio::test]
async fn try_collect_stops_the_producer_at_the_first_error() {
    let log = Log::new();
    let l = log.clone();
    let s = seq::try_from_fn(move |mut y: Yield<u32>| async move {
        for i in 1..=10 {
            if !y.yield_(i).await {
                l.push(format!("stopped at {i}"));
                return Ok(());
            }
        }
        Ok::<(), String>(())
    });
    let checked = seq::from_stream(futures::StreamExt::map(s.stream(), |r| {
        r.and_then(|v| {
            if v == 3 {
                Err(format!("bad {v}"))
            } else {
                Ok(v)
            }
        })
    }));
    assert_eq!(
        checked.try_collect::<Vec<_>>().await,
        Err("bad 3".to_owned())
    );
}

// ── fold, count, last, min, max ──

#[tokio::test]
async fn fold_count_last_see_every_element() {
    let log = Log::new();
    assert_eq!(
        counted(4, &log)
            .fold(String::new(), |s, v| s + &v.to_string())
            .await,
        "1234"
    );
    assert_eq!(counted(4, &log).count().await, 4);
    assert_eq!(counted(4, &log).last().await, Some(4));
    assert_eq!(log.events(), ["exhausted"; 3]);
}

#[tokio::test]
async fn min_and_max_break_ties_like_std() {
    // (key, tag): ordering compares the key only.
    #[derive(Debug, Clone, Copy)]
    struct K(u8, char);
    impl PartialEq for K {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for K {}
    impl PartialOrd for K {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for K {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            self.0.cmp(&o.0)
        }
    }
    let items = [K(2, 'a'), K(1, 'b'), K(1, 'c'), K(3, 'd'), K(3, 'e')];
    let std_min = items.iter().copied().min().unwrap();
    let std_max = items.iter().copied().max().unwrap();
    assert_eq!(seq::iter(items).min().await.unwrap().1, std_min.1);
    assert_eq!(seq::iter(items).max().await.unwrap().1, std_max.1);
    assert_eq!(seq::empty::<u8>().max().await, None);
}

// ── first, find, any, all: short-circuit ──

#[tokio::test]
async fn short_circuiting_terminals_ask_for_no_element_past_the_answer() {
    let log = Log::new();
    assert_eq!(counted(10, &log).first().await, Some(1));
    assert_eq!(counted(10, &log).find(|v| *v == 4).await, Some(4));
    assert!(counted(10, &log).any(|v| v == 5).await);
    assert!(!counted(10, &log).all(|v| v < 6).await);
    assert_eq!(
        log.events(),
        [
            "stopped at 1",
            "stopped at 4",
            "stopped at 5",
            "stopped at 6"
        ]
    );
}

#[tokio::test]
async fn find_any_all_on_no_match_run_to_the_end() {
    let log = Log::new();
    assert_eq!(counted(3, &log).find(|v| *v > 9).await, None);
    assert!(!counted(3, &log).any(|v| v > 9).await);
    assert!(counted(3, &log).all(|v| v < 9).await);
    assert_eq!(log.events(), ["exhausted"; 3]);
}

// ── by reference ──

#[tokio::test]
async fn a_pinned_box_can_be_consumed_in_parts() {
    let mut s = Box::pin(seq::iter(1..=5));
    assert_eq!((&mut s).take(2).collect::<Vec<_>>().await, [1, 2]);
    // `take` stopped the underlying sequence: stopping is final.
    assert_eq!(s.count().await, 0);
}

#[tokio::test]
async fn terminal_futures_have_informative_debug() {
    let c = seq::iter([1, 2]).count();
    assert!(format!("{c:?}").starts_with("Count { seq: Iter"));
    let f = seq::iter([1, 2]).fold(0, |a, b| a + b);
    assert!(format!("{f:?}").contains("acc: Some(0)"));
}

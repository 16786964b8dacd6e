//! The latest-value operators (DESIGN.md contract 26): `conflate`,
//! `switch_map`, `combine_latest`.
//!
//! Timed cases run under tokio's paused clock; the property tests compare
//! `conflate` with what a slow consumer may see of a schedule, `switch_map`
//! with a `std::iter` model, and `combine_latest` with the invariants of
//! its pairs.

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, Yield, seq};
use tokio::time::Instant;

use support::laws::{Probe, break_after, items_and_pauses};
use support::logged::{logged_naturals, logged_source};
use support::panics::{expect_panic, panicking_after};
use support::{
    Log, LogOnDrop, alive_tasks, collect_checking_size_hint, current_thread_runtime,
    paused_runtime, settle_tasks_patiently, two_workers_runtime,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A source that yields `item` after sleeping `delay` ms, for each pair.
fn scheduled<T: Send + 'static>(schedule: Vec<(T, u64)>) -> impl Seq<Item = T> + Send + 'static {
    seq::from_fn(move |mut y: Yield<T>| async move {
        for (item, delay) in schedule {
            if delay > 0 {
                tokio::time::sleep(ms(delay)).await;
            }
            if !y.yield_(item).await {
                return;
            }
        }
    })
}

/// Consumes `s` spending `busy` ms on each element; returns the elements.
async fn slowly<S: Seq>(s: S, busy: u64) -> Vec<S::Item> {
    let mut out = Vec::new();
    s.for_each(|x| {
        out.push(x);
        async move {
            tokio::time::sleep(ms(busy)).await;
            true
        }
    })
    .await;
    out
}

// ── conflate ──

#[tokio::test(start_paused = true)]
async fn contract_26_conflate_keeps_only_the_newest_for_a_slow_consumer() {
    // Kotlin's `conflate` example: an element every 100 ms, a consumer
    // that takes 300 ms per element.
    let s = scheduled((1..=30).map(|i| (i, 100)).collect());
    let got = slowly(s.conflate(), 300).await;
    // The newest each time; never twice; the last one is never lost.
    assert_eq!(got.first(), Some(&1));
    assert_eq!(got.last(), Some(&30));
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    assert!(got.len() < 30, "nothing was conflated: {got:?}");
    assert_eq!(got, [1, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
}

#[tokio::test(start_paused = true)]
async fn contract_26_conflate_the_producer_never_waits_for_the_consumer() {
    let produced_at = Arc::new(std::sync::Mutex::new(Vec::new()));
    let p = produced_at.clone();
    let start = Instant::now();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..5 {
            p.lock().unwrap().push(start.elapsed().as_millis() as u64);
            if !y.yield_(i).await {
                return;
            }
            tokio::time::sleep(ms(10)).await;
        }
    });
    let got = slowly(s.conflate(), 1000).await;
    // The producer ran on while the consumer was busy for a second.
    assert_eq!(*produced_at.lock().unwrap(), [0, 10, 20, 30, 40]);
    assert_eq!(got, [0, 4]);
}

#[tokio::test(start_paused = true)]
async fn contract_26_conflate_a_prompt_consumer_sees_everything() {
    let s = scheduled((0..20).map(|i| (i, 5)).collect());
    let got = slowly(s.conflate(), 0).await;
    assert_eq!(got, (0..20).collect::<Vec<_>>());
}

#[test]
fn contract_26_conflate_task_ends_on_stop_drop_and_exhaustion_both_flavours() {
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            let before = alive_tasks();
            // Exhaustion.
            let v: Vec<u32> = seq::iter(0..100).conflate().collect().await;
            assert_eq!(v.last(), Some(&99));
            // Stop heard at `yield_`: the producer's cleanup runs first.
            let log = Log::new();
            let first = logged_naturals(&log).conflate().first().await;
            assert!(first.is_some());
            assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
            // Stop of a hung producer: dropped, no hang.
            let log = Log::new();
            let l = log.clone();
            let hung = seq::from_fn(move |mut y: Yield<u32>| async move {
                let _guard = LogOnDrop::armed(&l, "dropped");
                if !y.yield_(1).await {
                    return;
                }
                std::future::pending::<()>().await;
            });
            let mut s = pin!(hung.conflate());
            assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(1));
            tokio::time::timeout(
                Duration::from_secs(10),
                poll_fn(|cx| s.as_mut().poll_stop(cx)),
            )
            .await
            .expect("the stop hung");
            assert_eq!(log.events(), ["dropped"]);
            // Drop while running.
            let s = logged_naturals(&Log::new()).conflate();
            let mut s = Box::pin(s);
            assert!(poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_some());
            drop(s);
            assert_eq!(settle_tasks_patiently(before).await, before);
        });
    }
}

#[tokio::test(start_paused = true)]
async fn contract_26_conflate_panics_reach_the_consumer_after_the_element_before() {
    let before = alive_tasks();
    let mut s = pin!(panicking_after(1).conflate());
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    let msg = expect_panic(poll_fn(|cx| s.as_mut().poll_next(cx))).await;
    assert_eq!(msg, "producer failed after 1");
    assert_eq!(support::settle_tasks(before).await, before);
}

// ── switch_map ──

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_waits_for_the_replaced_inners_cleanup() {
    let log = Log::new();
    let outer = scheduled(vec![("a", 0), ("b", 25)]);
    let l = log.clone();
    let s = outer.switch_map(move |name: &'static str| {
        let l = l.clone();
        seq::from_fn(move |mut y: Yield<String>| async move {
            for i in 0..3 {
                // Listens for the stop while it waits, too.
                if y.until_stopped(tokio::time::sleep(ms(10))).await.is_none() {
                    break;
                }
                if !y.yield_(format!("{name}{i}")).await {
                    break;
                }
            }
            tokio::task::yield_now().await; // async cleanup
            l.push(format!("{name} cleanup"));
        })
    });
    let l = log.clone();
    s.for_each(|x| {
        l.push(x);
        async { true }
    })
    .await;
    assert_eq!(
        log.events(),
        ["a0", "a1", "a cleanup", "b0", "b1", "b2", "b cleanup"]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_drops_a_hung_inner_at_once() {
    let log = Log::new();
    let outer = scheduled(vec![(1u32, 0), (2, 50)]);
    let l = log.clone();
    let start = Instant::now();
    let got: Vec<(u32, u64)> = outer
        .switch_map(move |n| {
            let l = l.clone();
            seq::from_fn(move |mut y: Yield<(u32, u64)>| async move {
                let guard = LogOnDrop::armed(&l, "inner dropped");
                if !y.yield_((n, start.elapsed().as_millis() as u64)).await {
                    return guard.disarm();
                }
                if n == 1 {
                    std::future::pending::<()>().await; // hangs, deaf to stops
                }
                guard.disarm();
            })
        })
        .collect()
        .await;
    assert_eq!(got, [(1, 0), (2, 50)]);
    assert_eq!(log.events(), ["inner dropped"]);
}

#[test]
fn contract_26_switch_map_an_always_ready_inner_does_not_hold_the_switch_back() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        // Real time: an endless inner never lets a paused clock move.
        let outer = seq::from_fn(|mut y: Yield<u32>| async move {
            if !y.yield_(1).await {
                return;
            }
            tokio::time::sleep(ms(5)).await;
            y.yield_(2).await;
        });
        let got = tokio::time::timeout(
            Duration::from_secs(10),
            outer
                .switch_map(|n| seq::repeat_with(move || n))
                .take_while(|&n| n == 1)
                .count(),
        )
        .await
        .expect("the switch was held back");
        assert!(got > 0);
    });
}

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_nothing_of_a_replaced_inner_after_the_switch() {
    let outer = scheduled(vec![(0u32, 0), (1, 15), (2, 15), (3, 40)]);
    let got: Vec<u32> = outer
        .switch_map(|n| scheduled((0..4).map(move |i| (n * 10 + i, 10)).collect()))
        .collect()
        .await;
    // 0: 00 at 10; 1 at 15: 10 at 25; 2 at 30: 20 at 40, 21 at 50, 22 at 60;
    // 3 at 70: 30..33.
    assert_eq!(got, [0, 10, 20, 21, 22, 30, 31, 32, 33]);
}

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_ends_when_the_outer_and_the_last_inner_end() {
    let got: Vec<u32> = seq::iter(vec![1u32, 2, 3])
        .switch_map(|n| seq::iter(0..n))
        .collect()
        .await;
    // An always-ready outer replaces each inner before it yields.
    assert_eq!(got, [0, 1, 2]);
    let got: Vec<u32> = seq::empty::<u32>()
        .switch_map(|n| seq::iter(0..n))
        .collect()
        .await;
    assert!(got.is_empty());
}

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_stop_stops_outer_and_inner_with_their_cleanup() {
    let before = alive_tasks();
    let log = Log::new();
    let l = log.clone();
    let lo = log.clone();
    let outer = seq::from_fn(move |mut y: Yield<u32>| async move {
        if y.yield_(1).await
            && y.until_stopped(tokio::time::sleep(ms(1000)))
                .await
                .is_some()
        {
            y.yield_(2).await;
        }
        tokio::task::yield_now().await; // async cleanup
        lo.push("outer cleanup");
    });
    let s = outer.switch_map(move |n| {
        logged_source(
            if n == 1 { "inner1" } else { "inner2" },
            vec![n * 10, n * 10 + 1],
            &l,
        )
    });
    assert_eq!(s.first().await, Some(10));
    let events = log.events();
    assert!(events.contains(&"outer cleanup".to_owned()), "{events:?}");
    assert!(events.contains(&"inner1 cleanup".to_owned()), "{events:?}");
    assert!(
        !events.iter().any(|e| e.starts_with("inner2")),
        "{events:?}"
    );
    assert_eq!(support::settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_26_switch_map_panics_reach_the_consumer() {
    let msg = expect_panic(panicking_after(2).switch_map(seq::once).collect::<Vec<_>>()).await;
    assert_eq!(msg, "producer failed after 2");
    let msg = expect_panic(
        seq::iter([1u32])
            .switch_map(|_| panicking_after(1))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(msg, "producer failed after 1");
    let msg = expect_panic(
        seq::iter([1u32])
            .switch_map(|n| -> seq::Once<u32> { panic!("f failed on {n}") })
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(msg, "f failed on 1");
}

// ── combine_latest ──

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_pairs_on_every_new_element() {
    // RxJS combineLatest marble: a: '-a-b---c-|', b: '--x---y---z|'.
    let a = scheduled(vec![('a', 10), ('b', 20), ('c', 40)]);
    let b = scheduled(vec![('x', 20), ('y', 40), ('z', 40)]);
    let got: Vec<(char, char)> = a.combine_latest(b).collect().await;
    // a at 10 waits for x at 20; b at 30; y at 60; c at 70; z at 100 (a
    // ended at 70: its last element stays in the pairs).
    assert_eq!(
        got,
        [('a', 'x'), ('b', 'x'), ('b', 'y'), ('c', 'y'), ('c', 'z')]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_newest_before_the_first_pair() {
    let a = scheduled(vec![(1, 0), (2, 0), (3, 0)]);
    let b = scheduled(vec![('x', 10)]);
    let got: Vec<(u32, char)> = a.combine_latest(b).collect().await;
    assert_eq!(got, [(3, 'x')]);
}

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_a_side_without_elements_ends_it_and_stops_the_other() {
    let log = Log::new();
    let got: Vec<(u32, u32)> = logged_naturals(&log)
        .combine_latest(scheduled(Vec::<(u32, u64)>::new()))
        .collect()
        .await;
    assert!(got.is_empty());
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
    assert!(log.events().iter().any(|e| e.ends_with("-> false")));
}

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_fair_to_both_sides() {
    // Two always-ready sides: neither starves the other.
    let got: Vec<(u64, u64)> = seq::repeat_with(|| 0u64)
        .combine_latest(seq::iter(1u64..))
        .take(1000)
        .collect()
        .await;
    let b_moves = got.windows(2).filter(|w| w[0].1 != w[1].1).count();
    assert!(
        (400..=600).contains(&b_moves),
        "b moved {b_moves} times in 1000"
    );
}

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_stop_stops_both_sides_with_their_cleanup() {
    let before = alive_tasks();
    let log = Log::new();
    let s = logged_source("a", vec![1u32, 2, 3], &log).combine_latest(logged_source(
        "b",
        vec![10u32, 20, 30],
        &log,
    ));
    assert_eq!(s.first().await, Some((1, 10)));
    let events = log.events();
    assert!(events.contains(&"a cleanup".to_owned()), "{events:?}");
    assert!(events.contains(&"b cleanup".to_owned()), "{events:?}");
    assert_eq!(support::settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_26_combine_latest_panics_reach_the_consumer() {
    let msg = expect_panic(
        seq::iter(0u32..3)
            .combine_latest(panicking_after(2))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(msg, "producer failed after 2");
}

#[test]
fn contract_21_latest_operators_over_endless_sources_let_a_task_run() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        let cases: Vec<(&str, seqflow::BoxSeq<'static, u64>)> = vec![
            (
                "switch_map",
                seq::iter(0u64..).switch_map(seq::once).boxed(),
            ),
            (
                "switch_map inner",
                seq::once(0u64).switch_map(|_| seq::iter(0u64..)).boxed(),
            ),
            (
                "combine_latest",
                seq::iter(0u64..)
                    .combine_latest(seq::iter(0u64..))
                    .map(|(a, _)| a)
                    .boxed(),
            ),
            ("conflate", seq::iter(0u64..).conflate().boxed()),
        ];
        for (name, s) in cases {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            drop(tokio::spawn(async move { f.store(true, Ordering::SeqCst) }));
            let f = flag.clone();
            let n = tokio::time::timeout(
                Duration::from_secs(10),
                s.take_while(move |_| !f.load(Ordering::SeqCst)).count(),
            )
            .await;
            // `switch_map` over an endless outer yields nothing: it ends
            // only by the timeout; the others end once the task ran.
            if name != "switch_map" {
                n.unwrap_or_else(|_| panic!("{name} starved the task"));
            }
            assert!(flag.load(Ordering::SeqCst), "{name} starved the task");
        }
    });
}

// ── properties ──

/// What `switch_map(f)` yields over `v`, with a pause before each element
/// where `pauses` says: the outer is polled first, so an inner yields only
/// while the next outer element is not ready (one element per pause), and
/// the last inner runs to its end.
fn switch_map_model(v: &[i32], pauses: &[bool], f: impl Fn(i32) -> Vec<i32>) -> Vec<i32> {
    let mut out = Vec::new();
    for (i, &x) in v.iter().enumerate() {
        let inner = f(x);
        if i + 1 == v.len() {
            out.extend(inner);
        } else if pauses.get(i + 1).copied().unwrap_or(false) {
            out.extend(inner.into_iter().take(1));
        }
    }
    out
}

fn inner_of(x: i32) -> Vec<i32> {
    (0..x.rem_euclid(4)).map(|j| x * 10 + j).collect()
}

/// Checks the pairs of `combine_latest` over two sides that yield their
/// indices `0..na` and `0..nb`: each pair moves one side one step; the
/// first pair holds an element of each side; the last holds both sides'
/// last elements; nothing is yielded if a side is empty.
fn check_pairs(pairs: &[(usize, usize)], na: usize, nb: usize) -> Result<(), TestCaseError> {
    if na == 0 || nb == 0 {
        prop_assert!(pairs.is_empty());
        return Ok(());
    }
    let (first_a, first_b) = pairs[0];
    prop_assert!(
        first_a == 0 || first_b == 0,
        "the first pair waited too long: {pairs:?}"
    );
    prop_assert_eq!(pairs.last(), Some(&(na - 1, nb - 1)));
    for w in pairs.windows(2) {
        let (da, db) = (
            w[1].0 as isize - w[0].0 as isize,
            w[1].1 as isize - w[0].1 as isize,
        );
        prop_assert!(
            (da, db) == (1, 0) || (da, db) == (0, 1),
            "{w:?} in {pairs:?}"
        );
    }
    prop_assert_eq!(pairs.len(), (na - first_a) + (nb - first_b) - 1);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn contract_26_switch_map_agrees_with_its_model((v, pauses) in items_and_pauses(), brk in 0usize..10) {
        let f = |x: i32| seq::iter(inner_of(x));
        let got: Vec<i32> = block_on(collect_checking_size_hint(seq::iter(v.clone()).switch_map(f).stream()));
        prop_assert_eq!(&got, &switch_map_model(&v, &[], inner_of));
        let probe = Probe::new();
        let got: Vec<i32> = block_on(collect_checking_size_hint(probe.source(&v, &pauses).switch_map(f).stream()));
        let expect = switch_map_model(&v, &pauses, inner_of);
        prop_assert_eq!(&got, &expect);
        probe.check_cleaned()?;
        let probe = Probe::new();
        let got = block_on(break_after(probe.source(&v, &pauses).switch_map(f), brk));
        prop_assert_eq!(&got[..], &expect[..expect.len().min(brk + 1)]);
        probe.check_cleaned()?;
    }

    #[test]
    fn contract_26_combine_latest_pairs_move_one_side_at_a_time(
        (a, pa) in items_and_pauses(),
        (b, pb) in items_and_pauses(),
    ) {
        let idx = |v: &[i32]| (0..v.len()).collect::<Vec<usize>>();
        let (na, nb) = (a.len(), b.len());
        let got: Vec<(usize, usize)> =
            block_on(collect_checking_size_hint(seq::iter(idx(&a)).combine_latest(seq::iter(idx(&b))).stream()));
        check_pairs(&got, na, nb)?;
        let (probe_a, probe_b) = (Probe::new(), Probe::new());
        let got: Vec<(usize, usize)> = block_on(collect_checking_size_hint(
            probe_a.source(&idx(&a), &pa).combine_latest(probe_b.source(&idx(&b), &pb)).stream(),
        ));
        check_pairs(&got, na, nb)?;
        probe_a.check_cleaned()?;
        probe_b.check_cleaned()?;
    }

    #[test]
    fn contract_26_conflate_yields_an_increasing_subsequence_ending_with_the_last(
        delays in prop::collection::vec(0u64..20, 0..30),
        busy in 0u64..50,
    ) {
        let n = delays.len();
        let delays_positive = delays.iter().all(|&d| d > 0);
        let schedule: Vec<(usize, u64)> = delays.into_iter().enumerate().collect();
        let got = paused_runtime().block_on(async move {
            let before = alive_tasks();
            let got = slowly(scheduled(schedule).conflate(), busy).await;
            assert_eq!(support::settle_tasks(before).await, before);
            got
        });
        prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "order or twice: {:?}", got);
        prop_assert_eq!(got.last().copied(), n.checked_sub(1));
        if busy == 0 && delays_positive {
            prop_assert_eq!(got.len(), n, "a prompt consumer lost elements");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn contract_26_a_producer_that_ignores_false_panics_through_the_stop() {
    let deaf = || {
        seq::from_fn(|mut y: Yield<u32>| async move {
            for i in 0.. {
                let _ignored = y.yield_(i).await;
            }
        })
    };
    let msg = expect_panic(seq::once(0u32).switch_map(move |_| deaf()).first()).await;
    assert!(msg.contains("continued iteration"), "switch_map: {msg}");
    let msg = expect_panic(deaf().combine_latest(deaf()).first()).await;
    assert!(msg.contains("continued iteration"), "combine_latest: {msg}");
}

// ── both runtime flavours, and a consumer dropped at every await point ──

#[test]
fn contract_26_switch_map_and_combine_latest_stop_on_both_flavours() {
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            let before = alive_tasks();
            let log = Log::new();
            let l = log.clone();
            let s = logged_source("outer", vec![1u32], &log)
                .switch_map(move |n| logged_source("inner", vec![n, n + 1], &l));
            assert_eq!(s.first().await, Some(1));
            let events = log.events();
            assert!(events.contains(&"inner cleanup".to_owned()), "{events:?}");
            assert!(events.contains(&"outer cleanup".to_owned()), "{events:?}");

            let log = Log::new();
            let s = logged_source("a", vec![1u32, 2], &log).combine_latest(logged_source(
                "b",
                vec![3u32, 4],
                &log,
            ));
            assert_eq!(s.first().await, Some((1, 3)));
            let events = log.events();
            assert!(events.contains(&"a cleanup".to_owned()), "{events:?}");
            assert!(events.contains(&"b cleanup".to_owned()), "{events:?}");
            assert_eq!(settle_tasks_patiently(before).await, before);
        });
    }
}

#[tokio::test(start_paused = true)]
async fn contract_26_consumer_dropped_at_every_await_point_drops_every_source() {
    /// Yields `items` 5 ms apart; logs `"{name}"` at its start, `"end"` at
    /// its return and `dropped` if it is dropped mid-run.
    fn guarded(
        name: &'static str,
        dropped: &'static str,
        items: Vec<u32>,
        log: &Log,
    ) -> impl Seq<Item = u32> + Send + 'static + use<> {
        let log = log.clone();
        seq::from_fn(move |mut y: Yield<u32>| async move {
            log.push(name);
            let guard = LogOnDrop::armed(&log, dropped);
            for item in items {
                tokio::time::sleep(ms(5)).await;
                if !y.yield_(item).await {
                    break;
                }
            }
            guard.disarm();
            log.push("end");
        })
    }
    /// Every producer that started has returned or was dropped.
    fn check(log: &Log, k: usize) {
        let events = log.events();
        let count = |e: &str| events.iter().filter(|x| *x == e).count();
        let started = count("outer") + count("inner") + count("a") + count("b");
        let finished = count("end")
            + count("outer dropped")
            + count("inner dropped")
            + count("a dropped")
            + count("b dropped");
        assert_eq!(started, finished, "after {k} polls: {events:?}");
    }
    for k in 1..12 {
        let log = Log::new();
        let l = log.clone();
        let s = guarded("outer", "outer dropped", vec![1, 2, 3], &log)
            .switch_map(move |n| guarded("inner", "inner dropped", vec![n; 4], &l));
        let mut task = tokio_test::task::spawn(s.collect::<Vec<_>>());
        for _ in 0..k {
            if task.poll().is_ready() {
                break;
            }
            tokio::time::sleep(ms(3)).await;
        }
        drop(task);
        check(&log, k);

        let log = Log::new();
        let s = guarded("a", "a dropped", vec![1, 2, 3], &log).combine_latest(guarded(
            "b",
            "b dropped",
            vec![4, 5],
            &log,
        ));
        let mut task = tokio_test::task::spawn(s.collect::<Vec<_>>());
        for _ in 0..k {
            if task.poll().is_ready() {
                break;
            }
            tokio::time::sleep(ms(3)).await;
        }
        drop(task);
        check(&log, k);
    }
}

//! Behaviour of `SeqMap` (contract line 28): a keyed, changing set of
//! sequences merged by arrival.
//!
//! Every element arrives once with its key, in its sequence's order; each
//! key's end is reported; `remove` (and a replacing `insert`) stops the
//! sequence by the stop rule, its cleanup run before `Stopped` is reported;
//! the set can change between two elements; an always-ready member does
//! not starve the others and idle members are not polled per element; no
//! stop hangs on a hung member; panics surface; nothing is spawned (the
//! alive-task count never moves) on either runtime flavour.

mod support;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::seq::{KeyEvent, SeqMap};
use seqflow::{BoxSeq, Seq, Yield, seq};
use support::laws::{Probe, items_and_pauses};
use support::logged::{logged_naturals, logged_source, stopped_at};
use support::panics::expect_panic;
use support::{DropFlag, Log, alive_tasks, settle_tasks_patiently};
use tokio_test::{assert_pending, assert_ready, task};

/// Drains `map` through `next_event`.
async fn events<K, S>(map: &mut SeqMap<K, S>) -> Vec<(K, KeyEvent<S::Item>)>
where
    K: std::hash::Hash + Eq + Clone,
    S: Seq,
{
    let mut out = Vec::new();
    while let Some(e) = map.next_event().await {
        out.push(e);
    }
    out
}

/// A member that yields 0, then (once asked for more) waits for ever where
/// no stop is heard, holding a drop flag.
fn hung(guard: DropFlag) -> BoxSeq<'static, u32> {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        if y.yield_(0).await {
            std::future::pending::<()>().await;
        }
    })
    .boxed()
}

/// A sequence that never yields and counts how often it was polled.
struct Idle(Arc<AtomicUsize>);

impl Seq for Idle {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }

    fn poll_stop(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

// ── elements and ends ──

#[tokio::test]
async fn contract_28_seq_map_yields_every_element_with_its_key_in_order() {
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert("a", logged_source("a", vec![1, 2, 3], &log).boxed());
    map.insert("b", seq::iter(vec![10, 20]).boxed());
    map.insert("c", seq::empty().boxed());
    let got = events(&mut map).await;
    let of = |k: &str| -> Vec<_> {
        got.iter()
            .filter(|(key, _)| *key == k)
            .map(|(_, e)| *e)
            .collect()
    };
    assert_eq!(
        of("a"),
        [
            KeyEvent::Item(1),
            KeyEvent::Item(2),
            KeyEvent::Item(3),
            KeyEvent::End
        ]
    );
    assert_eq!(
        of("b"),
        [KeyEvent::Item(10), KeyEvent::Item(20), KeyEvent::End]
    );
    assert_eq!(of("c"), [KeyEvent::End]);
    // A sequence's end is reported after its cleanup.
    assert!(log.contains("a cleanup"));
    assert!(map.is_empty());
    assert_eq!(map.next().await, None);
}

#[tokio::test]
async fn contract_28_seq_map_as_a_seq_skips_ends_and_ends_when_empty() {
    let mut map = SeqMap::new();
    map.insert(1, seq::iter(vec!['x', 'y']));
    map.insert(2, seq::iter(vec!['z']));
    let mut got: Vec<(i32, char)> = (&mut map).collect().await;
    got.sort();
    assert_eq!(got, [(1, 'x'), (1, 'y'), (2, 'z')]);
    // Fused until something is inserted, then live again (as StreamMap).
    assert_eq!(map.next().await, None);
    map.insert(3, seq::iter(vec!['w']));
    assert_eq!(map.next().await, Some((3, 'w')));
    assert_eq!(map.next().await, None);
}

#[tokio::test]
async fn contract_28_insert_and_remove_while_running() {
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert("n", logged_naturals(&log).boxed());
    let mut seen = Vec::new();
    while let Some((k, v)) = map.next().await {
        seen.push((k, v));
        if v == 2 && k == "n" {
            map.insert("late", seq::iter(vec![100, 101]).boxed());
            assert!(map.remove("n"));
            assert!(!map.contains_key("n"));
            assert!(map.contains_key("late"));
        }
    }
    // Nothing of "n" after its removal; "late" delivered in full.
    assert_eq!(
        seen,
        [("n", 0), ("n", 1), ("n", 2), ("late", 100), ("late", 101)]
    );
    // The removed producer heard the stop at its pending `yield_` and its
    // cleanup ran before the map ended.
    assert_eq!(log.events(), stopped_at(2));
}

// ── stop by removal ──

#[tokio::test]
async fn contract_28_remove_stops_the_sequence_and_its_cleanup_runs_before_stopped() {
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert("n", logged_naturals(&log));
    assert_eq!(map.next().await, Some(("n", 0)));
    assert!(map.remove("n"));
    assert!(!map.remove("n"));
    assert_eq!((map.len(), map.stopping()), (0, 1));
    // The key can come back at once, while the old one stops.
    map.insert("n", logged_naturals(&Log::new()));
    let mut new_items = Vec::new();
    loop {
        match map.next_event().await.expect("the stop is reported") {
            ("n", KeyEvent::Stopped) => break,
            ("n", KeyEvent::Item(x)) => new_items.push(x),
            other => panic!("unexpected {other:?}"),
        }
    }
    // Its cleanup ran before `Stopped`; the new "n" runs meanwhile.
    assert_eq!(log.events(), stopped_at(0));
    let next = map.next().await.expect("the new sequence goes on");
    new_items.push(next.1);
    assert_eq!(new_items, (0..new_items.len() as u32).collect::<Vec<_>>());
}

#[tokio::test]
async fn contract_28_a_replacing_insert_stops_the_old_sequence() {
    let log = Log::new();
    let mut map = SeqMap::new();
    assert!(!map.insert('k', logged_naturals(&log).boxed()));
    assert_eq!(map.next().await, Some(('k', 0)));
    assert!(map.insert('k', seq::iter(vec![7]).boxed()));
    assert_eq!(map.len(), 1);
    let mut rest = events(&mut map).await;
    rest.sort_by_key(|(_, e)| *e == KeyEvent::Stopped);
    assert_eq!(
        rest,
        [
            ('k', KeyEvent::Item(7)),
            ('k', KeyEvent::End),
            ('k', KeyEvent::Stopped)
        ]
    );
    assert_eq!(log.events(), stopped_at(0));
}

#[tokio::test]
async fn contract_28_stopping_the_map_stops_every_member_and_waits_for_cleanup() {
    let log = Log::new();
    let mut map = SeqMap::new();
    for k in ["x", "y", "z"] {
        map.insert(k, logged_source(k, (0..100).collect(), &log).boxed());
    }
    let got = map.take(4).count().await;
    assert_eq!(got, 4);
    let cleaned = log
        .events()
        .iter()
        .filter(|e| e.ends_with("cleanup"))
        .count();
    assert_eq!(cleaned, 3, "{:?}", log.events());
}

#[tokio::test]
async fn contract_28_a_stopped_map_stays_stopped() {
    let mut map = SeqMap::new();
    map.insert(1, seq::iter(vec![1]).boxed());
    std::future::poll_fn(|cx| Pin::new(&mut map).poll_stop(cx)).await;
    let started = Arc::new(AtomicBool::new(false));
    let s = started.clone();
    map.insert(
        2,
        seq::from_fn(move |mut y: Yield<i32>| async move {
            s.store(true, Ordering::SeqCst);
            y.yield_(2).await;
        })
        .boxed(),
    );
    assert_eq!(map.next().await, None);
    assert!(
        !started.load(Ordering::SeqCst),
        "a stopped map started a sequence"
    );
}

// ── liveness ──

#[tokio::test]
async fn contract_28_a_hung_member_is_dropped_at_once_on_remove_and_on_stop() {
    let (g1, d1) = DropFlag::new();
    let mut map = SeqMap::new();
    map.insert("hung", hung(g1));
    assert_eq!(map.next().await, Some(("hung", 0)));
    // Asked for more, it now waits where no stop is heard.
    assert_pending!(task::spawn(map.next()).poll());
    map.remove("hung");
    // Dropped by its stop, not awaited.
    let stopped = tokio::time::timeout(Duration::from_secs(5), map.next_event()).await;
    assert_eq!(
        stopped.expect("the stop hung"),
        Some(("hung", KeyEvent::Stopped))
    );
    assert!(d1.load(Ordering::SeqCst));

    // Stopping the map: the hung member is dropped, the other one hears
    // the stop and cleans up.
    let (g2, d2) = DropFlag::new();
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert(1, hung(g2));
    map.insert(2, logged_naturals(&log).boxed());
    let n = tokio::time::timeout(Duration::from_secs(5), (&mut map).take(3).count()).await;
    assert_eq!(n.expect("the stop hung"), 3);
    assert!(d2.load(Ordering::SeqCst));
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn contract_28_a_member_that_ignores_false_panics_into_the_consumer() {
    let mut map = SeqMap::new();
    map.insert(
        "bad",
        seq::from_fn(|mut y: Yield<u32>| async move {
            y.yield_(0).await;
            y.yield_(1).await; // after `false`: a producer bug
        }),
    );
    assert_eq!(map.next().await, Some(("bad", 0)));
    map.remove("bad");
    let msg = expect_panic(map.next_event()).await;
    assert!(msg.contains("returned false"), "{msg}");
}

#[tokio::test]
async fn contract_28_panics_of_a_member_surface_and_drop_the_others() {
    let (guard, dropped) = DropFlag::new();
    let mut map = SeqMap::new();
    map.insert("ok", hung(guard));
    map.insert("bad", support::panics::panicking_after(2).boxed());
    let msg = expect_panic(async { while map.next().await.is_some() {} }).await;
    assert_eq!(msg, "producer failed after 2");
    drop(map);
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn contract_28_a_drop_that_panics_during_a_stop_surfaces() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert(
        1,
        seq::from_fn(|mut y: Yield<u32>| async move {
            let _bomb = PanicOnDrop;
            y.yield_(0).await;
            std::future::pending::<()>().await;
        })
        .boxed(),
    );
    map.insert(2, logged_naturals(&log).boxed());
    let msg = expect_panic((&mut map).take(3).count()).await;
    assert_eq!(msg, "drop failed");
    drop(map);
}

#[tokio::test]
async fn contract_28_a_consumer_dropped_at_each_await_point_drops_every_member() {
    for polls in 0..6 {
        let log = Log::new();
        let (g, d) = DropFlag::new();
        let mut map = SeqMap::new();
        map.insert("a", logged_source("a", vec![1, 2, 3], &log).boxed());
        map.insert("h", hung(g));
        let mut t = task::spawn(async move {
            let mut n = 0;
            while map.next().await.is_some() {
                n += 1;
            }
            n
        });
        for _ in 0..polls {
            if t.poll().is_ready() {
                break;
            }
        }
        drop(t);
        assert!(
            d.load(Ordering::SeqCst),
            "a member outlived the map ({polls} polls)"
        );
        assert!(!log.events().iter().any(|e| e == "a cleanup") || polls > 0);
    }
}

// ── fairness and wake-ups ──

#[tokio::test]
async fn contract_28_an_always_ready_member_does_not_starve_the_others() {
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert("busy", seq::repeat_with(|| 0).boxed());
    map.insert("slow", logged_source("slow", vec![1, 2, 3], &log).boxed());
    let mut slow = 0;
    for _ in 0..40 {
        if let Some(("slow", _)) = map.next().await {
            slow += 1;
        }
    }
    assert_eq!(slow, 3, "the slow member was starved");
    std::future::poll_fn(|cx| Pin::new(&mut map).poll_stop(cx)).await;
}

#[test]
fn contract_28_idle_members_are_not_polled_per_element() {
    let polls = Arc::new(AtomicUsize::new(0));
    let mut map: SeqMap<usize, BoxSeq<'static, u32>> = SeqMap::new();
    for k in 0..1000 {
        map.insert(k, Idle(polls.clone()).boxed());
    }
    map.insert(1000, seq::iter(0..500).boxed());
    let n = block_on(async {
        let mut n = 0;
        while let Some((k, _)) = map.next().await {
            assert_eq!(k, 1000);
            n += 1;
            if n == 500 {
                break;
            }
        }
        n
    });
    assert_eq!(n, 500);
    // Each idle member was polled once, when it was inserted: not once per
    // element.
    assert_eq!(polls.load(Ordering::SeqCst), 1000);
}

#[tokio::test]
async fn contract_28_a_member_wakes_the_map_by_its_own_waker() {
    let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
    let mut map = SeqMap::new();
    map.insert(
        "rx",
        seq::from_fn(move |mut y: Yield<u32>| async move {
            if let Ok(v) = rx.await {
                y.yield_(v).await;
            }
        }),
    );
    let mut next = task::spawn(map.next());
    assert_pending!(next.poll());
    assert!(!next.is_woken());
    tx.send(5).unwrap();
    assert!(next.is_woken());
    assert_eq!(assert_ready!(next.poll()), Some(("rx", 5)));
}

#[tokio::test]
async fn contract_28_next_is_cancel_safe() {
    let log = Log::new();
    let mut map = SeqMap::new();
    map.insert("a", logged_source("a", vec![1, 2, 3], &log));
    let mut got = Vec::new();
    // Each `next` polled once and dropped: no element is lost.
    for _ in 0..20 {
        let mut next = task::spawn(map.next());
        if let Poll::Ready(Some((_, v))) = next.poll() {
            got.push(v);
        }
    }
    assert_eq!(got, [1, 2, 3]);
}

// ── runtime flavours, tasks, cooperative budget ──

/// Members fed by spawned tasks through channels (wake-ups from other
/// threads on a multi-thread runtime), inserted and removed on the way.
async fn members_fed_by_tasks() {
    let before = alive_tasks();
    let mut map = SeqMap::new();
    let mut feeders = Vec::new();
    for k in 0..8u32 {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(2);
        feeders.push(tokio::spawn(async move {
            for i in 0..50 {
                if tx.send(i).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
        }));
        map.insert(
            k,
            seq::from_fn(move |mut y: Yield<u32>| async move {
                while let Some(v) = y.until_stopped(rx.recv()).await.flatten() {
                    if !y.yield_(v).await {
                        return;
                    }
                }
            })
            .boxed(),
        );
    }
    let mut last = [None::<u32>; 8];
    let mut total = 0;
    while let Some((k, v)) = map.next().await {
        let expected = last[k as usize].map_or(0, |l| l + 1);
        assert_eq!(v, expected, "key {k} out of order");
        last[k as usize] = Some(v);
        total += 1;
        if total == 100 {
            map.remove(&7);
        }
    }
    assert!((7 * 50..8 * 50).contains(&total), "{total}");
    for f in feeders {
        f.await.unwrap();
    }
    assert_eq!(settle_tasks_patiently(before).await, before);
}

#[test]
fn contract_28_members_woken_from_tasks_current_thread() {
    support::current_thread_runtime().block_on(members_fed_by_tasks());
}

#[test]
fn contract_28_members_woken_from_tasks_multi_thread() {
    let rt = support::two_workers_runtime();
    rt.block_on(members_fed_by_tasks());
    rt.block_on(async { tokio::spawn(members_fed_by_tasks()).await.unwrap() });
}

#[tokio::test(flavor = "current_thread")]
async fn contract_21_seq_map_over_endless_members_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let mut map = SeqMap::new();
    map.insert(0, seq::iter(0u64..).boxed());
    map.insert(1, seq::repeat_with(|| 1u64).boxed());
    let f = flag.clone();
    let n = map
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0 && flag.load(Ordering::SeqCst));
}

// ── model ──

proptest! {
    #[test]
    fn seq_map_delivers_every_element_once_in_each_keys_order(
        (v, p) in items_and_pauses(),
        chunk in 1usize..8,
        remove_at in proptest::option::of(0usize..45),
    ) {
        let probe = Probe::default();
        let keyed: Vec<Vec<i32>> = v.chunks(chunk).map(<[i32]>::to_vec).collect();
        let pauses: Vec<&[bool]> = p.chunks(chunk).collect();
        let mut map = SeqMap::new();
        for (k, items) in keyed.iter().enumerate() {
            map.insert(k, probe.source(items, pauses[k]).boxed());
        }
        let mut got: Vec<Vec<i32>> = vec![Vec::new(); keyed.len()];
        let mut ends = vec![0; keyed.len()];
        let mut removed = None;
        block_on(async {
            let mut n = 0;
            while let Some((k, e)) = map.next_event().await {
                match e {
                    KeyEvent::Item(x) => {
                        prop_assert_ne!(Some(k), removed, "an element after remove");
                        got[k].push(x);
                        if Some(n) == remove_at {
                            prop_assert!(map.remove(&k));
                            removed = Some(k);
                        }
                        n += 1;
                    }
                    KeyEvent::End | KeyEvent::Stopped => ends[k] += 1,
                }
            }
            Ok(())
        })?;
        for (k, want) in keyed.iter().enumerate() {
            prop_assert_eq!(ends[k], 1, "key {} ended {} times", k, ends[k]);
            if Some(k) == removed {
                prop_assert_eq!(&got[k][..], &want[..got[k].len()]);
            } else {
                prop_assert_eq!(&got[k], want);
            }
        }
        probe.check_cleaned()?;
    }
}

// ── Debug ──

#[test]
fn debug_shows_keys_and_stopping_but_no_sequences() {
    let mut map = SeqMap::new();
    map.insert("a", seq::iter(vec![1]));
    map.insert("b", seq::iter(vec![2]));
    map.remove("b");
    let shown = format!("{map:?}");
    assert_eq!(
        shown,
        r#"SeqMap { keys: ["a"], stopping: 1, stopped: false }"#
    );
}

//! `peek` and `next_if` on `Pull`, `Pull2` and `LocalPull`: the element
//! stays in the handle until it is taken, both are cancel safe, and a stop
//! or a drop disposes of a peeked element without delivering it.

mod support;

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Yield, pull, pull_local, pull2, seq};
use support::logged::{logged_naturals, stopped_at};
use support::{DropFlag, Log, PendingOnce};

/// `0..n`, suspending `i % 4` times before each element.
fn bumpy(n: u32) -> impl seqflow::Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..n {
            for _ in 0..i % 4 {
                PendingOnce::new().await;
            }
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

// ── peek ──

#[tokio::test]
async fn peek_leaves_the_element_for_next_and_asks_the_producer_once() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    assert_eq!(p.peek().await, Some(&0));
    assert_eq!(p.peek().await, Some(&0));
    assert_eq!(
        log.events(),
        ["start"],
        "a second peek does not resume the producer"
    );
    assert_eq!(p.next().await, Some(0));
    assert_eq!(
        log.events(),
        ["start"],
        "next after peek takes the held element"
    );
    assert_eq!(p.next().await, Some(1));
    assert_eq!(log.events(), ["start", "yield 0 -> true"]);
    p.stop().await;
}

#[tokio::test]
async fn peek_returns_none_at_the_end_and_after_a_stop() {
    let mut p = pull(seq::iter([1]));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.peek().await, None);
    assert!(p.is_done());
    let mut p = pull(seq::iter([1, 2]));
    p.stop().await;
    assert_eq!(p.peek().await, None);
}

#[tokio::test]
async fn a_stop_drops_the_peeked_element_undelivered_and_waits_for_the_cleanup() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.peek().await, Some(&1));
    p.stop().await;
    // The `yield_` of the peeked element saw `false`: it was never taken.
    assert_eq!(log.events(), stopped_at(1));
    assert_eq!(p.next().await, None);
}

#[tokio::test]
async fn dropping_the_handle_drops_the_peeked_element() {
    let (flag, dropped) = DropFlag::new();
    let mut p = pull(seq::once(flag));
    assert!(p.peek().await.is_some());
    assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
    drop(p);
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn the_stream_and_into_seq_yield_the_peeked_element_first() {
    let mut p = pull(seq::iter(1..=4));
    assert_eq!(p.peek().await, Some(&1));
    assert_eq!(futures::Stream::size_hint(&p), (4, Some(4)));
    assert_eq!(p.next().await, Some(1));
    assert_eq!(p.peek().await, Some(&2));
    assert_eq!(StreamExt::next(&mut p).await, Some(2));
    assert_eq!(p.peek().await, Some(&3));
    let rest: Vec<_> = seqflow::Seq::collect(p.into_seq()).await;
    assert_eq!(rest, [3, 4]);
}

#[tokio::test]
async fn peek_dropped_after_any_number_of_polls_loses_no_element() {
    let mut p = pull(bumpy(30));
    let mut got = Vec::new();
    let mut polls_before_drop = 0usize;
    loop {
        polls_before_drop = polls_before_drop % 3 + 1;
        let out = {
            let mut peek = pin!(p.peek());
            let mut out = None;
            for _ in 0..polls_before_drop {
                if let std::task::Poll::Ready(v) = futures::poll!(peek.as_mut()) {
                    out = Some(v.copied());
                    break;
                }
            }
            out
        };
        match out {
            Some(Some(_)) => got.push(p.next().await.expect("the peeked element")),
            Some(None) => break,
            None => {} // dropped mid-`peek`
        }
    }
    assert_eq!(got, (0..30).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn peek_and_next_if_losing_a_select_lose_no_element() {
    let mut p = pull(seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..6 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if !y.yield_(i).await {
                return;
            }
        }
    }));
    let mut got = Vec::new();
    let mut lost_races = 0;
    loop {
        if got.len() % 2 == 0 {
            tokio::select! {
                v = p.next_if(|x| x % 2 == 0) => match v {
                    Some(v) => got.push(v),
                    None => break,
                },
                () = tokio::time::sleep(Duration::from_millis(3)) => lost_races += 1,
            }
        } else {
            let peeked = tokio::select! {
                v = p.peek() => Some(v.copied()),
                () = tokio::time::sleep(Duration::from_millis(3)) => None,
            };
            match peeked {
                Some(Some(_)) => got.push(p.next().await.unwrap()),
                Some(None) => break,
                None => lost_races += 1,
            }
        }
    }
    assert_eq!(got, [0, 1, 2, 3, 4, 5]);
    assert!(
        lost_races >= 6,
        "peek/next_if never lost a race: {lost_races}"
    );
}

// ── next_if ──

#[tokio::test]
async fn next_if_takes_a_run_and_leaves_the_first_element_after_it() {
    let log = Log::new();
    let mut p = pull(logged_naturals(&log));
    let mut small = Vec::new();
    while let Some(x) = p.next_if(|x| *x < 3).await {
        small.push(x);
    }
    assert_eq!(small, [0, 1, 2]);
    assert_eq!(p.peek().await, Some(&3));
    assert_eq!(p.next().await, Some(3));
    p.stop().await;
    // 3 was taken from the handle, so the producer was not resumed after
    // it: its `yield_` of 3 is the one that sees the stop.
    assert_eq!(log.events(), stopped_at(3));
}

#[tokio::test]
async fn next_if_at_the_end_is_none_and_does_not_call_f() {
    let mut p = pull(seq::empty::<u8>());
    assert_eq!(p.next_if(|_| panic!("f called at the end")).await, None);
    assert!(p.is_done());
}

#[tokio::test]
async fn next_if_dropped_after_any_number_of_polls_loses_no_element() {
    let mut p = pull(bumpy(30));
    let mut got = Vec::new();
    let mut polls_before_drop = 0usize;
    loop {
        polls_before_drop = polls_before_drop % 3 + 1;
        let mut next = pin!(p.next_if(|_| true));
        let mut out = None;
        for _ in 0..polls_before_drop {
            if let std::task::Poll::Ready(v) = futures::poll!(next.as_mut()) {
                out = Some(v);
                break;
            }
        }
        match out {
            Some(Some(v)) => got.push(v),
            Some(None) => break,
            None => {}
        }
    }
    assert_eq!(got, (0..30).collect::<Vec<_>>());
}

// ── Pull2 ──

#[tokio::test]
async fn pull2_peek_and_next_if_work_on_pairs() {
    let mut p = pull2(seq::iter([("Host", "a"), ("Accept", "b"), ("", "")]));
    assert_eq!(p.peek().await, Some((&"Host", &"a")));
    let mut headers = Vec::new();
    while let Some(h) = p.next_if(|k, _| !k.is_empty()).await {
        headers.push(h);
    }
    assert_eq!(headers, [("Host", "a"), ("Accept", "b")]);
    assert_eq!(p.next().await, Some(("", "")));
    assert_eq!(p.peek().await, None);
}

// ── LocalPull ──

#[tokio::test(flavor = "current_thread")]
async fn local_pull_peek_and_next_if_keep_the_element_in_the_handle() {
    let log = Log::new();
    let mut p = pull_local(logged_naturals(&log));
    assert_eq!(p.peek().await, Some(&0));
    assert_eq!(p.next_if(|x| *x > 0).await, None);
    assert_eq!(p.next_if(|x| *x == 0).await, Some(0));
    assert_eq!(p.peek().await, Some(&1));
    p.stop().await;
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test(flavor = "current_thread")]
async fn local_pull_peek_dropped_after_any_number_of_polls_loses_no_element() {
    let mut p = pull_local(bumpy(20));
    let mut got = Vec::new();
    let mut polls_before_drop = 0usize;
    loop {
        polls_before_drop = polls_before_drop % 3 + 1;
        let out = {
            let mut peek = pin!(p.peek());
            let mut out = None;
            for _ in 0..polls_before_drop {
                if let std::task::Poll::Ready(v) = futures::poll!(peek.as_mut()) {
                    out = Some(v.copied());
                    break;
                }
            }
            out
        };
        match out {
            Some(Some(_)) => got.push(p.next().await.expect("the peeked element")),
            Some(None) => break,
            None => {}
        }
    }
    assert_eq!(got, (0..20).collect::<Vec<_>>());
}

//! The pull handles beyond the numbered contract: `Debug`, `size_hint`,
//! `is_done`, `pull2`, the `Seq` view, and where `pull` reports a missing
//! runtime.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use seqflow::{Pull, Pull2, Seq, Yield, pull, pull2, seq};
use support::Log;

// ── Debug ──

#[tokio::test]
async fn debug_shows_whether_the_handle_started_and_is_done() {
    let mut p = pull(seq::iter([1]));
    assert_eq!(
        format!("{p:?}"),
        "Pull { is_done: false, is_started: false }"
    );
    assert_eq!(p.next().await, Some(1));
    assert_eq!(
        format!("{p:?}"),
        "Pull { is_done: false, is_started: true }"
    );
    assert_eq!(p.next().await, None);
    assert_eq!(format!("{p:?}"), "Pull { is_done: true, is_started: true }");

    let mut p2 = pull2(seq::iter([(1, 2)]));
    assert_eq!(
        format!("{p2:?}"),
        "Pull2 { is_done: false, is_started: false }"
    );
    p2.stop().await;
    assert_eq!(
        format!("{p2:?}"),
        "Pull2 { is_done: true, is_started: true }"
    );
}

// ── size_hint ──

#[tokio::test]
async fn size_hint_follows_the_sequence_and_is_zero_once_stopping() {
    let mut p = pull(seq::iter(0..5));
    assert_eq!(futures::Stream::size_hint(&p), (5, Some(5)));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(futures::Stream::size_hint(&p), (4, Some(4)));
    assert_eq!(p.peek().await, Some(&1));
    assert_eq!(
        futures::Stream::size_hint(&p),
        (4, Some(4)),
        "a peeked element counts"
    );
    let s = p.into_seq();
    assert_eq!(Seq::size_hint(&s), (4, Some(4)));
    let mut p = s.into_inner();
    p.stop().await;
    assert_eq!(futures::Stream::size_hint(&p), (0, Some(0)));

    let p2 = pull2(seq::iter([(1, 'a'), (2, 'b')]));
    assert_eq!(futures::Stream::size_hint(&p2), (2, Some(2)));
}

// ── the Seq view ──

#[tokio::test]
async fn a_pull_feeds_terminal_operations_after_a_few_nexts() {
    let log = Log::new();
    let l = log.clone();
    let mut p = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..10 {
            if !y.yield_(i).await {
                l.push(format!("stopped at {i}"));
                return;
            }
        }
    }));
    assert_eq!(p.next().await, Some(0));
    assert_eq!(p.next().await, Some(1));
    // The rest, through `Seq` methods; `first` stops the producer.
    let mut s = p.into_seq();
    assert_eq!(Seq::first(&mut s).await, Some(2));
    let mut p = s.into_inner();
    assert_eq!(log.events(), ["stopped at 2"]);
    assert!(p.is_done());
    assert_eq!(p.next().await, None);
}

#[tokio::test]
async fn pull2_is_a_seq_of_pairs() {
    let p: Pull2<&str, u32> = pull2(seq::iter([("a", 1), ("b", 2), ("c", 3)]));
    let firsts: Vec<(&str, u32)> = p.into_seq().take(2).collect().await;
    assert_eq!(firsts, [("a", 1), ("b", 2)]);
}

#[tokio::test]
async fn pull2_stop_waits_for_the_cleanup_and_resumes_its_panic() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let mut p = pull2(seq::from_fn(move |mut y: Yield<(u8, char)>| async move {
        while y.yield_((1, 'x')).await {}
        tokio::task::yield_now().await;
        c.store(true, Ordering::SeqCst);
    }));
    assert_eq!(p.next().await, Some((1, 'x')));
    p.stop().await;
    assert!(cleaned.load(Ordering::SeqCst));
    assert!(p.is_done());

    let mut p = pull2(seq::from_fn(|mut y: Yield<(u8, u8)>| async move {
        y.yield_((0, 0)).await;
        panic!("pair producer failed");
    }));
    assert_eq!(p.next().await, Some((0, 0)));
    let err = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(p.next()))
        .await
        .unwrap_err();
    assert_eq!(
        support::panics::panic_message(&*err),
        "pair producer failed"
    );
    assert_eq!(p.next().await, None);
}

#[tokio::test]
async fn a_pull_of_a_pull_forwards_stop_to_the_inner_producer() {
    let log = Log::new();
    let l = log.clone();
    let inner: Pull<u32> = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
        let mut i = 0;
        while y.yield_(i).await {
            i += 1;
        }
        tokio::task::yield_now().await;
        l.push("inner cleanup");
    }));
    let mut outer = pull(inner.into_seq());
    assert_eq!(outer.next().await, Some(0));
    outer.stop().await;
    assert_eq!(log.events(), ["inner cleanup"]);
}

#[tokio::test]
async fn stream_combinators_see_a_fused_stream() {
    let p = pull(seq::iter(1..=4));
    // A `Pull` is not a `Seq`: method syntax finds `StreamExt::filter`.
    let evens: Vec<i32> = p.filter(|x| std::future::ready(x % 2 == 0)).collect().await;
    assert_eq!(evens, [2, 4]);
}

// ── size hint during a stop ──

#[tokio::test]
async fn a_pull_whose_stop_is_under_way_hints_no_more_elements() {
    let s = seqflow::seq::from_fn(|mut y: seqflow::Yield<u32>| async move {
        if !y.yield_(1).await {
            support::PendingOnce::new().await; // async cleanup
        }
    });
    let mut p = seqflow::pull(s);
    assert_eq!(p.next().await, Some(1));
    assert_eq!(futures::Stream::size_hint(&p), (0, None));
    // The stop is cancelled after its first poll, while the cleanup waits.
    {
        let mut stop = std::pin::pin!(p.stop());
        let mut cx = support::noop_cx();
        assert!(std::future::Future::poll(stop.as_mut(), &mut cx).is_pending());
    }
    assert_eq!(futures::Stream::size_hint(&p), (0, Some(0)));
    p.stop().await;
    assert_eq!(futures::Stream::size_hint(&p), (0, Some(0)));
}

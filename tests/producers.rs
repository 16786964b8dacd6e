//! The producers of `seqflow::seq`: behaviour beyond the contract lines.

mod support;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use futures_test::stream::StreamTestExt;
use seqflow::{Seq, Yield, seq};

// ── from_fn ──

#[tokio::test]
async fn from_fn_producer_may_await_between_yields() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..3 {
            tokio::task::yield_now().await;
            if !y.yield_(i).await {
                return;
            }
        }
    });
    assert_eq!(s.collect::<Vec<_>>().await, [0, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn from_fn_wakes_the_consumer_when_the_producer_is_ready() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..3 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if !y.yield_(i).await {
                return;
            }
        }
    });
    let start = tokio::time::Instant::now();
    assert_eq!(s.collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(start.elapsed().as_secs(), 3);
}

#[tokio::test]
async fn from_fn_empty_producer_yields_nothing() {
    let s = seq::from_fn(|_y: Yield<u8>| async {});
    assert_eq!(s.count().await, 0);
}

#[tokio::test]
async fn from_fn_size_hint_is_unknown_then_exact_when_finished() {
    let mut s = Box::pin(seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
    }));
    assert_eq!(s.size_hint(), (0, None));
    assert_eq!((&mut s).count().await, 1);
    assert_eq!(s.size_hint(), (0, Some(0)));
}

#[tokio::test]
async fn from_fn_debug_shows_progress_not_closures() {
    let mut s = Box::pin(seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
        y.yield_(2).await;
    }));
    assert_eq!(
        format!("{s:?}"),
        "FromFn { started: false, finished: false }"
    );
    let mut st = pin!((&mut s).stream());
    assert_eq!(st.next().await, Some(1));
    assert_eq!(
        format!("{:?}", st.get_ref()),
        "FromFn { started: true, finished: false }"
    );
}

#[test]
#[should_panic(expected = "cannot clone a sequence whose producer has started")]
fn from_fn_clone_after_start_panics_with_a_clear_message() {
    let mut s = Box::pin(seq::from_fn(|mut y: Yield<u8>| async move {
        y.yield_(1).await;
    }));
    futures::executor::block_on(async {
        let mut st = pin!((&mut s).stream());
        st.next().await;
    });
    let _ = s.clone();
}

// ── try_from_fn ──

#[tokio::test]
async fn try_from_fn_question_mark_ends_the_sequence_with_the_error() {
    fn parse(lines: &'static [&'static str]) -> impl Seq<Item = Result<u8, String>> {
        seq::try_from_fn(move |mut y: Yield<u8>| async move {
            for line in lines {
                let n: u8 = line.parse().map_err(|e| format!("{line}: {e}"))?;
                if !y.yield_(n).await {
                    break;
                }
            }
            Ok(())
        })
    }
    assert_eq!(parse(&["1", "2"]).collect::<Vec<_>>().await, [Ok(1), Ok(2)]);
    let v = parse(&["1", "x", "3"]).collect::<Vec<_>>().await;
    assert_eq!(v.len(), 2);
    assert_eq!(v[0], Ok(1));
    assert!(v[1].as_ref().unwrap_err().starts_with("x: "));
}

#[tokio::test]
async fn try_from_fn_error_after_stop_is_dropped() {
    let s = seq::try_from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        Err::<(), _>("cleanup failed")
    });
    assert_eq!(s.take(2).collect::<Vec<_>>().await, [Ok(1), Ok(1)]);
}

#[tokio::test]
async fn try_from_fn_error_returned_right_after_a_yield_is_the_next_item() {
    // The producer's `yield_` loses a `select!` against an error path: the
    // element already handed over is delivered, then the error.
    let s = seq::try_from_fn(|mut y: Yield<u8>| async move {
        tokio::select! {
            biased;
            _ = y.yield_(1) => {}
            _ = std::future::ready(()) => {}
        }
        Err::<(), _>("after")
    });
    assert_eq!(s.collect::<Vec<_>>().await, [Ok(1), Err("after")]);
}

// ── iter ──

#[tokio::test]
async fn iter_forwards_size_hint_and_fuses() {
    let mut s = Box::pin(seq::iter(vec![1, 2, 3]));
    assert_eq!(s.size_hint(), (3, Some(3)));
    let mut st = pin!((&mut s).stream());
    assert_eq!(st.next().await, Some(1));
    assert_eq!(futures::Stream::size_hint(&*st), (2, Some(2)));
    assert_eq!(st.by_ref().collect::<Vec<_>>().await, [2, 3]);
    assert_eq!(futures::Stream::size_hint(&*st), (0, Some(0)));
}

#[tokio::test]
async fn iter_stop_drops_the_iterator() {
    let (guard, dropped) = support::DropFlag::new();
    let items = (0..10).inspect(move |_| {
        let _keep = &guard;
    });
    assert_eq!(seq::iter(items).first().await, Some(0));
    assert!(dropped.load(Ordering::SeqCst));
}

// ── from_stream ──

#[tokio::test]
async fn from_stream_survives_pending_between_items() {
    // `interleave_pending` returns `Pending` (after waking) before each
    // item: a lost wakeup would hang this test.
    let st = futures::stream::iter(0..5).interleave_pending();
    assert_eq!(
        seq::from_stream(st).collect::<Vec<_>>().await,
        [0, 1, 2, 3, 4]
    );
}

#[tokio::test]
async fn from_stream_stop_drops_the_stream() {
    let (guard, dropped) = support::DropFlag::new();
    let st = futures::stream::iter(0..10).inspect(move |_| {
        let _keep = &guard;
    });
    assert_eq!(
        seq::from_stream(st).take(2).collect::<Vec<_>>().await,
        [0, 1]
    );
    assert!(dropped.load(Ordering::SeqCst));
}

// ── once, empty, repeat_with, unfold ──

#[tokio::test]
async fn once_yields_its_value_then_ends() {
    let mut s = Box::pin(seq::once("v"));
    assert_eq!(s.size_hint(), (1, Some(1)));
    assert_eq!((&mut s).collect::<Vec<_>>().await, ["v"]);
    assert_eq!(s.size_hint(), (0, Some(0)));
    assert_eq!(s.count().await, 0);
}

#[tokio::test]
async fn empty_is_empty_and_clone() {
    let e = seq::empty::<u8>();
    assert_eq!(e.size_hint(), (0, Some(0)));
    assert_eq!(e.clone().count().await, 0);
    assert_eq!(e.first().await, None);
}

#[tokio::test]
async fn repeat_with_calls_its_closure_once_per_element_taken() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let s = seq::repeat_with(move || c.fetch_add(1, Ordering::SeqCst));
    assert_eq!(s.size_hint(), (usize::MAX, None));
    assert_eq!(s.take(4).collect::<Vec<_>>().await, [0, 1, 2, 3]);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn unfold_runs_each_step_on_demand_only() {
    let steps = Arc::new(AtomicUsize::new(0));
    let st = steps.clone();
    let s = seq::unfold(0u32, move |n| {
        st.fetch_add(1, Ordering::SeqCst);
        async move { Some((n, n + 1)) }
    });
    assert_eq!(steps.load(Ordering::SeqCst), 0);
    assert_eq!(s.take(3).collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(
        steps.load(Ordering::SeqCst),
        3,
        "a step ran ahead of demand"
    );
}

#[tokio::test]
async fn unfold_ends_at_none() {
    let s = seq::unfold(3u32, |n| async move { n.checked_sub(1).map(|m| (n, m)) });
    assert_eq!(s.collect::<Vec<_>>().await, [3, 2, 1]);
}

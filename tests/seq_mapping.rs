//! `map`, `map_ok`, `map_err`, `then` and `inspect`: element-wise adapters
//! that keep every element.

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures::StreamExt;
use futures_test::stream::StreamTestExt;
use seqflow::{Seq, Yield, seq};
use support::logged::{logged_below, logged_naturals, stopped_at};
use support::panics::{expect_panic, panicking_after};
use support::{DropFlag, Log, PendingOnce, collect_checking_size_hint};

// ── map ──

#[tokio::test]
async fn map_transforms_in_order_and_keeps_the_size_hint() {
    let s = seq::iter(0..4).map(|x| x * 10);
    assert_eq!(s.size_hint(), (4, Some(4)));
    assert_eq!(
        collect_checking_size_hint(s.stream()).await,
        [0, 10, 20, 30]
    );
}

#[tokio::test]
async fn map_calls_f_once_per_delivered_element_only() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let log = Log::new();
    let s = logged_naturals(&log).map(move |x| {
        c.fetch_add(1, Ordering::SeqCst);
        x + 1
    });
    assert_eq!(s.take(3).collect::<Vec<_>>().await, [1, 2, 3]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn map_forwards_a_stop_and_cleanup_runs_before_the_consumer_returns() {
    let log = Log::new();
    let mut seen = Vec::new();
    logged_naturals(&log)
        .map(|x| x * 2)
        .for_each(|x| {
            seen.push(x);
            async move { x < 2 }
        })
        .await;
    assert_eq!(seen, [0, 2]);
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn map_lets_a_producer_panic_through() {
    let msg = expect_panic(panicking_after(2).map(|x| x + 1).collect::<Vec<_>>()).await;
    assert_eq!(msg, "producer failed after 2");
}

#[tokio::test]
async fn map_debug_shows_the_source_not_the_closure() {
    let s = seq::iter([1]).map(|x| x + 1);
    assert_eq!(
        format!("{s:?}"),
        "Map { seq: Iter { iter: Some(IntoIter([1])) } }"
    );
}

// ── map_ok, map_err ──

#[derive(Debug, PartialEq)]
enum AppError {
    Parse(String),
    Io,
}

#[tokio::test]
async fn map_ok_maps_values_and_passes_errors_through_without_ending() {
    let s = seq::iter([Ok(1), Err("bad"), Ok(3)]).map_ok(|x: u32| x * 10);
    assert_eq!(s.size_hint(), (3, Some(3)));
    assert_eq!(
        collect_checking_size_hint(s.stream()).await,
        [Ok(10), Err("bad"), Ok(30)]
    );
}

#[tokio::test]
async fn map_ok_and_map_err_on_a_try_producer_bring_errors_to_one_type() {
    let rows = seq::try_from_fn(|mut y: Yield<&str>| async move {
        for row in ["1", "2", "x"] {
            if !y.yield_(row).await {
                return Ok(());
            }
        }
        Err(std::io::Error::other("connection reset"))
    });
    let parsed = rows
        .map_err(|_: std::io::Error| AppError::Io)
        .map_ok(|row| {
            row.parse::<u32>()
                .map_err(|e| AppError::Parse(e.to_string()))
        })
        .map(|r| r.and_then(|inner| inner));
    assert_eq!(
        parsed.collect::<Vec<_>>().await,
        [
            Ok(1),
            Ok(2),
            Err(AppError::Parse("invalid digit found in string".into())),
            Err(AppError::Io),
        ]
    );
}

#[tokio::test]
async fn map_ok_and_map_err_forward_a_stop_and_cleanup_runs_first() {
    let log = Log::new();
    let firsts = logged_naturals(&log)
        .map(|x| if x % 2 == 0 { Ok(x) } else { Err(x) })
        .map_ok(|x| x + 100)
        .map_err(|e| e * 1000)
        .take(3)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(firsts, [Ok(100), Err(1000), Ok(102)]);
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn map_ok_calls_f_only_for_ok_elements_and_map_err_only_for_errors() {
    let (oks, errs) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let out: Vec<Result<u8, u8>> = seq::iter([Ok(1), Err(2), Err(3), Ok(4)])
        .map_ok(|x| {
            oks.fetch_add(1, Ordering::SeqCst);
            x
        })
        .map_err(|e| {
            errs.fetch_add(1, Ordering::SeqCst);
            e
        })
        .collect()
        .await;
    assert_eq!(out, [Ok(1), Err(2), Err(3), Ok(4)]);
    assert_eq!((oks.into_inner(), errs.into_inner()), (2, 2));
}

#[tokio::test]
async fn map_ok_and_map_err_debug_show_the_source_not_the_closure() {
    let s = seq::iter([Ok::<u8, u8>(1)])
        .map_ok(|x| x + 1)
        .map_err(|e| e);
    assert_eq!(
        format!("{s:?}"),
        "MapErr { seq: MapOk { seq: Iter { iter: Some(IntoIter([Ok(1)])) } } }"
    );
}

// ── then ──

#[tokio::test]
async fn then_finishes_each_call_before_asking_for_the_next_element() {
    let log = Log::new();
    let l = log.clone();
    let s = logged_below(3, &log).then(move |x| {
        let l = l.clone();
        async move {
            l.push(format!("f({x}) starts"));
            tokio::task::yield_now().await;
            l.push(format!("f({x}) ends"));
            x * 10
        }
    });
    assert_eq!(s.collect::<Vec<_>>().await, [0, 10, 20]);
    assert_eq!(
        log.events(),
        [
            "start",
            "f(0) starts",
            "f(0) ends",
            "yield 0 -> true",
            "f(1) starts",
            "f(1) ends",
            "yield 1 -> true",
            "f(2) starts",
            "f(2) ends",
            "yield 2 -> true",
            "cleanup"
        ]
    );
}

#[tokio::test]
async fn then_survives_pending_in_source_and_in_f() {
    let src = seq::from_stream(futures::stream::iter(0..5).interleave_pending());
    let s = src.then(|x| async move {
        PendingOnce::new().await;
        x + 1
    });
    assert_eq!(
        collect_checking_size_hint(s.stream()).await,
        [1, 2, 3, 4, 5]
    );
}

#[tokio::test]
async fn then_size_hint_counts_the_running_call() {
    let mut st = pin!(
        seq::iter([1, 2, 3])
            .then(|x| async move {
                PendingOnce::new().await;
                x
            })
            .stream()
    );
    assert_eq!(futures::poll!(st.next()), Poll::Pending);
    // Element 1 is in `f`, 2 and 3 are still in the source.
    assert_eq!(futures::Stream::size_hint(&*st), (3, Some(3)));
    assert_eq!(
        format!("{:?}", st.get_ref()),
        "Then { seq: Iter { iter: Some(IntoIter([2, 3])) }, running: true }"
    );
    assert_eq!(st.next().await, Some(1));
}

#[tokio::test]
async fn then_stop_drops_the_running_call_and_stops_the_producer() {
    let log = Log::new();
    let (guard, dropped) = DropFlag::new();
    let guard = Arc::new(Mutex::new(Some(guard)));
    let s = logged_naturals(&log).then(move |x| {
        let guard = guard.lock().unwrap().take();
        async move {
            let _guard = guard;
            std::future::pending::<()>().await; // never completes
            x
        }
    });
    let mut st = pin!(s.stream());
    assert_eq!(futures::poll!(st.next()), Poll::Pending);
    assert!(!dropped.load(Ordering::SeqCst));
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    assert!(dropped.load(Ordering::SeqCst), "the running call was kept");
    assert_eq!(log.events(), stopped_at(0));
    assert_eq!(st.next().await, None);
}

#[tokio::test]
async fn then_lets_a_panic_in_f_through() {
    let s = seq::iter([1, 2]).then(|x| async move {
        assert!(x < 2, "f failed on {x}");
        x
    });
    let msg = expect_panic(s.collect::<Vec<_>>()).await;
    assert_eq!(msg, "f failed on 2");
}

// ── inspect ──

#[tokio::test]
async fn inspect_sees_each_element_before_the_consumer_and_passes_it_on() {
    let log = Log::new();
    let l = log.clone();
    let mut seen = Vec::new();
    seq::iter(["a", "b"])
        .inspect(move |x| l.push(format!("inspect {x}")))
        .for_each(|x| {
            seen.push(x);
            async { true }
        })
        .await;
    assert_eq!(seen, ["a", "b"]);
    assert_eq!(log.events(), ["inspect a", "inspect b"]);
}

#[tokio::test]
async fn inspect_forwards_size_hint_and_stop() {
    let s = seq::iter(0..5).inspect(|_| {});
    assert_eq!(s.size_hint(), (5, Some(5)));
    let log = Log::new();
    let first = logged_naturals(&log).inspect(|_| {}).first().await;
    assert_eq!(first, Some(0));
    assert_eq!(log.events(), stopped_at(0));
}

#[tokio::test]
async fn inspect_debug_shows_the_source_not_the_closure() {
    let s = seq::empty::<u8>().inspect(|_| {});
    assert!(format!("{s:?}").starts_with("Inspect { seq: Empty"));
}

//! The fallible adapters (`and_then`, `or_else`, `try_filter`,
//! `try_filter_map`, `inspect_ok`, `inspect_err`, `try_take_while`,
//! `try_skip_while`, `try_batched`, `try_batched_timeout`) and the terminal
//! `try_fold`: errors are elements, passed through in order and never
//! dropped (contract line 22), and the adapters that end early stop their
//! producer, whose cleanup has run when they end.

mod support;

use std::future::poll_fn;
use std::time::Duration;

use seqflow::{Seq, Yield, seq};
use support::logged::{logged_naturals, stopped_at};
use support::panics::panic_message_file_and_line;
use support::{Log, PendingOnce};

/// `0, 1, Err(2), 3, 4, Err(5), ...`: every third element an error, with
/// the producer's log of [`logged_naturals`].
fn every_third_fails(log: &Log) -> impl Seq<Item = Result<u32, u32>> + Send + 'static {
    logged_naturals(log).map(|i| if i % 3 == 2 { Err(i) } else { Ok(i) })
}

fn rows() -> Vec<Result<u32, &'static str>> {
    vec![Ok(1), Ok(2), Err("e3"), Ok(4), Err("e5"), Err("e6"), Ok(7)]
}

// ── and_then, or_else ──

#[tokio::test]
async fn contract_22_and_then_passes_errors_through_in_order() {
    let out: Vec<_> = seq::iter(rows())
        .and_then(|x| async move { if x == 4 { Err("f4") } else { Ok(x * 10) } })
        .collect()
        .await;
    assert_eq!(
        out,
        [
            Ok(10),
            Ok(20),
            Err("e3"),
            Err("f4"),
            Err("e5"),
            Err("e6"),
            Ok(70)
        ]
    );
}

#[tokio::test]
async fn and_then_is_never_called_for_an_error() {
    let mut calls = Vec::new();
    let out: Vec<_> = seq::iter(rows())
        .and_then(|x| {
            calls.push(x);
            async move { Ok::<_, &str>(x) }
        })
        .collect()
        .await;
    assert_eq!(out, rows());
    assert_eq!(calls, [1, 2, 4, 7]);
}

#[tokio::test]
async fn and_then_stopped_while_f_runs_drops_its_future_and_stops_the_producer() {
    let log = Log::new();
    let out: Vec<_> = every_third_fails(&log)
        .and_then(|x| async move {
            PendingOnce::new().await;
            Ok(x)
        })
        .take(4)
        .collect()
        .await;
    assert_eq!(out, [Ok(0), Ok(1), Err(2), Ok(3)]);
    assert_eq!(log.events(), stopped_at(3));
}

#[tokio::test]
async fn contract_22_or_else_sees_every_error_in_order_and_may_change_its_type() {
    let mut seen = Vec::new();
    let out: Vec<Result<u32, String>> = seq::iter(rows())
        .or_else(|e| {
            seen.push(e);
            async move {
                if e == "e5" {
                    Ok(5)
                } else {
                    Err(e.to_uppercase())
                }
            }
        })
        .collect()
        .await;
    assert_eq!(seen, ["e3", "e5", "e6"]);
    assert_eq!(
        out,
        [
            Ok(1),
            Ok(2),
            Err("E3".to_owned()),
            Ok(4),
            Ok(5),
            Err("E6".to_owned()),
            Ok(7)
        ]
    );
}

// ── try_filter, try_filter_map ──

#[tokio::test]
async fn contract_22_try_filter_keeps_every_error_in_order() {
    let out: Vec<_> = seq::iter(rows()).try_filter(|x| x % 2 == 1).collect().await;
    assert_eq!(out, [Ok(1), Err("e3"), Err("e5"), Err("e6"), Ok(7)]);
    // A predicate that rejects everything still lets every error out.
    let out: Vec<_> = seq::iter(rows()).try_filter(|_| false).collect().await;
    assert_eq!(out, [Err("e3"), Err("e5"), Err("e6")]);
}

#[tokio::test]
async fn contract_22_try_filter_map_keeps_every_error_in_order() {
    let out: Vec<_> = seq::iter(rows())
        .try_filter_map(|x| (x > 1).then(|| x.to_string()))
        .collect()
        .await;
    assert_eq!(
        out,
        [
            Ok("2".to_owned()),
            Err("e3"),
            Ok("4".to_owned()),
            Err("e5"),
            Err("e6"),
            Ok("7".to_owned())
        ]
    );
}

// ── inspect_ok, inspect_err ──

#[tokio::test]
async fn inspect_ok_and_inspect_err_see_their_side_and_change_nothing() {
    let (mut oks, mut errs) = (Vec::new(), Vec::new());
    let out: Vec<_> = seq::iter(rows())
        .inspect_ok(|x| oks.push(*x))
        .inspect_err(|e| errs.push(*e))
        .collect()
        .await;
    assert_eq!(out, rows());
    assert_eq!(oks, [1, 2, 4, 7]);
    assert_eq!(errs, ["e3", "e5", "e6"]);
}

// ── try_take_while, try_skip_while ──

#[tokio::test]
async fn contract_22_try_take_while_passes_the_errors_before_its_end() {
    let out: Vec<_> = seq::iter(rows()).try_take_while(|x| *x < 4).collect().await;
    assert_eq!(out, [Ok(1), Ok(2), Err("e3")]);
}

#[tokio::test]
async fn try_take_while_stops_the_producer_at_the_first_failing_value() {
    let log = Log::new();
    let out: Vec<_> = every_third_fails(&log)
        .try_take_while(|x| *x < 4)
        .collect()
        .await;
    assert_eq!(out, [Ok(0), Ok(1), Err(2), Ok(3)]);
    // 4 failed the predicate: its `yield_` saw `false`, and the cleanup ran
    // before `collect` returned.
    assert_eq!(log.events(), stopped_at(4));
}

#[tokio::test]
async fn try_take_while_is_fused_after_its_end() {
    let mut s = std::pin::pin!(seq::iter(rows()).try_take_while(|x| *x < 2));
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(Ok(1)));
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    assert_eq!(s.size_hint(), (0, Some(0)));
}

#[tokio::test]
async fn contract_22_try_skip_while_passes_the_errors_met_while_skipping() {
    let out: Vec<_> = seq::iter(rows()).try_skip_while(|x| *x < 4).collect().await;
    assert_eq!(out, [Err("e3"), Ok(4), Err("e5"), Err("e6"), Ok(7)]);
    // After the first failing value, the predicate is not called again.
    let mut calls = 0;
    let out: Vec<_> = seq::iter(rows())
        .try_skip_while(|x| {
            calls += 1;
            *x < 2
        })
        .collect()
        .await;
    assert_eq!(out.len(), 6);
    assert_eq!(calls, 2);
}

// ── try_batched ──

#[tokio::test]
async fn contract_22_try_batched_flushes_the_partial_batch_before_an_error() {
    let out: Vec<_> = seq::iter(rows()).try_batched(3).collect().await;
    assert_eq!(
        out,
        [
            Ok(vec![1, 2]),
            Err("e3"),
            Ok(vec![4]),
            Err("e5"),
            Err("e6"),
            Ok(vec![7])
        ]
    );
}

#[tokio::test]
async fn try_batched_resumes_with_full_batches_after_an_error() {
    let input: Vec<Result<u32, &str>> = vec![
        Err("first"),
        Ok(1),
        Ok(2),
        Ok(3),
        Ok(4),
        Err("mid"),
        Ok(5),
        Ok(6),
        Ok(7),
    ];
    let out: Vec<_> = seq::iter(input).try_batched(2).collect().await;
    assert_eq!(
        out,
        [
            Err("first"),
            Ok(vec![1, 2]),
            Ok(vec![3, 4]),
            Err("mid"),
            Ok(vec![5, 6]),
            Ok(vec![7])
        ]
    );
}

#[tokio::test]
async fn contract_22_try_batched_keeps_the_error_that_batched_then_flatten_loses() {
    // The trap of the issue: `batched` on a fallible sequence, then a
    // natural `.flatten()` of each batch, silently drops the error.
    let lost: u32 = seq::iter(rows())
        .batched(3)
        .fold(0, |sum, batch| {
            sum + batch.into_iter().flatten().sum::<u32>()
        })
        .await;
    assert_eq!(lost, 14, "the errors vanished");
    // `try_batched` ends the fold at the first error instead.
    let kept = seq::iter(rows())
        .try_batched(3)
        .try_fold(0, |sum, batch| Ok(sum + batch.iter().sum::<u32>()))
        .await;
    assert_eq!(kept, Err("e3"));
}

#[tokio::test]
async fn try_batched_stops_the_producer_in_the_batch_the_consumer_stops_in() {
    let log = Log::new();
    let out: Vec<_> = every_third_fails(&log)
        .try_batched(2)
        .take(3)
        .collect()
        .await;
    assert_eq!(out, [Ok(vec![0, 1]), Err(2), Ok(vec![3, 4])]);
    assert_eq!(log.events(), stopped_at(4));
}

#[tokio::test]
async fn try_batched_size_hint_counts_the_held_error_and_the_partial_batch() {
    let s = seq::iter(rows()).try_batched(3);
    // 7 elements: at least ceil(7/3) items, at most one per element.
    assert_eq!(s.size_hint(), (3, Some(7)));
    let mut s = std::pin::pin!(s);
    let first = poll_fn(|cx| s.as_mut().poll_next(cx)).await;
    assert_eq!(first, Some(Ok(vec![1, 2])));
    // `Err("e3")` is held, 4 elements remain.
    assert_eq!(s.size_hint(), (3, Some(5)));
}

#[test]
fn try_batched_zero_panics_at_the_callers_location() {
    let (msg, file, _) = panic_message_file_and_line(|| drop(seq::iter(rows()).try_batched(0)));
    assert_eq!(msg, "`try_batched` size must be non-zero");
    assert_eq!(file, file!());
    let (msg, file, _) = panic_message_file_and_line(|| {
        drop(seq::iter(rows()).try_batched_timeout(0, Duration::from_millis(1)))
    });
    assert_eq!(msg, "`try_batched_timeout` size must be non-zero");
    assert_eq!(file, file!());
}

// ── try_batched_timeout ──

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn contract_22_try_batched_timeout_flushes_before_an_error_and_by_time() {
    let events = seq::from_fn(|mut y: Yield<Result<u32, &str>>| async move {
        for ev in [Ok(1), Err("e2"), Ok(3), Ok(4), Ok(5), Ok(6)] {
            if ev == Ok(5) {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            if !y.yield_(ev).await {
                return;
            }
        }
    });
    let out: Vec<_> = events
        .try_batched_timeout(3, Duration::from_millis(10))
        .collect()
        .await;
    assert_eq!(
        out,
        [Ok(vec![1]), Err("e2"), Ok(vec![3, 4]), Ok(vec![5, 6])]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn try_batched_timeout_stopped_drops_the_partial_batch_and_stops_the_producer() {
    let log = Log::new();
    let out: Vec<_> = every_third_fails(&log)
        .try_batched_timeout(2, Duration::from_secs(1))
        .take(2)
        .collect()
        .await;
    assert_eq!(out, [Ok(vec![0, 1]), Err(2)]);
    // `take` stops while the `yield_` of its last element, the error, is
    // pending.
    assert_eq!(log.events(), stopped_at(2));
}

// ── try_fold ──

#[tokio::test]
async fn contract_22_try_fold_stops_the_producer_at_the_first_error_after_its_cleanup() {
    let log = Log::new();
    let res = every_third_fails(&log)
        .try_fold(0, |sum, x| Ok(sum + x))
        .await;
    assert_eq!(res, Err(2));
    // The `yield_` of the error saw `false` and the producer's async
    // cleanup ran before `try_fold` returned.
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn contract_22_try_fold_ends_with_the_first_error_of_f_and_stops_the_producer() {
    let log = Log::new();
    let res = logged_naturals(&log)
        .map(Ok::<u32, String>)
        .try_fold(0u32, |sum, x| {
            if sum + x > 5 {
                Err(format!("too big at {x}"))
            } else {
                Ok(sum + x)
            }
        })
        .await;
    assert_eq!(res, Err("too big at 3".to_owned()));
    assert_eq!(log.events(), stopped_at(3));
}

#[tokio::test]
async fn try_fold_returns_the_accumulator_when_no_error_comes() {
    let res = seq::iter(vec![Ok::<_, ()>(1), Ok(2), Ok(3)])
        .try_fold(Vec::new(), |mut v, x| {
            v.push(x);
            Ok(v)
        })
        .await;
    assert_eq!(res, Ok(vec![1, 2, 3]));
    let empty = seq::empty::<Result<u8, ()>>()
        .try_fold(7, |a, _| Ok(a))
        .await;
    assert_eq!(empty, Ok(7));
}

// ── Debug ──

#[tokio::test]
async fn debug_shows_the_state_and_not_the_closures() {
    let src = || seq::iter(vec![Ok::<u8, u8>(1)]);
    assert!(
        format!("{:?}", src().and_then(|x| async move { Ok(x) }))
            .starts_with("AndThen { seq: Iter")
    );
    assert!(
        format!("{:?}", src().or_else(|e| async move { Err::<u8, u8>(e) }))
            .starts_with("OrElse { seq: Iter")
    );
    assert!(format!("{:?}", src().try_filter(|_| true)).starts_with("TryFilter { seq: Iter"));
    assert!(format!("{:?}", src().try_filter_map(Some)).starts_with("TryFilterMap { seq: Iter"));
    assert!(format!("{:?}", src().inspect_ok(|_| {})).starts_with("InspectOk { seq: Iter"));
    assert!(format!("{:?}", src().inspect_err(|_| {})).starts_with("InspectErr { seq: Iter"));
    let s = format!("{:?}", src().try_take_while(|_| true));
    assert!(
        s.starts_with("TryTakeWhile { seq: Iter") && s.ends_with("done: false }"),
        "{s}"
    );
    let s = format!("{:?}", src().try_skip_while(|_| true));
    assert!(s.ends_with("skipping: true }"), "{s}");
    let s = format!("{:?}", src().try_batched(4));
    assert!(
        s.ends_with("size: 4, buffered: 0, error_held: false }"),
        "{s}"
    );
    let s = format!(
        "{:?}",
        src().try_batched_timeout(4, Duration::from_millis(5))
    );
    assert!(
        s.ends_with("size: 4, max_wait: 5ms, buffered: 0, error_held: false }"),
        "{s}"
    );
    let s = format!("{:?}", src().try_fold(3, |a, _| Ok(a)));
    assert!(
        s.starts_with("TryFold { seq: Iter") && s.ends_with("acc: Some(3), failed: false }"),
        "{s}"
    );
}

// ── an error returned after a stop is not an element ──

/// Yields `0..`, and once stopped runs an async cleanup that fails.
fn cleanup_fails() -> impl Seq<Item = Result<u32, String>> + Send + 'static {
    seq::try_from_fn(|mut y: Yield<u32>| async move {
        for i in 0.. {
            if !y.yield_(i).await {
                break;
            }
        }
        tokio::task::yield_now().await; // async cleanup
        Err("cleanup failed".to_owned())
    })
}

#[tokio::test]
async fn contract_22_an_error_after_a_stop_is_never_delivered() {
    // Through a stop that does not finish at once, then `poll_next`.
    let mut s = std::pin::pin!(cleanup_fails());
    assert_eq!(
        std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
        Some(Ok(0))
    );
    let mut stopped = false;
    std::future::poll_fn(|cx| {
        stopped = s.as_mut().poll_stop(cx).is_ready();
        std::task::Poll::Ready(())
    })
    .await;
    assert!(!stopped, "the cleanup awaits: the stop is pending");
    assert_eq!(
        std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
        None
    );
    assert_eq!(
        std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
        None
    );
    // Through forwarding adapters and the stream bridge.
    assert_eq!(
        cleanup_fails().take(2).collect::<Vec<_>>().await,
        [Ok(0), Ok(1)]
    );
    assert_eq!(
        cleanup_fails()
            .map_ok(|v| v * 10)
            .take(1)
            .collect::<Vec<_>>()
            .await,
        [Ok(0)]
    );
    let stats = std::sync::Arc::new(seqflow::Stats::new());
    let n = cleanup_fails()
        .instrumented(stats.clone())
        .take(3)
        .count()
        .await;
    assert_eq!((n, stats.snapshot().items), (3, 3));
    let mut st = Box::pin(cleanup_fails().stream());
    assert_eq!(futures::StreamExt::next(&mut st).await, Some(Ok(0)));
}

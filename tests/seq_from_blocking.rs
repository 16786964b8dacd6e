//! `seq::from_blocking` (contract 24): a synchronous producer on tokio's
//! blocking pool, buffered by default, and its rendezvous
//! `from_blocking_buffered(0, f)`. Every test runs on both runtime flavours.
//! Each run giving back all its memory is `tests/from_blocking_memory.rs`
//! (it needs a global allocator of its own).

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use seqflow::{BlockingYield, Seq, pull, seq};
use support::panics::expect_panic;
use support::{Counted, Log, alive_tasks, settle_tasks_patiently};

/// The bound of `seq::from_blocking(f)` (its docs say which).
const DEFAULT_BOUND: usize = 256;

/// Runs one async test body on a `current_thread` runtime and on a
/// two-worker `multi_thread` runtime.
macro_rules! both_flavours {
    ($($name:ident => $body:expr;)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "current_thread")]
            async fn current_thread() {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn multi_thread() {
                $body.await
            }
        }
    )*};
}

/// A producer of `0..n` that logs `"cleanup"` after its loop.
fn counting(n: u32, log: &Log) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let log = log.clone();
    seq::from_blocking(move |mut y: BlockingYield<u32>| {
        for i in 0..n {
            if !y.yield_(i) {
                log.push(format!("stopped at {i}"));
                break;
            }
        }
        // Blocking cleanup that takes a while: the stop must wait for it.
        std::thread::sleep(Duration::from_millis(5));
        log.push("cleanup");
    })
}

/// A producer that reports on `started` when it starts.
fn reporting_start(started: mpsc::Sender<()>) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_blocking(move |mut y: BlockingYield<u32>| {
        started.send(()).unwrap();
        for i in 0.. {
            if !y.yield_(i) {
                return;
            }
        }
    })
}

// ── cold start ──

async fn cold_start() {
    let (tx, rx) = mpsc::channel();
    let s = reporting_start(tx);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(rx.try_recv().is_err(), "nothing runs before the first poll");
    let mut s = pin!(s);
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    assert_eq!(rx.try_recv(), Ok(()), "the first poll started f");

    // Dropped unpolled: `f` is dropped unrun (its sender with it).
    let (tx, rx) = mpsc::channel();
    drop(reporting_start(tx));
    assert_eq!(rx.recv(), Err(mpsc::RecvError));
}

async fn take_zero_never_starts() {
    let (tx, rx) = mpsc::channel();
    assert!(
        reporting_start(tx)
            .take(0)
            .collect::<Vec<_>>()
            .await
            .is_empty()
    );
    assert_eq!(rx.recv(), Err(mpsc::RecvError), "f was never run");

    let (tx, rx) = mpsc::channel();
    let mut s = pin!(reporting_start(tx));
    poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None);
    // The stop dropped `f` unrun (its sender with it), still pinned here.
    assert_eq!(
        rx.recv(),
        Err(mpsc::RecvError),
        "a stop before start runs nothing"
    );
}

both_flavours! {
    contract_24_cold_start_at_the_first_poll => cold_start();
    contract_24_take_zero_never_starts_f => take_zero_never_starts();
}

// ── order ──

async fn order() {
    let log = Log::new();
    let got: Vec<u32> = counting(2_000, &log).collect().await;
    assert_eq!(got, (0..2_000).collect::<Vec<_>>());
    assert_eq!(log.events(), ["cleanup"]);

    let got: Vec<u32> = seq::from_blocking_buffered(7, |mut y: BlockingYield<u32>| {
        for i in 0..2_000 {
            assert!(y.yield_(i));
        }
    })
    .collect()
    .await;
    assert_eq!(got, (0..2_000).collect::<Vec<_>>());
}

async fn rendezvous_runs_at_most_one_ahead() {
    let produced = Arc::new(AtomicUsize::new(0));
    let count = produced.clone();
    let mut p = pull(seq::from_blocking_buffered(
        0,
        move |mut y: BlockingYield<usize>| {
            for i in 0.. {
                count.store(i + 1, Ordering::SeqCst);
                if !y.yield_(i) {
                    return;
                }
            }
        },
    ));
    for want in 0..5 {
        assert_eq!(p.next().await, Some(want));
        tokio::time::sleep(Duration::from_millis(5)).await;
        // `want` was taken; `f` offers `want + 1` and waits for it to be taken.
        assert!(produced.load(Ordering::SeqCst) <= want + 2);
    }
    p.stop().await;
}

async fn buffered_runs_at_most_n_ahead() {
    let produced = Arc::new(AtomicUsize::new(0));
    let count = produced.clone();
    let mut p = pull(seq::from_blocking_buffered(
        4,
        move |mut y: BlockingYield<usize>| {
            for i in 0.. {
                count.store(i + 1, Ordering::SeqCst);
                if !y.yield_(i) {
                    return;
                }
            }
        },
    ));
    assert_eq!(p.next().await, Some(0));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let ahead = produced.load(Ordering::SeqCst);
    // 1 taken + at most 4 queued + the one `f` blocks on.
    assert!((2..=6).contains(&ahead), "{ahead} produced");
    p.stop().await;
}

both_flavours! {
    contract_24_preserves_order => order();
    contract_24_rendezvous_runs_at_most_one_element_ahead => rendezvous_runs_at_most_one_ahead();
    contract_24_buffered_runs_at_most_n_ahead => buffered_runs_at_most_n_ahead();
}

// ── stop ──

async fn stop_take() {
    let log = Log::new();
    let got: Vec<u32> = counting(u32::MAX, &log).take(3).collect().await;
    assert_eq!(got, [0, 1, 2]);
    let events = log.events();
    assert_eq!(events.len(), 2, "{events:?}");
    // Buffered, `f` ran ahead: it heard the stop at its next `yield_`.
    assert!(events[0].starts_with("stopped at "), "{events:?}");
    assert_eq!(events[1], "cleanup", "cleanup ran before collect returned");
}

async fn stop_for_each() {
    let log = Log::new();
    let mut seen = Vec::new();
    counting(u32::MAX, &log)
        .for_each(|v| {
            seen.push(v);
            std::future::ready(v < 4)
        })
        .await;
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    let events = log.events();
    assert_eq!(
        events.last().map(String::as_str),
        Some("cleanup"),
        "{events:?}"
    );
}

async fn stop_pull() {
    let log = Log::new();
    let mut p = pull(counting(u32::MAX, &log));
    assert_eq!(p.next().await, Some(0));
    p.stop().await;
    assert!(
        log.contains("cleanup"),
        "stop returned after f: {:?}",
        log.events()
    );
    assert_eq!(p.next().await, None);
    p.stop().await; // idempotent
}

async fn yield_false_drops_the_value() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = dropped.clone();
    let got: Vec<u32> =
        seq::from_blocking_buffered(0, move |mut y: BlockingYield<support::Counted>| {
            for i in 0.. {
                if !y.yield_(support::Counted(i, counter.clone())) {
                    return;
                }
            }
        })
        .take(2)
        .map(|c| c.0)
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
    // Two delivered and dropped by `map`, one refused and dropped by `yield_`.
    assert_eq!(dropped.load(Ordering::SeqCst), 3);

    // Buffered: every element made is dropped by the time the stop completes.
    let made = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (counter, making) = (dropped.clone(), made.clone());
    let got: Vec<u32> = seq::from_blocking(move |mut y: BlockingYield<support::Counted>| {
        for i in 0.. {
            making.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(support::Counted(i, counter.clone())) {
                return;
            }
        }
    })
    .take(2)
    .map(|c| c.0)
    .collect()
    .await;
    assert_eq!(got, [0, 1]);
    assert_eq!(dropped.load(Ordering::SeqCst), made.load(Ordering::SeqCst));
}

both_flavours! {
    contract_24_take_runs_the_cleanup_before_the_consumer_resumes => stop_take();
    contract_24_for_each_break_runs_the_cleanup_before_it_returns => stop_for_each();
    contract_24_pull_stop_waits_for_f_to_return => stop_pull();
    contract_24_a_refused_value_is_dropped => yield_false_drops_the_value();
}

// ── drop ──

async fn drop_does_not_block_and_f_ends() {
    let tasks = alive_tasks();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (end_tx, end_rx) = tokio::sync::oneshot::channel();
    let heard = Arc::new(AtomicBool::new(false));
    let heard_in_f = heard.clone();
    let s = seq::from_blocking(move |mut y: BlockingYield<u32>| {
        assert!(y.yield_(0));
        // Blocked outside `yield_` until the test opens the gate, which it
        // does only after the consumer was dropped: a drop that waited for
        // `f` would deadlock here.
        gate_rx.recv().unwrap();
        heard_in_f.store(!y.yield_(1), Ordering::SeqCst);
        end_tx.send(()).unwrap();
    });
    let mut s = Box::pin(s);
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    drop(s);
    gate_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), end_rx)
        .await
        .expect("f ended")
        .unwrap();
    assert!(
        heard.load(Ordering::SeqCst),
        "yield_ returned false after the drop"
    );
    assert_eq!(
        settle_tasks_patiently(tasks).await,
        tasks,
        "no task left behind"
    );
}

async fn drop_while_f_waits_in_yield() {
    let (end_tx, end_rx) = tokio::sync::oneshot::channel();
    let s = seq::from_blocking_buffered(0, move |mut y: BlockingYield<u32>| {
        let mut i = 0;
        while y.yield_(i) {
            i += 1;
        }
        end_tx.send(i).unwrap();
    });
    let mut s = Box::pin(s);
    assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
    drop(s); // f waits in `yield_(1)` (or soon will)
    let last = tokio::time::timeout(Duration::from_secs(10), end_rx)
        .await
        .expect("f ended")
        .unwrap();
    assert_eq!(last, 1, "the pending yield_ returned false");
}

async fn dropped_pull_ends_f_and_its_task() {
    let tasks = alive_tasks();
    let log = Log::new();
    let (end_tx, end_rx) = tokio::sync::oneshot::channel();
    let in_f = log.clone();
    let mut p = pull(seq::from_blocking(move |mut y: BlockingYield<u32>| {
        let mut i = 0;
        while y.yield_(i) {
            i += 1;
        }
        std::thread::sleep(Duration::from_millis(5)); // a slow blocking cleanup
        in_f.push("cleanup");
        end_tx.send(()).unwrap();
    }));
    assert_eq!(p.next().await, Some(0));
    drop(p); // stops in the background: a task waits for `f`
    tokio::time::timeout(Duration::from_secs(10), end_rx)
        .await
        .expect("f ended")
        .unwrap();
    assert_eq!(log.events(), ["cleanup"]);
    assert_eq!(
        settle_tasks_patiently(tasks).await,
        tasks,
        "the stopping task ended"
    );
}

both_flavours! {
    contract_24_dropped_pull_ends_f_and_leaves_no_task => dropped_pull_ends_f_and_its_task();
    contract_24_drop_never_blocks_and_f_ends => drop_does_not_block_and_f_ends();
    contract_24_drop_releases_f_waiting_in_yield => drop_while_f_waits_in_yield();
}

// ── contract 24, sentence by sentence ──

/// `f` yields `0..n` (each `yield_`'s answer is recorded), then returns
/// and reports it.
fn recording(
    bound: usize,
    n: u32,
    answers: &Arc<Mutex<Vec<bool>>>,
    returned: tokio::sync::oneshot::Sender<()>,
) -> impl Seq<Item = u32> + Send + 'static + use<> {
    let answers = answers.clone();
    seq::from_blocking_buffered(bound, move |mut y: BlockingYield<u32>| {
        for i in 0..n {
            let queued = y.yield_(i);
            answers.lock().unwrap().push(queued);
            if !queued {
                break;
            }
        }
        returned.send(()).unwrap();
    })
}

async fn yield_returns_true_once_queued() {
    for bound in [4, DEFAULT_BOUND] {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let (returned_tx, returned_rx) = tokio::sync::oneshot::channel();
        let mut s = Box::pin(recording(bound, bound as u32, &answers, returned_tx));
        // The first poll starts `f`; nothing is taken after it.
        let mut cx = support::noop_cx();
        let _ = s.as_mut().poll_next(&mut cx);
        // `f` queues all `bound` elements and returns without waiting.
        tokio::time::timeout(Duration::from_secs(10), returned_rx)
            .await
            .expect("f returned before anything was taken")
            .unwrap();
        assert_eq!(*answers.lock().unwrap(), vec![true; bound]);
        let got: Vec<u32> = s.collect().await;
        // Whatever the first poll got is not in `got`; the rest is, in order.
        let skipped = bound - got.len();
        assert!(skipped <= 1);
        assert_eq!(got, (skipped as u32..bound as u32).collect::<Vec<_>>());
    }
}

async fn yield_returns_false_once_stopped() {
    for bound in [0, 4, DEFAULT_BOUND] {
        // Stopped: by `take`.
        let answers = Arc::new(Mutex::new(Vec::new()));
        let (returned_tx, returned_rx) = tokio::sync::oneshot::channel();
        let got: Vec<u32> = recording(bound, u32::MAX, &answers, returned_tx)
            .take(3)
            .collect()
            .await;
        assert_eq!(got, [0, 1, 2]);
        assert!(returned_rx.await.is_ok(), "the stop waited for f");
        let answers = answers.lock().unwrap().clone();
        let (last, before) = answers.split_last().unwrap();
        assert!(!last, "the yield_ after the stop returned false");
        assert!(before.iter().all(|&a| a), "{answers:?}");
        assert!(before.len() >= 3);
        assert!(before.len() <= 3 + bound + 1, "{} queued", before.len());

        // Dropped: the next `yield_` returns false.
        let answers = Arc::new(Mutex::new(Vec::new()));
        let (returned_tx, returned_rx) = tokio::sync::oneshot::channel();
        let mut s = Box::pin(recording(bound, u32::MAX, &answers, returned_tx));
        assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, Some(0));
        drop(s);
        tokio::time::timeout(Duration::from_secs(10), returned_rx)
            .await
            .expect("f heard the drop")
            .unwrap();
        assert_eq!(answers.lock().unwrap().last(), Some(&false));
    }
}

/// `f` yields ten counted elements (counting them in `made` first) and
/// returns; `returned` is sent then.
fn ten_counted(
    bound: usize,
    made: &Arc<AtomicUsize>,
    dropped: &Arc<AtomicUsize>,
    returned: mpsc::Sender<()>,
) -> impl Seq<Item = Counted> + Send + 'static + use<> {
    let (made, dropped) = (made.clone(), dropped.clone());
    seq::from_blocking_buffered(bound, move |mut y: BlockingYield<Counted>| {
        for i in 0..10 {
            made.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(Counted(i, dropped.clone())) {
                break;
            }
        }
        let _ = returned.send(());
    })
}

async fn undelivered_elements_are_dropped_at_the_end() {
    for bound in [0, 4, DEFAULT_BOUND] {
        // Stopped by `take(1)`, wherever `f` is: every element made was
        // dropped by the time `collect` returns (the audit found 9 of 10
        // never were).
        let made = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (tx, _rx) = mpsc::channel();
        let got: Vec<u32> = ten_counted(bound, &made, &dropped, tx)
            .take(1)
            .map(|c| c.0)
            .collect()
            .await;
        assert_eq!(got, [0]);
        let made = made.load(Ordering::SeqCst);
        assert_eq!(dropped.load(Ordering::SeqCst), made, "bound {bound}");

        // Stopped after `f` returned with elements queued.
        if bound >= 10 {
            let dropped = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = mpsc::channel();
            let mut s = Box::pin(ten_counted(bound, &Arc::default(), &dropped, tx));
            let first = poll_fn(|cx| s.as_mut().poll_next(cx)).await.unwrap();
            drop(first);
            tokio::task::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
            assert_eq!(dropped.load(Ordering::SeqCst), 10, "dropped by the stop");
            assert!(poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_none());

            // Dropped after `f` returned with elements queued.
            let dropped = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = mpsc::channel();
            let mut s = Box::pin(ten_counted(bound, &Arc::default(), &dropped, tx));
            drop(poll_fn(|cx| s.as_mut().poll_next(cx)).await.unwrap());
            tokio::task::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            drop(s);
            // Dropping never waits: the side that lets go of the state last
            // drops them, the producer's thread if it is still reporting.
            for _ in 0..10_000 {
                if dropped.load(Ordering::SeqCst) == 10 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(dropped.load(Ordering::SeqCst), 10, "dropped after it");
        }
    }
}

async fn stop_completes_after_f_returned() {
    for bound in [0, DEFAULT_BOUND] {
        let log = Log::new();
        let in_f = log.clone();
        let mut p = pull(seq::from_blocking_buffered(
            bound,
            move |mut y: BlockingYield<u32>| {
                while y.yield_(1) {}
                std::thread::sleep(Duration::from_millis(20)); // slow cleanup
                in_f.push("f returned");
            },
        ));
        assert_eq!(p.next().await, Some(1));
        p.stop().await;
        log.push("stop completed");
        assert_eq!(log.events(), ["f returned", "stop completed"]);
    }
}

async fn panic_after_the_elements_before_it() {
    for bound in [0, 4, DEFAULT_BOUND] {
        let s = seq::from_blocking_buffered(bound, |mut y: BlockingYield<u32>| {
            for i in 0..100 {
                assert!(y.yield_(i));
            }
            panic!("after 100");
        });
        let mut seen = Vec::new();
        let msg = expect_panic(s.for_each(|v| {
            seen.push(v);
            std::future::ready(true)
        }))
        .await;
        assert_eq!(msg, "after 100");
        assert_eq!(seen, (0..100).collect::<Vec<_>>(), "bound {bound}");
    }
}

async fn rendezvous_returns_once_taken() {
    let (offered_tx, offered_rx) = mpsc::channel();
    let returned = Arc::new(AtomicUsize::new(0));
    let count = returned.clone();
    let mut s = Box::pin(seq::from_blocking_buffered(
        0,
        move |mut y: BlockingYield<u32>| {
            for i in 0..3 {
                offered_tx.send(i).unwrap();
                assert!(y.yield_(i));
                count.fetch_add(1, Ordering::SeqCst);
            }
        },
    ));
    let mut cx = support::noop_cx();
    let _ = s.as_mut().poll_next(&mut cx); // starts `f` (or takes 0 at once)
    // Keep the receiver: `f` reports every offer.
    let (offered, _offered_rx) =
        tokio::task::spawn_blocking(move || (offered_rx.recv().unwrap(), offered_rx))
            .await
            .unwrap();
    assert_eq!(offered, 0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let taken_first = returned.load(Ordering::SeqCst);
    assert!(taken_first <= 1, "yield_(0) returned only if 0 was taken");
    let rest: Vec<u32> = s.collect().await;
    assert_eq!(rest.len() + taken_first, 3);
    assert_eq!(returned.load(Ordering::SeqCst), 3);
}

both_flavours! {
    contract_24_yield_returns_true_once_queued => yield_returns_true_once_queued();
    contract_24_yield_returns_false_once_stopped_or_dropped => yield_returns_false_once_stopped();
    contract_24_undelivered_elements_are_dropped_when_the_sequence_ends => undelivered_elements_are_dropped_at_the_end();
    contract_24_stop_completes_after_f_returned => stop_completes_after_f_returned();
    contract_24_panic_reaches_the_consumer_after_the_elements_before_it => panic_after_the_elements_before_it();
    contract_24_rendezvous_with_zero_returns_only_once_taken => rendezvous_returns_once_taken();
}

// ── hostile ──

/// An element whose `Drop` panics when it is `5`.
struct PanicsOnDrop(u32);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if self.0 == 5 && !std::thread::panicking() {
            panic!("drop of 5 failed");
        }
    }
}

async fn panicking_drop_of_an_undelivered_element() {
    let tasks = alive_tasks();
    for bound in [0, 3, DEFAULT_BOUND] {
        let s = seq::from_blocking_buffered(bound, |mut y: BlockingYield<PanicsOnDrop>| {
            for i in 0..10 {
                if !y.yield_(PanicsOnDrop(i)) {
                    return;
                }
            }
        });
        let res = std::panic::AssertUnwindSafe(s.take(1).map(|e| e.0).collect::<Vec<_>>());
        match futures::FutureExt::catch_unwind(res).await {
            // The rendezvous never made `5`, nor did `f` if it was slow.
            Ok(got) => assert_eq!(got, [0]),
            Err(payload) => {
                let msg = support::panics::panic_message(&*payload);
                assert_eq!(msg, "drop of 5 failed", "bound {bound}");
            }
        }
    }
    assert_eq!(settle_tasks_patiently(tasks).await, tasks);
}

async fn panicking_consumer_closure_stops_f() {
    let tasks = alive_tasks();
    let (end_tx, end_rx) = tokio::sync::oneshot::channel();
    let s = seq::from_blocking(move |mut y: BlockingYield<u32>| {
        let mut i = 0;
        while y.yield_(i) {
            i += 1;
        }
        end_tx.send(()).unwrap();
    });
    let msg = expect_panic(s.for_each(|v| {
        assert!(v < 3, "the body failed at {v}");
        std::future::ready(true)
    }))
    .await;
    assert_eq!(msg, "the body failed at 3");
    tokio::time::timeout(Duration::from_secs(10), end_rx)
        .await
        .expect("f heard the drop and ended")
        .unwrap();
    assert_eq!(settle_tasks_patiently(tasks).await, tasks);
}

async fn dropped_at_every_point() {
    for bound in [0, 2, DEFAULT_BOUND] {
        for drop_after in 0..20 {
            let (end_tx, end_rx) = tokio::sync::oneshot::channel();
            let mut s = Box::pin(seq::from_blocking_buffered(
                bound,
                move |mut y: BlockingYield<u32>| {
                    for i in 0..15 {
                        if !y.yield_(i) {
                            break;
                        }
                    }
                    end_tx.send(()).unwrap();
                },
            ));
            for want in 0..drop_after.min(16) {
                let got = poll_fn(|cx| s.as_mut().poll_next(cx)).await;
                assert_eq!(got, (want < 15).then_some(want));
            }
            drop(s);
            if drop_after > 0 {
                tokio::time::timeout(Duration::from_secs(10), end_rx)
                    .await
                    .expect("f ended")
                    .unwrap();
            }
        }
    }
}

both_flavours! {
    contract_24_a_panicking_drop_of_an_undelivered_element_reaches_the_consumer => panicking_drop_of_an_undelivered_element();
    contract_04_a_panicking_consumer_body_stops_f => panicking_consumer_closure_stops_f();
    contract_24_dropped_at_every_point_f_ends => dropped_at_every_point();
}

// ── panics ──

async fn panic_surfaces_in_collect() {
    let s = seq::from_blocking(|mut y: BlockingYield<u32>| {
        y.yield_(1);
        y.yield_(2);
        panic!("the blocking producer failed");
    });
    let mut seen = Vec::new();
    let msg = expect_panic(s.for_each(|v| {
        seen.push(v);
        std::future::ready(true)
    }))
    .await;
    assert_eq!(msg, "the blocking producer failed");
    assert_eq!(seen, [1, 2], "elements before the panic were delivered");
}

async fn panic_in_cleanup_surfaces_in_stop() {
    let s = seq::from_blocking(|mut y: BlockingYield<u32>| {
        while y.yield_(1) {}
        panic!("cleanup failed");
    });
    let msg = expect_panic(s.take(2).collect::<Vec<_>>()).await;
    assert_eq!(msg, "cleanup failed");
}

async fn panic_surfaces_in_pull() {
    let mut p = pull(seq::from_blocking(|_y: BlockingYield<u32>| {
        panic!("at once")
    }));
    let msg = expect_panic(p.next()).await;
    assert_eq!(msg, "at once");
}

/// Where the misuse panic of `yield_` pointed (file, line), recorded by a
/// panic hook that looks only at that message.
static MISUSE_AT: Mutex<Option<(String, u32)>> = Mutex::new(None);

fn record_misuse_location() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = support::panics::panic_message(info.payload());
            if msg.contains("continued after") {
                if let Some(at) = info.location() {
                    *MISUSE_AT.lock().unwrap() = Some((at.file().to_owned(), at.line()));
                }
            }
            previous(info);
        }));
    });
}

async fn misuse_after_false_panics() {
    record_misuse_location();
    let line = Arc::new(AtomicUsize::new(0));
    let line_in_f = line.clone();
    let s = seq::from_blocking(move |mut y: BlockingYield<u32>| {
        let mut i = 0;
        while y.yield_(i) {
            i += 1;
        }
        line_in_f.store(line!() as usize + 1, Ordering::SeqCst);
        y.yield_(99); // a bug: the consumer has stopped
        unreachable!("yield_ after false must panic");
    });
    let msg = expect_panic(s.take(2).collect::<Vec<_>>()).await;
    assert!(
        msg.contains("continued after `BlockingYield::yield_` returned `false`"),
        "{msg}"
    );
    let at = MISUSE_AT.lock().unwrap().clone().expect("a location");
    assert!(at.0.ends_with("seq_from_blocking.rs"), "{at:?}");
    assert_eq!(at.1 as usize, line.load(Ordering::SeqCst));
}

both_flavours! {
    contract_24_panic_in_f_reaches_the_consumer => panic_surfaces_in_collect();
    contract_24_panic_in_f_cleanup_reaches_the_stop => panic_in_cleanup_surfaces_in_stop();
    contract_24_panic_in_f_reaches_pull_next => panic_surfaces_in_pull();
    contract_02_yield_after_false_panics_and_reaches_the_consumer => misuse_after_false_panics();
}

#[tokio::test]
async fn contract_24_yield_after_f_returned_panics() {
    let (tx, rx) = mpsc::channel();
    let got: Vec<u32> = seq::from_blocking(move |y: BlockingYield<u32>| tx.send(y).unwrap())
        .collect()
        .await;
    assert!(got.is_empty());
    let mut y = rx.recv().unwrap();
    let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| y.yield_(1)))
        .map(|_| ())
        .map_err(|p| support::panics::panic_message(&*p))
        .unwrap_err();
    assert!(msg.contains("after its producer"), "{msg}");
}

// ── budget and runtime ──

async fn shares_the_thread() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
    let mut n = 0u64;
    seq::from_blocking(|mut y: BlockingYield<u64>| while y.yield_(1) {})
        .for_each(|v| {
            n += v;
            std::future::ready(!ran.load(Ordering::SeqCst) && n < 1_000_000)
        })
        .await;
    assert!(
        ran.load(Ordering::SeqCst),
        "the spawned task ran after {n} elements"
    );
}

both_flavours! {
    contract_21_consuming_from_blocking_lets_other_tasks_run => shares_the_thread();
}

#[test]
fn contract_24_first_poll_outside_a_runtime_panics_with_a_message() {
    let s = seq::from_blocking(|mut y: BlockingYield<u32>| {
        y.yield_(1);
    });
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures::executor::block_on(s.collect::<Vec<_>>())
    }))
    .unwrap_err();
    let msg = support::panics::panic_message(&*err);
    assert!(msg.contains("within a tokio runtime"), "{msg}");
}

#[test]
fn contract_24_a_sequence_first_polled_after_its_runtime_shut_down_ends() {
    // The blocking pool of a runtime that has shut down drops what is
    // spawned on it without running it: the sequence must end, not wait
    // for an `f` that never runs.
    for rt in [
        support::current_thread_runtime(),
        support::two_workers_runtime(),
    ] {
        let handle = rt.handle().clone();
        drop(rt);
        let _guard = handle.enter();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let mut s = pin!(seq::from_blocking(move |mut y: BlockingYield<u32>| {
            flag.store(true, Ordering::SeqCst);
            y.yield_(1);
        }));
        let mut cx = support::noop_cx();
        assert_eq!(
            s.as_mut().poll_next(&mut cx),
            std::task::Poll::Ready(None),
            "the first poll ends the sequence"
        );
        assert!(!ran.load(Ordering::SeqCst), "f never ran");
    }
}

#[test]
fn debug_shows_the_state() {
    let s = seq::from_blocking(|_y: BlockingYield<u32>| {});
    assert_eq!(
        format!("{s:?}"),
        format!(r#"FromBlocking {{ state: "unstarted", ahead: {DEFAULT_BOUND} }}"#)
    );
    let s = seq::from_blocking_buffered(0, |_y: BlockingYield<u32>| {});
    assert_eq!(
        format!("{s:?}"),
        r#"FromBlocking { state: "unstarted", ahead: 0 }"#
    );
}

// ── stress: many short runs, stopped at every point ──

async fn many_runs_stopped_anywhere() {
    for ahead in [0, 1, 3, DEFAULT_BOUND] {
        for stop_at in 0..60u32 {
            let cleaned = Arc::new(AtomicBool::new(false));
            let flag = cleaned.clone();
            let s = seq::from_blocking_buffered(ahead, move |mut y: BlockingYield<u32>| {
                for i in 0..50 {
                    if !y.yield_(i) {
                        break;
                    }
                }
                flag.store(true, Ordering::SeqCst);
            });
            let got: Vec<u32> = s.take(stop_at as usize).collect().await;
            assert_eq!(got, (0..stop_at.min(50)).collect::<Vec<_>>());
            assert!(
                stop_at == 0 || cleaned.load(Ordering::SeqCst),
                "cleanup ran before collect returned (ahead {ahead}, stop at {stop_at})"
            );
        }
    }
}

both_flavours! {
    contract_24_stress_every_stop_point_delivers_in_order_and_cleans_up => many_runs_stopped_anywhere();
}

// ── is_stopped ──

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_24_is_stopped_is_false_until_the_consumer_stops_then_true() {
    // `f` never yields again after its first element: only `is_stopped`
    // tells it that the consumer is gone.
    let s = seq::from_blocking(|mut y: BlockingYield<u32>| {
        assert!(!y.is_stopped(), "nobody stopped yet");
        assert!(y.yield_(0), "queued");
        while !y.is_stopped() {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    assert_eq!(s.take(1).collect::<Vec<_>>().await, [0]);
}

#[test]
fn contract_21_a_consumer_waiting_for_a_busy_blocking_producer_lets_other_tasks_run() {
    // `f` is busy until a task on the consumer's own thread unblocks it: a
    // consumer that spun instead of yielding its thread would wait for ever.
    support::current_thread_runtime().block_on(async {
        let (tx, rx) = mpsc::channel::<()>();
        let s = seq::from_blocking(move |mut y: BlockingYield<u32>| {
            rx.recv().expect("the task sends");
            y.yield_(7);
        });
        tokio::spawn(async move { tx.send(()).expect("f waits") });
        assert_eq!(s.first().await, Some(7));
    });
}

#[test]
fn contract_24_the_consumer_that_polled_last_is_the_one_woken() {
    // A sequence polled from one task, then from another (a `select!` that
    // moved it, say): the element must wake the second.
    let (tx, rx) = mpsc::channel::<()>();
    let rt = support::current_thread_runtime();
    let _guard = rt.enter();
    let mut s = Box::pin(seq::from_blocking(move |mut y: BlockingYield<u32>| {
        rx.recv().expect("the test sends");
        y.yield_(7);
    }));
    let mut first = tokio_test::task::spawn(());
    let mut second = tokio_test::task::spawn(());
    assert!(first.enter(|cx, _| s.as_mut().poll_next(cx)).is_pending());
    assert!(second.enter(|cx, _| s.as_mut().poll_next(cx)).is_pending());
    tx.send(()).expect("f waits");
    for _ in 0..5000 {
        if second.is_woken() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(second.is_woken(), "the last poller was not woken");
    assert_eq!(
        second.enter(|cx, _| s.as_mut().poll_next(cx)),
        std::task::Poll::Ready(Some(7))
    );
}

//! `seq::from_blocking` (contract 24): a synchronous producer on tokio's
//! blocking pool. Every test runs on both runtime flavours.

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use seqflow::{BlockingYield, Seq, pull, seq};
use support::panics::expect_panic;
use support::{Log, alive_tasks, settle_tasks_patiently};

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
    let mut p = pull(seq::from_blocking(move |mut y: BlockingYield<usize>| {
        for i in 0.. {
            count.store(i + 1, Ordering::SeqCst);
            if !y.yield_(i) {
                return;
            }
        }
    }));
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
    assert_eq!(
        log.events(),
        ["stopped at 3", "cleanup"],
        "cleanup ran before collect returned"
    );
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
    let got: Vec<u32> = seq::from_blocking(move |mut y: BlockingYield<support::Counted>| {
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
    let s = seq::from_blocking(move |mut y: BlockingYield<u32>| {
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
fn debug_shows_the_state() {
    let s = seq::from_blocking(|_y: BlockingYield<u32>| {});
    assert_eq!(
        format!("{s:?}"),
        r#"FromBlocking { state: "unstarted", ahead: 0 }"#
    );
}

// ── stress: many short runs, stopped at every point ──

async fn many_runs_stopped_anywhere() {
    for ahead in [0, 1, 3] {
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

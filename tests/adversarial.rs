//! Hostile tests: misuse of `Yield`, the stop rule under pressure, every
//! early end with a producer parked in `pending()`, panicking `Drop`s, and
//! the cooperative budget on a `current_thread` runtime. Each test is bounded
//! by a timeout so a hang is a failure, not a stuck run.

mod support;

use std::future::pending;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use seqflow::{Page, Seq, Stats, Yield, pull, pull_local, pull2, seq};
use support::{
    DropFlag, Log, alive_tasks, current_thread_runtime, settle_tasks_patiently, two_workers_runtime,
};
use tokio_util::sync::CancellationToken;

const LIMIT: Duration = Duration::from_secs(10);

/// Runs `make()` on both runtime flavours, each bounded by [`LIMIT`].
fn both<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            tokio::time::timeout(LIMIT, make())
                .await
                .expect("hung: the test did not finish in time");
        });
    }
}

/// Yields `0..n`, then waits forever outside `yield_` holding a guard whose
/// `Drop` sets the returned flag; logs "async cleanup" if it ever gets past.
fn hung(n: u32, log: &Log) -> (impl Seq<Item = u32> + Send + 'static, Arc<AtomicBool>) {
    let (guard, flag) = DropFlag::new();
    let guard = Arc::new(Mutex::new(Some(guard)));
    let log = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u32>| {
        let guard = guard.lock().unwrap().take();
        let log = log.clone();
        async move {
            let _guard = guard;
            for i in 0..n {
                if !y.yield_(i).await {
                    log.push("heard");
                    tokio::task::yield_now().await;
                    log.push("async cleanup");
                    return;
                }
            }
            pending::<()>().await;
            log.push("async cleanup");
        }
    });
    (s, flag)
}

fn panic_text(err: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = err.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = err.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        String::from("<non-string panic>")
    }
}

// ===== Yield misuse =====

#[test]
fn misuse_yield_moved_to_spawned_task_panics_clearly() {
    both(|| async {
        let (tx, rx) = tokio::sync::oneshot::channel::<Yield<u32>>();
        let tx = Mutex::new(Some(tx));
        let s = seq::from_fn(move |y: Yield<u32>| {
            let tx = tx.lock().unwrap().take().unwrap();
            async move {
                let _ = tx.send(y);
            }
        });
        let got: Vec<u32> = s.collect().await;
        assert!(got.is_empty());
        let mut y = rx.await.unwrap();
        let err = tokio::spawn(async move { y.yield_(1).await })
            .await
            .unwrap_err();
        let msg = panic_text(&*err.into_panic());
        assert!(msg.contains("outside the producer"), "{msg}");
        assert!(msg.contains("adversarial.rs"), "no caller location: {msg}");
    });
}

#[test]
fn misuse_yield_polled_in_block_on_of_scoped_thread_panics() {
    both(|| async {
        let s = seq::from_fn(|mut y: Yield<u32>| async move {
            let r = std::thread::scope(|sc| {
                sc.spawn(|| futures::executor::block_on(y.yield_(7))).join()
            });
            let msg = panic_text(&*r.unwrap_err());
            assert!(msg.contains("outside the producer"), "{msg}");
            // the handle is still good in its own producer
            y.yield_(8).await;
        });
        assert_eq!(s.collect::<Vec<_>>().await, vec![8]);
    });
}

#[test]
fn scoped_thread_polling_with_the_producers_waker_is_sound() {
    // documented as accepted: a future polled on a scoped thread with the
    // producer's own waker.
    both(|| async {
        let s = seq::from_fn(|mut y: Yield<u32>| async move {
            for v in 0..3u32 {
                let mut fut = pin!(y.yield_(v));
                let first = std::future::poll_fn(|cx| {
                    let waker = cx.waker();
                    let poll = std::thread::scope(|sc| {
                        sc.spawn(|| {
                            let mut cx2 = std::task::Context::from_waker(waker);
                            fut.as_mut().poll(&mut cx2)
                        })
                        .join()
                        .unwrap()
                    });
                    std::task::Poll::Ready(poll)
                })
                .await;
                assert!(first.is_pending());
                if !fut.await {
                    return;
                }
            }
        });
        assert_eq!(s.collect::<Vec<_>>().await, vec![0, 1, 2]);
    });
}

#[test]
fn misuse_outer_yield_inside_an_inner_producer_panics() {
    both(|| async {
        let s = seq::from_fn(|y: Yield<u32>| async move {
            let inner = seq::from_fn(move |_z: Yield<()>| async move {
                let mut y = y;
                y.yield_(1).await;
            });
            let _: Vec<()> = inner.collect().await;
        });
        let err = AssertUnwindSafe(s.collect::<Vec<_>>())
            .catch_unwind()
            .await
            .unwrap_err();
        let msg = panic_text(&*err);
        assert!(msg.contains("outside the producer"), "{msg}");
    });
}

#[test]
fn misuse_outer_yield_inside_yield_all_inner_producer_panics() {
    // The inner producer of `yield_all` gets the outer Yield of *another*
    // run through a channel: must panic, not write into the wrong frame.
    both(|| async {
        let (tx, rx) = std::sync::mpsc::channel::<Yield<u32>>();
        let first = seq::from_fn(move |y: Yield<u32>| async move {
            tx.send(y).unwrap();
        });
        let _: Vec<u32> = first.collect().await;
        let stolen = Mutex::new(Some(rx.recv().unwrap()));
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let stolen = stolen.lock().unwrap().take().unwrap();
            async move {
                y.yield_all(seq::from_fn(move |_z: Yield<u32>| async move {
                    let mut stolen = stolen;
                    stolen.yield_(99).await;
                }))
                .await;
            }
        });
        let err = AssertUnwindSafe(s.collect::<Vec<_>>())
            .catch_unwind()
            .await
            .unwrap_err();
        let msg = panic_text(&*err);
        assert!(msg.contains("outside the producer"), "{msg}");
    });
}

#[test]
fn nested_yield_all_stop_reaches_the_innermost_async_cleanup() {
    both(|| async {
        let log = Log::new();
        let l = log.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let l = l.clone();
            async move {
                let l2 = l.clone();
                let ok = y
                    .yield_all(seq::from_fn(move |mut z: Yield<u32>| async move {
                        let ok = z.yield_all(seq::iter(0..100)).await;
                        assert!(!ok);
                        tokio::task::yield_now().await;
                        l2.push("inner cleanup");
                    }))
                    .await;
                assert!(!ok);
                tokio::task::yield_now().await;
                l.push("outer cleanup");
            }
        });
        let got: Vec<u32> = s.take(3).collect().await;
        assert_eq!(got, vec![0, 1, 2]);
        assert_eq!(log.events(), vec!["inner cleanup", "outer cleanup"]);
    });
}

#[test]
fn yield_all_over_a_hung_inner_producer_hears_the_stop() {
    both(|| async {
        let log = Log::new();
        let (inner, dropped) = hung(2, &log);
        let l = log.clone();
        let inner = Mutex::new(Some(inner));
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let inner = inner.lock().unwrap().take().unwrap();
            let l = l.clone();
            async move {
                let ok = y.yield_all(inner).await;
                assert!(!ok);
                tokio::task::yield_now().await;
                l.push("outer cleanup");
            }
        });
        let got: Vec<_> = s.timeout(Duration::from_millis(20)).collect().await;
        assert_eq!(got.len(), 3);
        assert!(got[2].is_err());
        assert!(dropped.load(Ordering::SeqCst), "inner producer not dropped");
        assert_eq!(log.events(), vec!["outer cleanup"]);
    });
}

// ===== continued after false =====

#[test]
fn contract_2_producer_catching_the_continued_panic_still_ends() {
    both(|| async {
        let log = Log::new();
        let l = log.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let l = l.clone();
            async move {
                if !y.yield_(0).await {
                    for _ in 0..3 {
                        let r = AssertUnwindSafe(y.yield_(1)).catch_unwind().await;
                        let msg = panic_text(&*r.unwrap_err());
                        assert!(msg.contains("continued after `yield_`"), "{msg}");
                        assert!(msg.contains("adversarial.rs"), "{msg}");
                    }
                    // until_stopped stays None
                    assert_eq!(y.until_stopped(async { 5 }).await, None);
                    l.push("returned");
                }
            }
        });
        let got: Vec<u32> = s.take(1).collect().await;
        assert_eq!(got, vec![0]);
        assert_eq!(log.events(), vec!["returned"]);
    });
}

#[test]
fn contract_2_continued_panic_reaches_the_pull_stop() {
    both(|| async {
        let s = seq::from_fn(|mut y: Yield<u32>| async move {
            loop {
                // ignores `false`
                y.yield_(1).await;
            }
        });
        let mut p = pull(s);
        assert_eq!(p.next().await, Some(1));
        let err = AssertUnwindSafe(p.stop()).catch_unwind().await.unwrap_err();
        let msg = panic_text(&*err);
        assert!(msg.contains("continued after"), "{msg}");
        assert_eq!(p.next().await, None);
    });
}

#[test]
fn until_stopped_none_then_yield_message_names_until_stopped() {
    both(|| async {
        let seen = Arc::new(Mutex::new(String::new()));
        let s2 = seen.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let s2 = s2.clone();
            async move {
                if !y.yield_(0).await {
                    return;
                }
                let got = y.until_stopped(pending::<u32>()).await;
                assert_eq!(got, None);
                let r = AssertUnwindSafe(y.yield_(1)).catch_unwind().await;
                *s2.lock().unwrap() = r.err().map(|e| panic_text(&*e)).unwrap_or_default();
            }
        });
        let mut p = pull(s);
        assert_eq!(p.next().await, Some(0));
        let _ = tokio::time::timeout(Duration::from_millis(10), p.next()).await;
        p.stop().await;
        let msg = seen.lock().unwrap().clone();
        // Either `yield_` returns false (no panic), or the message must not
        // claim that `yield_` returned false.
        assert!(
            msg.is_empty() || msg.contains("until_stopped"),
            "misleading panic: {msg}"
        );
    });
}

// ===== the stop rule =====

#[test]
fn contract_19_cleanup_that_hangs_after_hearing_is_waited_for() {
    both(|| async {
        let log = Log::new();
        let l = log.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let l = l.clone();
            async move {
                if y.yield_(0).await && y.yield_(1).await {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
                l.push("slow cleanup");
            }
        });
        let got: Vec<u32> = s.take(1).collect().await;
        assert_eq!(got, vec![0]);
        assert_eq!(log.events(), vec!["slow cleanup"]);
    });
}

struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

#[test]
fn contract_19_drop_panic_of_a_producer_dropped_by_the_stop_rule_surfaces() {
    both(|| async {
        let s = seq::from_fn(|mut y: Yield<u32>| async move {
            let _g = PanicOnDrop("producer drop panicked");
            let _ = y.yield_(0).await;
            pending::<()>().await;
        });
        let r = AssertUnwindSafe(s.timeout(Duration::from_millis(10)).collect::<Vec<_>>())
            .catch_unwind()
            .await;
        let msg = panic_text(&*r.unwrap_err());
        assert!(msg.contains("producer drop panicked"), "{msg}");
    });
}

#[test]
fn contract_19_drop_panic_under_prefetch_surfaces_and_leaks_nothing() {
    both(|| async {
        let start = alive_tasks();
        for n in [0, 2] {
            let s = seq::from_fn(|mut y: Yield<u32>| async move {
                let _g = PanicOnDrop("producer drop panicked");
                let _ = y.yield_(0).await;
                pending::<()>().await;
            });
            let r = AssertUnwindSafe(
                s.prefetch(n)
                    .timeout(Duration::from_millis(10))
                    .collect::<Vec<_>>(),
            )
            .catch_unwind()
            .await;
            let msg = panic_text(&*r.unwrap_err());
            assert!(
                msg.contains("producer drop panicked"),
                "prefetch({n}): {msg}"
            );
        }
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn stop_twice_and_poll_next_after_stop_by_hand() {
    both(|| async {
        let log = Log::new();
        let (s, dropped) = hung(3, &log);
        let mut s = pin!(s);
        let first = std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await;
        assert_eq!(first, Some(0));
        std::future::poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
        std::future::poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
        assert_eq!(
            std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
            None
        );
        assert_eq!(
            std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
            None
        );
        assert!(dropped.load(Ordering::SeqCst));
        assert_eq!(log.events(), vec!["heard", "async cleanup"]);
    });
}

#[test]
fn contract_19_producer_ready_in_the_very_stop_poll_hears_and_cleans_up() {
    both(|| async {
        let log = Log::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let rx = Mutex::new(Some(rx));
        let l = log.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| {
            let rx = rx.lock().unwrap().take().unwrap();
            let l = l.clone();
            async move {
                let _ = y.yield_(0).await;
                let v = rx.await.unwrap();
                if !y.yield_(v).await {
                    tokio::task::yield_now().await;
                    l.push("async cleanup");
                }
            }
        });
        let mut s = pin!(s);
        assert_eq!(
            std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await,
            Some(0)
        );
        // the producer now waits in `rx`
        let mut cx = support::noop_cx();
        assert!(s.as_mut().poll_next(&mut cx).is_pending());
        tx.send(5).unwrap();
        std::future::poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
        assert_eq!(log.events(), vec!["async cleanup"]);
    });
}

// ===== early ends with a producer parked in pending() =====

async fn check_early_end<S, F, Fut>(name: &str, make: F)
where
    F: FnOnce(std::pin::Pin<Box<dyn Seq<Item = u32> + Send>>) -> Fut,
    Fut: std::future::Future<Output = S>,
{
    let start = alive_tasks();
    let log = Log::new();
    let (s, dropped) = hung(2, &log);
    let out = tokio::time::timeout(Duration::from_secs(5), make(Box::pin(s)))
        .await
        .unwrap_or_else(|_| panic!("{name}: the early end hung"));
    drop(out);
    assert_eq!(
        settle_tasks_patiently(start).await,
        start,
        "{name}: a task outlived the sequence"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "{name}: the hung producer was not dropped"
    );
    assert!(
        !log.contains("async cleanup"),
        "{name}: async cleanup ran though the stop was not heard"
    );
}

const MS: Duration = Duration::from_millis(20);

type Boxed = std::pin::Pin<Box<dyn Seq<Item = u32> + Send>>;

#[test]
fn contract_19_every_early_end_with_a_hung_producer() {
    both(|| async {
        check_early_end("timeout", |s: Boxed| s.timeout(MS).collect::<Vec<_>>()).await;
        check_early_end("try_timeout", |s: Boxed| {
            s.map(Ok::<u32, seqflow::Error>)
                .try_timeout(MS)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("with_cancel", |s: Boxed| {
            let t = CancellationToken::new();
            let t2 = t.clone();
            tokio::spawn(async move {
                tokio::time::sleep(MS).await;
                t2.cancel();
            });
            s.with_cancel(t).collect::<Vec<_>>()
        })
        .await;
        check_early_end("try_with_cancel", |s: Boxed| {
            let t = CancellationToken::new();
            let t2 = t.clone();
            tokio::spawn(async move {
                tokio::time::sleep(MS).await;
                t2.cancel();
            });
            s.map(Ok::<u32, seqflow::Error>)
                .try_with_cancel(t)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("heartbeat+take", |s: Boxed| {
            s.heartbeat(MS).take(3).collect::<Vec<_>>()
        })
        .await;
        check_early_end("batched_timeout+take", |s: Boxed| {
            s.batched_timeout(10, MS).take(1).collect::<Vec<_>>()
        })
        .await;
        for n in [0, 1, 2, 8] {
            check_early_end("prefetch+timeout", |s: Boxed| {
                s.prefetch(n).timeout(MS).collect::<Vec<_>>()
            })
            .await;
            check_early_end("prefetch+heartbeat+take", |s: Boxed| {
                s.prefetch(n).heartbeat(MS).take(3).collect::<Vec<_>>()
            })
            .await;
            check_early_end("timeout+prefetch", |s: Boxed| {
                s.timeout(MS).prefetch(n).collect::<Vec<_>>()
            })
            .await;
        }
        check_early_end("merge", |s: Boxed| {
            s.merge(seq::iter(10..12)).timeout(MS).collect::<Vec<_>>()
        })
        .await;
        check_early_end("merge+take", |s: Boxed| {
            seq::iter(10..12)
                .merge(s)
                .heartbeat(MS)
                .take(5)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("merge_all", |s: Boxed| {
            seq::merge_all(vec![s, Box::pin(seq::iter(10..12u32)) as Boxed])
                .timeout(MS)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("zip", |s: Boxed| {
            s.zip(seq::iter(0..10)).timeout(MS).collect::<Vec<_>>()
        })
        .await;
        check_early_end("zip ends on the other side", |s: Boxed| {
            seq::iter(0..3).zip(s.timeout(MS)).collect::<Vec<_>>()
        })
        .await;
        check_early_end("chain", |s: Boxed| {
            s.chain(seq::iter(0..3)).timeout(MS).collect::<Vec<_>>()
        })
        .await;
        check_early_end("flat_map", |s: Boxed| {
            let cell = Mutex::new(Some(s));
            seq::iter(0..1)
                .flat_map(move |_| cell.lock().unwrap().take().unwrap())
                .timeout(MS)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("map_concurrent", |s: Boxed| {
            s.map_concurrent(2, |x| async move { x })
                .timeout(MS)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("map_unordered", |s: Boxed| {
            s.map_unordered(2, |x| async move { x })
                .timeout(MS)
                .collect::<Vec<_>>()
        })
        .await;
        check_early_end("instrumented", |s: Boxed| {
            s.instrumented(Stats::new()).timeout(MS).collect::<Vec<_>>()
        })
        .await;
        check_early_end("stream dropped", |s: Boxed| async move {
            use futures::StreamExt;
            let mut st = s.stream();
            let _ = st.next().await;
            let _ = tokio::time::timeout(MS, st.next()).await;
        })
        .await;
    });
}

#[test]
fn contract_19_map_concurrent_with_a_hung_body_ends_on_timeout() {
    both(|| async {
        let start = alive_tasks();
        for unordered in [false, true] {
            let (g, dropped) = DropFlag::new();
            let g = Arc::new(Mutex::new(Some(g)));
            let f = move |x: u32| {
                let g = g.clone();
                async move {
                    if x == 1 {
                        let _g = g.lock().unwrap().take();
                        pending::<()>().await;
                    }
                    x
                }
            };
            let s = seq::iter(0..4u32);
            let got: Vec<_> = if unordered {
                s.map_unordered(2, f).timeout(MS).collect().await
            } else {
                s.map_concurrent(2, f).timeout(MS).collect().await
            };
            assert!(got.last().unwrap().is_err());
            assert!(dropped.load(Ordering::SeqCst));
        }
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_19_paginate_drops_a_hung_fetch() {
    both(|| async {
        let (g, dropped) = DropFlag::new();
        let g = Arc::new(Mutex::new(Some(g)));
        let s = seq::paginate(move |req: seqflow::PageRequest<u32>| {
            let g = g.clone();
            async move {
                match req.token {
                    None => Ok::<_, seqflow::Error>(Page::new(vec![1, 2], Some(1))),
                    Some(_) => {
                        let _g = g.lock().unwrap().take();
                        pending::<()>().await;
                        unreachable!()
                    }
                }
            }
        });
        let got: Vec<_> = s.try_timeout(MS).collect().await;
        assert_eq!(got.len(), 3);
        assert!(dropped.load(Ordering::SeqCst));
    });
}

// ===== pull handles =====

#[test]
fn contract_19_pull_stop_and_drop_after_a_cancelled_next() {
    both(|| async {
        let start = alive_tasks();
        for prefetch0 in [false, true] {
            for stop in [true, false] {
                let log = Log::new();
                let (s, dropped) = hung(1, &log);
                let mut p = if prefetch0 {
                    pull(s.prefetch(0).boxed())
                } else {
                    pull(s.boxed())
                };
                assert_eq!(p.next().await, Some(0));
                tokio::select! {
                    _ = p.next() => panic!("hung producer yielded"),
                    _ = tokio::time::sleep(MS) => {}
                }
                if stop {
                    tokio::time::timeout(Duration::from_secs(5), p.stop())
                        .await
                        .expect("stop hung");
                    assert_eq!(p.next().await, None);
                    p.stop().await;
                } else {
                    drop(p);
                }
                assert_eq!(settle_tasks_patiently(start).await, start);
                assert!(dropped.load(Ordering::SeqCst));
                assert!(!log.contains("async cleanup"));
            }
        }
    });
}

#[test]
fn contract_19_pull2_and_local_pull_stop_after_a_cancelled_next() {
    both(|| async {
        let start = alive_tasks();
        let log = Log::new();
        let (s, dropped) = hung(1, &log);
        let mut p = pull2(s.map(|x| (x, x)));
        assert_eq!(p.next().await, Some((0, 0)));
        assert!(tokio::time::timeout(MS, p.next()).await.is_err());
        tokio::time::timeout(Duration::from_secs(5), p.stop())
            .await
            .expect("stop hung");
        assert!(dropped.load(Ordering::SeqCst));
        assert_eq!(settle_tasks_patiently(start).await, start);

        let log = Log::new();
        let (s, dropped) = hung(1, &log);
        let mut p = pull_local(s);
        assert_eq!(p.next().await, Some(0));
        assert!(tokio::time::timeout(MS, p.next()).await.is_err());
        tokio::time::timeout(Duration::from_secs(5), p.stop())
            .await
            .expect("stop hung");
        assert!(dropped.load(Ordering::SeqCst));
        assert!(!log.contains("async cleanup"));
    });
}

#[test]
fn pull_heard_stop_runs_async_cleanup_on_stop_and_on_drop() {
    both(|| async {
        let start = alive_tasks();
        for prefetch0 in [false, true] {
            for stop in [true, false] {
                let log = Log::new();
                let (s, _dropped) = hung(5, &log);
                let mut p = if prefetch0 {
                    pull(s.prefetch(0).boxed())
                } else {
                    pull(s.boxed())
                };
                assert_eq!(p.next().await, Some(0));
                if stop {
                    p.stop().await;
                    assert_eq!(log.events(), vec!["heard", "async cleanup"]);
                } else {
                    drop(p);
                    assert_eq!(settle_tasks_patiently(start).await, start);
                    for _ in 0..100 {
                        if log.contains("async cleanup") {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    assert_eq!(log.events(), vec!["heard", "async cleanup"], "drop");
                }
            }
        }
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn pull_select_cancelling_peek_and_stop() {
    both(|| async {
        let s = seq::from_fn(|mut y: Yield<u32>| async move {
            for i in 0..5 {
                tokio::task::yield_now().await;
                if !y.yield_(i).await {
                    return;
                }
            }
        });
        let mut p = pull(s);
        // a peek cancelled before it finished loses nothing
        tokio::select! {
            biased;
            _ = std::future::ready(()) => {}
            _ = p.peek() => {}
        }
        assert_eq!(p.peek().await, Some(&0));
        assert_eq!(p.next().await, Some(0));
        // a stop cancelled at once, then a stop that completes
        {
            let mut st = pin!(p.stop());
            let mut cx = support::noop_cx();
            let _ = st.as_mut().poll(&mut cx);
        }
        tokio::time::timeout(Duration::from_secs(5), p.stop())
            .await
            .expect("stop after a cancelled stop hung");
        assert_eq!(p.next().await, None);
        assert!(p.is_done());
    });
}

// ===== panicking Drop in held elements =====

struct Boom(u32);

impl Drop for Boom {
    fn drop(&mut self) {
        if self.0 == 1 && !std::thread::panicking() {
            panic!("element drop panicked");
        }
    }
}

fn booms() -> impl Seq<Item = Boom> + Send + 'static {
    seq::from_fn(|mut y: Yield<Boom>| async move {
        for i in 0..4 {
            if !y.yield_(Boom(i)).await {
                return;
            }
        }
    })
}

#[test]
fn panicking_element_drop_held_by_adapters_neither_hangs_nor_leaks() {
    both(|| async {
        let start = alive_tasks();
        // prefetch: element 1 buffered when the stream is dropped
        for n in [0, 2, 4] {
            let r = AssertUnwindSafe(async {
                use futures::StreamExt;
                let mut st = booms().prefetch(n).stream();
                let first = st.next().await.unwrap();
                tokio::task::yield_now().await;
                drop(first);
                drop(st);
            })
            .catch_unwind()
            .await;
            let _ = r; // a panic here is fine; a hang or a leak is not
            assert_eq!(settle_tasks_patiently(start).await, start, "prefetch({n})");
        }
        // batched: a partial batch holding element 1 dropped by the stop
        let r = AssertUnwindSafe(booms().batched(3).take(0).collect::<Vec<_>>())
            .catch_unwind()
            .await;
        assert!(r.is_ok());
        // zip holding a left element when the right side ends
        let r = AssertUnwindSafe(booms().skip(1).zip(seq::iter(0..0u32)).collect::<Vec<_>>())
            .catch_unwind()
            .await;
        let _ = r;
        // peek holding element 1, then the handle is dropped
        let r = AssertUnwindSafe(async {
            let mut p = pull(booms());
            drop(p.next().await);
            assert!(p.peek().await.is_some());
            drop(p);
        })
        .catch_unwind()
        .await;
        let msg = panic_text(&*r.unwrap_err());
        assert!(msg.contains("element drop panicked"), "{msg}");
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

// ===== contract 21 on current_thread =====

async fn spawned_task_runs_while<S: Seq<Item = u32>>(name: &str, s: S) {
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = flag.clone();
    tokio::spawn(async move { f2.store(true, Ordering::SeqCst) });
    let n = tokio::time::timeout(
        Duration::from_secs(10),
        s.take_while(|_| !flag.load(Ordering::SeqCst)).count(),
    )
    .await
    .unwrap_or_else(|_| panic!("{name}: the spawned task never ran"));
    assert!(n > 0, "{name}");
}

#[test]
fn contract_21_spawned_task_runs_under_endless_sources_current_thread() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        spawned_task_runs_while("iter", seq::iter(0u32..)).await;
        spawned_task_runs_while("repeat_with", seq::repeat_with(|| 1u32)).await;
        spawned_task_runs_while(
            "from_fn",
            seq::from_fn(|mut y: Yield<u32>| async move { while y.yield_(1).await {} }),
        )
        .await;
        spawned_task_runs_while(
            "unfold",
            seq::unfold(0u32, |n| async move { Some((n, n.wrapping_add(1))) }),
        )
        .await;
        spawned_task_runs_while(
            "from_stream",
            seq::from_stream(futures::stream::iter(0u32..)),
        )
        .await;
        spawned_task_runs_while(
            "from_stream(repeat)",
            seq::from_stream(futures::stream::repeat(1u32)),
        )
        .await;
        spawned_task_runs_while(
            "iter.map.filter",
            seq::iter(0u32..).map(|x| x).filter(|_| true),
        )
        .await;
        // Pull::next in a loop
        let flag = Arc::new(AtomicBool::new(false));
        let f2 = flag.clone();
        tokio::spawn(async move { f2.store(true, Ordering::SeqCst) });
        let mut p = pull(seq::repeat_with(|| 1u32));
        let n = AtomicUsize::new(0);
        tokio::time::timeout(Duration::from_secs(10), async {
            while !flag.load(Ordering::SeqCst) {
                p.next().await;
                n.fetch_add(1, Ordering::Relaxed);
            }
        })
        .await
        .expect("Pull::next loop starved the spawned task");
        // stream() in a loop
        let flag = Arc::new(AtomicBool::new(false));
        let f2 = flag.clone();
        tokio::spawn(async move { f2.store(true, Ordering::SeqCst) });
        tokio::time::timeout(Duration::from_secs(10), async {
            use futures::StreamExt;
            let mut st = pin!(seq::iter(0u32..).stream());
            while !flag.load(Ordering::SeqCst) {
                st.next().await;
            }
        })
        .await
        .expect("stream() loop starved the spawned task");
    });
}

#[test]
fn contract_21_consumer_in_plain_block_on_both_flavours() {
    // `#[tokio::main]` is a plain `Runtime::block_on`: the consumer is not a
    // spawned task. A watchdog thread fails the test instead of hanging it.
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let watchdog = std::thread::spawn(move || {
            for _ in 0..1000 {
                if d2.load(Ordering::SeqCst) {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            false
        });
        let flag = Arc::new(AtomicBool::new(false));
        let f2 = flag.clone();
        let ok = rt.block_on(async move {
            tokio::spawn(async move { f2.store(true, Ordering::SeqCst) });
            let mut seen = 0u64;
            seq::repeat_with(|| 1u32)
                .for_each(|_| {
                    seen += 1;
                    let go = !flag.load(Ordering::SeqCst) && seen < 50_000_000;
                    async move { go }
                })
                .await;
            flag.load(Ordering::SeqCst)
        });
        done.store(true, Ordering::SeqCst);
        assert!(watchdog.join().unwrap(), "block_on consumer took too long");
        assert!(ok, "the spawned task never ran under block_on");
    }
}

// ===== a producer that hears the stop gets its async cleanup =====

/// Yields `0..n`, then waits forever inside `until_stopped`; on hearing the
/// stop (there or at `yield_`) it sleeps, then logs "async cleanup".
fn listening(n: u32, log: &Log) -> impl Seq<Item = u32> + Send + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| {
        let log = log.clone();
        async move {
            let mut heard = false;
            for i in 0..n {
                if !y.yield_(i).await {
                    heard = true;
                    break;
                }
            }
            if !heard {
                assert_eq!(y.until_stopped(pending::<()>()).await, None);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            log.push("async cleanup");
        }
    })
}

async fn check_heard_cleanup<S, F, Fut>(name: &str, n: u32, make: F)
where
    F: FnOnce(Boxed) -> Fut,
    Fut: std::future::Future<Output = S>,
{
    let start = alive_tasks();
    let log = Log::new();
    let out = tokio::time::timeout(Duration::from_secs(5), make(Box::pin(listening(n, &log))))
        .await
        .unwrap_or_else(|_| panic!("{name}: the early end hung"));
    drop(out);
    assert_eq!(
        log.events(),
        vec!["async cleanup"],
        "{name}: the early end did not wait for the async cleanup of a producer that heard the stop"
    );
    assert_eq!(
        settle_tasks_patiently(start).await,
        start,
        "{name}: a task outlived the sequence"
    );
}

#[test]
fn contract_20_every_early_end_waits_for_a_producer_that_heard_the_stop() {
    both(|| async {
        for n in [2, 100] {
            // n == 2: the producer waits in `until_stopped`; n == 100: at `yield_`
            let take = if n == 2 { 3 } else { 2 };
            check_heard_cleanup("take", n, |s: Boxed| s.take(2).collect::<Vec<_>>()).await;
            check_heard_cleanup("take_while", n, |s: Boxed| {
                s.take_while(|x| *x < 1).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("timeout", n, |s: Boxed| {
                s.timeout(MS).take(take).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("with_cancel", n, |s: Boxed| {
                let t = CancellationToken::new();
                let t2 = t.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(MS).await;
                    t2.cancel();
                });
                s.with_cancel(t).take(2).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("heartbeat+take", n, |s: Boxed| {
                s.heartbeat(MS).take(take).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("batched_timeout+take", n, |s: Boxed| {
                s.batched_timeout(2, MS).take(1).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("batched+take", n, |s: Boxed| {
                s.batched(2).take(1).collect::<Vec<_>>()
            })
            .await;
            for k in [0, 1, 4] {
                check_heard_cleanup("prefetch+take", n, |s: Boxed| {
                    s.prefetch(k).take(2).collect::<Vec<_>>()
                })
                .await;
                check_heard_cleanup("prefetch+timeout+take", n, |s: Boxed| {
                    s.prefetch(k).timeout(MS).take(take).collect::<Vec<_>>()
                })
                .await;
            }
            check_heard_cleanup("merge+take", n, |s: Boxed| {
                s.merge(seq::iter(10..12u32)).take(3).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("merge_all+timeout", n, |s: Boxed| {
                seq::merge_all(vec![s, Box::pin(seq::iter(10..12u32)) as Boxed])
                    .timeout(MS)
                    .take(5)
                    .collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("zip", n, |s: Boxed| {
                seq::iter(0..2u32).zip(s).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("zip+timeout", n, |s: Boxed| {
                s.zip(seq::iter(0..10u32))
                    .timeout(MS)
                    .take(take)
                    .collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("chain+take", n, |s: Boxed| {
                s.chain(seq::iter(0..3u32)).take(2).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("flat_map+take", n, |s: Boxed| {
                let cell = Mutex::new(Some(s));
                seq::iter(0..1)
                    .flat_map(move |_| cell.lock().unwrap().take().unwrap())
                    .take(2)
                    .collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("map_concurrent+take", n, |s: Boxed| {
                s.map_concurrent(2, |x| async move { x })
                    .take(2)
                    .collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("map_unordered+take", n, |s: Boxed| {
                s.map_unordered(2, |x| async move { x })
                    .take(2)
                    .collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("instrumented+take", n, |s: Boxed| {
                s.instrumented(Stats::new()).take(2).collect::<Vec<_>>()
            })
            .await;
            check_heard_cleanup("pull stop after cancelled next", n, |s: Boxed| async move {
                let mut p = pull(s);
                let _ = p.next().await;
                let _ = p.next().await;
                let _ = tokio::time::timeout(MS, p.next()).await;
                p.stop().await;
            })
            .await;
            check_heard_cleanup(
                "pull(prefetch(0)) stop after cancelled next",
                n,
                |s: Boxed| async move {
                    let mut p = pull(s.prefetch(0));
                    let _ = p.next().await;
                    let _ = p.next().await;
                    let _ = tokio::time::timeout(MS, p.next()).await;
                    p.stop().await;
                },
            )
            .await;
            check_heard_cleanup(
                "local pull stop after cancelled next",
                n,
                |s: Boxed| async move {
                    let mut p = pull_local(s);
                    let _ = p.next().await;
                    let _ = p.next().await;
                    let _ = tokio::time::timeout(MS, p.next()).await;
                    p.stop().await;
                },
            )
            .await;
        }
    });
}

// ===== without a runtime: small cases for Miri =====

#[test]
fn miri_scoped_thread_with_the_producers_waker() {
    let s = seq::from_fn(|mut y: Yield<String>| async move {
        for v in 0..3u32 {
            let mut fut = pin!(y.yield_(v.to_string()));
            let first = std::future::poll_fn(|cx| {
                let waker = cx.waker();
                let poll = std::thread::scope(|sc| {
                    sc.spawn(|| {
                        // a clone made on the other thread is the task's waker
                        let cloned = waker.clone();
                        cloned.wake_by_ref();
                        let mut cx2 = std::task::Context::from_waker(waker);
                        fut.as_mut().poll(&mut cx2)
                    })
                    .join()
                    .unwrap()
                });
                std::task::Poll::Ready(poll)
            })
            .await;
            assert!(first.is_pending());
            if !fut.await {
                return;
            }
        }
    });
    let got: Vec<String> = futures::executor::block_on(s.take(2).collect());
    assert_eq!(got, vec!["0", "1"]);
}

#[test]
fn miri_yield_dropped_after_hand_over_in_a_select_still_delivers() {
    let s = seq::from_fn(|mut y: Yield<Box<u32>>| async move {
        // the first `yield_` hands its value over, then loses the race
        futures::select_biased! {
            _ = y.yield_(Box::new(1)).fuse() => unreachable!(),
            _ = futures::future::ready(()).fuse() => {}
        }
        // same poll: this one must wait for the next poll, then deliver
        if !y.yield_(Box::new(2)).await {
            return;
        }
        // a future dropped before its first poll drops its value
        drop(y.yield_(Box::new(3)));
        let _ = y.yield_(Box::new(4)).await;
    });
    let got: Vec<u32> = futures::executor::block_on(s.map(|b| *b).collect());
    assert_eq!(got, vec![1, 2, 4]);
}

#[test]
fn miri_nested_yield_all_and_misuse_without_a_runtime() {
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<Box<u32>>| {
        let l = l.clone();
        async move {
            let l2 = l.clone();
            let ok = y
                .yield_all(seq::from_fn(move |mut z: Yield<Box<u32>>| async move {
                    let ok = z.yield_all(seq::iter((0..10).map(Box::new))).await;
                    l2.push(format!("inner {ok}"));
                }))
                .await;
            l.push(format!("outer {ok}"));
        }
    });
    let got: Vec<Box<u32>> = futures::executor::block_on(s.take(3).collect());
    assert_eq!(got.len(), 3);
    assert_eq!(log.events(), vec!["inner false", "outer false"]);

    // an outer `Yield` moved into an inner producer
    let s = seq::from_fn(|y: Yield<Box<u32>>| async move {
        let inner = seq::from_fn(move |_z: Yield<Box<u32>>| async move {
            let mut y = y;
            y.yield_(Box::new(1)).await;
        });
        let _: Vec<Box<u32>> = inner.collect().await;
    });
    let err = futures::executor::block_on(AssertUnwindSafe(s.collect::<Vec<_>>()).catch_unwind())
        .unwrap_err();
    assert!(panic_text(&*err).contains("outside the producer"));

    // continued after false, caught, then until_stopped
    let s = seq::from_fn(|mut y: Yield<Box<u32>>| async move {
        if !y.yield_(Box::new(0)).await {
            let r = AssertUnwindSafe(y.yield_(Box::new(1))).catch_unwind().await;
            assert!(panic_text(&*r.unwrap_err()).contains("continued after"));
            assert_eq!(y.until_stopped(async { 1 }).await, None);
        }
    });
    let got: Vec<Box<u32>> = futures::executor::block_on(s.take(1).collect());
    assert_eq!(got.len(), 1);
}

// ===== panics in a heard producer's cleanup reach the consumer =====

/// Yields `0..100`; once it hears the stop it awaits, then panics.
fn panicking_cleanup() -> Boxed {
    Box::pin(seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..100 {
            if !y.yield_(i).await {
                tokio::task::yield_now().await;
                panic!("cleanup panicked");
            }
        }
    }))
}

async fn check_cleanup_panic<S, F, Fut>(name: &str, make: F)
where
    F: FnOnce(Boxed) -> Fut,
    Fut: std::future::Future<Output = S>,
{
    let start = alive_tasks();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        AssertUnwindSafe(make(panicking_cleanup())).catch_unwind(),
    )
    .await
    .unwrap_or_else(|_| panic!("{name}: hung"));
    let err = r
        .err()
        .unwrap_or_else(|| panic!("{name}: the cleanup panic was swallowed"));
    let msg = panic_text(&*err);
    assert!(msg.contains("cleanup panicked"), "{name}: {msg}");
    assert_eq!(settle_tasks_patiently(start).await, start, "{name}: leak");
}

#[test]
fn contract_4_a_cleanup_panic_after_the_stop_reaches_the_consumer() {
    both(|| async {
        check_cleanup_panic("take", |s: Boxed| s.take(2).collect::<Vec<_>>()).await;
        check_cleanup_panic("for_each", |s: Boxed| s.for_each(|x| async move { x < 1 })).await;
        for k in [0, 1, 4] {
            check_cleanup_panic("prefetch+take", |s: Boxed| {
                s.prefetch(k).take(2).collect::<Vec<_>>()
            })
            .await;
        }
        check_cleanup_panic("merge+take", |s: Boxed| {
            s.merge(seq::iter(10..12u32)).take(3).collect::<Vec<_>>()
        })
        .await;
        check_cleanup_panic("zip", |s: Boxed| {
            seq::iter(0..2u32).zip(s).collect::<Vec<_>>()
        })
        .await;
        check_cleanup_panic("map_concurrent+take", |s: Boxed| {
            s.map_concurrent(2, |x| async move { x })
                .take(2)
                .collect::<Vec<_>>()
        })
        .await;
        check_cleanup_panic("map_unordered+take", |s: Boxed| {
            s.map_unordered(2, |x| async move { x })
                .take(2)
                .collect::<Vec<_>>()
        })
        .await;
        check_cleanup_panic("pull stop", |s: Boxed| async move {
            let mut p = pull(s);
            let _ = p.next().await;
            p.stop().await;
        })
        .await;
        check_cleanup_panic("pull(prefetch(0)) stop", |s: Boxed| async move {
            let mut p = pull(s.prefetch(0));
            let _ = p.next().await;
            p.stop().await;
        })
        .await;
        check_cleanup_panic("local pull stop", |s: Boxed| async move {
            let mut p = pull_local(s);
            let _ = p.next().await;
            p.stop().await;
        })
        .await;
    });
}

// ===== cancelled next() loses nothing =====

#[test]
fn contract_10_next_cancelled_at_every_poll_loses_nothing() {
    both(|| async {
        let src = || {
            seq::from_fn(|mut y: Yield<u32>| async move {
                for i in 0..20 {
                    tokio::task::yield_now().await;
                    if !y.yield_(i).await {
                        return;
                    }
                }
            })
        };
        for kind in 0..5 {
            let mut got = Vec::new();
            let mut p = match kind {
                0 => pull(src().boxed()),
                1 => pull(src().prefetch(0).boxed()),
                2 => pull(src().prefetch(3).boxed()),
                _ => pull(src().boxed()),
            };
            let mut lp = pull_local(src());
            loop {
                // first try: poll once and cancel
                let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
                let first = if kind == 4 {
                    let mut f = pin!(lp.next());
                    f.as_mut().poll(&mut cx)
                } else if kind == 3 {
                    let mut f = pin!(p.peek());
                    match f.as_mut().poll(&mut cx) {
                        std::task::Poll::Ready(v) => std::task::Poll::Ready(v.copied()),
                        std::task::Poll::Pending => std::task::Poll::Pending,
                    }
                } else {
                    let mut f = pin!(p.next());
                    f.as_mut().poll(&mut cx)
                };
                if kind == 3 {
                    let _ = first;
                } else if let std::task::Poll::Ready(v) = first {
                    match v {
                        Some(v) => {
                            got.push(v);
                            continue;
                        }
                        None => break,
                    }
                }
                let v = if kind == 4 {
                    lp.next().await
                } else {
                    p.next().await
                };
                match v {
                    Some(v) => got.push(v),
                    None => break,
                }
            }
            assert_eq!(got, (0..20).collect::<Vec<_>>(), "kind {kind}");
        }
    });
}

#[test]
fn pull_stop_cancelled_during_a_heard_cleanup_then_stop_or_drop() {
    both(|| async {
        let start = alive_tasks();
        for prefetch0 in [false, true] {
            for then_drop in [false, true] {
                let log = Log::new();
                let l = log.clone();
                let s = seq::from_fn(move |mut y: Yield<u32>| {
                    let l = l.clone();
                    async move {
                        for i in 0.. {
                            if !y.yield_(i).await {
                                break;
                            }
                        }
                        l.push("heard");
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        l.push("async cleanup");
                    }
                });
                let mut p = if prefetch0 {
                    pull(s.prefetch(0).boxed())
                } else {
                    pull(s.boxed())
                };
                assert_eq!(p.next().await, Some(0));
                assert!(
                    tokio::time::timeout(Duration::from_millis(5), p.stop())
                        .await
                        .is_err(),
                    "stop did not wait for the cleanup"
                );
                assert_eq!(log.events(), vec!["heard"]);
                if then_drop {
                    drop(p);
                    assert_eq!(settle_tasks_patiently(start).await, start);
                } else {
                    tokio::time::timeout(Duration::from_secs(5), p.stop())
                        .await
                        .expect("second stop hung");
                    assert_eq!(log.events(), vec!["heard", "async cleanup"]);
                    assert_eq!(p.next().await, None);
                }
            }
        }
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_19_paginate_on_page_hook_in_flight_completes_before_the_stop() {
    both(|| async {
        let log = Log::new();
        let l = log.clone();
        let walk = seq::paginate(|req: seqflow::PageRequest<u8>| async move {
            let p = req.token.unwrap_or(0);
            Ok::<_, seqflow::Error>(Page::new(vec![p; 2], (p < 2).then_some(p + 1)))
        })
        .on_page(move |token| {
            let l = l.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(40)).await;
                l.push(format!("checkpoint {token:?}"));
            }
        });
        let got: Vec<_> = walk.try_timeout(Duration::from_millis(5)).collect().await;
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(matches!(got[2], Err(seqflow::Error::Timeout)), "{got:?}");
        assert_eq!(log.events(), vec!["checkpoint Some(1)"]);
    });
}

#[test]
fn contract_21_spawned_task_runs_under_nested_producers_current_thread() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        spawned_task_runs_while(
            "from_fn yield_all(iter)",
            seq::from_fn(|mut y: Yield<u32>| async move {
                y.yield_all(seq::iter(0u32..)).await;
            }),
        )
        .await;
        spawned_task_runs_while(
            "from_fn over a pull of an endless source",
            seq::from_fn(|mut y: Yield<u32>| async move {
                let mut p = pull_local(seq::repeat_with(|| 1u32));
                while let Some(v) = p.next().await {
                    if !y.yield_(v).await {
                        break;
                    }
                }
                p.stop().await;
            }),
        )
        .await;
        // a sequence that never yields at all: the consumer waits for an
        // element forever, yet must let the spawned task run
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move { tx.send(()).unwrap() });
        let endless_empty = seq::iter(0u64..).flat_map(|_| seq::iter(0..0u32));
        tokio::time::timeout(Duration::from_secs(10), async {
            tokio::select! {
                _ = endless_empty.count() => unreachable!(),
                r = rx => r.unwrap(),
            }
        })
        .await
        .expect("flat_map of empties starved the spawned task");
    });
}

#[test]
fn contract_9_pull_dropped_on_a_thread_outside_the_runtime_still_cleans_up() {
    both(|| async {
        let start = alive_tasks();
        for prefetch0 in [false, true] {
            let log = Log::new();
            let s = listening(100, &log);
            let mut p = if prefetch0 {
                pull(s.prefetch(0).boxed())
            } else {
                pull(s.boxed())
            };
            assert_eq!(p.next().await, Some(0));
            std::thread::spawn(move || drop(p))
                .join()
                .expect("drop panicked");
            for _ in 0..2000 {
                if log.contains("async cleanup") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(log.events(), vec!["async cleanup"], "prefetch0 {prefetch0}");
        }
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn pull_after_a_producer_panic_is_done_and_stop_is_quiet() {
    both(|| async {
        let start = alive_tasks();
        let src = || {
            seq::from_fn(|mut y: Yield<u32>| async move {
                if !y.yield_(0).await {
                    return;
                }
                panic!("producer panicked");
            })
        };
        for kind in 0..3 {
            let mut p = match kind {
                0 => pull(src().boxed()),
                _ => pull(src().prefetch(kind - 1).boxed()),
            };
            assert_eq!(p.next().await, Some(0));
            let err = tokio::time::timeout(LIMIT, AssertUnwindSafe(p.next()).catch_unwind())
                .await
                .expect("next hung")
                .unwrap_err();
            assert!(
                panic_text(&*err).contains("producer panicked"),
                "kind {kind}"
            );
            let after = tokio::time::timeout(LIMIT, AssertUnwindSafe(p.next()).catch_unwind())
                .await
                .expect("next after the panic hung");
            assert!(matches!(after, Ok(None)), "kind {kind}: next after a panic");
            let stop = tokio::time::timeout(LIMIT, AssertUnwindSafe(p.stop()).catch_unwind())
                .await
                .expect("stop after the panic hung");
            assert!(stop.is_ok(), "kind {kind}: stop re-raised the panic");
            assert!(p.is_done());
        }
        let mut p = pull_local(src());
        assert_eq!(p.next().await, Some(0));
        assert!(AssertUnwindSafe(p.next()).catch_unwind().await.is_err());
        assert!(matches!(
            AssertUnwindSafe(p.next()).catch_unwind().await,
            Ok(None)
        ));
        assert!(AssertUnwindSafe(p.stop()).catch_unwind().await.is_ok());
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn pull_drop_of_a_producer_whose_drop_panics_never_raises_in_drop() {
    both(|| async {
        let start = alive_tasks();
        let src = || {
            seq::from_fn(|mut y: Yield<u32>| async move {
                let _g = PanicOnDrop("producer drop panicked");
                let _ = y.yield_(0).await;
                pending::<()>().await;
            })
        };
        for kind in 0..3 {
            let mut p = match kind {
                0 => pull(src().boxed()),
                _ => pull(src().prefetch(kind - 1).boxed()),
            };
            assert_eq!(p.next().await, Some(0));
            assert!(tokio::time::timeout(MS, p.next()).await.is_err());
            let r = std::panic::catch_unwind(AssertUnwindSafe(move || drop(p)));
            assert!(
                r.is_ok(),
                "kind {kind}: Pull::drop raised the producer's panic"
            );
            assert_eq!(settle_tasks_patiently(start).await, start, "kind {kind}");
        }
        let mut p = pull_local(src());
        assert_eq!(p.next().await, Some(0));
        assert!(tokio::time::timeout(MS, p.next()).await.is_err());
        let r = std::panic::catch_unwind(AssertUnwindSafe(move || drop(p)));
        assert!(r.is_ok(), "LocalPull::drop raised the producer's panic");
    });
}

#[test]
fn contract_19_hung_and_listening_producers_side_by_side() {
    both(|| async {
        let start = alive_tasks();
        for kind in 0..4 {
            let log_h = Log::new();
            let log_l = Log::new();
            let (h, dropped) = hung(0, &log_h);
            let l = listening(2, &log_l);
            let fut = async {
                match kind {
                    0 => drop(h.merge(l).take(2).collect::<Vec<_>>().await),
                    1 => drop(l.merge(h).timeout(MS).collect::<Vec<_>>().await),
                    2 => drop(l.zip(h).timeout(MS).collect::<Vec<_>>().await),
                    _ => drop(
                        seq::merge_all(vec![Box::pin(h) as Boxed, Box::pin(l) as Boxed])
                            .prefetch(1)
                            .heartbeat(MS)
                            .take(6)
                            .collect::<Vec<_>>()
                            .await,
                    ),
                }
            };
            tokio::time::timeout(Duration::from_secs(5), fut)
                .await
                .unwrap_or_else(|_| panic!("kind {kind}: hung"));
            assert!(
                dropped.load(Ordering::SeqCst),
                "kind {kind}: hung side not dropped"
            );
            assert!(!log_h.contains("async cleanup"), "kind {kind}");
            assert_eq!(
                log_l.events(),
                vec!["async cleanup"],
                "kind {kind}: listening side"
            );
            assert_eq!(settle_tasks_patiently(start).await, start, "kind {kind}");
        }
    });
}

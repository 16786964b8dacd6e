//! Hostile tests of `Seq::poll_each`, the many-elements-per-call path that
//! `for_each`, `collect`, `fold`, `count`, `find`, `any`, `all`, `first`,
//! `last`, `min` and `max` take through `seq::iter`, `filter`, `map`,
//! `filter_map`, `inspect`, `enumerate` and `take`: every result is checked
//! against the same pipeline driven one `poll_next` at a time (`stream()`)
//! or against `std::iter`. Producers that suspend, hang, ignore `false`,
//! panic or hold a guard; bodies that wait, panic or break at every index;
//! consumers dropped at every await point or cancelled by `select!`; the
//! cooperative budget on both runtime flavours and with no runtime at all.
//! The runtime-free cases are named `miri_...`.

mod support;

use std::future::{Future, pending, poll_fn};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::executor::block_on;
use futures::{FutureExt, StreamExt};
use seqflow::{Seq, Yield, seq};
use support::panics::{expect_panic, panicking_after};
use support::{
    DropFlag, Log, PendingOnce, alive_tasks, current_thread_runtime, noop_cx, settle_tasks,
    settle_tasks_patiently, two_workers_runtime,
};

const LIMIT: Duration = Duration::from_secs(10);

/// Runs `make()` on both runtime flavours, each bounded by [`LIMIT`].
fn both<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            tokio::time::timeout(LIMIT, make())
                .await
                .expect("hung: the test did not finish in time");
        });
    }
}

/// Every overriding adapter in one chain, over any source of `i32`.
fn chain(s: impl Seq<Item = i32>, n: usize) -> impl Seq<Item = (usize, i32)> {
    s.inspect(|_| {})
        .filter(|x| x % 3 != 0)
        .map(|x| x * 2)
        .filter_map(|x| (x % 5 != 0).then_some(x + 1))
        .enumerate()
        .take(n)
}

/// `chain`'s `std::iter` twin.
fn chain_std(v: impl IntoIterator<Item = i32>, n: usize) -> Vec<(usize, i32)> {
    v.into_iter()
        .filter(|x| x % 3 != 0)
        .map(|x| x * 2)
        .filter_map(|x| (x % 5 != 0).then_some(x + 1))
        .enumerate()
        .take(n)
        .collect()
}

/// A producer of `0..n` that waits once before each element, logs
/// "heard" when a `yield_` resolves to `false`, then cleans up
/// asynchronously ("cleanup" after a real suspension).
fn suspending(n: i32, log: &Log) -> impl Seq<Item = i32> + Send + 'static {
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<i32>| {
        let log = log.clone();
        async move {
            for i in 0..n {
                PendingOnce::new().await;
                if !y.yield_(i).await {
                    log.push("heard");
                    PendingOnce::new().await;
                    log.push("cleanup");
                    return;
                }
            }
            log.push("cleanup");
        }
    })
}

/// Yields `0..n`, then waits forever outside `yield_` holding a guard
/// whose `Drop` sets the returned flag.
fn hanging(n: i32) -> (impl Seq<Item = i32> + Send + 'static, Arc<AtomicBool>) {
    let (guard, flag) = DropFlag::new();
    let guard = Arc::new(Mutex::new(Some(guard)));
    let s = seq::from_fn(move |mut y: Yield<i32>| {
        let guard = guard.lock().unwrap().take();
        async move {
            let _guard = guard;
            for i in 0..n {
                if !y.yield_(i).await {
                    return;
                }
            }
            pending::<()>().await;
        }
    });
    (s, flag)
}

// ===== runtime-free: the same elements as poll_next, every way out =====

/// Every terminal over the whole chain, on `seq::iter`, with no runtime:
/// the same as `std::iter` and as the `poll_next` path (`stream()`).
#[test]
fn miri_terminals_over_the_chain_match_std_and_poll_next() {
    for n in [0, 1, 2, 5, usize::MAX] {
        let src = || seq::iter(0..30);
        let want = chain_std(0..30, n);
        let by_next: Vec<_> = block_on(chain(src(), n).stream().collect());
        assert_eq!(by_next, want, "poll_next, take({n})");
        assert_eq!(block_on(chain(src(), n).collect::<Vec<_>>()), want);
        assert_eq!(block_on(chain(src(), n).count()), want.len());
        assert_eq!(
            block_on(chain(src(), n).fold(Vec::new(), |mut v, x| {
                v.push(x);
                v
            })),
            want
        );
        assert_eq!(block_on(chain(src(), n).first()), want.first().copied());
        assert_eq!(block_on(chain(src(), n).last()), want.last().copied());
        assert_eq!(block_on(chain(src(), n).min()), want.iter().min().copied());
        assert_eq!(block_on(chain(src(), n).max()), want.iter().max().copied());
        for k in [0, 3, 7, 100] {
            let std_find = want.iter().find(|p| p.0 == k).copied();
            assert_eq!(block_on(chain(src(), n).find(|p| p.0 == k)), std_find);
            assert_eq!(
                block_on(chain(src(), n).any(|p| p.0 == k)),
                std_find.is_some()
            );
            assert_eq!(
                block_on(chain(src(), n).all(|p| p.0 != k)),
                std_find.is_none()
            );
        }
        let mut seen = Vec::new();
        block_on(chain(src(), n).for_each(|x| {
            seen.push(x);
            async { true }
        }));
        assert_eq!(seen, want, "for_each, take({n})");
    }
}

/// Nested and extreme `take`s: the hand-off pauses at the inner count and
/// the outer one alike, and never asks for element `n + 1`.
#[test]
fn miri_nested_takes_match_std() {
    for (a, b) in [(0, 3), (3, 0), (3, 5), (5, 3), (4, 4), (usize::MAX, 2)] {
        let asked = AtomicUsize::new(0);
        let got = block_on(
            seq::iter(0..10)
                .inspect(|_| {
                    asked.fetch_add(1, Ordering::Relaxed);
                })
                .take(a)
                .filter(|x| x % 2 == 0)
                .take(b)
                .collect::<Vec<_>>(),
        );
        let want: Vec<_> = (0..10).take(a).filter(|x| x % 2 == 0).take(b).collect();
        assert_eq!(got, want, "take({a})…take({b})");
        let std_asked = (0..10)
            .take(a)
            .inspect(|_| {})
            .scan(0, |k, x| {
                // std asks its source for as many as it needs to fill b.
                if *k >= b {
                    return None;
                }
                if x % 2 == 0 {
                    *k += 1;
                }
                Some(())
            })
            .count();
        assert_eq!(
            asked.load(Ordering::Relaxed),
            std_asked,
            "elements asked of the source, take({a})…take({b})"
        );
    }
}

/// A panic in the consumer's closure at every index, on a chain of every
/// overriding adapter: the elements before it and the one it panicked on
/// are gone, the rest come out of `poll_next` unchanged, indexes and
/// counts included.
#[test]
fn miri_a_panic_at_every_index_loses_nothing_else() {
    let want = chain_std(0..30, 9);
    for k in 0..want.len() {
        let mut s = pin!(chain(seq::iter(0..30), 9));
        let mut got = Vec::new();
        let r = catch_unwind(AssertUnwindSafe(|| {
            block_on(poll_fn(|cx| {
                s.as_mut().poll_each(cx, &mut |x, _| {
                    assert!(got.len() != k, "the consumer panics at {k}");
                    got.push(x);
                    ControlFlow::Continue(())
                })
            }))
        }));
        assert!(r.is_err());
        let rest = block_on(s.as_mut().stream().collect::<Vec<_>>());
        got.push(want[k]);
        got.extend(rest);
        assert_eq!(got, want, "panic at {k}");
    }
}

/// A consumer's closure that breaks at every element, resumed with
/// `poll_each` and `poll_next` in turn: the same elements as `std::iter`.
#[test]
fn miri_break_at_every_element_alternating_with_poll_next() {
    let want = chain_std(0..40, 11);
    let mut s = pin!(chain(seq::iter(0..40), 11));
    let mut got = Vec::new();
    for round in 0.. {
        let r = if round % 2 == 0 {
            block_on(poll_fn(|cx| {
                s.as_mut().poll_each(cx, &mut |x, _| {
                    got.push(x);
                    ControlFlow::Break(())
                })
            }))
        } else {
            block_on(poll_fn(|cx| s.as_mut().poll_next(cx))).map(|x| got.push(x))
        };
        if r.is_none() {
            break;
        }
    }
    assert_eq!(got, want);
    // ended for good
    let r = block_on(poll_fn(|cx| {
        s.as_mut()
            .poll_each(cx, &mut |_, _| panic!("no element after the end"))
    }));
    assert_eq!(r, None);
}

/// An element whose `Drop` panics, dropped by the consumer: the panic
/// surfaces from `for_each` and from `collect`'s `poll_each` path, and the
/// elements after it stay in the source.
#[test]
fn miri_a_panicking_drop_in_the_consumer_surfaces() {
    struct Bomb(u8);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 == 2 && !std::thread::panicking() {
                panic!("bomb 2");
            }
        }
    }
    let mut s = pin!(seq::iter((0..5).map(Bomb)).filter(|b| b.0 != 1));
    let mut seen = Vec::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        block_on(poll_fn(|cx| {
            s.as_mut().poll_each(cx, &mut |b, _| {
                seen.push(b.0);
                drop(b);
                ControlFlow::Continue(())
            })
        }))
    }));
    assert!(r.is_err());
    assert_eq!(seen, [0, 2]);
    let rest: Vec<u8> = block_on(s.as_mut().map(|b| b.0).collect());
    assert_eq!(rest, [3, 4]);
}

/// A consumer in `block_on` of a plain thread, where tokio's budget does
/// not apply: `for_each`, `collect` and `find` complete.
#[test]
fn consumers_in_block_on_of_a_plain_thread() {
    std::thread::spawn(|| {
        let want = chain_std(0..1000, 200);
        assert_eq!(
            block_on(chain(seq::iter(0..1000), 200).collect::<Vec<_>>()),
            want
        );
        let mut n = 0;
        block_on(chain(seq::iter(0..), 200).for_each(|_| {
            n += 1;
            async {
                PendingOnce::new().await;
                true
            }
        }));
        assert_eq!(n, 200);
        assert_eq!(
            block_on(seq::iter(0u64..).filter(|x| *x == 100_000).find(|_| true)),
            Some(100_000)
        );
    })
    .join()
    .unwrap();
}

// ===== for_each bodies that wait, break or panic =====

/// A body that waits at every element and breaks at index `brk`, on a
/// producer that suspends: the elements of `std::iter`'s prefix, and the
/// producer's cleanup ran before `for_each` returned.
#[test]
fn for_each_waiting_and_breaking_at_every_index() {
    both(|| async {
        let full = chain_std(0..20, usize::MAX);
        for brk in 0..full.len() + 1 {
            let log = Log::new();
            let mut seen = Vec::new();
            chain(suspending(20, &log), usize::MAX)
                .for_each(|x| {
                    seen.push(x);
                    let go_on = seen.len() <= brk;
                    async move {
                        tokio::task::yield_now().await;
                        go_on
                    }
                })
                .await;
            assert_eq!(seen, full[..(brk + 1).min(full.len())], "break at {brk}");
            assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
            assert_eq!(log.contains("heard"), brk < full.len(), "break at {brk}");
        }
    });
}

/// A body that breaks at index `brk` on `take(n)` over `seq::iter` and
/// over a suspending producer: the prefix, and the stop after `take`'s
/// count reaches the producer (its cleanup ran) without asking for more.
#[test]
fn for_each_on_take_stops_the_producer_after_the_count() {
    both(|| async {
        for n in 0..5 {
            let log = Log::new();
            let mut seen = Vec::new();
            suspending(10, &log)
                .map(|x| x * 10)
                .take(n)
                .for_each(|x| {
                    seen.push(x);
                    async { true }
                })
                .await;
            let want: Vec<_> = (0..10).map(|x| x * 10).take(n).collect();
            assert_eq!(seen, want);
            if n == 0 {
                assert!(log.events().is_empty(), "take(0) started the producer");
            } else {
                assert_eq!(log.events(), ["heard", "cleanup"], "take({n})");
            }
        }
    });
}

/// A panic in the body at every index surfaces from `for_each`, with the
/// elements before it seen, and no task left behind.
#[test]
fn a_panicking_body_at_every_index_surfaces() {
    both(|| async {
        let before = alive_tasks();
        let full = chain_std(0..20, 8);
        for k in 0..full.len() {
            let mut seen = Vec::new();
            let msg = expect_panic(chain(seq::iter(0..20), 8).for_each(|x| {
                seen.push(x);
                let boom = seen.len() == k + 1;
                async move {
                    if k % 2 == 0 {
                        tokio::task::yield_now().await;
                    }
                    assert!(!boom, "body panics at {k}");
                    true
                }
            }))
            .await;
            assert_eq!(msg, format!("body panics at {k}"));
            assert_eq!(seen, full[..=k]);
        }
        assert_eq!(settle_tasks_patiently(before).await, before);
    });
}

// ===== producers that hang, panic, ignore false =====

/// A producer that hangs after three elements: every consumer that needs
/// no fourth element completes (the stop reaches the pending `yield_`),
/// and one that needs it is dropped, guard and all, by its timeout.
#[test]
fn a_hanging_producer_under_every_consumer() {
    both(|| async {
        let (s, flag) = hanging(3);
        assert_eq!(
            s.map(|x| x + 1).take(3).collect::<Vec<_>>().await,
            [1, 2, 3]
        );
        assert!(flag.load(Ordering::SeqCst), "guard dropped at the return");

        let (s, _) = hanging(3);
        assert_eq!(s.filter(|x| *x > 0).find(|x| *x == 2).await, Some(2));
        let (s, _) = hanging(3);
        assert!(s.enumerate().any(|(i, _)| i == 1).await);
        let (s, _) = hanging(3);
        assert!(!s.inspect(|_| {}).all(|x| x < 2).await);
        let (s, _) = hanging(3);
        assert_eq!(s.first().await, Some(0));
        let (s, _) = hanging(3);
        let mut seen = Vec::new();
        s.filter_map(|x| Some(x * 2))
            .for_each(|x| {
                seen.push(x);
                async move { x < 4 }
            })
            .await;
        assert_eq!(seen, [0, 2, 4]);

        let (s, flag) = hanging(3);
        let r = tokio::time::timeout(Duration::from_millis(20), s.take(4).count()).await;
        assert!(r.is_err(), "a fourth element never comes");
        assert!(flag.load(Ordering::SeqCst), "the dropped producer's guard");
    });
}

/// A producer that panics after some elements, under every draining
/// terminal and `for_each`, through the chain: the panic surfaces.
#[test]
fn a_panicking_producer_surfaces_through_the_chain() {
    both(|| async {
        let src = || panicking_after(20).map(|x| x as i32);
        let msg = "producer failed after 20";
        assert_eq!(
            expect_panic(chain(src(), 100).collect::<Vec<_>>()).await,
            msg
        );
        assert_eq!(expect_panic(chain(src(), 100).count()).await, msg);
        assert_eq!(expect_panic(chain(src(), 100).last()).await, msg);
        assert_eq!(expect_panic(chain(src(), 100).max()).await, msg);
        assert_eq!(
            expect_panic(chain(src(), 100).find(|p| p.0 == 99)).await,
            msg
        );
        assert_eq!(
            expect_panic(chain(src(), 100).for_each(|_| async { true })).await,
            msg
        );
        // a take that ends before the panic never sees it
        assert_eq!(chain(src(), 3).count().await, 3);
    });
}

/// A producer that ignores `false`: its next `yield_` panics and the panic
/// reaches `for_each`, `first`, `find` and a `take` that stops it.
#[test]
fn a_producer_that_ignores_false_panics_into_the_consumer() {
    fn deaf() -> impl Seq<Item = i32> + Send + 'static {
        seq::from_fn(|mut y: Yield<i32>| async move {
            for i in 0..10 {
                let _ = y.yield_(i).await;
            }
        })
    }
    both(|| async {
        let msgs = [
            expect_panic(deaf().map(|x| x).for_each(|x| async move { x < 2 })).await,
            expect_panic(deaf().filter(|_| true).first()).await,
            expect_panic(deaf().enumerate().find(|p| p.0 == 3)).await,
            expect_panic(deaf().take(2).collect::<Vec<_>>()).await,
        ];
        for m in msgs {
            assert!(m.contains("false"), "unexpected message: {m}");
        }
    });
}

// ===== cancellation =====

/// `for_each` and `collect` dropped after `k` polls, for every `k`, on a
/// suspending producer behind the chain: the producer's guard is dropped
/// with the future, and nothing is left running.
#[test]
fn consumers_dropped_at_every_await_point() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        let before = alive_tasks();
        for k in 0..12 {
            for which in 0..2 {
                let (guard, flag) = DropFlag::new();
                let src = seq::from_fn(move |mut y: Yield<i32>| async move {
                    let _guard = guard;
                    for i in 0..10 {
                        PendingOnce::new().await;
                        if !y.yield_(i).await {
                            return;
                        }
                    }
                });
                let mut cx = noop_cx();
                let done = if which == 0 {
                    let mut fut =
                        pin!(chain(src, 4).for_each(|_| PendingOnce::new().map(|()| true)));
                    (0..k).any(|_| fut.as_mut().poll(&mut cx).is_ready())
                } else {
                    let mut fut = pin!(chain(src, 4).collect::<Vec<_>>());
                    (0..k).any(|_| fut.as_mut().poll(&mut cx).is_ready())
                };
                assert!(flag.load(Ordering::SeqCst), "k = {k}, done = {done}");
            }
        }
        assert_eq!(settle_tasks(before).await, before);
    });
}

/// `select!` cancels a `for_each` over an endless in-memory chain that
/// never lets an element through: the budget lets the timer branch win.
#[test]
fn select_cancels_for_each_over_an_endless_chain() {
    both(|| async {
        let taken = AtomicUsize::new(0);
        tokio::select! {
            _ = seq::iter(0u64..)
                .filter(|_| false)
                .map(|x| x)
                .take(usize::MAX)
                .for_each(|_| {
                    taken.fetch_add(1, Ordering::Relaxed);
                    async { true }
                }) => panic!("an endless sequence ended"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        assert_eq!(taken.load(Ordering::Relaxed), 0);
    });
}

// ===== the cooperative budget (contract 21) =====

/// Every terminal over an endless chain that rejects everything lets a
/// spawned task run on a `current_thread` runtime, within tokio's budget
/// (128 units of 32 elements), after exactly as many elements as the
/// `poll_next` path.
#[test]
fn contract_21_every_terminal_over_an_endless_rejecting_chain_shares_the_thread() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        const BOUND: u64 = 128 * 32 + 32;
        // How many elements the source hands out before the other task runs.
        async fn elements_before_the_other_task_runs<Fut: Future>(
            consume: impl FnOnce(Arc<AtomicBool>, Arc<AtomicUsize>) -> Fut,
        ) -> u64 {
            let ran = Arc::new(AtomicBool::new(false));
            let asked = Arc::new(AtomicUsize::new(0));
            let r = ran.clone();
            // A fresh task budget for each consumer.
            tokio::task::yield_now().await;
            tokio::spawn(async move { r.store(true, Ordering::SeqCst) });
            consume(ran, asked.clone()).await;
            asked.load(Ordering::SeqCst) as u64
        }
        fn src(ran: Arc<AtomicBool>, asked: Arc<AtomicUsize>) -> impl Seq<Item = u64> {
            seq::iter(0u64..)
                .inspect(move |_| {
                    asked.fetch_add(1, Ordering::SeqCst);
                })
                .filter(move |_| ran.load(Ordering::SeqCst))
                .enumerate()
                .map(|(_, x)| x)
        }
        let counts = [
            elements_before_the_other_task_runs(|r, a| src(r, a).take(1).count()).await,
            elements_before_the_other_task_runs(|r, a| src(r, a).first()).await,
            elements_before_the_other_task_runs(|r, a| src(r, a).find(|_| true)).await,
            elements_before_the_other_task_runs(|r, a| src(r, a).any(|_| true)).await,
            elements_before_the_other_task_runs(|r, a| src(r, a).all(|_| false)).await,
            elements_before_the_other_task_runs(|r, a| async {
                src(r, a).take(1).collect::<Vec<_>>().await;
            })
            .await,
            elements_before_the_other_task_runs(|r, a| src(r, a).for_each(|_| async { false }))
                .await,
            elements_before_the_other_task_runs(|r, a| async {
                src(r, a).stream().next().await;
            })
            .await,
        ];
        eprintln!("{counts:?}");
        for (i, n) in counts.into_iter().enumerate() {
            assert!(
                n > 0 && n <= BOUND,
                "consumer {i}: {n} elements before a yield"
            );
        }
    });
}

/// An iterator whose `next` panics once, at its `k`-th call, then goes on.
struct PanicsOnce {
    next: i32,
    k: i32,
}

impl Iterator for PanicsOnce {
    type Item = i32;
    fn next(&mut self) -> Option<i32> {
        let i = self.next;
        self.next += 1;
        assert!(i != self.k, "the iterator panics at {i}");
        (i < 12).then_some(i)
    }
}

/// A source iterator that panics inside `poll_each`: the iterator is put
/// back where it was, as through `poll_next`.
#[test]
fn miri_a_panicking_source_iterator_keeps_its_place() {
    for k in 0..12 {
        let drive = |each: bool| {
            let mut s = pin!(seq::iter(PanicsOnce { next: 0, k }).map(|x| x * 2).take(8));
            let mut got = Vec::new();
            let r = catch_unwind(AssertUnwindSafe(|| {
                if each {
                    block_on(poll_fn(|cx| {
                        s.as_mut().poll_each(cx, &mut |x, _| {
                            got.push(x);
                            ControlFlow::Continue(())
                        })
                    }));
                } else {
                    while let Some(x) = block_on(poll_fn(|cx| s.as_mut().poll_next(cx))) {
                        got.push(x);
                    }
                }
            }));
            let rest: Vec<_> = block_on(s.as_mut().collect());
            (r.is_err(), got, rest)
        };
        assert_eq!(drive(true), drive(false), "panic at {k}");
    }
}

/// A body that spends tokio's budget itself, on an endless source behind
/// `take`: the count is reached and a spawned task got to run meanwhile.
#[test]
fn a_body_that_spends_the_budget_itself() {
    both(|| async {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        tokio::spawn(async move { r.store(true, Ordering::SeqCst) });
        let mut n = 0;
        seq::iter(0u64..)
            .filter(|x| x % 2 == 0)
            .take(10_000)
            .for_each(|_| {
                n += 1;
                async {
                    tokio::task::consume_budget().await;
                    true
                }
            })
            .await;
        assert_eq!(n, 10_000);
        assert!(ran.load(Ordering::SeqCst));
    });
}

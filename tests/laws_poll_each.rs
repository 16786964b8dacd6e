//! Property tests of `Seq::poll_each`, the many-elements-at-once path that
//! `for_each` takes: through `seq::iter` and through `filter`, `map` and
//! `take` it must deliver exactly what `poll_next` delivers, in order, with
//! the same stops, whether the consumer breaks, waits or panics.

mod support;

use std::future::poll_fn;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, seq};
use support::PendingOnce;
use support::laws::{Probe, items_and_pauses};

/// The chain under test, on any source: `filter(keep) → map(x * 3) → take(n)`.
fn chain(s: impl Seq<Item = i32>, keep: i32, n: usize) -> impl Seq<Item = i32> {
    s.filter(move |x| x % keep != 0).map(|x| x * 3).take(n)
}

/// `chain`'s `std::iter` twin.
fn chain_std(v: &[i32], keep: i32, n: usize) -> Vec<i32> {
    v.iter()
        .copied()
        .filter(|x| x % keep != 0)
        .map(|x| x * 3)
        .take(n)
        .collect()
}

/// `for_each` over `s`, whose body waits once before the elements whose
/// `waits` bit is set and returns `false` at element `brk` (counting from
/// 0): the elements it saw.
async fn for_each_waiting_and_breaking(
    s: impl Seq<Item = i32>,
    waits: &[bool],
    brk: usize,
) -> Vec<i32> {
    let mut seen = Vec::new();
    let seen_ref = &mut seen;
    let mut i = 0;
    s.for_each(|x| {
        let wait = waits.get(i).copied().unwrap_or(false);
        let go_on = i != brk;
        i += 1;
        seen_ref.push(x);
        async move {
            if wait {
                PendingOnce::new().await;
            }
            go_on
        }
    })
    .await;
    seen
}

proptest! {
    #[test]
    fn for_each_over_a_chain_agrees_with_std(
        (v, p) in items_and_pauses(),
        keep in 2i32..5,
        n in 0usize..45,
        waits in prop::collection::vec(any::<bool>(), 0..45),
        brk in 0usize..50,
    ) {
        let expect = chain_std(&v, keep, n);
        let expect: Vec<i32> = expect.iter().copied().take(brk + 1).collect();

        let iter = block_on(for_each_waiting_and_breaking(chain(seq::iter(v.clone()), keep, n), &waits, brk));
        prop_assert_eq!(&iter, &expect);

        let probe = Probe::new();
        let produced = block_on(for_each_waiting_and_breaking(chain(probe.source(&v, &p), keep, n), &waits, brk));
        prop_assert_eq!(&produced, &expect);
        // `take(0)` never starts the producer; any other run cleans up
        // before `for_each` returns.
        prop_assert_eq!(probe.started(), usize::from(n > 0));
        prop_assert_eq!(probe.cleaned(), n > 0, "the producer's cleanup ran before for_each returned");
    }

    /// The other adapters with a `poll_each` of their own (`filter_map`,
    /// `inspect`, `enumerate`), through `for_each` and `collect`.
    #[test]
    fn other_adapters_agree_with_std(
        (v, p) in items_and_pauses(),
        n in 0usize..45,
        waits in prop::collection::vec(any::<bool>(), 0..45),
        brk in 0usize..50,
    ) {
        let seen = std::cell::RefCell::new(Vec::new());
        let expect: Vec<(usize, i32)> = v
            .iter()
            .copied()
            .filter_map(|x| (x % 3 != 0).then_some(x - 1))
            .enumerate()
            .take(n)
            .collect();
        let probe = Probe::new();
        let got: Vec<(usize, i32)> = block_on(
            probe
                .source(&v, &p)
                .filter_map(|x| (x % 3 != 0).then_some(x - 1))
                .inspect(|x| seen.borrow_mut().push(*x))
                .enumerate()
                .take(n)
                .collect(),
        );
        prop_assert_eq!(&got, &expect);
        let inspected: Vec<i32> = expect.iter().map(|&(_, x)| x).collect();
        prop_assert_eq!(&*seen.borrow(), &inspected);

        let got = block_on(for_each_waiting_and_breaking(
            seq::iter(v.clone())
                .filter_map(|x| (x % 3 != 0).then_some(x - 1))
                .enumerate()
                .map(|(i, x)| x + i as i32)
                .take(n),
            &waits,
            brk,
        ));
        let want: Vec<i32> = expect.iter().map(|&(i, x)| x + i as i32).take(brk + 1).collect();
        prop_assert_eq!(got, want);
    }

    /// `prefetch`'s own `poll_each` (the elements at hand, one after
    /// another) under `for_each` with waiting and breaking bodies, on a
    /// runtime: the same prefix as `std`, the producer cleaned up, no task
    /// left behind.
    #[test]
    fn for_each_over_prefetch_agrees_with_std(
        (v, p) in items_and_pauses(),
        n in 0usize..5,
        waits in prop::collection::vec(any::<bool>(), 0..45),
        brk in 0usize..50,
    ) {
        let rt = support::current_thread_runtime();
        let probe = Probe::new();
        let (got, leaked) = rt.block_on(async {
            let before = support::alive_tasks();
            let got = for_each_waiting_and_breaking(probe.source(&v, &p).prefetch(n), &waits, brk).await;
            (got, support::settle_tasks(before).await != before)
        });
        let expect: Vec<i32> = v.iter().copied().take(brk + 1).collect();
        prop_assert_eq!(got, expect);
        prop_assert!(!leaked, "the prefetch task outlived the consumer");
        prop_assert!(probe.cleaned() || probe.started() == 0);
    }

    /// `poll_each` broken at arbitrary points, with `poll_next` calls in
    /// between, delivers the same sequence as `poll_next` alone.
    #[test]
    fn poll_each_and_poll_next_interleave_without_loss(
        v in prop::collection::vec(-50i32..50, 0..60),
        keep in 2i32..5,
        n in 0usize..60,
        steps in prop::collection::vec((any::<bool>(), 0usize..6), 1..30),
    ) {
        let expect = chain_std(&v, keep, n);
        let mut s = pin!(chain(seq::iter(v), keep, n));
        let mut got = Vec::new();
        let mut ended = false;
        for (by_each, take) in steps {
            if ended {
                break;
            }
            if by_each {
                // take `take + 1` elements through `poll_each`, then break
                let mut left = take;
                let r = block_on(poll_fn(|cx| s.as_mut().poll_each(cx, &mut |x, _| {
                    got.push(x);
                    if left == 0 { return ControlFlow::Break(()) }
                    left -= 1;
                    ControlFlow::Continue(())
                })));
                ended = r.is_none();
            } else {
                match block_on(poll_fn(|cx| s.as_mut().poll_next(cx))) {
                    Some(x) => got.push(x),
                    None => ended = true,
                }
            }
        }
        if !ended {
            while let Some(x) = block_on(poll_fn(|cx| s.as_mut().poll_next(cx))) {
                got.push(x);
            }
        }
        prop_assert_eq!(got, expect);
        // fused
        prop_assert_eq!(block_on(poll_fn(|cx| s.as_mut().poll_next(cx))), None);
    }
}

/// A panic in the consumer's closure leaves the sequence where it was: the
/// elements before it were taken (and the one it panicked on), the rest are
/// still there, and `take` still counts what it delivered.
#[test]
fn a_panic_in_poll_each_loses_no_state() {
    let mut s = pin!(seq::iter(0..10).take(5));
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        block_on(poll_fn(|cx| {
            s.as_mut().poll_each(cx, &mut |x, _| {
                assert!(x != 1, "the consumer panics at 1");
                ControlFlow::Continue(())
            })
        }))
    }));
    assert!(panicked.is_err());
    let rest = block_on(s.collect::<Vec<_>>());
    assert_eq!(
        rest,
        [2, 3, 4],
        "the iterator kept its place and take its count"
    );
}

/// `poll_each` on an endless in-memory sequence spends tokio's cooperative
/// budget: it returns `Pending` (waking the task) before the task's budget
/// runs out, so a spawned task on the same thread gets to run.
#[test]
fn poll_each_on_an_endless_sequence_lets_other_tasks_run() {
    let rt = support::current_thread_runtime();
    rt.block_on(async {
        let before = support::alive_tasks();
        let other = tokio::spawn(async { 7 });
        let mut taken = 0u64;
        seq::iter(0u64..)
            .filter(|x| x % 2 == 0)
            .for_each(|_| {
                taken += 1;
                let done = other.is_finished();
                async move { !done }
            })
            .await;
        assert!(taken > 0);
        assert_eq!(other.await.unwrap(), 7);
        assert_eq!(support::settle_tasks(before).await, before);
    });
}

/// The hand-off pauses by itself at `take`'s count even when the consumer's
/// closure asks for more: the source is not asked for element `n + 1`.
#[test]
fn take_pauses_poll_each_at_its_count() {
    let asked = std::cell::Cell::new(0);
    let mut s = pin!(
        seq::iter(0..100)
            .inspect(|_| asked.set(asked.get() + 1))
            .take(3)
    );
    let mut got = Vec::new();
    let r = block_on(poll_fn(|cx| {
        s.as_mut().poll_each(cx, &mut |x, _| {
            got.push(x);
            ControlFlow::Continue(())
        })
    }));
    assert_eq!(r, Some(()), "paused, not ended");
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(asked.get(), 3);
    let r = block_on(poll_fn(|cx| {
        s.as_mut()
            .poll_each(cx, &mut |_, _| ControlFlow::Continue(()))
    }));
    assert_eq!(r, None, "the next call stops the source and ends");
    assert_eq!(asked.get(), 3);
    assert!(matches!(
        block_on(poll_fn(|cx| Poll::Ready(s.as_mut().poll_next(cx)))),
        Poll::Ready(None)
    ));
}

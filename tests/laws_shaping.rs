//! Property tests for the shaping adapters (contract line 18): each agrees
//! with its `std::iter` twin (`batched` with `slice::chunks`).
//!
//! Every law runs on two sources, `seq::iter` (exact size hints) and the
//! adversarial `from_fn` producer that suspends at random points, and
//! checks: the full output, with the size hint checked at every step
//! through `.stream()`; and an early break after an arbitrary number of
//! elements, which must see the same prefix as std, ask the producer for
//! exactly the elements std pulls, and find the producer's cleanup done
//! when the consumer returns.

mod support;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use seqflow::{Seq, seq};
use support::laws::{Probe, break_after, items_and_pauses};
use support::{PendingOnce, collect_checking_size_hint, paused_runtime};

/// std's batching of an iterator, pulling exactly as `batched` does.
fn std_batched<I: Iterator>(mut it: I, n: usize) -> impl Iterator<Item = Vec<I::Item>> {
    std::iter::from_fn(move || {
        let batch: Vec<_> = it.by_ref().take(n).collect();
        (!batch.is_empty()).then_some(batch)
    })
}

/// Checks the law of one adapter. `|s| seq_expr` applies it to a sequence
/// `s`; `|it| std_expr` applies its twin to an iterator `it` over the same
/// items. `starts` says whether consuming it starts the producer (only
/// `take(0)` does not); a producer that started must have cleaned up.
/// `futures::executor::block_on`, outside tokio's cooperative budget. The
/// `batched_timeout` laws run this nested inside a paused tokio runtime (for
/// its timers): there a nested executor would spend the enclosing task's
/// budget and never give the scheduler the chance to refill it (contract
/// 21), exactly as it would with tokio's own channels.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(tokio::task::coop::unconstrained(f))
}

macro_rules! law {
    ($v:expr, $p:expr, $brk:expr, |$s:ident| $seq_expr:expr, |$it:ident| $std_expr:expr $(,)?) => {
        law!($v, $p, $brk, |$s| $seq_expr, |$it| $std_expr, starts = true)
    };
    ($v:expr, $p:expr, $brk:expr, |$s:ident| $seq_expr:expr, |$it:ident| $std_expr:expr, starts = $starts:expr $(,)?) => {{
        let starts: bool = $starts;
        let v: &Vec<i32> = &$v;
        let p: &Vec<bool> = &$p;
        let brk: usize = $brk;
        let want: Vec<_> = {
            let $it = v.iter().copied();
            $std_expr.collect()
        };

        // The whole sequence, with the size hint checked at every step.
        let got = {
            let $s = seq::iter(v.clone());
            block_on(collect_checking_size_hint($seq_expr.stream()))
        };
        prop_assert_eq!(&got, &want, "on seq::iter");
        let probe = Probe::new();
        let got = {
            let $s = probe.source(v, p);
            block_on(collect_checking_size_hint($seq_expr.stream()))
        };
        prop_assert_eq!(&got, &want, "on the adversarial source");
        prop_assert_eq!(
            probe.cleaned(),
            starts,
            "cleanup did not run at the end, or ran unstarted"
        );

        // An early break: same prefix, same pulls, cleanup done.
        let pulled = Cell::new(0usize);
        let want_prefix: Vec<_> = {
            let $it = v.iter().copied().inspect(|_| pulled.set(pulled.get() + 1));
            $std_expr.take(brk + 1).collect()
        };
        let probe = Probe::new();
        let seen = {
            let $s = probe.source(v, p);
            block_on(break_after($seq_expr, brk))
        };
        prop_assert_eq!(&seen, &want_prefix, "prefix before the break");
        prop_assert_eq!(
            probe.yielded(),
            pulled.get(),
            "the producer was asked for other elements than std pulls"
        );
        prop_assert_eq!(
            probe.cleaned(),
            starts,
            "cleanup did not run before the consumer returned, or ran unstarted"
        );
        let seen = {
            let $s = seq::iter(v.clone());
            block_on(break_after($seq_expr, brk))
        };
        prop_assert_eq!(&seen, &want_prefix, "prefix before the break, on seq::iter");
    }};
}

proptest! {
    #[test]
    fn map_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        law!(v, p, brk, |s| s.map(|x| x * 3 - 1), |it| it.map(|x| x * 3 - 1));
    }

    #[test]
    fn map_ok_agrees_with_std_result_map((v, p) in items_and_pauses(), brk in 0usize..45) {
        let fallible = |x: i32| if x % 4 == 0 { Err(x) } else { Ok(x) };
        law!(
            v, p, brk,
            |s| s.map(fallible).map_ok(|x| x * 3 - 1),
            |it| it.map(fallible).map(|r| r.map(|x| x * 3 - 1)),
        );
    }

    #[test]
    fn map_err_agrees_with_std_result_map_err((v, p) in items_and_pauses(), brk in 0usize..45) {
        let fallible = |x: i32| if x % 4 == 0 { Err(x) } else { Ok(x) };
        law!(
            v, p, brk,
            |s| s.map(fallible).map_err(|e| i64::from(e) * 10),
            |it| it.map(fallible).map(|r| r.map_err(|e| i64::from(e) * 10)),
        );
    }

    #[test]
    fn then_agrees_with_std_map((v, p) in items_and_pauses(), brk in 0usize..45) {
        law!(
            v, p, brk,
            |s| s.then(|x| async move {
                if x % 3 == 0 {
                    PendingOnce::new().await;
                }
                x * 2
            }),
            |it| it.map(|x| x * 2),
        );
    }

    #[test]
    fn filter_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, t in -50i32..50) {
        law!(v, p, brk, |s| s.filter(|x| *x > t), |it| it.filter(|x| *x > t));
    }

    #[test]
    fn filter_map_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, m in 2i32..5) {
        law!(
            v, p, brk,
            |s| s.filter_map(|x| (x % m == 0).then_some(x / m)),
            |it| it.filter_map(|x| (x % m == 0).then_some(x / m)),
        );
    }

    #[test]
    fn take_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, n in 0usize..45) {
        law!(v, p, brk, |s| s.take(n), |it| it.take(n), starts = n > 0);
    }

    #[test]
    fn take_while_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, t in -50i32..50) {
        law!(v, p, brk, |s| s.take_while(|x| *x > t), |it| it.take_while(|x| *x > t));
    }

    #[test]
    fn skip_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, n in 0usize..45) {
        law!(v, p, brk, |s| s.skip(n), |it| it.skip(n));
    }

    #[test]
    fn skip_while_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45, t in -50i32..50) {
        law!(v, p, brk, |s| s.skip_while(|x| *x < t), |it| it.skip_while(|x| *x < t));
    }

    #[test]
    fn inspect_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        law!(v, p, brk, |s| s.inspect(|_| {}), |it| it.inspect(|_| {}));
        // It sees exactly the elements that pass, in order.
        let mut seen = Vec::new();
        let out: Vec<i32> = block_on(seq::iter(v.clone()).inspect(|x| seen.push(*x)).collect());
        prop_assert_eq!(&seen, &out);
        prop_assert_eq!(&out, &v);
    }

    #[test]
    fn batched_agrees_with_slice_chunks((v, p) in items_and_pauses(), brk in 0usize..45, n in 1usize..10) {
        let chunks: Vec<Vec<i32>> = v.chunks(n).map(<[i32]>::to_vec).collect();
        prop_assert_eq!(std_batched(v.iter().copied(), n).collect::<Vec<_>>(), chunks.clone());
        law!(v, p, brk, |s| s.batched(n), |it| std_batched(it, n));
        let got: Vec<Vec<i32>> = block_on(seq::iter(v.clone()).batched(n).collect());
        prop_assert_eq!(got, chunks);
    }

    #[test]
    fn a_shaping_pipeline_agrees_with_std(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        (lo, hi, skip, n) in (-50i32..0, 0i32..50, 0usize..5, 1usize..5),
    ) {
        law!(
            v, p, brk,
            |s| s
                .skip_while(move |x| *x < lo)
                .filter(|x| x % 2 != 0)
                .map(|x| x + 1)
                .take_while(move |x| *x < hi)
                .skip(skip)
                .inspect(|_| {})
                .filter_map(|x| x.checked_mul(2))
                .batched(n),
            |it| std_batched(
                it.skip_while(move |x| *x < lo)
                    .filter(|x| x % 2 != 0)
                    .map(|x| x + 1)
                    .take_while(move |x| *x < hi)
                    .skip(skip)
                    .inspect(|_| {})
                    .filter_map(|x| x.checked_mul(2)),
                n,
            ),
        );
    }
}

// ── batched_timeout ──

/// `batched_timeout`'s batches for elements arriving `gaps[i]` ms after
/// the previous one, computed by hand: a batch opens at its first element
/// and closes when it is full, when its first element has waited `wait`
/// ms, or at the end. Returns each batch with its delivery time and whether
/// it went out by time.
fn timeout_model(gaps: &[u64], n: usize, wait: u64) -> Vec<(Vec<usize>, u64, bool)> {
    let mut out = Vec::new();
    let mut batch = Vec::new();
    let mut deadline = 0;
    let mut now = 0;
    for (i, gap) in gaps.iter().enumerate() {
        now += gap;
        if !batch.is_empty() && now > deadline {
            out.push((std::mem::take(&mut batch), deadline, true));
        }
        if batch.is_empty() {
            deadline = now + wait;
        }
        batch.push(i);
        if batch.len() == n {
            out.push((std::mem::take(&mut batch), now, false));
        }
    }
    if !batch.is_empty() {
        out.push((batch, now, false));
    }
    out
}

proptest! {
    #[test]
    fn batched_timeout_agrees_with_chunks_when_the_source_never_stalls(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        n in 1usize..10,
    ) {
        // `PendingOnce` suspends without letting the paused clock move, so
        // no deadline passes: the batches are `chunks`.
        let rt = paused_runtime();
        rt.block_on(async {
            law!(
                v, p, brk,
                |s| s.batched_timeout(n, Duration::from_millis(1)),
                |it| std_batched(it, n),
            );
            Ok(())
        })?;
    }

    #[test]
    fn batched_timeout_follows_the_clock_model(
        gaps in prop::collection::vec(prop_oneof![Just(0u64), 1u64..8], 0..30),
        n in 1usize..6,
        wait in 0u64..6,
        brk in 0usize..30,
    ) {
        // Gaps are multiples of 10 ms and waits end in 5 ms, so no element
        // arrives exactly at a deadline.
        let gaps: Vec<u64> = gaps.iter().map(|g| g * 10).collect();
        let wait = wait * 10 + 5;
        let want = timeout_model(&gaps, n, wait);
        let rt = paused_runtime();
        let (got, cleaned, yielded) = rt.block_on(async {
            let cleaned = Arc::new(AtomicBool::new(false));
            let yielded = Arc::new(AtomicUsize::new(0));
            let (c, y) = (cleaned.clone(), yielded.clone());
            let gaps = gaps.clone();
            let s = seq::from_fn(move |mut yld: seqflow::Yield<usize>| async move {
                for (i, gap) in gaps.into_iter().enumerate() {
                    tokio::time::sleep(Duration::from_millis(gap)).await;
                    y.fetch_add(1, Ordering::SeqCst);
                    if !yld.yield_(i).await {
                        break;
                    }
                }
                c.store(true, Ordering::SeqCst);
            });
            let start = tokio::time::Instant::now();
            let mut got = Vec::new();
            s.batched_timeout(n, Duration::from_millis(wait))
                .for_each(|batch| {
                    got.push((batch, start.elapsed().as_millis() as u64));
                    let go_on = got.len() <= brk;
                    async move { go_on }
                })
                .await;
            (got, cleaned.load(Ordering::SeqCst), yielded.load(Ordering::SeqCst))
        });
        let want_prefix: Vec<_> = want.iter().take(brk + 1).map(|(b, t, _)| (b.clone(), *t)).collect();
        prop_assert_eq!(&got, &want_prefix);
        // The producer was asked for exactly the elements delivered. When the
        // last batch went out by time, it was asleep before the next one,
        // where no stop is heard: it was dropped (contract 19), without its
        // cleanup. Otherwise it heard the stop at its `yield_`, or ran out,
        // and cleaned up before the consumer returned.
        let delivered: usize = got.iter().map(|(b, _)| b.len()).sum();
        let by_time = want.get(brk).is_some_and(|(_, _, by_time)| *by_time);
        let dropped_asleep = by_time && delivered < gaps.len();
        prop_assert_eq!(cleaned, !dropped_asleep);
        let asked = delivered;
        prop_assert_eq!(yielded, asked);
    }
}

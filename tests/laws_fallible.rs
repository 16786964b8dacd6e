//! Property tests for the fallible adapters and `try_fold` (contract lines
//! 18 and 22): each agrees with the same operation on a `Vec<Result<..>>`
//! with std iterators, so every `Err` comes out where std puts it.
//!
//! The input is `items_and_pauses` with every element divisible by 5 turned
//! into an `Err`. Every law runs on `seq::iter` (exact size hints) and on
//! the adversarial source of `support::laws` (random suspensions, no size
//! hint), in full with the size hint checked at every step, and with an
//! early break; every producer that started has finished its cleanup when
//! the consumer returns. The adapters that end early (`try_take_while`,
//! `try_fold`) ask the producer for exactly the elements std pulls.

mod support;

use std::cell::{Cell, RefCell};

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, seq};
use support::laws::{Probe, items_and_pauses, law, std_pulls};

type R = Result<i32, i32>;

/// Every element divisible by 5 becomes an error.
fn fallible(v: &[i32]) -> Vec<R> {
    v.iter()
        .map(|&x| if x % 5 == 0 { Err(x) } else { Ok(x) })
        .collect()
}

/// The std twin of `try_skip_while`: `Ok` values are skipped while they
/// pass `pred`, errors always pass.
fn std_try_skip_while(v: &[R], pred: impl Fn(&i32) -> bool) -> Vec<R> {
    let mut skipping = true;
    v.iter()
        .copied()
        .filter(|r| match r {
            Ok(x) if skipping && pred(x) => false,
            Ok(_) => {
                skipping = false;
                true
            }
            Err(_) => true,
        })
        .collect()
}

/// The std twin of `try_batched(n)`: each run of `Ok` values between
/// errors cut into `chunks(n)`, with the errors in their places.
fn std_try_batched(v: &[R], n: usize) -> Vec<Result<Vec<i32>, i32>> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    let flush = |run: &mut Vec<i32>, out: &mut Vec<Result<Vec<i32>, i32>>| {
        out.extend(run.chunks(n).map(|c| Ok(c.to_vec())));
        run.clear();
    };
    for r in v {
        match r {
            Ok(x) => run.push(*x),
            Err(e) => {
                flush(&mut run, &mut out);
                out.push(Err(*e));
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

proptest! {
    // ── and_then, or_else ──

    #[test]
    fn contract_22_and_then_agrees_with_result_and_then(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
    ) {
        let v = fallible(&v);
        let f = |x: i32| if x % 3 == 0 { Err(-x) } else { Ok(i64::from(x) * 2) };
        let expect: Vec<_> = v.iter().map(|r| r.and_then(f)).collect();
        law(&v, &p, brk, &expect, |s| s.and_then(move |x| async move { f(x) }))?;
    }

    #[test]
    fn contract_22_or_else_agrees_with_result_or_else(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
    ) {
        let v = fallible(&v);
        let f = |e: i32| if e % 2 == 0 { Ok(e) } else { Err(format!("e{e}")) };
        let expect: Vec<_> = v.iter().map(|r| r.or_else(f)).collect();
        law(&v, &p, brk, &expect, |s| s.or_else(move |e| async move { f(e) }))?;
    }

    // ── try_filter, try_filter_map, inspect_ok, inspect_err ──

    #[test]
    fn contract_22_try_filter_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let v = fallible(&v);
        let pred = |x: &i32| x % 2 == 0;
        let expect: Vec<_> = v.iter().copied().filter(|r| r.as_ref().map_or(true, pred)).collect();
        law(&v, &p, brk, &expect, |s| s.try_filter(pred))?;
    }

    #[test]
    fn contract_22_try_filter_map_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let v = fallible(&v);
        let f = |x: i32| (x > 0).then(|| x.to_string());
        let expect: Vec<_> = v
            .iter()
            .copied()
            .filter_map(|r| match r {
                Ok(x) => f(x).map(Ok),
                Err(e) => Some(Err(e)),
            })
            .collect();
        law(&v, &p, brk, &expect, |s| s.try_filter_map(f))?;
    }

    #[test]
    fn inspect_ok_and_inspect_err_agree_with_std_inspect((v, p) in items_and_pauses()) {
        let v = fallible(&v);
        let (oks, errs) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
        let got: Vec<R> = block_on(
            Probe::default()
                .source(&v, &p)
                .inspect_ok(|x| oks.borrow_mut().push(*x))
                .inspect_err(|e| errs.borrow_mut().push(*e))
                .collect(),
        );
        prop_assert_eq!(&got, &v);
        let std_oks: Vec<i32> = v.iter().filter_map(|r| r.ok()).collect();
        let std_errs: Vec<i32> = v.iter().filter_map(|r| r.err()).collect();
        prop_assert_eq!(oks.into_inner(), std_oks);
        prop_assert_eq!(errs.into_inner(), std_errs);
    }

    // ── try_take_while, try_skip_while ──

    #[test]
    fn contract_22_try_take_while_agrees_with_std(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        limit in -50i32..50,
    ) {
        let v = fallible(&v);
        let pred = move |x: &i32| *x < limit;
        let keep = move |r: &R| r.as_ref().map_or(true, pred);
        let expect: Vec<_> = v.iter().copied().take_while(keep).collect();
        let probe = law(&v, &p, brk, &expect, |s| s.try_take_while(pred))?;
        let pulls = std_pulls(&v, brk + 1, |it| Box::new(it.take_while(keep)));
        prop_assert_eq!(probe.yielded(), pulls, "try_take_while asked past where std stops");
    }

    #[test]
    fn contract_22_try_skip_while_agrees_with_its_std_twin(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        limit in -50i32..50,
    ) {
        let v = fallible(&v);
        let pred = move |x: &i32| *x < limit;
        let expect = std_try_skip_while(&v, pred);
        law(&v, &p, brk, &expect, |s| s.try_skip_while(pred))?;
    }

    // ── try_batched ──

    #[test]
    fn contract_22_try_batched_agrees_with_chunks_between_errors(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        n in 1usize..6,
    ) {
        let v = fallible(&v);
        let expect = std_try_batched(&v, n);
        law(&v, &p, brk, &expect, |s| s.try_batched(n))?;
        // No element is lost: flattening the batches gives the input back.
        let flat: Vec<R> = expect
            .iter()
            .flat_map(|b| match b {
                Ok(batch) => batch.iter().map(|x| Ok(*x)).collect::<Vec<_>>(),
                Err(e) => vec![Err(*e)],
            })
            .collect();
        prop_assert_eq!(flat, v);
    }

    // ── try_fold ──

    #[test]
    fn contract_22_try_fold_agrees_with_std_try_fold_and_stops_at_the_first_error(
        (v, p) in items_and_pauses(),
        cap in 0i64..400,
    ) {
        let v = fallible(&v);
        // `f` fails once the sum of absolute values passes `cap`.
        let f = move |acc: i64, x: i32| {
            let acc = acc + i64::from(x).abs();
            if acc > cap { Err(-1000 - x) } else { Ok(acc) }
        };
        let pulled = Cell::new(0);
        let expect = v
            .iter()
            .inspect(|_| pulled.set(pulled.get() + 1))
            .try_fold(0i64, |acc, r| r.and_then(|x| f(acc, x)));
        let got = block_on(seq::iter(v.clone()).try_fold(0i64, f));
        prop_assert_eq!(got, expect);

        let probe = Probe::default();
        let got = block_on(probe.source(&v, &p).try_fold(0i64, f));
        prop_assert_eq!(got, expect);
        prop_assert_eq!(probe.yielded(), pulled.get(), "try_fold asked past the first error");
        probe.check_cleaned()?;
    }
}

//! Property tests for the more-shaping and concurrency combinators
//! (contract line 18): each agrees with its `std::iter` twin.
//!
//! Every law runs on two sources, `seq::iter` (exact size hints) and an
//! adversarial `from_fn` producer that suspends at random points and gives
//! no size hint, and checks: the full output, with the size hint checked at
//! every step through `.stream()`; and an early break after an arbitrary
//! number of elements, which must see std's prefix and ask the producer for
//! exactly the elements std pulls (a bound, where the combinator runs
//! ahead by design). Every producer that was started has finished its
//! cleanup when the consumer returns. `map_unordered` and `merge` agree as
//! multisets (and `merge` keeps each source's order).

mod support;

use std::cell::Cell;

use futures::executor::block_on;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use seqflow::{BoxSeq, Error, Seq, seq};
use support::laws::{Probe, break_after, items_and_pauses, law, std_pulls};
use support::{PendingOnce, collect_checking_size_hint};

proptest! {
    // ── enumerate, scan, dedup, dedup_by_key, step_by, windows ──

    #[test]
    fn contract_18_enumerate_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let expect: Vec<_> = v.iter().copied().enumerate().collect();
        let probe = law(&v, &p, brk, &expect, |s| s.enumerate())?;
        prop_assert_eq!(probe.yielded(), v.len().min(brk + 1));
    }

    #[test]
    fn contract_18_scan_agrees_with_std(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        limit in -20i64..200,
    ) {
        let step = move |acc: &mut i64, x: i32| {
            *acc += i64::from(x).abs();
            (*acc < limit).then_some(*acc)
        };
        let expect: Vec<i64> = v.iter().copied().scan(0, step).collect();
        let probe = law(&v, &p, brk, &expect, |s| s.scan(0, step))?;
        let pulls = std_pulls(&v, brk + 1, |it| Box::new(it.scan(0, step)));
        prop_assert_eq!(probe.yielded(), pulls, "scan asked past where std stops");
    }

    #[test]
    fn contract_18_dedup_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        // Few distinct values, so that runs of duplicates are common.
        let v: Vec<i32> = v.iter().map(|x| x.rem_euclid(3)).collect();
        let mut expect = v.clone();
        expect.dedup();
        let probe = law(&v, &p, brk, &expect, |s| s.dedup())?;
        let pulls = std_pulls(&v, brk + 1, |it| {
            let mut last = None;
            Box::new(it.filter(move |x| last.replace(*x) != Some(*x)))
        });
        prop_assert_eq!(probe.yielded(), pulls);
    }

    #[test]
    fn contract_18_dedup_by_key_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let key = |x: &i32| x.div_euclid(20);
        let mut expect = v.clone();
        expect.dedup_by_key(|x| key(x));
        let probe = law(&v, &p, brk, &expect, |s| s.dedup_by_key(key))?;
        let pulls = std_pulls(&v, brk + 1, |it| {
            let mut last = None;
            Box::new(it.filter(move |x| last.replace(key(x)) != Some(key(x))))
        });
        prop_assert_eq!(probe.yielded(), pulls);
    }

    #[test]
    fn contract_18_step_by_agrees_with_std(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        step in 1usize..6,
    ) {
        let expect: Vec<_> = v.iter().copied().step_by(step).collect();
        let probe = law(&v, &p, brk, &expect, |s| s.step_by(step))?;
        let pulls = std_pulls(&v, brk + 1, |it| Box::new(it.step_by(step)));
        prop_assert_eq!(probe.yielded(), pulls, "step_by asked for elements it skips past the break");
    }

    #[test]
    fn contract_18_windows_agrees_with_slice_windows(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        size in 1usize..5,
    ) {
        let expect: Vec<Vec<i32>> = v.windows(size).map(<[i32]>::to_vec).collect();
        let probe = law(&v, &p, brk, &expect, |s| s.windows(size))?;
        let pulls = if expect.is_empty() { v.len() } else { expect.len().min(brk + 1) + size - 1 };
        prop_assert_eq!(probe.yielded(), pulls);
    }

    // ── Seq2 helpers ──

    #[test]
    fn contract_18_keys_values_map2_agree_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let pairs: Vec<(usize, i32)> = v.iter().copied().enumerate().collect();
        let keys: Vec<usize> = pairs.iter().map(|(k, _)| *k).collect();
        let probe = law(&pairs, &p, brk, &keys, |s| s.keys())?;
        prop_assert_eq!(probe.yielded(), v.len().min(brk + 1));
        let values: Vec<i32> = pairs.iter().map(|(_, v)| *v).collect();
        law(&pairs, &p, brk, &values, |s| s.values())?;
        let swap = |k: usize, v: i32| (v, k * 2);
        let swapped: Vec<(i32, usize)> = pairs.iter().map(|&(k, v)| swap(k, v)).collect();
        let probe = law(&pairs, &p, brk, &swapped, |s| s.map2(swap))?;
        prop_assert_eq!(probe.yielded(), v.len().min(brk + 1));
    }

    // ── chain and zip ──

    #[test]
    fn contract_18_chain_agrees_with_std(
        (va, pa) in items_and_pauses(),
        (vb, pb) in items_and_pauses(),
        brk in 0usize..85,
    ) {
        let expect: Vec<i32> = va.iter().chain(&vb).copied().collect();
        let got = block_on(collect_checking_size_hint(seq::iter(va.clone()).chain(seq::iter(vb.clone())).stream()));
        prop_assert_eq!(&got, &expect);
        let (a, b) = (Probe::default(), Probe::default());
        let got = block_on(collect_checking_size_hint(a.source(&va, &pa).chain(b.source(&vb, &pb)).stream()));
        prop_assert_eq!(&got, &expect);
        a.check_cleaned()?;
        b.check_cleaned()?;

        let (a, b) = (Probe::default(), Probe::default());
        let got = block_on(break_after(a.source(&va, &pa).chain(b.source(&vb, &pb)), brk));
        prop_assert_eq!(&got[..], &expect[..expect.len().min(brk + 1)]);
        prop_assert_eq!(a.yielded(), va.len().min(brk + 1));
        prop_assert_eq!(b.yielded(), vb.len().min((brk + 1).saturating_sub(va.len())));
        // The second starts only once the first has ended.
        prop_assert_eq!(b.started(), usize::from(brk + 1 > va.len()));
        a.check_cleaned()?;
        b.check_cleaned()?;
    }

    #[test]
    fn contract_18_zip_agrees_with_std(
        (va, pa) in items_and_pauses(),
        (vb, pb) in items_and_pauses(),
        brk in 0usize..45,
    ) {
        let expect: Vec<(i32, i32)> = va.iter().copied().zip(vb.iter().copied()).collect();
        let got = block_on(collect_checking_size_hint(seq::iter(va.clone()).zip(seq::iter(vb.clone())).stream()));
        prop_assert_eq!(&got, &expect);
        let (a, b) = (Probe::default(), Probe::default());
        let got = block_on(collect_checking_size_hint(a.source(&va, &pa).zip(b.source(&vb, &pb)).stream()));
        prop_assert_eq!(&got, &expect);
        a.check_cleaned()?;
        b.check_cleaned()?;
        // Mixed: exact hint on one side, none on the other.
        let got = block_on(collect_checking_size_hint(seq::iter(va.clone()).zip(Probe::default().source(&vb, &pb)).stream()));
        prop_assert_eq!(&got, &expect);

        let (a, b) = (Probe::default(), Probe::default());
        let got = block_on(break_after(a.source(&va, &pa).zip(b.source(&vb, &pb)), brk));
        prop_assert_eq!(&got[..], &expect[..expect.len().min(brk + 1)]);
        let (pulled_a, pulled_b) = (Cell::new(0), Cell::new(0));
        va.iter()
            .inspect(|_| pulled_a.set(pulled_a.get() + 1))
            .zip(vb.iter().inspect(|_| pulled_b.set(pulled_b.get() + 1)))
            .take(brk + 1)
            .for_each(drop);
        prop_assert_eq!(a.yielded(), pulled_a.get());
        prop_assert_eq!(b.yielded(), pulled_b.get());
        a.check_cleaned()?;
        b.check_cleaned()?;
    }

    // ── flat_map and flatten ──

    #[test]
    fn contract_18_flat_map_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let inner_items = |x: i32| (0..x.rem_euclid(4)).collect::<Vec<i32>>();
        let expect: Vec<i32> = v.iter().flat_map(|&x| inner_items(x)).collect();
        let inners = Probe::default();
        let make = |s: BoxSeq<'static, i32>| {
            let inners = inners.clone();
            s.flat_map(move |x| inners.source(&inner_items(x), &[true, false, true]))
        };
        let probe = law(&v, &p, brk, &expect, make)?;
        inners.check_cleaned()?;
        let pulls = std_pulls(&v, brk + 1, |it| Box::new(it.flat_map(inner_items)));
        prop_assert_eq!(probe.yielded(), pulls, "the outer was asked before the inner ended");
    }

    #[test]
    fn contract_18_flatten_agrees_with_std((v, p) in items_and_pauses(), brk in 0usize..45) {
        let inner_items = |x: i32| (0..x.rem_euclid(4)).collect::<Vec<i32>>();
        let nested: Vec<Vec<i32>> = v.iter().map(|&x| inner_items(x)).collect();
        let expect: Vec<i32> = nested.into_iter().flatten().collect();
        let inners = Probe::default();
        let pages: Vec<_> = v.iter().map(|&x| inners.source(&inner_items(x), &[false, true])).collect();

        let got = block_on(collect_checking_size_hint(seq::iter(pages.clone()).flatten().stream()));
        prop_assert_eq!(&got, &expect);
        let outer = Probe::default();
        let got = block_on(collect_checking_size_hint(outer.source(&pages, &p).flatten().stream()));
        prop_assert_eq!(&got, &expect);
        outer.check_cleaned()?;

        let outer = Probe::default();
        let got = block_on(break_after(outer.source(&pages, &p).flatten(), brk));
        prop_assert_eq!(&got[..], &expect[..expect.len().min(brk + 1)]);
        outer.check_cleaned()?;
        inners.check_cleaned()?;
        let pulls = std_pulls(&v, brk + 1, |it| {
            let pages = it.map(inner_items);
            Box::new(pages.flatten())
        });
        prop_assert_eq!(outer.yielded(), pulls);
    }

    // ── concurrency ──

    #[test]
    fn contract_18_map_concurrent_agrees_with_map(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        limit in 1usize..6,
    ) {
        let f = |x: i32| async move {
            for _ in 0..x.rem_euclid(3) {
                PendingOnce::new().await; // finish out of order
            }
            x * 3
        };
        let expect: Vec<i32> = v.iter().map(|x| x * 3).collect();
        let probe = law(&v, &p, brk, &expect, |s| s.map_concurrent(limit, f))?;
        // It runs ahead by at most `limit - 1` elements, plus one a pausing
        // producer may be about to yield when it is stopped.
        let delivered = v.len().min(brk + 1);
        prop_assert!(probe.yielded() >= delivered);
        prop_assert!(probe.yielded() <= v.len().min(delivered + limit), "ran ahead past the limit");
        // On a source that never pauses, exactly: when output `brk` is
        // delivered, at most `limit` elements from `brk` on were in flight.
        let pulled = Cell::new(0);
        let counted = seq::iter(v.iter().copied().inspect(|_| pulled.set(pulled.get() + 1)));
        let got = block_on(break_after(counted.map_concurrent(limit, f), brk));
        prop_assert_eq!(got.len(), delivered);
        prop_assert!(pulled.get() <= v.len().min(brk + limit), "ran ahead past the limit");
    }

    #[test]
    fn contract_18_map_unordered_agrees_with_map_as_multisets(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
        limit in 1usize..6,
    ) {
        let f = |x: i32| async move {
            for _ in 0..x.rem_euclid(3) {
                PendingOnce::new().await;
            }
            x * 3
        };
        let mut expect: Vec<i32> = v.iter().map(|x| x * 3).collect();
        expect.sort_unstable();
        let sorted = |mut got: Vec<i32>| { got.sort_unstable(); got };

        let got = block_on(collect_checking_size_hint(seq::iter(v.clone()).map_unordered(limit, f).stream()));
        prop_assert_eq!(sorted(got), expect.clone());
        let full = Probe::default();
        let got = block_on(collect_checking_size_hint(full.source(&v, &p).map_unordered(limit, f).stream()));
        prop_assert_eq!(sorted(got), expect.clone());
        full.check_cleaned()?;

        let part = Probe::default();
        let got = block_on(break_after(part.source(&v, &p).map_unordered(limit, f), brk));
        prop_assert_eq!(got.len(), v.len().min(brk + 1));
        let mut left = expect;
        for x in got {
            let i = left.iter().position(|y| *y == x);
            prop_assert!(i.is_some(), "{} was not an output of map", x);
            left.remove(i.unwrap());
        }
        part.check_cleaned()?;
        prop_assert!(part.yielded() <= v.len().min(brk + 1 + limit));
        let pulled = Cell::new(0);
        let counted = seq::iter(v.iter().copied().inspect(|_| pulled.set(pulled.get() + 1)));
        let got = block_on(break_after(counted.map_unordered(limit, f), brk));
        prop_assert_eq!(got.len(), v.len().min(brk + 1));
        prop_assert!(pulled.get() <= v.len().min(brk + limit), "ran ahead past the limit");
    }

    #[test]
    fn merge_delivers_every_element_once_in_each_sources_order(
        (va, pa) in items_and_pauses(),
        (vb, pb) in items_and_pauses(),
        brk in 0usize..85,
    ) {
        let (a, b) = (Probe::default(), Probe::default());
        let tag = |t: u8, v: &[i32]| v.iter().map(|&x| (t, x)).collect::<Vec<_>>();
        let got = block_on(collect_checking_size_hint(
            a.source(&tag(0, &va), &pa).merge(b.source(&tag(1, &vb), &pb)).stream(),
        ));
        let side = |got: &[(u8, i32)], t: u8| got.iter().filter(|(s, _)| *s == t).map(|(_, x)| *x).collect::<Vec<_>>();
        prop_assert_eq!(side(&got, 0), va.clone());
        prop_assert_eq!(side(&got, 1), vb.clone());
        a.check_cleaned()?;
        b.check_cleaned()?;

        let (a, b) = (Probe::default(), Probe::default());
        let got = block_on(break_after(a.source(&tag(0, &va), &pa).merge(b.source(&tag(1, &vb), &pb)), brk));
        prop_assert_eq!(got.len(), (va.len() + vb.len()).min(brk + 1));
        let (sa, sb) = (side(&got, 0), side(&got, 1));
        prop_assert_eq!(&sa[..], &va[..sa.len()]);
        prop_assert_eq!(&sb[..], &vb[..sb.len()]);
        a.check_cleaned()?;
        b.check_cleaned()?;
    }

    #[test]
    fn merge_all_delivers_every_element_once_in_each_sources_order(
        (v, p) in items_and_pauses(),
        chunk in 1usize..8,
        brk in 0usize..45,
    ) {
        let probe = Probe::default();
        let tagged: Vec<(usize, i32)> = v.iter().enumerate().map(|(i, &x)| (i / chunk, x)).collect();
        let sources = || {
            tagged
                .chunks(chunk)
                .zip(p.chunks(chunk))
                .map(|(items, pauses)| probe.source(items, pauses))
                .collect::<Vec<_>>()
        };
        let check_order = |got: &[(usize, i32)], full: bool| -> Result<(), TestCaseError> {
            for (t, want) in tagged.chunks(chunk).enumerate() {
                let mine: Vec<_> = got.iter().filter(|(s, _)| *s == t).copied().collect();
                if full {
                    prop_assert_eq!(&mine[..], want);
                } else {
                    prop_assert_eq!(&mine[..], &want[..mine.len()]);
                }
            }
            Ok(())
        };
        let got = block_on(collect_checking_size_hint(seq::merge_all(sources()).stream()));
        prop_assert_eq!(got.len(), v.len());
        check_order(&got, true)?;
        probe.check_cleaned()?;

        let got = block_on(break_after(seq::merge_all(sources()), brk));
        prop_assert_eq!(got.len(), v.len().min(brk + 1));
        check_order(&got, false)?;
        probe.check_cleaned()?;
    }

    // ── collect_at_most ──

    #[test]
    fn contract_18_collect_at_most_agrees_with_collect_up_to_its_limit(
        (v, p) in items_and_pauses(),
        max in 0usize..45,
    ) {
        let expect = if v.len() <= max { Ok(v.clone()) } else { Err(Error::TooMany { max }) };
        prop_assert_eq!(block_on(seq::iter(v.clone()).collect_at_most::<Vec<_>>(max)), expect.clone());
        let probe = Probe::default();
        prop_assert_eq!(block_on(probe.source(&v, &p).collect_at_most::<Vec<_>>(max)), expect);
        prop_assert_eq!(probe.yielded(), v.len().min(max + 1), "asked past element max + 1");
        probe.check_cleaned()?;
    }
}

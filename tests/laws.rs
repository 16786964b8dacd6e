//! Property tests: sequences agree with their `std::iter` twins.
//!
//! Sources are both `seq::iter` and an adversarial `from_fn` producer that
//! suspends at random points; every test also checks that the producer's
//! cleanup ran by the time the consumer finished.

mod support;

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Seq, seq};
use support::collect_checking_size_hint;
use support::laws::{Probe, break_after, items_and_pauses};

// ── terminal operations ──

proptest! {
    #[test]
    fn collect_count_last_fold_agree((v, p) in items_and_pauses()) {
        let probe = Probe::new();
        let s = probe.source(&v, &p);
        prop_assert_eq!(block_on(s.clone().collect::<Vec<_>>()), v.clone());
        prop_assert_eq!(block_on(s.clone().count()), v.len());
        prop_assert_eq!(block_on(s.clone().last()), v.last().copied());
        prop_assert_eq!(
            block_on(s.fold(0i64, |a, x| a.wrapping_mul(3).wrapping_add(i64::from(x)))),
            v.iter().fold(0i64, |a, &x| a.wrapping_mul(3).wrapping_add(i64::from(x)))
        );
        prop_assert!(probe.cleaned());
        prop_assert_eq!(block_on(seq::iter(v.clone()).collect::<Vec<_>>()), v);
    }

    #[test]
    fn min_max_agree((v, p) in items_and_pauses()) {
        let probe = Probe::new();
        prop_assert_eq!(block_on(probe.source(&v, &p).min()), v.iter().copied().min());
        prop_assert_eq!(block_on(probe.source(&v, &p).max()), v.iter().copied().max());
        prop_assert_eq!(block_on(seq::iter(v.clone()).min()), v.iter().copied().min());
    }

    #[test]
    fn short_circuits_agree_and_stop_at_the_answer((v, p) in items_and_pauses(), t in -50i32..50) {
        let first = Probe::new();
        prop_assert_eq!(block_on(first.source(&v, &p).first()), v.first().copied());
        prop_assert!(first.cleaned());
        prop_assert_eq!(first.yielded(), v.len().min(1));

        let find = Probe::new();
        prop_assert_eq!(block_on(find.source(&v, &p).find(|x| *x > t)), v.iter().copied().find(|x| *x > t));
        let stop_at = v.iter().position(|x| *x > t).map_or(v.len(), |i| i + 1);
        prop_assert_eq!(find.yielded(), stop_at, "find asked past the match");
        prop_assert!(find.cleaned());

        let any = Probe::new();
        prop_assert_eq!(block_on(any.source(&v, &p).any(|x| x > t)), v.iter().any(|x| *x > t));
        prop_assert_eq!(any.yielded(), stop_at);

        let all = Probe::new();
        prop_assert_eq!(block_on(all.source(&v, &p).all(|x| x > t)), v.iter().all(|x| *x > t));
        let stop_all = v.iter().position(|x| *x <= t).map_or(v.len(), |i| i + 1);
        prop_assert_eq!(all.yielded(), stop_all);
        prop_assert!(all.cleaned());
    }

    #[test]
    fn for_each_breaking_at_any_point_sees_a_prefix_and_cleans_up(
        (v, p) in items_and_pauses(),
        brk in 0usize..45,
    ) {
        let probe = Probe::new();
        let seen = block_on(break_after(probe.source(&v, &p), brk));
        let expect: Vec<i32> = v.iter().copied().take(brk + 1).collect();
        prop_assert_eq!(&seen, &expect);
        prop_assert_eq!(probe.yielded(), expect.len(), "an element was produced past the break");
        prop_assert!(probe.cleaned(), "cleanup must run before for_each returns");
    }

    #[test]
    fn try_collect_agrees_with_std((v, p) in items_and_pauses(), bad in -50i32..50) {
        let probe = Probe::new();
        let fallible = seq::from_stream(futures::StreamExt::map(
            probe.source(&v, &p).stream(),
            move |x| if x == bad { Err(x) } else { Ok(x) },
        ));
        let expect: Result<Vec<i32>, i32> = v.iter().map(|&x| if x == bad { Err(x) } else { Ok(x) }).collect();
        prop_assert_eq!(block_on(fallible.try_collect::<Vec<_>>()), expect);
    }

    #[test]
    fn take_agrees_and_stops_the_producer((v, p) in items_and_pauses(), n in 0usize..45) {
        let probe = Probe::new();
        let got = block_on(collect_checking_size_hint(seq::iter(v.clone()).take(n).stream()));
        prop_assert_eq!(&got, &v.iter().copied().take(n).collect::<Vec<_>>());
        let got = block_on(probe.source(&v, &p).take(n).collect::<Vec<_>>());
        prop_assert_eq!(&got, &v.iter().copied().take(n).collect::<Vec<_>>());
        prop_assert_eq!(probe.yielded(), n.min(v.len()), "take asked for element n + 1");
        // take(0) never starts the producer, so there is nothing to clean.
        prop_assert_eq!(probe.cleaned(), n > 0);
    }

    #[test]
    fn stream_bridge_agrees_and_has_a_correct_size_hint((v, p) in items_and_pauses()) {
        let probe = Probe::new();
        prop_assert_eq!(block_on(collect_checking_size_hint(probe.source(&v, &p).stream())), v.clone());
        prop_assert_eq!(block_on(collect_checking_size_hint(seq::iter(v.clone()).stream())), v);
    }
}

//! Property tests (DESIGN.md contract 18 for `prefetch`): `prefetch(n)`
//! agrees with the identity, `iter.collect()`, on arbitrary inputs and
//! capacities, with early breaks at arbitrary points, on both runtime
//! flavours; the producer's cleanup has run by the time the consumer is
//! done, and it never got more than `n` elements ahead (`n = 0`, the
//! rendezvous of contract 23, included).

mod support;

use std::sync::OnceLock;

use proptest::prelude::*;
use seqflow::{Overflow, Seq, seq};
use support::collect_checking_size_hint;
use support::laws::{Probe, break_after, items_and_pauses_with_len};

/// The runtime of a case: `true` for two workers, shared by all cases;
/// `false` for a fresh current-thread runtime.
fn block_on<F: Future>(two_workers: bool, fut: F) -> F::Output {
    static MULTI: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if two_workers {
        MULTI
            .get_or_init(support::two_workers_runtime)
            .block_on(fut)
    } else {
        support::current_thread_runtime().block_on(fut)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prefetch_agrees_with_the_identity(
        (v, p) in items_and_pauses_with_len(0..80),
        n in 0usize..40,
        two_workers in any::<bool>(),
    ) {
        let probe = Probe::new();
        let got = block_on(two_workers, probe.source(&v, &p).prefetch(n).collect::<Vec<_>>());
        prop_assert_eq!(&got, &v);
        prop_assert!(probe.cleaned());

        let got = block_on(
            two_workers,
            collect_checking_size_hint(seq::iter(v.clone()).prefetch(n).stream()),
        );
        prop_assert_eq!(got, v);
    }

    #[test]
    fn prefetch_breaking_at_any_point_sees_a_prefix_and_cleans_up(
        (v, p) in items_and_pauses_with_len(0..80),
        n in 0usize..40,
        brk in 0usize..90,
        two_workers in any::<bool>(),
    ) {
        let probe = Probe::new();
        let seen = block_on(two_workers, break_after(probe.source(&v, &p).prefetch(n), brk));
        let expect: Vec<i32> = v.iter().copied().take(brk + 1).collect();
        prop_assert_eq!(&seen, &expect);
        prop_assert!(probe.cleaned(), "cleanup must run before for_each returns");
        prop_assert!(
            probe.yielded() <= seen.len() + n,
            "produced {} with {} received and n = {}", probe.yielded(), seen.len(), n
        );
    }

    #[test]
    fn prefetch_then_take_agrees_with_iter_take(
        (v, p) in items_and_pauses_with_len(0..80),
        n in 0usize..40,
        k in 0usize..90,
        two_workers in any::<bool>(),
    ) {
        let probe = Probe::new();
        let got = block_on(two_workers, probe.source(&v, &p).prefetch(n).take(k).collect::<Vec<_>>());
        prop_assert_eq!(&got, &v.iter().copied().take(k).collect::<Vec<_>>());
        // `take(0)` stops the prefetch before it starts: nothing runs.
        prop_assert_eq!(probe.cleaned(), k > 0);
        prop_assert!(probe.yielded() <= k + n);
    }

    #[test]
    fn drop_policies_deliver_an_ordered_subsequence_ending_with_the_last(
        (v, p) in items_and_pauses_with_len(0..80),
        n in 1usize..10,
        oldest in any::<bool>(),
        two_workers in any::<bool>(),
    ) {
        // Distinct, increasing elements, so that order is checkable.
        let items: Vec<i32> = (0..v.len() as i32).collect();
        let overflow = if oldest { Overflow::DropOldest } else { Overflow::DropLatest };
        let probe = Probe::new();
        let got = block_on(
            two_workers,
            probe.source(&items, &p).prefetch_with(n, overflow).collect::<Vec<_>>(),
        );
        prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "not in order: {:?}", got);
        prop_assert!(got.len() >= items.len().min(n), "fewer than n delivered: {:?}", got);
        if oldest {
            // The newest element is never dropped.
            prop_assert_eq!(got.last(), items.last());
        } else {
            // The first element is never dropped.
            prop_assert_eq!(got.first(), items.first());
        }
        prop_assert!(probe.cleaned());
    }
}

//! Property tests: a pull handle delivers exactly what the sequence's
//! `std::iter` twin does, one element per `next()`, and however the consumer
//! ends (exhaustion, `stop()` at any point, drop at any point) the producer
//! runs its cleanup and is never asked for an element past the last `next()`.

mod support;

use proptest::prelude::*;
use seqflow::{pull, pull2, seq};
use support::laws::{Probe, items_and_pauses};
use support::{collect_checking_size_hint, settle_tasks};

/// How the consumer ends.
#[derive(Clone, Copy, Debug)]
enum End {
    Stop,
    Drop,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #[test]
    fn next_until_none_agrees_with_the_iterator((v, p) in items_and_pauses()) {
        let probe = Probe::new();
        let got = runtime().block_on(async {
            let mut h = pull(probe.source(&v, &p));
            let mut got = Vec::new();
            while let Some(x) = h.next().await {
                // One element per `next`, never one ahead.
                assert_eq!(probe.yielded(), got.len() + 1);
                got.push(x);
            }
            assert!(h.is_done());
            got
        });
        prop_assert_eq!(got, v);
        prop_assert!(probe.cleaned());
    }

    #[test]
    fn ending_at_any_point_sees_a_prefix_and_cleans_up(
        (v, p) in items_and_pauses(),
        taken in 0usize..45,
        end in prop_oneof![Just(End::Stop), Just(End::Drop)],
    ) {
        let probe = Probe::new();
        let got = runtime().block_on(async {
            let mut h = pull(probe.source(&v, &p));
            let mut got = Vec::new();
            for _ in 0..taken {
                match h.next().await {
                    Some(x) => got.push(x),
                    None => break,
                }
            }
            match end {
                End::Stop => h.stop().await,
                End::Drop => drop(h),
            }
            // A dropped handle may finish on a task: let it run.
            assert_eq!(settle_tasks(0).await, 0);
            got
        });
        let expect: Vec<i32> = v.iter().copied().take(taken).collect();
        prop_assert_eq!(&got, &expect);
        prop_assert_eq!(
            probe.yielded(),
            expect.len(),
            "an element was produced past the last `next`"
        );
        // A handle never asked for an element never started its producer.
        prop_assert_eq!(probe.cleaned(), taken > 0);
    }

    #[test]
    fn stream_view_agrees_and_has_a_correct_size_hint((v, p) in items_and_pauses()) {
        let rt = runtime();
        let probe = Probe::new();
        let got = rt.block_on(async { collect_checking_size_hint(pull(probe.source(&v, &p))).await });
        prop_assert_eq!(&got, &v);
        prop_assert!(probe.cleaned());
        let got = rt.block_on(async { collect_checking_size_hint(pull(seq::iter(v.clone()))).await });
        prop_assert_eq!(&got, &v);
    }

    #[test]
    fn pull2_agrees_with_the_enumerated_iterator(v in prop::collection::vec(any::<u8>(), 0..40)) {
        let got = runtime().block_on(async {
            let mut h = pull2(seq::iter(v.clone().into_iter().enumerate()));
            let mut got = Vec::new();
            while let Some(pair) = h.next().await {
                got.push(pair);
            }
            got
        });
        prop_assert_eq!(got, v.into_iter().enumerate().collect::<Vec<_>>());
    }
}

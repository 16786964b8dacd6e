//! Property tests for the control adapters: with a source that is never
//! late and a token never cancelled, `heartbeat`, `timeout`, `with_cancel`
//! and `instrumented` are `map(Beat::Item)`, `map(Ok)`, the identity and
//! the identity, as `std::iter` has them; early breaks at any point stop
//! the producer, which cleans up. Cancelling at any point cuts a prefix.
//!
//! The source is `support::adversarial` (it suspends at random points, but
//! never lets time pass), run on a paused-time runtime.

mod support;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use seqflow::{Beat, Error, Seq, Stats, StatsSnapshot, seq};
use support::laws::{Probe, items_and_pauses};
use support::{collect_checking_size_hint, paused_runtime};
use tokio_util::sync::CancellationToken;

/// Runs `fut` on a current-thread runtime whose clock is paused.
fn run<F: Future>(fut: F) -> F::Output {
    paused_runtime().block_on(fut)
}

const EVERY: Duration = Duration::from_millis(10);

proptest! {
    #[test]
    fn heartbeat_of_a_prompt_source_is_map_item((v, p) in items_and_pauses(), n in 0usize..45) {
        let expect: Vec<Beat<i32>> = v.iter().copied().map(Beat::Item).collect();
        let probe = Probe::new();
        prop_assert_eq!(run(probe.source(&v, &p).heartbeat(EVERY).collect::<Vec<_>>()), expect.clone());
        prop_assert!(probe.cleaned());
        prop_assert_eq!(
            run(collect_checking_size_hint(seq::iter(v.clone()).heartbeat(EVERY).stream())),
            expect.clone()
        );

        let probe = Probe::new();
        let got = run(probe.source(&v, &p).heartbeat(EVERY).take(n).collect::<Vec<_>>());
        prop_assert_eq!(&got, &expect.iter().copied().take(n).collect::<Vec<_>>());
        prop_assert_eq!(probe.yielded(), n.min(v.len()), "asked past the break");
        prop_assert_eq!(probe.cleaned(), n > 0);
    }

    #[test]
    fn timeout_of_a_prompt_source_is_map_ok((v, p) in items_and_pauses(), n in 0usize..45) {
        let expect: Vec<Result<i32, Error>> = v.iter().copied().map(Ok).collect();
        let probe = Probe::new();
        prop_assert_eq!(run(probe.source(&v, &p).timeout(EVERY).collect::<Vec<_>>()), expect.clone());
        prop_assert!(probe.cleaned());
        prop_assert_eq!(
            run(collect_checking_size_hint(seq::iter(v.clone()).timeout(EVERY).stream())),
            expect.clone()
        );
        let fallible = seq::iter(v.clone().into_iter().map(Ok::<i32, Error>));
        prop_assert_eq!(
            run(collect_checking_size_hint(fallible.try_timeout(EVERY).stream())),
            expect.clone()
        );

        let probe = Probe::new();
        let got = run(probe.source(&v, &p).timeout(EVERY).take(n).collect::<Vec<_>>());
        prop_assert_eq!(&got, &expect.iter().take(n).cloned().collect::<Vec<_>>());
        prop_assert_eq!(probe.yielded(), n.min(v.len()), "asked past the break");
        prop_assert_eq!(probe.cleaned(), n > 0);
    }

    #[test]
    fn with_cancel_is_the_identity_until_cancelled_then_a_prefix(
        (v, p) in items_and_pauses(),
        k in 0usize..45,
    ) {
        let probe = Probe::new();
        let token = CancellationToken::new();
        prop_assert_eq!(run(probe.source(&v, &p).with_cancel(token.clone()).collect::<Vec<_>>()), v.clone());
        prop_assert!(probe.cleaned());
        prop_assert_eq!(
            run(collect_checking_size_hint(seq::iter(v.clone()).with_cancel(token).stream())),
            v.clone()
        );

        // Cancelled by the consumer when it sees element `k`.
        let probe = Probe::new();
        let token = CancellationToken::new();
        let mut seen = Vec::new();
        run(probe.source(&v, &p).with_cancel(token.clone()).for_each(|x| {
            seen.push(x);
            if seen.len() == k + 1 {
                token.cancel();
            }
            async { true }
        }));
        let expect: Vec<i32> = v.iter().copied().take(k + 1).collect();
        prop_assert_eq!(&seen, &expect);
        prop_assert_eq!(probe.yielded(), expect.len(), "an element was produced after the cancel");
        prop_assert!(probe.cleaned());
    }

    #[test]
    fn try_with_cancel_cut_at_any_point_ends_with_cancelled(
        (v, p) in items_and_pauses(),
        k in 0usize..45,
    ) {
        let probe = Probe::new();
        let token = CancellationToken::new();
        let fallible = seq::from_stream(futures::StreamExt::map(
            probe.source(&v, &p).stream(),
            Ok::<i32, Error>,
        ));
        let mut seen = Vec::new();
        run(fallible.try_with_cancel(token.clone()).for_each(|x| {
            seen.push(x);
            if seen.len() == k + 1 {
                token.cancel();
            }
            async { true }
        }));
        let mut expect: Vec<Result<i32, Error>> = v.iter().copied().take(k + 1).map(Ok).collect();
        if k < v.len() {
            expect.push(Err(Error::Cancelled));
        }
        prop_assert_eq!(seen, expect);
    }

    #[test]
    fn instrumented_is_the_identity_and_counts_what_it_sees(
        (v, p) in items_and_pauses(),
        n in 0usize..45,
    ) {
        let stats = Arc::new(Stats::new());
        let probe = Probe::new();
        let all = run(probe.source(&v, &p).instrumented(stats.clone()).collect::<Vec<_>>());
        prop_assert_eq!(&all, &v);
        prop_assert!(probe.cleaned());
        prop_assert_eq!(
            stats.snapshot(),
            StatsSnapshot { started: 1, finished: 1, items: v.len() as u64, ..StatsSnapshot::default() }
        );

        let stats = Arc::new(Stats::new());
        let probe = Probe::new();
        let got = run(probe.source(&v, &p).instrumented(stats.clone()).take(n).collect::<Vec<_>>());
        prop_assert_eq!(&got, &v.iter().copied().take(n).collect::<Vec<_>>());
        prop_assert_eq!(probe.cleaned(), n > 0);
        let snap = stats.snapshot();
        let (started, finished, broke_early) = match n {
            0 => (0, 0, 0),                  // never started, never reported
            n if n <= v.len() => (1, 0, 1), // `take` stopped it
            _ => (1, 1, 0),                  // it ran out first
        };
        prop_assert_eq!(
            snap,
            StatsSnapshot { started, finished, broke_early, items: got.len() as u64, ..StatsSnapshot::default() }
        );
        prop_assert_eq!(
            run(collect_checking_size_hint(seq::iter(v.clone()).instrumented(()).stream())),
            v
        );
    }
}

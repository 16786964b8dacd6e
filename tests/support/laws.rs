//! Property-test scaffolding (contract line 18, the `laws*.rs` files): the
//! input strategy, the adversarial source with the [`Probe`] that watches
//! it, and the consumer that breaks at an arbitrary point.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use seqflow::{Seq, Yield, seq};

use super::PendingOnce;

/// Up to 39 elements in `-50..50`, each with a pause bit for the
/// adversarial source ([`Probe::source`]).
pub fn items_and_pauses() -> impl Strategy<Value = (Vec<i32>, Vec<bool>)> {
    items_and_pauses_with_len(0..40)
}

/// Like [`items_and_pauses`], with a number of elements in `len`.
pub fn items_and_pauses_with_len(
    len: Range<usize>,
) -> impl Strategy<Value = (Vec<i32>, Vec<bool>)> {
    prop::collection::vec(-50i32..50, len).prop_flat_map(|v| {
        let n = v.len();
        (Just(v), prop::collection::vec(any::<bool>(), n..=n))
    })
}

/// Watches the adversarial producers made by [`Probe::source`]: how many
/// started, how many finished their cleanup, and how many elements they
/// yielded, over every producer (and every run of a cloned one) of this
/// probe.
#[derive(Clone, Default)]
pub struct Probe {
    started: Arc<AtomicUsize>,
    cleaned: Arc<AtomicUsize>,
    yielded: Arc<AtomicUsize>,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }

    /// An adversarial producer (itertools' trick): it yields `items` in
    /// order, suspends before the elements whose `pauses` bit is set and
    /// before its cleanup, gives no size hint, and reports to this probe.
    pub fn source<T: Clone + Send + 'static>(
        &self,
        items: &[T],
        pauses: &[bool],
    ) -> impl Seq<Item = T> + Clone + Send + 'static + use<T> {
        let (items, pauses, probe) = (items.to_vec(), pauses.to_vec(), self.clone());
        seq::from_fn(move |mut y: Yield<T>| async move {
            probe.started.fetch_add(1, Ordering::SeqCst);
            for (i, item) in items.into_iter().enumerate() {
                if pauses.get(i).copied().unwrap_or(false) {
                    PendingOnce::new().await;
                }
                probe.yielded.fetch_add(1, Ordering::SeqCst);
                if !y.yield_(item).await {
                    break;
                }
            }
            PendingOnce::new().await; // async cleanup
            probe.cleaned.fetch_add(1, Ordering::SeqCst);
        })
    }

    /// How many producers started.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// How many elements the producers yielded (counting each one before
    /// its `yield_`).
    pub fn yielded(&self) -> usize {
        self.yielded.load(Ordering::SeqCst)
    }

    /// Whether a producer has finished its cleanup.
    pub fn cleaned(&self) -> bool {
        self.cleaned.load(Ordering::SeqCst) > 0
    }

    /// Every producer that started has finished its cleanup.
    pub fn check_cleaned(&self) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            self.cleaned.load(Ordering::SeqCst),
            self.started(),
            "a started producer had not cleaned up when the consumer returned"
        );
        Ok(())
    }
}

/// Consumes `s` with `for_each`, breaking after `brk + 1` elements, and
/// returns the elements seen.
pub async fn break_after<S: Seq>(s: S, brk: usize) -> Vec<S::Item> {
    let mut seen = Vec::new();
    s.for_each(|x| {
        seen.push(x);
        let go_on = seen.len() <= brk;
        async move { go_on }
    })
    .await;
    seen
}

//! Property-test scaffolding (contract line 18, the `laws*.rs` files): the
//! input strategy, the adversarial source with the [`Probe`] that watches
//! it, and the consumer that breaks at an arbitrary point.

use std::cell::Cell;
use std::fmt::Debug;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::executor::block_on;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use seqflow::{BoxSeq, Seq, Yield, seq};

use super::{PendingOnce, collect_checking_size_hint};

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

/// Checks `make(source)` against `expect`, std's output for the input `v`:
/// in full on `seq::iter` and on the adversarial source (size hints checked
/// at every step), and with a break after `brk + 1` elements on the
/// adversarial source; every producer that started has cleaned up when the
/// consumer returns. Returns the probe of the breaking run.
pub fn law<I, T, S>(
    v: &[I],
    pauses: &[bool],
    brk: usize,
    expect: &[T],
    make: impl Fn(BoxSeq<'static, I>) -> S,
) -> Result<Probe, TestCaseError>
where
    I: Clone + Send + 'static,
    T: PartialEq + Debug,
    S: Seq<Item = T>,
{
    let got = block_on(collect_checking_size_hint(
        make(seq::iter(v.to_vec()).boxed()).stream(),
    ));
    prop_assert_eq!(&got[..], expect, "on seq::iter");

    let full = Probe::default();
    let got = block_on(collect_checking_size_hint(
        make(full.source(v, pauses).boxed()).stream(),
    ));
    prop_assert_eq!(&got[..], expect, "on the adversarial source");
    full.check_cleaned()?;

    let part = Probe::default();
    let got = block_on(break_after(make(part.source(v, pauses).boxed()), brk));
    prop_assert_eq!(
        &got[..],
        &expect[..expect.len().min(brk + 1)],
        "with a break"
    );
    part.check_cleaned()?;
    Ok(part)
}

/// How many elements of `v` std pulls to give `take(n)` of `adapt(iter)`.
pub fn std_pulls<I: Clone, T>(
    v: &[I],
    n: usize,
    adapt: impl FnOnce(Box<dyn Iterator<Item = I> + '_>) -> Box<dyn Iterator<Item = T> + '_>,
) -> usize {
    let pulled = Cell::new(0);
    let counted = Box::new(v.iter().cloned().inspect(|_| pulled.set(pulled.get() + 1)));
    adapt(counted).take(n).for_each(drop);
    pulled.get()
}

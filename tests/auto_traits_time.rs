//! `Send`, `Sync` and `Unpin`, positive and negative, for the public types
//! of the time and latest-value operators.
//!
//! `Rc` stands for "not `Send`, not `Sync`"; `PhantomPinned` for "not
//! `Unpin`"; `Cell` for "`Send` but not `Sync`". The operators follow their
//! sources and the elements they hold. `Debounce`, `Sample` and
//! `ThrottleLatest` hold a `tokio::time::Sleep` in place, so they are never
//! `Unpin`; `Throttle` holds no timer. `Conflate` keeps its source on the
//! producer task's heap, so it is `Unpin` whatever its source is.

#![allow(dead_code)]

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::rc::Rc;

use static_assertions::{assert_impl_all, assert_not_impl_any};

use seqflow::Yield;
use seqflow::seq::{FromFn, Iter};
use seqflow::{
    CombineLatest, Conflate, Debounce, Sample, SwitchMap, Throttle, ThrottleLatest, TryDebounce,
    TrySample, TryThrottle, TryThrottleLatest,
};

type S = Iter<std::vec::IntoIter<u8>>;
type R = Iter<std::vec::IntoIter<Rc<u8>>>;
type C = Iter<std::vec::IntoIter<Cell<u8>>>;
/// Fallible twins of `S`, `R` and `C`; the error side carries the
/// negative trait, so that an error held behind a flushed value counts.
type TS = Iter<std::vec::IntoIter<Result<u8, u8>>>;
type TR = Iter<std::vec::IntoIter<Result<u8, Rc<u8>>>>;
type TC = Iter<std::vec::IntoIter<Result<u8, Cell<u8>>>>;

/// A future that is `Send` and `Sync` but not `Unpin`.
struct NotUnpin(PhantomPinned);
impl std::future::Future for NotUnpin {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Ready(())
    }
}

/// A sequence that is `Send` and `Sync` but not `Unpin`.
type N = FromFn<u8, fn(Yield<u8>) -> NotUnpin, NotUnpin>;

// ── time: follow the source and the element held; a timer is not `Unpin` ──
assert_impl_all!(Debounce<S>: Send, Sync);
assert_not_impl_any!(Debounce<S>: Unpin);
assert_impl_all!(Debounce<C>: Send);
assert_not_impl_any!(Debounce<C>: Sync);
assert_not_impl_any!(Debounce<R>: Send, Sync);
assert_impl_all!(Sample<S>: Send, Sync);
assert_not_impl_any!(Sample<S>: Unpin);
assert_not_impl_any!(Sample<C>: Sync);
assert_not_impl_any!(Sample<R>: Send, Sync);
assert_impl_all!(ThrottleLatest<S>: Send, Sync);
assert_not_impl_any!(ThrottleLatest<S>: Unpin);
assert_not_impl_any!(ThrottleLatest<C>: Sync);
assert_not_impl_any!(ThrottleLatest<R>: Send, Sync);
assert_impl_all!(Throttle<S>: Send, Sync, Unpin);
assert_not_impl_any!(Throttle<R>: Send, Sync);
assert_not_impl_any!(Throttle<N>: Unpin);

// ── the try_ forms: the same, with the held error counted as an element ──
assert_impl_all!(TryDebounce<TS>: Send, Sync);
assert_not_impl_any!(TryDebounce<TS>: Unpin);
assert_impl_all!(TryDebounce<TC>: Send);
assert_not_impl_any!(TryDebounce<TC>: Sync);
assert_not_impl_any!(TryDebounce<TR>: Send, Sync);
assert_impl_all!(TrySample<TS>: Send, Sync);
assert_not_impl_any!(TrySample<TS>: Unpin);
assert_not_impl_any!(TrySample<TC>: Sync);
assert_not_impl_any!(TrySample<TR>: Send, Sync);
assert_impl_all!(TryThrottleLatest<TS>: Send, Sync);
assert_not_impl_any!(TryThrottleLatest<TS>: Unpin);
assert_not_impl_any!(TryThrottleLatest<TC>: Sync);
assert_not_impl_any!(TryThrottleLatest<TR>: Send, Sync);
assert_impl_all!(TryThrottle<TS>: Send, Sync, Unpin);
assert_not_impl_any!(TryThrottle<TR>: Send, Sync);

// ── conflate: the source lives on the producer task ──
assert_impl_all!(Conflate<S>: Send, Sync, Unpin);
assert_impl_all!(Conflate<N>: Send, Sync, Unpin);
assert_not_impl_any!(Conflate<R>: Send, Sync);

// ── switch_map: follow the outer, the closure and the inner ──
assert_impl_all!(SwitchMap<S, fn(u8) -> S, S>: Send, Sync, Unpin);
assert_not_impl_any!(SwitchMap<S, fn(u8) -> R, R>: Send, Sync);
assert_not_impl_any!(SwitchMap<R, fn(Rc<u8>) -> S, S>: Send, Sync);
assert_not_impl_any!(SwitchMap<S, fn(u8) -> N, N>: Unpin);
assert_not_impl_any!(SwitchMap<N, fn(u8) -> S, S>: Unpin);

// ── combine_latest: follow both sides and the latest elements ──
assert_impl_all!(CombineLatest<S, S>: Send, Sync, Unpin);
assert_impl_all!(CombineLatest<S, C>: Send, Unpin);
assert_not_impl_any!(CombineLatest<S, C>: Sync);
assert_not_impl_any!(CombineLatest<R, S>: Send, Sync);
assert_not_impl_any!(CombineLatest<S, N>: Unpin);

#[test]
fn time_operators_move_to_another_thread() {
    use std::time::Duration;

    use seqflow::{Seq, seq};
    let s = seq::iter(vec![1u8, 2, 3])
        .throttle(Duration::from_secs(1))
        .combine_latest(seq::iter(vec![9u8]))
        .switch_map(|(a, b)| seq::iter(vec![a, b]))
        .debounce(Duration::from_millis(1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let v = std::thread::spawn(move || rt.block_on(s.collect::<Vec<_>>()))
        .join()
        .expect("no panic");
    assert_eq!(v, [9]);
}

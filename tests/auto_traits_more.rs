//! `Send`, `Sync` and `Unpin`, positive and negative, for the public types
//! of the more-shaping and concurrency combinators.
//!
//! `Rc` stands for "not `Send`, not `Sync`"; `PhantomPinned` for "not
//! `Unpin`"; `Cell` for "`Send` but not `Sync`". The adapters follow their
//! inner sequences, closures and held elements; the concurrent maps and
//! `MergeAll` keep their futures and sources on the heap, so they are
//! `Unpin` whatever those are.

#![allow(dead_code)]

use std::cell::Cell;
use std::future::Ready;
use std::marker::PhantomPinned;
use std::rc::Rc;

use static_assertions::{assert_impl_all, assert_not_impl_any};

use seqflow::Yield;
use seqflow::seq::{
    Chain, CollectAtMost, Dedup, DedupByKey, Enumerate, FlatMap, Flatten, FromFn, Iter, Keys, Map2,
    MapConcurrent, MapUnordered, Merge, MergeAll, Scan, StepBy, Values, Windows, Zip,
};

type SendIter = std::vec::IntoIter<u8>;
type RcIter = std::vec::IntoIter<Rc<u8>>;
type CellIter = std::vec::IntoIter<Cell<u8>>;
type PairIter = std::vec::IntoIter<(u8, u8)>;
type S = Iter<SendIter>;
type R = Iter<RcIter>;
type C = Iter<CellIter>;
type P = Iter<PairIter>;

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

// ── shaping: follow the inner sequence ──
assert_impl_all!(Enumerate<S>: Send, Sync, Unpin);
assert_not_impl_any!(Enumerate<R>: Send, Sync);
assert_not_impl_any!(Enumerate<N>: Unpin);
assert_impl_all!(StepBy<S>: Send, Sync, Unpin);
assert_not_impl_any!(StepBy<R>: Send, Sync);
assert_not_impl_any!(StepBy<N>: Unpin);
assert_impl_all!(Keys<P>: Send, Sync, Unpin);
assert_impl_all!(Values<P>: Send, Sync, Unpin);
assert_not_impl_any!(Keys<Iter<std::vec::IntoIter<(Rc<u8>, u8)>>>: Send, Sync);
assert_not_impl_any!(Values<Iter<std::vec::IntoIter<(u8, Rc<u8>)>>>: Send, Sync);
assert_impl_all!(Map2<P, fn(u8, u8) -> (u8, u8)>: Send, Sync, Unpin);
assert_not_impl_any!(Map2<P, Box<dyn FnMut(u8, u8) -> (u8, u8)>>: Send, Sync);

// ── shaping: also follow the elements or state they hold ──
assert_impl_all!(Dedup<S>: Send, Sync, Unpin);
assert_impl_all!(Dedup<C>: Send, Unpin);
assert_not_impl_any!(Dedup<C>: Sync);
assert_not_impl_any!(Dedup<R>: Send, Sync);
assert_impl_all!(DedupByKey<S, fn(&u8) -> u8, u8>: Send, Sync, Unpin);
assert_not_impl_any!(DedupByKey<S, fn(&u8) -> Rc<u8>, Rc<u8>>: Send, Sync);
assert_impl_all!(Windows<S>: Send, Sync, Unpin);
assert_impl_all!(Windows<C>: Send, Unpin);
assert_not_impl_any!(Windows<C>: Sync);
assert_not_impl_any!(Windows<N>: Unpin);
assert_impl_all!(Scan<S, u64, fn(&mut u64, u8) -> Option<u8>>: Send, Sync, Unpin);
assert_impl_all!(Scan<S, Cell<u64>, fn(&mut Cell<u64>, u8) -> Option<u8>>: Send, Unpin);
assert_not_impl_any!(Scan<S, Cell<u64>, fn(&mut Cell<u64>, u8) -> Option<u8>>: Sync);
assert_not_impl_any!(Scan<S, Rc<u64>, fn(&mut Rc<u64>, u8) -> Option<u8>>: Send, Sync);

// ── combining: follow every side ──
assert_impl_all!(Chain<S, S>: Send, Sync, Unpin);
assert_not_impl_any!(Chain<S, R>: Send, Sync);
assert_not_impl_any!(Chain<N, S>: Unpin);
assert_impl_all!(Zip<S, S>: Send, Sync, Unpin);
assert_not_impl_any!(Zip<R, S>: Send, Sync);
assert_not_impl_any!(Zip<S, N>: Unpin);
assert_impl_all!(Merge<S, S>: Send, Sync, Unpin);
assert_not_impl_any!(Merge<S, R>: Send, Sync);
assert_not_impl_any!(Merge<N, N>: Unpin);
assert_impl_all!(FlatMap<S, fn(u8) -> S, S>: Send, Sync, Unpin);
assert_not_impl_any!(FlatMap<S, fn(u8) -> R, R>: Send, Sync);
assert_not_impl_any!(FlatMap<S, fn(u8) -> N, N>: Unpin);
assert_impl_all!(Flatten<Iter<std::vec::IntoIter<S>>>: Send, Sync, Unpin);
assert_not_impl_any!(Flatten<Iter<std::vec::IntoIter<R>>>: Send, Sync);
assert_not_impl_any!(Flatten<Iter<std::vec::IntoIter<N>>>: Unpin);

// ── boxed sources: `Unpin` whatever they are ──
assert_impl_all!(MergeAll<S>: Send, Sync, Unpin);
assert_impl_all!(MergeAll<N>: Send, Sync, Unpin);
assert_not_impl_any!(MergeAll<R>: Send, Sync);
assert_impl_all!(MergeAll<R>: Unpin);

// ── concurrent maps: futures on the heap, `Send` when they are ──
type F = fn(u8) -> Ready<u8>;
assert_impl_all!(MapConcurrent<S, F, Ready<u8>>: Send, Sync, Unpin);
assert_impl_all!(MapUnordered<S, F, Ready<u8>>: Send, Sync, Unpin);
assert_impl_all!(MapConcurrent<S, fn(u8) -> NotUnpin, NotUnpin>: Send, Sync, Unpin);
assert_impl_all!(MapUnordered<S, fn(u8) -> NotUnpin, NotUnpin>: Send, Sync, Unpin);
assert_not_impl_any!(MapConcurrent<S, fn(u8) -> Ready<Rc<u8>>, Ready<Rc<u8>>>: Send, Sync);
assert_not_impl_any!(MapUnordered<S, fn(u8) -> Ready<Rc<u8>>, Ready<Rc<u8>>>: Send, Sync);
assert_not_impl_any!(MapConcurrent<R, fn(Rc<u8>) -> Ready<u8>, Ready<u8>>: Send, Sync);
assert_not_impl_any!(MapConcurrent<N, fn(u8) -> Ready<u8>, Ready<u8>>: Unpin);
assert_not_impl_any!(MapUnordered<N, fn(u8) -> Ready<u8>, Ready<u8>>: Unpin);

// ── terminal ──
assert_impl_all!(CollectAtMost<S, Vec<u8>>: Send, Sync, Unpin);
assert_not_impl_any!(CollectAtMost<R, Vec<Rc<u8>>>: Send, Sync);
assert_not_impl_any!(CollectAtMost<N, Vec<u8>>: Unpin);

#[test]
fn auto_traits_are_checked_at_compile_time() {
    // The assertions above are compile-time; this checks one runtime fact
    // they imply: a merged, concurrently mapped sequence can move to
    // another thread and run there.
    use seqflow::{Seq, seq};
    let s = seq::merge_all([seq::iter(vec![1u8, 2]), seq::iter(vec![3])])
        .map_concurrent(2, |x| async move { x * 2 });
    let mut v = std::thread::spawn(move || futures::executor::block_on(s.collect::<Vec<_>>()))
        .join()
        .expect("no panic");
    v.sort_unstable();
    assert_eq!(v, [2, 4, 6]);
}

// ── sharing: the upstream is boxed as `Send`; the handle and subscriptions follow `T` ──
assert_impl_all!(seqflow::Share<u8>: Send, Sync, Clone, Unpin);
assert_impl_all!(seqflow::Share<Cell<u8>>: Send, Sync, Clone, Unpin);
assert_not_impl_any!(seqflow::Share<Rc<u8>>: Send, Sync);
assert_impl_all!(seqflow::Subscription<u8>: Send, Sync, Unpin);
assert_impl_all!(seqflow::Subscription<Cell<u8>>: Send, Sync, Unpin);
assert_not_impl_any!(seqflow::Subscription<Rc<u8>>: Send, Sync);
assert_impl_all!(seqflow::Tee<S>: Send, Sync, Unpin);
assert_impl_all!(seqflow::Tee<N>: Send, Sync, Unpin);
assert_not_impl_any!(seqflow::Tee<R>: Send, Sync);
assert_impl_all!(seqflow::Partition<S, fn(&u8) -> bool>: Send, Sync, Unpin);
assert_not_impl_any!(seqflow::Partition<R, fn(&Rc<u8>) -> bool>: Send, Sync);

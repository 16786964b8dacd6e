//! `Send`, `Sync` and `Unpin`, positive and negative, for the public types
//! of the fan-in and concurrency stages (contract lines 28 and 29).
//!
//! `Rc` stands for "not `Send`, not `Sync`"; `PhantomPinned` for "not
//! `Unpin`". `SeqMap`, `MergeSorted(By)` box their sequences, and the
//! concurrent futures keep their bodies in a heap queue, so those are
//! `Unpin` whatever their sequences are; `FlatMapConcurrent` and
//! `TakeUntil` hold their outer sequence (and future) in place.

#![allow(dead_code)]

use std::cmp::Ordering;
use std::future::{Pending, Ready};
use std::marker::PhantomPinned;
use std::rc::Rc;

use static_assertions::{assert_impl_all, assert_not_impl_any};

use seqflow::seq::{
    FlatMapConcurrent, ForEachConcurrent, FromFn, Iter, KeyEvent, MergeSorted, MergeSortedBy,
    SeqMap, TakeUntil, TryForEachConcurrent,
};
use seqflow::{Seq, Yield};

type S = Iter<std::vec::IntoIter<u8>>;
type R = Iter<std::vec::IntoIter<Rc<u8>>>;
type E = Iter<std::vec::IntoIter<Result<u8, ()>>>;

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

// ── SeqMap: `Send`/`Sync` when its keys and sequences are; always `Unpin` ──
assert_impl_all!(SeqMap<u8, S>: Send, Sync, Unpin);
assert_impl_all!(SeqMap<u8, N>: Send, Sync, Unpin);
assert_impl_all!(SeqMap<PhantomPinned, N>: Unpin);
assert_not_impl_any!(SeqMap<Rc<u8>, S>: Send, Sync);
assert_not_impl_any!(SeqMap<u8, R>: Send, Sync);
assert_impl_all!(SeqMap<u8, R>: Unpin);
assert_impl_all!(KeyEvent<u8>: Send, Sync, Unpin, Copy);
assert_not_impl_any!(KeyEvent<Rc<u8>>: Send, Sync);

// ── merge_sorted: boxed sources ──
type Cmp = fn(&u8, &u8) -> Ordering;
assert_impl_all!(MergeSorted<S>: Send, Sync, Unpin);
assert_impl_all!(MergeSorted<N>: Send, Sync, Unpin);
assert_not_impl_any!(MergeSorted<R>: Send, Sync);
assert_impl_all!(MergeSortedBy<S, Cmp>: Send, Sync, Unpin);
assert_impl_all!(MergeSortedBy<N, Cmp>: Unpin);
assert_not_impl_any!(MergeSortedBy<S, Box<dyn FnMut(&u8, &u8) -> Ordering>>: Send, Sync);

// ── concurrent futures: bodies on the heap ──
assert_impl_all!(ForEachConcurrent<S, fn(u8) -> Ready<()>, Ready<()>>: Send, Sync, Unpin);
assert_impl_all!(ForEachConcurrent<S, fn(u8) -> NotUnpin, NotUnpin>: Send, Sync, Unpin);
assert_not_impl_any!(ForEachConcurrent<N, fn(u8) -> Ready<()>, Ready<()>>: Unpin);
assert_not_impl_any!(ForEachConcurrent<R, fn(Rc<u8>) -> Ready<()>, Ready<()>>: Send, Sync);
type TryBody = fn(u8) -> Ready<Result<(), ()>>;
assert_impl_all!(TryForEachConcurrent<E, TryBody, Ready<Result<(), ()>>>: Send, Sync, Unpin);
assert_not_impl_any!(
    TryForEachConcurrent<E, fn(u8) -> Ready<Result<Rc<()>, ()>>, Ready<Result<Rc<()>, ()>>>: Send, Sync
);

// ── flat_map_concurrent: outer in place, inners boxed ──
assert_impl_all!(FlatMapConcurrent<S, fn(u8) -> S, S>: Send, Sync, Unpin);
assert_impl_all!(FlatMapConcurrent<S, fn(u8) -> N, N>: Send, Sync, Unpin);
assert_not_impl_any!(FlatMapConcurrent<N, fn(u8) -> S, S>: Unpin);
assert_not_impl_any!(FlatMapConcurrent<S, fn(u8) -> R, R>: Send, Sync);

// ── take_until: the sequence and the future in place ──
assert_impl_all!(TakeUntil<S, Ready<()>>: Send, Sync, Unpin);
assert_not_impl_any!(TakeUntil<S, NotUnpin>: Unpin);
assert_not_impl_any!(TakeUntil<N, Pending<()>>: Unpin);
assert_not_impl_any!(TakeUntil<S, Ready<Rc<u8>>>: Send, Sync);

#[test]
fn a_seq_map_moves_to_another_thread_and_runs_there() {
    let mut map = SeqMap::new();
    map.insert(1u8, seqflow::seq::iter(vec![1u8, 2]).boxed());
    map.insert(2u8, seqflow::seq::iter(vec![3u8]).boxed());
    let mut v = std::thread::spawn(move || futures::executor::block_on(map.collect::<Vec<_>>()))
        .join()
        .expect("no panic");
    v.sort_unstable();
    assert_eq!(v, [(1, 1), (1, 2), (2, 3)]);
}

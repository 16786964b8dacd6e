//! `Send`, `Sync` and `Unpin`, positive and negative, for the public types.
//!
//! `Rc` stands for "not `Send`, not `Sync`"; `PhantomPinned` for "not
//! `Unpin`"; `Cell` for "`Send` but not `Sync`".

#![allow(dead_code)]

use std::cell::Cell;
use std::future::Ready;
use std::marker::PhantomPinned;
use std::rc::Rc;

use static_assertions::{assert_impl_all, assert_not_impl_any};

use seqflow::seq::{
    All, Any, Collect, Count, Empty, Find, First, Fold, ForEach, FromFn, FromStream, Iter, Last,
    Max, Min, Once, RepeatWith, SeqStream, Take, TryCollect, TryForEach, TryFromFn, Unfold,
};
use seqflow::{BoxSeq, Error, LocalBoxSeq, Yield, Yielding};

type SendFut = Ready<()>;
type SendIter = std::vec::IntoIter<u8>;
type RcIter = std::vec::IntoIter<Rc<u8>>;
type UnpinFut = futures::future::Ready<()>; // Unpin
type F = fn(u8) -> bool;

/// A future that is `Send` and `Sync` but not `Unpin`.
struct NotUnpin(PhantomPinned);
impl std::future::Future for NotUnpin {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Ready(())
    }
}

// ── Yield: a handle that carries no element ──
assert_impl_all!(Yield<u8>: Send, Sync, Unpin);
assert_impl_all!(Yield<Rc<u8>>: Send, Sync, Unpin);
// The hand-off future holds the element: `Send` exactly when it is.
assert_impl_all!(Yielding<'static, u8>: Send, Sync, Unpin);
assert_impl_all!(Yielding<'static, Cell<u8>>: Send, Unpin);
assert_not_impl_any!(Yielding<'static, Cell<u8>>: Sync);
assert_not_impl_any!(Yielding<'static, Rc<u8>>: Send, Sync);
assert_impl_all!(Yielding<'static, Rc<u8>>: Unpin);

// ── producers ──
assert_impl_all!(FromFn<u8, fn(Yield<u8>) -> SendFut, SendFut>: Send, Sync, Unpin);
assert_not_impl_any!(FromFn<u8, fn(Yield<u8>) -> NotUnpin, NotUnpin>: Unpin);
assert_impl_all!(FromFn<u8, fn(Yield<u8>) -> NotUnpin, NotUnpin>: Send, Sync);
assert_not_impl_any!(FromFn<u8, fn(Yield<u8>) -> Ready<Rc<u8>>, Ready<Rc<u8>>>: Send, Sync);
assert_impl_all!(TryFromFn<u8, fn(Yield<u8>) -> Ready<Result<(), ()>>, Ready<Result<(), ()>>>: Send, Sync, Unpin);
assert_impl_all!(Iter<SendIter>: Send, Sync, Unpin);
assert_not_impl_any!(Iter<RcIter>: Send, Sync);
assert_impl_all!(Iter<RcIter>: Unpin);
assert_impl_all!(FromStream<futures::stream::Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(Once<u8>: Send, Sync, Unpin);
assert_not_impl_any!(Once<Rc<u8>>: Send, Sync);
assert_impl_all!(Empty<Rc<u8>>: Send, Sync, Unpin);
assert_impl_all!(RepeatWith<fn() -> u8>: Send, Sync, Unpin);
assert_impl_all!(Unfold<u8, fn(u8) -> Ready<Option<(u8, u8)>>, Ready<Option<(u8, u8)>>>: Send, Sync, Unpin);

// ── adapters and bridges follow their inner sequence ──
assert_impl_all!(Take<Iter<SendIter>>: Send, Sync, Unpin);
assert_not_impl_any!(Take<Iter<RcIter>>: Send, Sync);
assert_impl_all!(SeqStream<Iter<SendIter>>: Send, Sync, Unpin);
assert_not_impl_any!(SeqStream<FromFn<u8, fn(Yield<u8>) -> NotUnpin, NotUnpin>>: Unpin);

// ── terminal futures ──
assert_impl_all!(ForEach<Iter<SendIter>, fn(u8) -> UnpinFut, UnpinFut>: Send, Sync, Unpin);
assert_impl_all!(TryForEach<Iter<std::vec::IntoIter<Result<u8, ()>>>, fn(u8) -> Ready<Result<(), ()>>, Ready<Result<(), ()>>>: Send, Unpin);
assert_impl_all!(Collect<Iter<SendIter>, Vec<u8>>: Send, Sync, Unpin);
assert_not_impl_any!(Collect<Iter<RcIter>, Vec<Rc<u8>>>: Send, Sync);
assert_impl_all!(TryCollect<Iter<std::vec::IntoIter<Result<u8, ()>>>, Vec<u8>>: Send, Sync, Unpin);
assert_impl_all!(Fold<Iter<SendIter>, u64, fn(u64, u8) -> u64>: Send, Sync, Unpin);
assert_impl_all!(Count<Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(First<Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(Last<Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(Min<Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(Max<Iter<SendIter>>: Send, Sync, Unpin);
assert_impl_all!(Any<Iter<SendIter>, F>: Send, Sync, Unpin);
assert_impl_all!(All<Iter<SendIter>, F>: Send, Sync, Unpin);
assert_impl_all!(Find<Iter<SendIter>, fn(&u8) -> bool>: Send, Sync, Unpin);

// ── boxes and errors ──
assert_impl_all!(BoxSeq<'static, u8>: Send, Unpin);
assert_not_impl_any!(BoxSeq<'static, u8>: Sync);
assert_impl_all!(LocalBoxSeq<'static, u8>: Unpin);
assert_not_impl_any!(LocalBoxSeq<'static, u8>: Send, Sync);
assert_impl_all!(Error: Send, Sync, Unpin, std::error::Error);

#[test]
fn auto_traits_are_checked_at_compile_time() {
    // The assertions above are compile-time; this test exists so the file
    // shows up in test runs. It checks one runtime fact they imply: a boxed
    // sequence can move to another thread.
    let s: BoxSeq<'static, u8> = seqflow::Seq::boxed(seqflow::seq::iter(vec![1, 2]));
    let n = std::thread::spawn(move || futures::executor::block_on(seqflow::Seq::count(s)))
        .join()
        .expect("no panic");
    assert_eq!(n, 2);
}

//! Auto traits of the pull handles, positive and negative (contract 11):
//! `Pull<T>` is `Send` exactly when `T` is, and always `Unpin`;
//! `LocalPull` is `Unpin` and never `Send`.

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::rc::Rc;

use futures::Stream;
use seqflow::{LocalPull, Pull, Pull2, PullSeq, Seq};
use static_assertions::{assert_impl_all, assert_not_impl_any};

// ── Pull ──

assert_impl_all!(Pull<u8>: Send, Unpin, std::fmt::Debug);
assert_impl_all!(Pull<String>: Send, Unpin);
// A `Cell` is `Send`, not `Sync`: enough for the handle to be `Send`.
assert_impl_all!(Pull<Cell<u8>>: Send, Unpin);
assert_not_impl_any!(Pull<Rc<u8>>: Send);
assert_impl_all!(Pull<Rc<u8>>: Unpin);
// Unpin whatever the item: the sequence is boxed.
assert_impl_all!(Pull<PhantomPinned>: Send, Unpin);
// The handle is used through `&mut`; it is not shared between threads.
assert_not_impl_any!(Pull<u8>: Sync);

// ── Pull2 ──

assert_impl_all!(Pull2<u8, String>: Send, Unpin, std::fmt::Debug);
assert_not_impl_any!(Pull2<Rc<u8>, u8>: Send);
assert_not_impl_any!(Pull2<u8, Rc<u8>>: Send);
assert_impl_all!(Pull2<Rc<u8>, PhantomPinned>: Unpin);
assert_not_impl_any!(Pull2<u8, u8>: Sync);

// ── LocalPull ──

assert_impl_all!(LocalPull<'static, u8>: Unpin, std::fmt::Debug);
assert_impl_all!(LocalPull<'static, PhantomPinned>: Unpin);
// The sequence behind it may hold `Rc`s: never `Send`, never `Sync`, even
// for a `Send` item.
assert_not_impl_any!(LocalPull<'static, u8>: Send, Sync);

// ── Stream, not Seq: `StreamExt` calls on a handle are never ambiguous ──

assert_impl_all!(Pull<u8>: Stream);
assert_not_impl_any!(Pull<u8>: Seq);
assert_impl_all!(Pull2<u8, u8>: Stream);
assert_not_impl_any!(Pull2<u8, u8>: Seq);
assert_impl_all!(LocalPull<'static, u8>: Stream);
assert_not_impl_any!(LocalPull<'static, u8>: Seq);

// ── PullSeq: the way back to `Seq`, a `Seq` and not a `Stream` ──

assert_impl_all!(PullSeq<Pull<u8>>: Seq, Send, Unpin, std::fmt::Debug);
assert_not_impl_any!(PullSeq<Pull<u8>>: Stream, Sync);
assert_not_impl_any!(PullSeq<Pull<Rc<u8>>>: Send);
assert_impl_all!(PullSeq<Pull2<u8, u8>>: Seq, Send, Unpin);
assert_not_impl_any!(PullSeq<Pull2<u8, u8>>: Stream);
assert_impl_all!(PullSeq<LocalPull<'static, u8>>: Seq, Unpin);
assert_not_impl_any!(PullSeq<LocalPull<'static, u8>>: Stream, Send);

// ── the futures of `next` and `stop` ──

#[test]
fn next_and_stop_futures_are_send_when_the_item_is() {
    fn assert_send<T: Send>(_: T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut p = seqflow::pull_on(rt.handle(), seqflow::seq::iter([1u8]));
    assert_send(p.next());
    assert_send(p.stop());
    let mut p2 = seqflow::pull2_on(rt.handle(), seqflow::seq::iter([(1u8, 'a')]));
    assert_send(p2.next());
    assert_send(p2.stop());
}

#[test]
fn peek_and_next_if_futures_are_send_when_the_item_is() {
    fn assert_send<T: Send>(_: T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut p = seqflow::pull_on(rt.handle(), seqflow::seq::iter([1u8]));
    assert_send(p.peek());
    assert_send(p.next_if(|x| *x > 0));
    let mut p2 = seqflow::pull2_on(rt.handle(), seqflow::seq::iter([(1u8, 'a')]));
    assert_send(p2.peek());
    assert_send(p2.next_if(|_, v| *v == 'a'));
}

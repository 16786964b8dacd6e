//! Auto traits of the pull handles, positive and negative (contract 11):
//! `Pull<T>` is `Send` exactly when `T` is, and always `Unpin`;
//! `LocalPull` is `Unpin` and never `Send`.

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::rc::Rc;

use seqflow::{LocalPull, Pull, Pull2};
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

//! `Send`, `Sync` and `Unpin`, positive and negative, for the public types
//! of the fallible adapters and `try_fold`.
//!
//! `Rc` stands for "not `Send`, not `Sync`"; `PhantomPinned` for "not
//! `Unpin`"; `Cell` for "`Send` but not `Sync`". The adapters follow their
//! inner sequence and closures; `and_then`/`or_else` also their futures,
//! and `try_batched`/`try_batched_timeout`/`try_fold` the values and errors
//! they hold.

#![allow(dead_code)]

use std::cell::Cell;
use std::future::Ready;
use std::marker::PhantomPinned;
use std::rc::Rc;

use static_assertions::{assert_impl_all, assert_not_impl_any};

use seqflow::Yield;
use seqflow::seq::{
    AndThen, FromFn, InspectErr, InspectOk, Iter, OrElse, TryBatched, TryBatchedTimeout, TryFilter,
    TryFilterMap, TryFold, TrySkipWhile, TryTakeWhile,
};

type S = Iter<std::vec::IntoIter<Result<u8, u8>>>;
type R = Iter<std::vec::IntoIter<Result<Rc<u8>, u8>>>;
type RE = Iter<std::vec::IntoIter<Result<u8, Rc<u8>>>>;
type C = Iter<std::vec::IntoIter<Result<Cell<u8>, u8>>>;
type CE = Iter<std::vec::IntoIter<Result<u8, Cell<u8>>>>;

/// A future that is `Send` and `Sync` but not `Unpin`.
struct NotUnpin(PhantomPinned);
impl std::future::Future for NotUnpin {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Ready(())
    }
}

/// A fallible sequence that is `Send` and `Sync` but not `Unpin`.
type N = FromFn<Result<u8, u8>, fn(Yield<Result<u8, u8>>) -> NotUnpin, NotUnpin>;

/// A future resolving to a `Result` that is `Send` and `Sync` but not
/// `Unpin`.
struct NotUnpinResult(PhantomPinned);
impl std::future::Future for NotUnpinResult {
    type Output = Result<u8, u8>;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<u8, u8>> {
        std::task::Poll::Ready(Ok(0))
    }
}

type Fut = Ready<Result<u8, u8>>;
type RcFut = Ready<Result<Rc<u8>, u8>>;

// ── and_then, or_else: follow the sequence, the closure and the future ──
assert_impl_all!(AndThen<S, fn(u8) -> Fut, Fut>: Send, Sync, Unpin);
assert_not_impl_any!(AndThen<R, fn(Rc<u8>) -> Fut, Fut>: Send, Sync);
assert_not_impl_any!(AndThen<S, fn(u8) -> RcFut, RcFut>: Send, Sync);
assert_not_impl_any!(AndThen<N, fn(u8) -> Fut, Fut>: Unpin);
assert_not_impl_any!(AndThen<S, fn(u8) -> NotUnpinResult, NotUnpinResult>: Unpin);
assert_impl_all!(AndThen<S, fn(u8) -> NotUnpinResult, NotUnpinResult>: Send, Sync);
assert_not_impl_any!(AndThen<S, Box<dyn FnMut(u8) -> Fut>, Fut>: Send, Sync);
assert_impl_all!(OrElse<S, fn(u8) -> Fut, Fut>: Send, Sync, Unpin);
assert_not_impl_any!(OrElse<RE, fn(Rc<u8>) -> Fut, Fut>: Send, Sync);
assert_not_impl_any!(OrElse<N, fn(u8) -> Fut, Fut>: Unpin);
assert_not_impl_any!(OrElse<S, fn(u8) -> NotUnpinResult, NotUnpinResult>: Unpin);

// ── plain-closure adapters: follow the sequence and the closure ──
assert_impl_all!(TryFilter<S, fn(&u8) -> bool>: Send, Sync, Unpin);
assert_not_impl_any!(TryFilter<R, fn(&Rc<u8>) -> bool>: Send, Sync);
assert_not_impl_any!(TryFilter<N, fn(&u8) -> bool>: Unpin);
assert_not_impl_any!(TryFilter<S, Box<dyn FnMut(&u8) -> bool>>: Send, Sync);
assert_impl_all!(TryFilterMap<S, fn(u8) -> Option<u8>>: Send, Sync, Unpin);
assert_not_impl_any!(TryFilterMap<R, fn(Rc<u8>) -> Option<u8>>: Send, Sync);
assert_not_impl_any!(TryFilterMap<N, fn(u8) -> Option<u8>>: Unpin);
assert_impl_all!(InspectOk<S, fn(&u8)>: Send, Sync, Unpin);
assert_not_impl_any!(InspectOk<R, fn(&Rc<u8>)>: Send, Sync);
assert_not_impl_any!(InspectOk<N, fn(&u8)>: Unpin);
assert_impl_all!(InspectErr<S, fn(&u8)>: Send, Sync, Unpin);
assert_not_impl_any!(InspectErr<RE, fn(&Rc<u8>)>: Send, Sync);
assert_not_impl_any!(InspectErr<N, fn(&u8)>: Unpin);
assert_impl_all!(TryTakeWhile<S, fn(&u8) -> bool>: Send, Sync, Unpin);
assert_not_impl_any!(TryTakeWhile<R, fn(&Rc<u8>) -> bool>: Send, Sync);
assert_not_impl_any!(TryTakeWhile<N, fn(&u8) -> bool>: Unpin);
assert_impl_all!(TrySkipWhile<S, fn(&u8) -> bool>: Send, Sync, Unpin);
assert_not_impl_any!(TrySkipWhile<R, fn(&Rc<u8>) -> bool>: Send, Sync);
assert_not_impl_any!(TrySkipWhile<N, fn(&u8) -> bool>: Unpin);

// ── try_batched, try_batched_timeout: also the values and errors held ──
assert_impl_all!(TryBatched<S>: Send, Sync, Unpin);
assert_impl_all!(TryBatched<C>: Send, Unpin);
assert_not_impl_any!(TryBatched<C>: Sync);
assert_impl_all!(TryBatched<CE>: Send, Unpin);
assert_not_impl_any!(TryBatched<CE>: Sync);
assert_not_impl_any!(TryBatched<R>: Send, Sync);
assert_not_impl_any!(TryBatched<N>: Unpin);
// The timer is a `tokio::time::Sleep`, which is `!Unpin`.
assert_impl_all!(TryBatchedTimeout<S>: Send, Sync);
assert_not_impl_any!(TryBatchedTimeout<S>: Unpin);
assert_not_impl_any!(TryBatchedTimeout<R>: Send, Sync);
assert_not_impl_any!(TryBatchedTimeout<CE>: Sync);

// ── try_fold: the sequence, the closure and the accumulator ──
assert_impl_all!(TryFold<S, u64, fn(u64, u8) -> Result<u64, u8>>: Send, Sync, Unpin);
assert_not_impl_any!(TryFold<S, Rc<u64>, fn(Rc<u64>, u8) -> Result<Rc<u64>, u8>>: Send, Sync);
assert_not_impl_any!(TryFold<S, Cell<u64>, fn(Cell<u64>, u8) -> Result<Cell<u64>, u8>>: Sync);
assert_not_impl_any!(TryFold<RE, u64, fn(u64, u8) -> Result<u64, Rc<u8>>>: Send, Sync);
assert_not_impl_any!(TryFold<N, u64, fn(u64, u8) -> Result<u64, u8>>: Unpin);

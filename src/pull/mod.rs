//! Pull handles: [`pull`], [`pull2`], [`pull_on`] and [`pull2_on`], Go's
//! `iter.Pull` and `iter.Pull2`, and [`pull_local`] for sequences that are
//! not `Send` or not `'static`.
//!
//! The user-facing contract (DESIGN.md contract 6–12) is written on [`Pull`],
//! where readers of the API docs find it. This note is for maintainers.
//!
//! # Why the producer runs inline
//!
//! Go's `iter.Pull` runs its producer as a *coroutine*: `next()` switches to
//! the producer, which runs until it yields one value, then switches back.
//! No goroutine runs concurrently, no channel is involved. A [`Seq`] of this
//! crate is already a resumable state machine, so the faithful translation
//! is to poll it from `next()` on the consumer's own task: the producer runs
//! exactly while the consumer waits in `next()`, an element leaves the
//! producer only in the poll that returns it to the caller (which is why
//! `next()` is cancel safe without any bookkeeping), and no element ever
//! crosses a thread. That also removes the `block_on` cliff of a task
//! rendezvous, where a consumer in `Runtime::block_on` pays a cross-thread
//! wake-up per element.
//!
//! A task is needed only for a `Pull` dropped while its producer is still
//! running: Rust cannot await in `Drop`, and the producer's async cleanup
//! must still run. `Drop` first tries to finish the producer inline (one
//! `poll_stop` with a no-op waker, inside the runtime's context); only if
//! that cleanup really waits does it move the sequence to a task on the
//! runtime captured at creation, which drives `poll_stop` to completion.
//! That is why the sequence must be `Send + 'static`, and why `pull` needs a
//! runtime (or `pull_on` a handle) although `next()` never uses it.
//!
//! [`pull_local`] drops both requirements by giving up that task: a
//! [`LocalPull`] dropped while its cleanup waits cuts the cleanup at its
//! await. tokio offers no way to ask whether a `LocalSet` is present, so
//! spawning the rest with `spawn_local` could only be attempted at the risk
//! of a panic inside `drop`.
//!
//! Both handles share their state machine (`core.rs`); they differ in the
//! bounds on the sequence and in `Drop`.
//!
//! The handle holds no lock, no atomic and no `unsafe`; the element hand-off
//! inside the sequence is the crate's ordinary `Yield` frame.
//!
//! # Why a handle is a `Stream` and not a `Seq`
//!
//! `Seq` and `futures::StreamExt` share method names (`map`, `take`,
//! `filter`, `collect`, ...). A type that is both makes every such call
//! E0034 "multiple applicable items" as soon as both traits are imported,
//! which protocol code almost always does. The handles are pulled one
//! element at a time, the stream way, so they implement `Stream` only;
//! `into_seq` wraps one in [`PullSeq`], a `Seq` whose stop is the handle's
//! stop. `peek`/`next_if` keep their element in `core.rs`, so every way
//! out of a handle (`next`, the `Stream`, `PullSeq`) sees it first, and a
//! stop drops it.

use tokio::runtime::Handle;

use crate::Seq;

mod core;
mod handle;
mod into_seq;
mod local;

pub use self::handle::{Pull, Pull2};
pub use self::into_seq::PullSeq;
pub use self::local::LocalPull;

/// Turns a sequence into a pull handle: Go's `iter.Pull`.
///
/// Each [`Pull::next`] runs the producer until it yields one element, on the
/// caller's task; [`Pull::stop`] makes its pending `yield_` return `false`
/// and waits for it to return. A `Pull` dropped without `stop` finishes its
/// producer in the background, on a task that a shutting-down runtime drops
/// with the producer's async cleanup: call `stop().await` before leaving
/// `main` where that cleanup must run. The full contract is on [`Pull`].
///
/// Nothing runs and nothing is spawned here: the producer starts on the
/// first `next()`.
///
/// # Inline, or on a task of its own
///
/// `pull(seq)` runs the producer inline, as Go 1.23's coroutine
/// `iter.Pull` does: no task, no channel, no thread hop, 20 to 500 times
/// cheaper per element than any task rendezvous, and no `block_on` cliff.
/// It is the right default. But the producer then runs on the consumer's
/// task: a step of heavy synchronous work inside `next()` stalls every
/// other branch of the consumer's `select!` loop.
///
/// `pull(seq.prefetch(0))` is the pull on a task-plus-channel rendezvous
/// (Go's goroutine-backed, unbuffered `iter.Pull`): the producer runs on a
/// task of its own, only while the consumer waits in `next()`, at most one
/// element ahead, and keeps this whole contract (cancel-safe `next()`,
/// `stop()` waiting for the cleanup, panics surfacing, no task outliving
/// it); see [`Seq::prefetch`](crate::Seq::prefetch). Choose it when the
/// producer must not run on the consumer's task: CPU-heavy steps, or a
/// producer that should run on a runtime worker of its own (or on another
/// runtime, with [`Seq::prefetch_on`](crate::Seq::prefetch_on)) while the
/// consumer sits elsewhere. [`pull2`] works the same for pairs.
///
/// ```
/// use seqflow::{pull, seq, Seq, Yield};
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() {
/// let frames = seq::from_fn(|mut y: Yield<u32>| async move {
///     for i in 1.. {
///         // heavy parsing here runs on the producer's task
///         if !y.yield_(i).await {
///             return;
///         }
///     }
/// });
/// let mut p = pull(frames.prefetch(0));
/// assert_eq!(p.next().await, Some(1));
/// assert_eq!(p.next().await, Some(2));
/// p.stop().await;
/// # }
/// ```
///
/// The sequence must be `Send + 'static` because a `Pull` dropped while its
/// producer waits in its cleanup hands the sequence to a task of the runtime
/// to finish it. For a producer that holds `!Send` state (an `Rc`, a
/// `RefCell` borrow across an await) or borrows the caller's data, use
/// [`pull_local`]: the same handle without that hand-off.
///
/// This function must be called within a tokio runtime: it captures the
/// runtime's [`Handle`] to finish dropped handles on. Use [`pull_on`] to name
/// the runtime explicitly, for example from a thread outside any runtime.
///
/// # Panics
///
/// Panics if called outside a tokio runtime, with a message pointing to
/// [`pull_on`].
///
/// # Examples
///
/// ```
/// use seqflow::{pull, seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut p = pull(seq::from_fn(|mut y: Yield<u32>| async move {
///     for i in 1.. {
///         if !y.yield_(i).await {
///             return; // stopped: clean up here
///         }
///     }
/// }));
/// assert_eq!(p.next().await, Some(1));
/// assert_eq!(p.next().await, Some(2));
/// p.stop().await;
/// assert_eq!(p.next().await, None);
/// # }
/// ```
///
/// Outside a runtime it panics:
///
/// ```should_panic
/// let _p = seqflow::pull(seqflow::seq::iter([1, 2, 3]));
/// ```
#[doc(alias = "next", alias = "peekable")]
#[track_caller]
pub fn pull<S>(seq: S) -> Pull<S::Item>
where
    S: Seq + Send + 'static,
{
    Pull::new(current_handle("pull", "pull_on"), seq)
}

/// Like [`pull`], with the runtime named by `handle` instead of the current
/// one.
///
/// `handle` is used only to finish the producer of a `Pull` dropped before
/// it returned; `next()` and `stop()` run the producer on the caller's task.
/// A producer that uses tokio resources (timers, I/O, `spawn`) therefore
/// still needs its consumer to poll within a runtime context, for example
/// by holding [`Handle::enter`] around a foreign executor's `block_on`.
///
/// # Examples
///
/// From a thread outside any runtime:
///
/// ```
/// use seqflow::{pull_on, seq};
///
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let mut p = std::thread::spawn({
///     let handle = rt.handle().clone();
///     move || pull_on(&handle, seq::iter(["a", "b"]))
/// })
/// .join()
/// .unwrap();
/// rt.block_on(async {
///     assert_eq!(p.next().await, Some("a"));
///     assert_eq!(p.next().await, Some("b"));
///     assert_eq!(p.next().await, None);
/// });
/// ```
pub fn pull_on<S>(handle: &Handle, seq: S) -> Pull<S::Item>
where
    S: Seq + Send + 'static,
{
    Pull::new(handle.clone(), seq)
}

/// Turns a sequence of pairs ([`Seq2`](crate::Seq2)) into a pull handle
/// whose `next` returns `Option<(K, V)>`: Go's `iter.Pull2`.
///
/// Everything said on [`pull`] holds; the contract is on [`Pull`].
/// `pull2(seq2.prefetch(0))` runs the producer on a task of its own (see
/// [`pull`], "Inline, or on a task of its own").
///
/// # Panics
///
/// Panics if called outside a tokio runtime, with a message pointing to
/// [`pull2_on`].
///
/// # Examples
///
/// ```
/// use seqflow::{pull2, seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut p = pull2(seq::iter([("a", 1), ("b", 2)]));
/// assert_eq!(p.next().await, Some(("a", 1)));
/// assert_eq!(p.next().await, Some(("b", 2)));
/// assert_eq!(p.next().await, None);
/// # }
/// ```
#[track_caller]
pub fn pull2<S, K, V>(seq: S) -> Pull2<K, V>
where
    S: Seq<Item = (K, V)> + Send + 'static,
{
    Pull2::new(Pull::new(current_handle("pull2", "pull2_on"), seq))
}

/// Like [`pull2`], with the runtime named by `handle` instead of the current
/// one (see [`pull_on`]).
///
/// # Examples
///
/// ```
/// use seqflow::{pull2_on, seq};
///
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let mut p = pull2_on(rt.handle(), seq::iter([(1, 'x')]));
/// rt.block_on(async {
///     assert_eq!(p.next().await, Some((1, 'x')));
///     assert_eq!(p.next().await, None);
/// });
/// ```
pub fn pull2_on<S, K, V>(handle: &Handle, seq: S) -> Pull2<K, V>
where
    S: Seq<Item = (K, V)> + Send + 'static,
{
    Pull2::new(Pull::new(handle.clone(), seq))
}

/// Turns a sequence that is not `Send`, or not `'static`, into a pull
/// handle: [`pull`] for `Rc`-holding producers, producers that borrow the
/// caller's data, and executors other than tokio.
///
/// [`LocalPull::next`] runs the producer on the caller's task, as
/// [`Pull::next`] does, so nothing needs to cross a thread. The difference
/// is `Drop`: a [`LocalPull`] dropped while its producer is in an awaiting
/// cleanup cannot hand it to a task, so that cleanup is cut at its await;
/// call [`LocalPull::stop`] first when it matters. The contract is on
/// [`LocalPull`].
///
/// Nothing runs here and no runtime is needed: the producer starts on the
/// first `next()`.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use seqflow::{pull_local, seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let seen = log.clone();
/// let mut p = pull_local(seq::from_fn(move |mut y: Yield<u32>| async move {
///     for i in 1..=3 {
///         seen.borrow_mut().push(i);
///         if !y.yield_(i).await {
///             return;
///         }
///     }
/// }));
/// assert_eq!(p.next().await, Some(1));
/// assert_eq!(*log.borrow(), [1], "the producer runs only inside next()");
/// p.stop().await;
/// assert_eq!(p.next().await, None);
/// # }
/// ```
pub fn pull_local<'a, S>(seq: S) -> LocalPull<'a, S::Item>
where
    S: Seq + 'a,
{
    LocalPull::new(seq)
}

/// The runtime to finish dropped handles on, or a panic that says what to
/// do instead.
#[track_caller]
fn current_handle(function: &str, alternative: &str) -> Handle {
    match Handle::try_current() {
        Ok(handle) => handle,
        Err(err) => panic!(
            "`seqflow::{function}` must be called within a tokio runtime, \
             which finishes a dropped `Pull` in the background ({err}); \
             call it from within a runtime, or use `seqflow::{alternative}(&handle, seq)` \
             to name the runtime explicitly"
        ),
    }
}

//! [`LocalPull`]: the handle returned by [`pull_local`](super::pull_local),
//! for sequences that are not `Send` or not `'static`.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use super::PullSeq;
use super::core::{Core, finish_inline};
use crate::Seq;

/// Pull handle returned by [`pull_local`](crate::pull_local): [`Pull`]
/// for a sequence that is not `Send`, or that borrows.
///
/// The producer runs on the task that calls [`next`](LocalPull::next) or
/// [`stop`](LocalPull::stop), while that call waits, exactly as for
/// [`Pull`]. Since nothing of it ever moves to another task, the sequence
/// may hold `Rc`s, `RefCell` borrows across awaits, or references to the
/// caller's data, and no runtime is needed: any executor can poll it.
///
/// # Contract
///
/// The contract of [`Pull`] holds as written there for the rendezvous,
/// fused, stop, cancel-safe and stream rules (a [`Stream`] and not a
/// [`Seq`], with [`into_seq`](LocalPull::into_seq) for the way back;
/// `LocalPull` is never `Send` and always `Unpin`), and so do
/// [`peek`](LocalPull::peek) and [`next_if`](LocalPull::next_if). The
/// runtime rule does not apply: there is no runtime to find. Dropping is
/// where the two differ, because a `!Send`
/// sequence cannot be handed to a task of a multi-thread runtime, and
/// tokio offers no way to tell whether a `LocalSet` is there to take it:
///
/// - **Drop stops inline, as far as it can.** Dropping a `LocalPull` whose
///   producer is running makes its pending `yield_` return `false` and
///   polls its cleanup once, inside `drop` (a producer waiting elsewhere is
///   dropped, as by any stop). A cleanup that completes without
///   waiting (closing a file, `Drop` guards, bookkeeping) has run when
///   `drop` returns, also when the handle is dropped while the thread
///   unwinds from a panic (a panic of the cleanup is then caught and
///   reported by the panic hook, never raised inside `drop`). A cleanup that awaits is dropped at that await, like
///   any dropped future: its `Drop` guards run, the code after the await
///   does not. Call `stop().await` before dropping a handle whose producer
///   awaits in its cleanup. Nothing is ever spawned.
///
/// # Examples
///
/// A producer holding an `Rc`, pulled on a single-threaded runtime:
///
/// ```
/// use std::rc::Rc;
/// use seqflow::{pull_local, seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let names: Rc<[&str]> = Rc::from(["ada", "grace"]);
/// let mut p = pull_local(seq::from_fn(move |mut y: Yield<String>| async move {
///     for name in names.iter() {
///         if !y.yield_(name.to_uppercase()).await {
///             return;
///         }
///     }
/// }));
/// assert_eq!(p.next().await.as_deref(), Some("ADA"));
/// assert_eq!(p.next().await.as_deref(), Some("GRACE"));
/// assert_eq!(p.next().await, None);
/// # }
/// ```
///
/// A producer borrowing the caller's data, on a non-tokio executor:
///
/// ```
/// use seqflow::{pull_local, seq, Yield};
///
/// let owned = vec!["a", "bb", "ccc"];
/// let words = &owned; // borrowed: the sequence is not `'static`
/// let lengths = futures::executor::block_on(async {
///     let mut p = pull_local(seq::from_fn(move |mut y: Yield<usize>| async move {
///         for w in words {
///             if !y.yield_(w.len()).await {
///                 return;
///             }
///         }
///     }));
///     let first = p.next().await;
///     p.stop().await;
///     (first, p.next().await)
/// });
/// assert_eq!(lengths, (Some(1), None));
/// ```
///
/// [`Pull`]: crate::Pull
#[must_use = "a `LocalPull` does nothing unless `next` is called"]
pub struct LocalPull<'a, T> {
    core: Core<dyn Seq<Item = T> + 'a>,
}

// The sequence is boxed and a peeked element is never pinned.
impl<T> Unpin for LocalPull<'_, T> {}

impl<'a, T> LocalPull<'a, T> {
    pub(crate) fn new<S>(seq: S) -> Self
    where
        S: Seq<Item = T> + 'a,
    {
        LocalPull {
            core: Core::new(Box::pin(seq)),
        }
    }

    /// Runs the producer until it yields its next element; `None` once it
    /// has returned, been stopped, or panicked, and forever after.
    ///
    /// The producer runs on the caller's task, only while this future is
    /// polled: at most one element is produced per call.
    ///
    /// # Panics
    ///
    /// A panic in the producer unwinds out of this call; the handle is then
    /// done.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `next` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is guaranteed
    /// that no element was lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull_local, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull_local(seq::iter(["one"]));
    /// assert_eq!(p.next().await, Some("one"));
    /// assert_eq!(p.next().await, None);
    /// assert_eq!(p.next().await, None); // fused
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<T> {
        poll_fn(|cx| self.core.poll_next_item(cx)).await
    }

    /// Stops the producer and waits for it to return: its pending `yield_`
    /// resolves to `false`, its cleanup runs, and then `stop` completes.
    ///
    /// Idempotent: once the producer has returned (or never started, or
    /// panicked) it completes at once. After `stop`, `next` returns `None`.
    /// A producer stopped before its first `next` never starts.
    ///
    /// # Panics
    ///
    /// A panic in the producer's cleanup unwinds out of this call; the
    /// handle is then done, and a later `stop` completes at once.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `stop` is used as a branch in
    /// `tokio::select!` and another branch completes first, the stop stays
    /// requested: no element is delivered any more, and the next `stop` or
    /// `next` call finishes it (dropping the handle finishes what it can
    /// inline, see [`LocalPull`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use seqflow::{pull_local, seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let closed = Rc::new(Cell::new(false));
    /// let c = closed.clone();
    /// let mut rows = pull_local(seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     let mut row = 0;
    ///     while y.yield_(row).await {
    ///         row += 1;
    ///     }
    ///     tokio::task::yield_now().await; // async cleanup, e.g. `conn.close().await`
    ///     c.set(true);
    /// }));
    /// assert_eq!(rows.next().await, Some(0));
    /// rows.stop().await;
    /// assert!(closed.get(), "stop waits for the cleanup");
    /// rows.stop().await; // idempotent
    /// assert_eq!(rows.next().await, None);
    /// # }
    /// ```
    pub async fn stop(&mut self) {
        poll_fn(|cx| self.core.poll_stop_inner(cx)).await;
    }

    /// Returns `true` once the sequence has ended: exhausted, stopped, or
    /// its producer panicked. `next` then returns `None` at once, and
    /// dropping the handle does nothing more.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull_local, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull_local(seq::once(1));
    /// assert!(!p.is_done());
    /// assert_eq!(p.next().await, Some(1));
    /// assert_eq!(p.next().await, None);
    /// assert!(p.is_done());
    /// # }
    /// ```
    pub fn is_done(&self) -> bool {
        self.core.is_done()
    }

    /// Returns a reference to the next element without taking it; the
    /// element waits in the handle for the next `next`. See
    /// [`Pull::peek`](crate::Pull::peek).
    ///
    /// # Panics
    ///
    /// A panic in the producer unwinds out of this call; the handle is then
    /// done.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `peek` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is guaranteed
    /// that no element was lost; the next `peek` or `next` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull_local, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull_local(seq::iter([7]));
    /// assert_eq!(p.peek().await, Some(&7));
    /// assert_eq!(p.next().await, Some(7));
    /// assert_eq!(p.peek().await, None);
    /// # }
    /// ```
    pub async fn peek(&mut self) -> Option<&T> {
        poll_fn(|cx| self.core.poll_peek(cx)).await;
        self.core.peeked()
    }

    /// Takes the next element only if `f` returns `true` for it; otherwise
    /// the element stays in the handle. See
    /// [`Pull::next_if`](crate::Pull::next_if).
    ///
    /// # Panics
    ///
    /// A panic in the producer unwinds out of this call; the handle is then
    /// done.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `next_if` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is guaranteed
    /// that no element was lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull_local, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull_local(seq::iter([1, 2, 30, 4]));
    /// let mut small = Vec::new();
    /// while let Some(x) = p.next_if(|x| *x < 10).await {
    ///     small.push(x);
    /// }
    /// assert_eq!(small, [1, 2]);
    /// assert_eq!(p.next().await, Some(30));
    /// # }
    /// ```
    pub async fn next_if(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        poll_fn(|cx| self.core.poll_peek(cx)).await;
        self.core.take_peeked_if(f)
    }

    /// Turns the handle into a [`Seq`]; see
    /// [`Pull::into_seq`](crate::Pull::into_seq).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull_local, seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let p = pull_local(seq::iter(1..=4));
    /// assert_eq!(p.into_seq().filter(|x| x % 2 == 0).collect::<Vec<_>>().await, [2, 4]);
    /// # }
    /// ```
    pub fn into_seq(self) -> PullSeq<Self> {
        PullSeq::new(self)
    }
}

impl<T> Seq for PullSeq<LocalPull<'_, T>> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().handle.core.poll_next_item(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().handle.core.poll_stop_inner(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.handle.core.size_hint_inner()
    }
}

impl<T> Stream for LocalPull<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().core.poll_next_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.core.size_hint_inner()
    }
}

impl<T> FusedStream for LocalPull<'_, T> {
    fn is_terminated(&self) -> bool {
        self.is_done()
    }
}

impl<T> Drop for LocalPull<'_, T> {
    fn drop(&mut self) {
        if let Some(mut seq) = self.core.take_started() {
            // Whatever the cleanup has not finished in this one poll is
            // dropped with the sequence at the end of this scope.
            finish_inline(|cx| seq.as_mut().poll_stop(cx));
        }
    }
}

impl<T> fmt::Debug for LocalPull<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalPull")
            .field("is_done", &self.is_done())
            .field("is_started", &self.core.is_started())
            .finish()
    }
}

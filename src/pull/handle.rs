//! [`Pull`] and [`Pull2`]: the handles returned by [`pull`](super::pull) and
//! [`pull2`](super::pull2).

use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};
use tokio::runtime::Handle;

use super::PullSeq;
use super::core::{Core, finish_inline};
use crate::Seq;

// ===== the pulled sequence =====

/// The sequence behind a [`Pull`], with its type erased.
///
/// `dyn Seq<Item = T> + 'static` would do for polling, but handing it to
/// [`Handle::spawn`] from `Drop` would require `T: 'static`, a bound every
/// user of `Pull<T>` would have to repeat. The concrete sequence is known
/// to be `'static` when the handle is built, so the spawning is done there,
/// behind this trait.
trait Source<T>: Seq<Item = T> + Send {
    /// Stops the producer and drives it to its return, inline if its cleanup
    /// does not wait, on a task of `handle` otherwise.
    fn finish_in_background(self: Pin<Box<Self>>, handle: &Handle);
}

impl<S: Seq + Send + 'static> Source<S::Item> for S {
    fn finish_in_background(mut self: Pin<Box<Self>>, handle: &Handle) {
        let finished = finish_inline(|cx| {
            // The runtime's context, so that timers or I/O created by the
            // cleanup work even when the handle is dropped off the runtime.
            // (Entering panics only while the thread's locals are being
            // destroyed; `finish_inline` catches that too.)
            let _entered = handle.enter();
            self.as_mut().poll_stop(cx)
        });
        if finished {
            // The common case: the cleanup did not wait. Nothing spawned.
            return;
        }
        // The cleanup waits. A future re-registers its waker on every poll,
        // so it may move to a task of its own: that task polls it again with
        // its own waker, and ends when the producer returns.
        drop(handle.spawn(poll_fn(move |cx| self.as_mut().poll_stop(cx))));
    }
}

// ===== impl Pull =====

/// Pull handle returned by [`pull`](crate::pull()) and
/// [`pull_on`](crate::pull_on): Go's `iter.Pull`.
///
/// [`next`](Pull::next) asks the producer for one element;
/// [`stop`](Pull::stop) tells it the consumer is done. The producer runs on
/// the task that calls `next` or `stop`, while that call waits, like the
/// coroutine of Go's `iter.Pull`: it sees that task's task-locals and
/// runtime context, and never runs ahead of the consumer (put
/// `prefetch` in front of `pull` for run-ahead).
///
/// # Contract
///
/// 1. **Rendezvous.** The producer runs only while the consumer waits in
///    `next()`: at most one element is produced per `next()`.
/// 2. **Fused.** `next()` after exhaustion, after `stop()`, or after a
///    producer panic returns `None`, forever.
/// 3. **Stop.** `stop()` may be called any number of times, before any
///    `next()` (the producer then never starts), or after exhaustion. It
///    makes the producer's pending `yield_` return `false`, waits for the
///    producer to return (its async cleanup included), and resumes its
///    panic. A producer that waits elsewhere than `yield_` or
///    [`until_stopped`](crate::Yield::until_stopped) (a cancelled `next()`
///    left it in a hung read, say) cannot hear the stop: it is dropped at
///    once (its `Drop` cleanup runs), and `stop()` completes.
/// 4. **Drop stops in the background.** Dropping a `Pull` whose producer is
///    running stops it by the same rule: a producer that hears the stop
///    finishes its cleanup; one waiting elsewhere is dropped. A cleanup that
///    completes without waiting runs inside `drop`, also while the thread
///    is unwinding from a panic; a cleanup that waits is finished by a task
///    of the `Pull`'s runtime, which then ends. A `Pull` that never started,
///    or whose producer returned or was dropped, spawns nothing; no task
///    outlives its producer. **If the runtime shuts down before that task
///    has finished** (a `Pull` dropped at the end of `main`), the task is
///    dropped with the runtime and the rest of the cleanup does not run:
///    call `stop().await` before leaving `main` for a cleanup that must
///    finish; the producer's `Drop` cleanup still runs.
/// 5. **Cancel safe.** If a `next()` future is dropped before it completes
///    (the losing branch of `tokio::select!`), no element is lost: an
///    element leaves the producer only in the poll that returns it, and
///    the next `next()` resumes the producer where it paused.
/// 6. **A stream.** `Pull<T>` implements [`Stream`] and [`FusedStream`],
///    and not [`Seq`]: with `futures::StreamExt` in scope, `p.map(..)`,
///    `p.take(2)` or `p.collect()` are `StreamExt`'s, never ambiguous.
///    [`into_seq`](Pull::into_seq) turns it back into a `Seq`. It is
///    `Send` exactly when `T` is, and always `Unpin`.
/// 7. **Runtime.** [`pull`](crate::pull()) called outside a tokio runtime
///    panics with a message that says so and names
///    [`pull_on`](crate::pull_on), which takes the runtime's handle.
///
/// Panics in the producer unwind out of `next()` or `stop()`, as the
/// [protocol](Seq#protocol) of every sequence says; the handle is then done. A panic in the cleanup of a
/// dropped handle is reported by the panic hook and goes no further, as in
/// a detached task; call `stop()` to observe it.
///
/// Protocol code that looks before it takes has [`peek`](Pull::peek) and
/// [`next_if`](Pull::next_if), both cancel safe.
///
/// # Examples
///
/// Two sources interleaved, the classic reason to pull:
///
/// ```
/// use seqflow::{pull, seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut odd = pull(seq::iter([1, 3, 5]));
/// let mut even = pull(seq::iter([2, 4, 6]));
/// let mut both = Vec::new();
/// while let (Some(a), Some(b)) = (odd.next().await, even.next().await) {
///     both.extend([a, b]);
/// }
/// assert_eq!(both, [1, 2, 3, 4, 5, 6]);
/// # }
/// ```
#[must_use = "a `Pull` does nothing unless `next` is called"]
pub struct Pull<T> {
    core: Core<dyn Source<T>>,
    /// The runtime that finishes a dropped handle.
    handle: Handle,
    /// `Send` exactly when `T` is: the handle keeps the right to hold an
    /// element (`peek` keeps one in the core), whatever the erased sequence is.
    _item: PhantomData<T>,
}

// The sequence is boxed and never pinned in place.
impl<T> Unpin for Pull<T> {}

impl<T> Pull<T> {
    pub(crate) fn new<S>(handle: Handle, seq: S) -> Self
    where
        S: Seq<Item = T> + Send + 'static,
    {
        Pull {
            core: Core::new(Box::pin(seq)),
            handle,
            _item: PhantomData,
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
    /// use seqflow::{pull, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull(seq::iter(["one"]));
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
    /// `next` call finishes it (dropping the handle finishes it in the
    /// background).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::{pull, seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let closed = Arc::new(Mutex::new(false));
    /// let c = closed.clone();
    /// let mut rows = pull(seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     let mut row = 0;
    ///     while y.yield_(row).await {
    ///         row += 1;
    ///     }
    ///     tokio::task::yield_now().await; // async cleanup, e.g. `conn.close().await`
    ///     *c.lock().unwrap() = true;
    /// }));
    /// assert_eq!(rows.next().await, Some(0));
    /// rows.stop().await;
    /// assert!(*closed.lock().unwrap(), "stop waits for the cleanup");
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
    /// use seqflow::{pull, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull(seq::once(1));
    /// assert!(!p.is_done());
    /// assert_eq!(p.next().await, Some(1));
    /// assert!(!p.is_done()); // the producer has not returned yet
    /// assert_eq!(p.next().await, None);
    /// assert!(p.is_done());
    /// # }
    /// ```
    pub fn is_done(&self) -> bool {
        self.core.is_done()
    }

    /// Returns a reference to the next element without taking it: the
    /// producer runs until it yields, and the element waits in the handle
    /// for the next [`next`](Pull::next) (or `peek`, which returns it
    /// again). `None` once the sequence has ended.
    ///
    /// Like [`std::iter::Peekable::peek`], for protocol code that decides
    /// by the next element whether to take it: a header line, a frame
    /// type. A peeked element counts in the size hint, and a
    /// [`stop`](Pull::stop) drops it undelivered.
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
    /// that no element was lost: an element the producer yielded stays in
    /// the handle, and the next `peek` or `next` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull(seq::iter(["HELO", "DATA"]));
    /// assert_eq!(p.peek().await, Some(&"HELO"));
    /// assert_eq!(p.peek().await, Some(&"HELO")); // still there
    /// assert_eq!(p.next().await, Some("HELO"));
    /// assert_eq!(p.next().await, Some("DATA"));
    /// assert_eq!(p.peek().await, None);
    /// # }
    /// ```
    pub async fn peek(&mut self) -> Option<&T> {
        poll_fn(|cx| self.core.poll_peek(cx)).await;
        self.core.peeked()
    }

    /// Takes the next element only if `f` returns `true` for it; otherwise
    /// the element stays in the handle for the next call, as after
    /// [`peek`](Pull::peek). `None` when `f` refused or the sequence has
    /// ended.
    ///
    /// Like [`std::iter::Peekable::next_if`]: `while let Some(h) =
    /// p.next_if(is_header).await { .. }` takes a run of elements and
    /// leaves the first one after it.
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
    /// that no element was lost: an element the producer yielded stays in
    /// the handle, and the next call returns it (`f` is called only when
    /// the element is there, in the poll that completes).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut lines = pull(seq::iter(["Host: a", "Accept: b", "", "body"]));
    /// let mut headers = Vec::new();
    /// while let Some(h) = lines.next_if(|l| !l.is_empty()).await {
    ///     headers.push(h);
    /// }
    /// assert_eq!(headers, ["Host: a", "Accept: b"]);
    /// assert_eq!(lines.next().await, Some("")); // left in the handle
    /// # }
    /// ```
    pub async fn next_if(&mut self, f: impl FnOnce(&T) -> bool) -> Option<T> {
        poll_fn(|cx| self.core.poll_peek(cx)).await;
        self.core.take_peeked_if(f)
    }

    /// Turns the handle into a [`Seq`], for the adapters of `Seq` (a `Pull`
    /// is a [`Stream`] only, so that `futures::StreamExt` calls on it are
    /// never ambiguous).
    ///
    /// The sequence yields the handle's elements, a peeked one first;
    /// stopping it stops the producer and waits for its cleanup, as
    /// [`stop`](Pull::stop) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull, seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull(seq::iter(1..=5));
    /// assert_eq!(p.next().await, Some(1));
    /// let rest: Vec<_> = p.into_seq().take(2).collect().await;
    /// assert_eq!(rest, [2, 3]);
    /// # }
    /// ```
    pub fn into_seq(self) -> PullSeq<Self> {
        PullSeq::new(self)
    }
}

impl<T> Seq for PullSeq<Pull<T>> {
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

impl<T> Stream for Pull<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().core.poll_next_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.core.size_hint_inner()
    }
}

impl<T> FusedStream for Pull<T> {
    fn is_terminated(&self) -> bool {
        self.is_done()
    }
}

impl<T> Drop for Pull<T> {
    fn drop(&mut self) {
        if let Some(seq) = self.core.take_started() {
            seq.finish_in_background(&self.handle);
        }
    }
}

impl<T> fmt::Debug for Pull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pull")
            .field("is_done", &self.is_done())
            .field("is_started", &self.core.is_started())
            .finish()
    }
}

// ===== impl Pull2 =====

/// Pull handle returned by [`pull2`](crate::pull2) and
/// [`pull2_on`](crate::pull2_on): Go's `iter.Pull2`.
///
/// A [`Pull`] of pairs whose [`next`](Pull2::next) returns `Option<(K, V)>`;
/// the whole contract of [`Pull`] applies.
///
/// # Examples
///
/// ```
/// use seqflow::{pull2, seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut headers = pull2(seq::from_fn(|mut y: Yield<(&str, u32)>| async move {
///     for pair in [("content-length", 42), ("max-age", 60)] {
///         if !y.yield_(pair).await {
///             return;
///         }
///     }
/// }));
/// assert_eq!(headers.next().await, Some(("content-length", 42)));
/// headers.stop().await;
/// assert_eq!(headers.next().await, None);
/// # }
/// ```
#[must_use = "a `Pull2` does nothing unless `next` is called"]
pub struct Pull2<K, V> {
    inner: Pull<(K, V)>,
}

impl<K, V> Pull2<K, V> {
    pub(crate) fn new(inner: Pull<(K, V)>) -> Self {
        Pull2 { inner }
    }

    /// Runs the producer until it yields its next pair; `None` once it has
    /// returned, been stopped, or panicked, and forever after.
    ///
    /// See [`Pull::next`].
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
    /// use seqflow::{pull2, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull2(seq::iter([(1, 'a')]));
    /// assert_eq!(p.next().await, Some((1, 'a')));
    /// assert_eq!(p.next().await, None);
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<(K, V)> {
        self.inner.next().await
    }

    /// Stops the producer and waits for it to return; idempotent.
    ///
    /// See [`Pull::stop`].
    ///
    /// # Panics
    ///
    /// A panic in the producer's cleanup unwinds out of this call; the
    /// handle is then done.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `stop` is used as a branch in
    /// `tokio::select!` and another branch completes first, the stop stays
    /// requested: no pair is delivered any more, and the next `stop` or
    /// `next` call finishes it (dropping the handle finishes it in the
    /// background).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull2, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull2(seq::iter([(1, 'a'), (2, 'b')]));
    /// p.stop().await;
    /// p.stop().await;
    /// assert_eq!(p.next().await, None);
    /// # }
    /// ```
    pub async fn stop(&mut self) {
        self.inner.stop().await;
    }

    /// Returns `true` once the sequence has ended; see [`Pull::is_done`].
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull2, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull2(seq::empty::<(u8, u8)>());
    /// assert!(!p.is_done());
    /// assert_eq!(p.next().await, None);
    /// assert!(p.is_done());
    /// # }
    /// ```
    pub fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// Returns references to the next pair without taking it; see
    /// [`Pull::peek`].
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
    /// that no pair was lost; the next `peek` or `next` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull2, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull2(seq::iter([("len", 3)]));
    /// assert_eq!(p.peek().await, Some((&"len", &3)));
    /// assert_eq!(p.next().await, Some(("len", 3)));
    /// assert_eq!(p.peek().await, None);
    /// # }
    /// ```
    pub async fn peek(&mut self) -> Option<(&K, &V)> {
        self.inner.peek().await.map(|(k, v)| (k, v))
    }

    /// Takes the next pair only if `f` returns `true` for it; otherwise the
    /// pair stays in the handle. See [`Pull::next_if`].
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
    /// that no pair was lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull2, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut p = pull2(seq::iter([("a", 1), ("b", 20)]));
    /// assert_eq!(p.next_if(|_, v| *v < 10).await, Some(("a", 1)));
    /// assert_eq!(p.next_if(|_, v| *v < 10).await, None);
    /// assert_eq!(p.next().await, Some(("b", 20)));
    /// # }
    /// ```
    pub async fn next_if(&mut self, f: impl FnOnce(&K, &V) -> bool) -> Option<(K, V)> {
        self.inner.next_if(|(k, v)| f(k, v)).await
    }

    /// Turns the handle into a [`Seq`] of pairs; see [`Pull::into_seq`].
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull2, seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let p = pull2(seq::iter([("a", 1), ("b", 2)]));
    /// let keys: Vec<_> = p.into_seq().keys().collect().await;
    /// assert_eq!(keys, ["a", "b"]);
    /// # }
    /// ```
    pub fn into_seq(self) -> PullSeq<Self> {
        PullSeq::new(self)
    }
}

impl<K, V> Seq for PullSeq<Pull2<K, V>> {
    type Item = (K, V);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(K, V)>> {
        self.get_mut().handle.inner.core.poll_next_item(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().handle.inner.core.poll_stop_inner(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.handle.inner.core.size_hint_inner()
    }
}

impl<K, V> Stream for Pull2<K, V> {
    type Item = (K, V);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(K, V)>> {
        self.get_mut().inner.core.poll_next_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.core.size_hint_inner()
    }
}

impl<K, V> FusedStream for Pull2<K, V> {
    fn is_terminated(&self) -> bool {
        self.inner.is_done()
    }
}

impl<K, V> fmt::Debug for Pull2<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pull2")
            .field("is_done", &self.inner.is_done())
            .field("is_started", &self.inner.core.is_started())
            .finish()
    }
}

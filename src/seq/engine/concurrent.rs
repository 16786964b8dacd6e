//! The engine behind [`Seq::map_concurrent`] and [`Seq::map_unordered`]:
//! keep up to `limit` futures made from the source's elements in flight,
//! polled inline on the consumer's task, and deliver their outputs in the
//! order of the queue (`FuturesOrdered` or `FuturesUnordered`). The two
//! public types are thin wrappers whose shared code
//! `delegate_concurrent!` writes.
//!
//! No task is spawned here, nor in `merge` and `merge_all`: everything they
//! run is polled inline on the consumer's task, so they cannot leak a task
//! and need neither a runtime nor `Send`. The price is that the futures in
//! flight progress only while the consumer polls (futures-rs issue 2387,
//! "Barbara battles buffered streams"); `tests/seq_concurrent_progress.rs`
//! shows it, and that `.prefetch(k)` after the adapter lifts it.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::StreamExt;
use futures_util::stream::{FuturesOrdered, FuturesUnordered};
use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

/// The set of futures in flight; its `poll_next` decides the output order.
pub(crate) trait InFlight<Fut: Future>: Default + Unpin {
    fn push(&mut self, fut: Fut);
    fn len(&self) -> usize;
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>>;
}

/// Outputs in the order the futures were pushed.
impl<Fut: Future> InFlight<Fut> for FuturesOrdered<Guarded<Fut>> {
    fn push(&mut self, fut: Fut) {
        self.push_back(Guarded::new(fut));
    }

    fn len(&self) -> usize {
        FuturesOrdered::len(self)
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.poll_next_unpin(cx)
    }
}

/// Outputs in the order the futures complete.
impl<Fut: Future> InFlight<Fut> for FuturesUnordered<Guarded<Fut>> {
    fn push(&mut self, fut: Fut) {
        FuturesUnordered::push(self, Guarded::new(fut));
    }

    fn len(&self) -> usize {
        FuturesUnordered::len(self)
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.poll_next_unpin(cx)
    }
}

pin_project! {
    /// A future in flight. Its drop never unwinds into the queue: a panic
    /// of the future's `Drop` is handed to the [`drop_queue`] that is
    /// dropping it, which resumes it once every other future has been
    /// dropped too. (futures-util's queues stop releasing their futures at
    /// the first drop that panics, and leak the rest.)
    pub(crate) struct Guarded<Fut> {
        #[pin]
        fut: Option<Fut>,
    }

    impl<Fut> PinnedDrop for Guarded<Fut> {
        fn drop(this: Pin<&mut Self>) {
            let mut fut = this.project().fut;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| fut.set(None))) {
                // Inside `drop_queue`: keep the first panic for it.
                // Dropped elsewhere (a completed future, by its queue): as
                // any panic.
                let mut panic = Some(panic);
                let _ = DROP_PANIC.try_with(|slot| {
                    if let Some(first) = &mut *slot.borrow_mut() {
                        // Later panics are dropped: the first one is resumed.
                        let this = panic.take();
                        if first.is_none() {
                            *first = this;
                        }
                    }
                });
                let unkept = panic;
                if let Some(panic) = unkept {
                    resume_unwind(panic);
                }
            }
        }
    }
}

impl<Fut> Guarded<Fut> {
    fn new(fut: Fut) -> Self {
        Guarded { fut: Some(fut) }
    }
}

impl<Fut: Future> Future for Guarded<Fut> {
    type Output = Fut::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Fut::Output> {
        self.project()
            .fut
            .as_pin_mut()
            .expect("a future in flight is polled until it completes, not after")
            .poll(cx)
    }
}

type Panic = Box<dyn Any + Send + 'static>;

thread_local! {
    /// `Some` while a [`drop_queue`] runs on this thread: the first panic of
    /// a future's `Drop` during it.
    static DROP_PANIC: RefCell<Option<Option<Panic>>> = const { RefCell::new(None) };
}

/// The queue of futures in flight; dropped through [`drop_queue`], so that
/// a panicking `Drop` of one future leaks none of the others.
pub(crate) struct Queue<Q>(Option<Q>);

impl<Q> Queue<Q> {
    pub(crate) fn new(queue: Q) -> Self {
        Queue(Some(queue))
    }

    pub(crate) fn get(&self) -> &Q {
        self.0.as_ref().expect("the queue is taken only by drop")
    }

    pub(crate) fn get_mut(&mut self) -> &mut Q {
        self.0.as_mut().expect("the queue is taken only by drop")
    }

    /// Drops the futures in flight, every one of them, then resumes the
    /// first panic of their `Drop`s, if any.
    pub(crate) fn clear(&mut self, empty: Q) {
        let full = std::mem::replace(self.get_mut(), empty);
        if let Some(panic) = drop_queue(full) {
            resume_unwind(panic);
        }
    }
}

impl<Q> Drop for Queue<Q> {
    fn drop(&mut self) {
        if let Some(panic) = self.0.take().and_then(drop_queue) {
            // Never a panic while unwinding: that would abort.
            if !std::thread::panicking() {
                resume_unwind(panic);
            }
        }
    }
}

/// Drops a queue of futures in flight, every one of them even if some
/// `Drop` panics, and returns the first such panic.
fn drop_queue<Q>(queue: Q) -> Option<Panic> {
    // Nested calls (a future in flight that owns another queue) each
    // collect their own. Without the thread-local (a thread exiting), the
    // queue is dropped as it is.
    let Ok(outer) = DROP_PANIC.try_with(|slot| slot.borrow_mut().replace(None)) else {
        drop(queue);
        return None;
    };
    drop(queue);
    DROP_PANIC
        .try_with(|slot| std::mem::replace(&mut *slot.borrow_mut(), outer))
        .ok()
        .flatten()
        .flatten()
}

pin_project! {
    pub(crate) struct Concurrent<S, F, Q> {
        #[pin]
        seq: S,
        f: F,
        in_flight: Queue<Q>,
        limit: usize,
        // The source has returned `None` or finished its stop.
        seq_done: bool,
        // The consumer stopped.
        stopping: bool,
    }
}

impl<S, F, Q: Default> Concurrent<S, F, Q> {
    pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
        debug_assert!(limit > 0);
        Concurrent {
            seq,
            f,
            in_flight: Queue(Some(Q::default())),
            limit,
            seq_done: false,
            stopping: false,
        }
    }

    pub(crate) fn seq(&self) -> &S {
        &self.seq
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn queue(&self) -> &Q {
        self.in_flight.get()
    }
}

impl<S, F, Fut, Q> Concurrent<S, F, Q>
where
    S: Seq,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
    Q: InFlight<Fut>,
{
    pub(crate) fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Fut::Output>> {
        if self.stopping {
            ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let mut this = self.project();
        // Fill the free slots: ask the source only while one is free.
        let in_flight = this.in_flight.get_mut();
        while !*this.seq_done && in_flight.len() < *this.limit {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => in_flight.push((this.f)(item)),
                Poll::Ready(None) => *this.seq_done = true,
                Poll::Pending => break,
            }
        }
        match in_flight.poll_next(cx) {
            Poll::Ready(Some(out)) => Poll::Ready(Some(out)),
            // Nothing in flight: the source has ended, or it is pending (it
            // left a free slot) and will wake the task.
            Poll::Ready(None) if *this.seq_done => Poll::Ready(None),
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    /// Drops the futures in flight, then stops the source.
    pub(crate) fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.stopping = true;
        if this.in_flight.get().len() > 0 {
            this.in_flight.clear(Q::default());
        }
        if !*this.seq_done {
            ready!(this.seq.as_mut().poll_stop(cx));
            *this.seq_done = true;
        }
        Poll::Ready(())
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let source = if self.seq_done {
            (0, Some(0))
        } else {
            self.seq.size_hint()
        };
        size_hint::add_scalar(source, self.in_flight.get().len())
    }
}

/// Writes what a public wrapper around the engine shares with the other:
/// `new`, a `Seq` impl that delegates to its `inner: Concurrent<S, F, Q>`
/// field (as futures-util's `delegate_*` macros do), and a `Debug` impl
/// under the wrapper's own name. The struct itself, with its docs and its
/// queue type, stays in the wrapper's file.
macro_rules! delegate_concurrent {
    ($name:ident) => {
        impl<S, F, Fut: ::core::future::Future> $name<S, F, Fut> {
            /// `limit` is checked by the `Seq` method that builds it.
            pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
                $name {
                    inner: $crate::seq::engine::concurrent::Concurrent::new(seq, limit, f),
                }
            }
        }

        impl<S, F, Fut> $crate::seq::Seq for $name<S, F, Fut>
        where
            S: $crate::seq::Seq,
            F: FnMut(S::Item) -> Fut,
            Fut: ::core::future::Future,
        {
            type Item = Fut::Output;

            fn poll_next(
                self: ::core::pin::Pin<&mut Self>,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<Option<Fut::Output>> {
                self.project().inner.poll_next(cx)
            }

            fn poll_stop(
                self: ::core::pin::Pin<&mut Self>,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<()> {
                self.project().inner.poll_stop(cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<S, F, Fut> ::core::fmt::Debug for $name<S, F, Fut>
        where
            S: ::core::fmt::Debug,
            Fut: ::core::future::Future,
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("seq", self.inner.seq())
                    .field("limit", &self.inner.limit())
                    .field("in_flight", &self.inner.queue().len())
                    .finish()
            }
        }
    };
}

pub(crate) use delegate_concurrent;

//! The engine behind [`Seq::map_concurrent`] and [`Seq::map_unordered`]:
//! keep up to `limit` futures made from the source's elements in flight,
//! polled inline on the consumer's task, and deliver their outputs in the
//! order of the queue (`FuturesOrdered` or `FuturesUnordered`). The two
//! public types are thin wrappers whose shared code
//! `delegate_concurrent!` writes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::StreamExt;
use futures_util::stream::{FuturesOrdered, FuturesUnordered};
use pin_project_lite::pin_project;

use super::Seq;
use crate::size_hint;

/// The set of futures in flight; its `poll_next` decides the output order.
pub(crate) trait InFlight<Fut: Future>: Default + Unpin {
    fn push(&mut self, fut: Fut);
    fn len(&self) -> usize;
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>>;
}

/// Outputs in the order the futures were pushed.
impl<Fut: Future> InFlight<Fut> for FuturesOrdered<Fut> {
    fn push(&mut self, fut: Fut) {
        self.push_back(fut);
    }

    fn len(&self) -> usize {
        FuturesOrdered::len(self)
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.poll_next_unpin(cx)
    }
}

/// Outputs in the order the futures complete.
impl<Fut: Future> InFlight<Fut> for FuturesUnordered<Fut> {
    fn push(&mut self, fut: Fut) {
        FuturesUnordered::push(self, fut);
    }

    fn len(&self) -> usize {
        FuturesUnordered::len(self)
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.poll_next_unpin(cx)
    }
}

pin_project! {
    pub(crate) struct Concurrent<S, F, Q> {
        #[pin]
        seq: S,
        f: F,
        in_flight: Q,
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
            in_flight: Q::default(),
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
        &self.in_flight
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
        while !*this.seq_done && this.in_flight.len() < *this.limit {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => this.in_flight.push((this.f)(item)),
                Poll::Ready(None) => *this.seq_done = true,
                Poll::Pending => break,
            }
        }
        match this.in_flight.poll_next(cx) {
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
        if this.in_flight.len() > 0 {
            *this.in_flight = Q::default();
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
        size_hint::add_scalar(source, self.in_flight.len())
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
                    inner: $crate::seq::concurrent::Concurrent::new(seq, limit, f),
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

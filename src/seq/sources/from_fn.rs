//! [`from_fn`]: a sequence from an async producer closure.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::Yield;
use crate::seq::Seq;
use crate::seq::engine::producer::{Producer, Step};

/// Creates a sequence from an async producer: Go's `func(yield func(T) bool)`.
///
/// `f` receives a [`Yield`] and calls `y.yield_(v).await` once per element.
/// The call resolves to `false` once the consumer has stopped; the producer
/// should then clean up and return, and the consumer waits for that return
/// (see the protocol on [`Seq`] and [`Yield`]). The producer is started on
/// the first demand for an element, never before.
///
/// `f` is `FnOnce`: each value is one run. A sequence whose closure is
/// `Clone` is `Clone`; clone it before consuming it to run the producer
/// again.
///
/// # Panics
///
/// Cloning a `FromFn` whose producer has already started panics: the
/// closure was consumed by its run.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let countdown = seq::from_fn(|mut y: Yield<u32>| async move {
///     for i in (1..=3).rev() {
///         if !y.yield_(i).await {
///             return;
///         }
///     }
/// });
/// assert_eq!(countdown.clone().collect::<Vec<_>>().await, [3, 2, 1]);
/// assert_eq!(countdown.count().await, 3); // a clone runs afresh
/// # }
/// ```
#[doc(alias = "stream!", alias = "async_stream", alias = "generator")]
pub fn from_fn<T, F, Fut>(f: F) -> FromFn<T, F, Fut>
where
    F: FnOnce(Yield<T>) -> Fut,
    Fut: Future<Output = ()>,
{
    FromFn {
        producer: Producer::new(f),
    }
}

pin_project! {
    /// Sequence returned by [`from_fn`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct FromFn<T, F, Fut: Future> {
        #[pin]
        producer: Producer<T, F, Fut>,
    }
}

impl<T, F, Fut> Seq for FromFn<T, F, Fut>
where
    F: FnOnce(Yield<T>) -> Fut,
    Fut: Future<Output = ()>,
{
    type Item = T;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.project()
            .producer
            .poll_step(cx)
            .map(|step| match step {
                Step::Item(item) => Some(item),
                Step::Returned(()) | Step::Finished => None,
            })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().producer.poll_stop(cx).map(drop)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.producer.size_hint()
    }
}

impl<T, F: Clone, Fut: Future> Clone for FromFn<T, F, Fut> {
    fn clone(&self) -> Self {
        FromFn {
            producer: self.producer.clone(),
        }
    }
}

impl<T, F, Fut: Future> fmt::Debug for FromFn<T, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.producer.fmt_as("FromFn", f)
    }
}

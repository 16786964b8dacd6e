//! [`try_from_fn`]: a fallible sequence from an async producer closure.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::Yield;
use crate::seq::Seq;
use crate::seq::engine::producer::{Producer, Step};

/// Creates a fallible sequence from an async producer that may fail: Go's
/// `iter.Seq2[T, error]`.
///
/// The producer yields plain `T`s, which arrive as `Ok(t)`, and returns
/// `Result<(), E>`, so `?` works inside it. An `Err(e)` it returns becomes
/// the last element, `Err(e)`. Everything else is as for
/// [`from_fn`](crate::seq::from_fn): cold start, `yield_` resolves to `false` once
/// the consumer stops, cleanup runs before the consumer finishes.
///
/// An error returned after the consumer stopped has no one to go to and is
/// dropped.
///
/// # Panics
///
/// Cloning a `TryFromFn` whose producer has already started panics: the
/// closure was consumed by its run.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq, Yield};
///
/// #[derive(Debug, PartialEq)]
/// struct BadLine(usize);
///
/// fn parse(text: &'static str) -> impl Seq<Item = Result<u32, BadLine>> {
///     seq::try_from_fn(move |mut y: Yield<u32>| async move {
///         for (no, line) in text.lines().enumerate() {
///             let n = line.trim().parse().map_err(|_| BadLine(no + 1))?;
///             if !y.yield_(n).await {
///                 break;
///             }
///         }
///         Ok(())
///     })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(parse("1\n2").try_collect::<Vec<_>>().await, Ok(vec![1, 2]));
/// assert_eq!(parse("1\nx\n3").collect::<Vec<_>>().await, [Ok(1), Err(BadLine(2))]);
/// # }
/// ```
#[doc(alias = "try_stream!")]
pub fn try_from_fn<T, E, F, Fut>(f: F) -> TryFromFn<T, F, Fut>
where
    F: FnOnce(Yield<T>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    TryFromFn {
        producer: Producer::new(f),
    }
}

pin_project! {
    /// Sequence returned by [`try_from_fn`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryFromFn<T, F, Fut: Future> {
        #[pin]
        producer: Producer<T, F, Fut>,
    }
}

impl<T, E, F, Fut> Seq for TryFromFn<T, F, Fut>
where
    F: FnOnce(Yield<T>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    type Item = Result<T, E>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        self.project()
            .producer
            .poll_step(cx)
            .map(|step| match step {
                Step::Item(item) => Some(Ok(item)),
                Step::Returned(Err(e)) => Some(Err(e)),
                Step::Returned(Ok(())) | Step::Finished => None,
            })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().producer.poll_stop(cx).map(drop)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.producer.size_hint()
    }
}

impl<T, F: Clone, Fut: Future> Clone for TryFromFn<T, F, Fut> {
    fn clone(&self) -> Self {
        TryFromFn {
            producer: self.producer.clone(),
        }
    }
}

impl<T, F, Fut: Future> fmt::Debug for TryFromFn<T, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.producer.fmt_as("TryFromFn", f)
    }
}

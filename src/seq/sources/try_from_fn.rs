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
/// An error returned after the consumer stopped (a cleanup that failed
/// after a stop, say) is not delivered: no element follows a stop. It is
/// dropped, and the `tracing` feature logs it as a `debug` event; handle it
/// inside the producer if it matters.
///
/// Where the producer waits when its consumer stops decides what happens to
/// it, as for `from_fn` (its "Stopping and cleanup" table): wrap a read that
/// may stall in [`Yield::until_stopped`], and cleanup that must finish in
/// [`Yield::shield`].
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

    // `always`: as for `FromFn::poll_next`.
    #[inline(always)]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        self.project()
            .producer
            .poll_step(cx)
            .map(|step| match step {
                Step::Item(item) => Some(Ok(item)),
                Step::Returned(Err(e)) => Some(Err(e)),
                Step::Returned(Ok(())) | Step::Finished => None,
                Step::Stopped(ret) => {
                    after_stop(ret);
                    None
                }
            })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().producer.poll_stop(cx).map(after_stop)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.producer.size_hint()
    }
}

/// The producer's result once its consumer has stopped: never an element
/// (no element follows a stop). An error there, from a cleanup that
/// failed, is dropped; the `tracing` feature logs it.
fn after_stop<E>(ret: Option<Result<(), E>>) {
    if let Some(Err(e)) = ret {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "seqflow",
            error_type = std::any::type_name::<E>(),
            "a fallible producer returned an error after its consumer stopped; it is dropped"
        );
        drop(e);
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

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
/// # Stopping and cleanup
///
/// What happens to the producer when its consumer stops depends on where
/// it is waiting at that moment:
///
/// | the producer waits in | the stop |
/// |---|---|
/// | `y.yield_(v)` | resolves it to `false`; the producer cleans up and returns, and the consumer waits for that |
/// | [`y.until_stopped(read)`](Yield::until_stopped) | drops `read` and resolves to `None`; the same |
/// | [`y.shield(cleanup)`](Yield::shield) | waits for `cleanup` to finish, then looks again at where the producer waits next |
/// | anything else (a plain `read.await`, a sleep) | drops the producer there: its `Drop` cleanup runs, its async cleanup does not ([`Outcome::Abandoned`](crate::Outcome::Abandoned) tells an observer) |
///
/// So wrap a read that may stall in `until_stopped`, and cleanup that must
/// finish in `shield`, as in the second example.
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
///
/// A producer that owns a connection: a read that may stall hears the stop
/// inside `until_stopped`, and the goodbye that must be sent is shielded,
/// so it completes even when the stop comes while it is under way.
///
/// ```
/// use std::time::Duration;
/// use seqflow::{seq, Seq, Yield};
/// use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> std::io::Result<()> {
/// let (client, mut server) = tokio::io::duplex(64);
/// server.write_all(b"one\ntwo\n").await?; // then the server goes quiet
/// let lines = seq::try_from_fn(move |mut y: Yield<String>| async move {
///     let (read, mut write) = tokio::io::split(client);
///     let mut lines = BufReader::new(read).lines();
///     // a read may stall for ever: listen for a stop there
///     while let Some(line) = y.until_stopped(lines.next_line()).await {
///         let Some(line) = line? else { break };
///         if !y.yield_(line).await { break }
///     }
///     // the goodbye must go out, stop or not
///     y.shield(write.write_all(b"bye\n")).await
/// });
/// // The third line never comes: a timeout stops the producer in its read.
/// let got: Vec<_> = lines.timeout(Duration::from_secs(1)).collect().await;
/// assert_eq!(got.len(), 3); // "one", "two", then the timeout error
/// let mut reply = String::new();
/// BufReader::new(server).read_line(&mut reply).await?;
/// assert_eq!(reply, "bye\n");
/// # Ok(())
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

    // `always`: with a plain `#[inline]` LLVM kept this (with the
    // producer's body inlined into it) out of line in `for_each`'s loop, a
    // call and a return per element; inlined, P1 costs 47 instructions per
    // element instead of 61 (BENCHMARKS.md, "Equal-work: the hand-off in
    // instructions"). It has one call site per consumer.
    #[inline(always)]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.project()
            .producer
            .poll_step(cx)
            .map(|step| match step {
                Step::Item(item) => Some(item),
                Step::Returned(()) | Step::Finished | Step::Stopped(_) => None,
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

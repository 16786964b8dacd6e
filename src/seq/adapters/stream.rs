//! [`Seq::stream`]: the inline `futures::Stream` bridge.
//!
//! The type is `SeqStream`, not `Stream` as the method name would have it,
//! so that it never shadows `futures::Stream` in user code or docs.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::{FusedStream, Stream};
use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Stream returned by [`Seq::stream`].
    #[must_use = "streams do nothing unless polled"]
    pub struct SeqStream<S> {
        #[pin]
        seq: S,
        done: bool,
    }
}

impl<S> SeqStream<S> {
    pub(crate) fn new(seq: S) -> Self {
        SeqStream { seq, done: false }
    }

    /// Returns a reference to the underlying sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// let st = seq::iter([1, 2]).stream();
    /// assert_eq!(st.get_ref().size_hint(), (2, Some(2)));
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.seq
    }

    /// Consumes the stream, returning the underlying sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = seq::iter([1, 2]).stream().into_inner();
    /// assert_eq!(s.count().await, 2);
    /// # }
    /// ```
    pub fn into_inner(self) -> S {
        self.seq
    }
}

impl<S: Seq> SeqStream<S> {
    /// Stops the underlying sequence and drives its producer to its return,
    /// so that its async cleanup runs; the stream then ends.
    ///
    /// Use this before dropping a stream whose producer has async cleanup to
    /// do (dropping alone only runs `Drop` cleanup). See
    /// [`Seq::poll_stop`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::pin;
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// use futures_util::StreamExt;
    /// use seqflow::{seq, Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let flushed = Arc::new(AtomicBool::new(false));
    /// let f = flushed.clone();
    /// let mut st = pin!(seq::from_fn(move |mut y: Yield<u8>| async move {
    ///     while y.yield_(1).await {}
    ///     tokio::task::yield_now().await; // async cleanup
    ///     f.store(true, Ordering::SeqCst);
    /// })
    /// .stream());
    /// assert_eq!(st.next().await, Some(1));
    /// poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    /// assert!(flushed.load(Ordering::SeqCst));
    /// assert_eq!(st.next().await, None);
    /// # }
    /// ```
    pub fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        ready!(this.seq.poll_stop(cx));
        *this.done = true;
        Poll::Ready(())
    }
}

impl<S: Seq> Stream for SeqStream<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let next = ready!(this.seq.poll_next(cx));
        // A store on the end only: `*done = next.is_none()` wrote the flag
        // on every element (two instructions of P2's hand-off).
        if next.is_none() {
            *this.done = true;
        }
        Poll::Ready(next)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            self.seq.size_hint()
        }
    }
}

impl<S: Seq> FusedStream for SeqStream<S> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: fmt::Debug> fmt::Debug for SeqStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqStream")
            .field("seq", &self.seq)
            .field("done", &self.done)
            .finish()
    }
}

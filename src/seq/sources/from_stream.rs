//! [`from_stream`]: a sequence over any `futures::Stream`.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use pin_project_lite::pin_project;
use tokio::task::coop;

use crate::seq::Seq;

/// Creates a sequence that yields the items of a [`Stream`].
///
/// The stream is polled on the consumer's task, inline. Stopping drops the
/// stream (a stream has no async cleanup). The sequence is single-use, like
/// the stream: it is not `Clone`, and it ends at the stream's first `None`.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let s = seq::from_stream(futures_util::stream::iter([1, 2, 3]));
/// assert_eq!(s.fold(0, |a, b| a + b).await, 6);
/// # }
/// ```
pub fn from_stream<St: Stream>(stream: St) -> FromStream<St> {
    FromStream {
        stream: Some(stream),
    }
}

pin_project! {
    /// Sequence returned by [`from_stream`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct FromStream<St> {
        // `None` once ended or stopped.
        #[pin]
        stream: Option<St>,
    }
}

impl<St: Stream> Seq for FromStream<St> {
    type Item = St::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<St::Item>> {
        let mut stream = self.project().stream;
        let Some(st) = stream.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        // One unit of the task's cooperative budget per element (contract
        // 21), given back if the stream waits.
        let budget = ready!(coop::poll_proceed(cx));
        let next = ready!(st.poll_next(cx));
        budget.made_progress();
        if next.is_none() {
            stream.set(None);
        }
        Poll::Ready(next)
    }

    fn poll_stop(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.project().stream.set(None);
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.as_ref().map_or((0, Some(0)), Stream::size_hint)
    }
}

impl<St: fmt::Debug> fmt::Debug for FromStream<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromStream")
            .field("stream", &self.stream)
            .finish()
    }
}

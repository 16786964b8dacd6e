//! [`Seq::take_until`](crate::seq::Seq::take_until): the elements until a
//! future completes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::take_until`](crate::seq::Seq::take_until).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TakeUntil<S, Fut: Future> {
        #[pin]
        seq: S,
        // `None` once it completed, or once the sequence ended: no timer
        // outlives the sequence.
        #[pin]
        fut: Option<Fut>,
        // What `fut` gave, until taken.
        output: Option<Fut::Output>,
        // `fut` completed and ended the sequence.
        fired: bool,
        // `fut` completed, or the consumer stopped: the source is stopped.
        stopping: bool,
        // The source has returned (or finished its stop).
        done: bool,
    }
}

impl<S, Fut: Future> TakeUntil<S, Fut> {
    pub(crate) fn new(seq: S, fut: Fut) -> Self {
        TakeUntil {
            seq,
            fut: Some(fut),
            output: None,
            fired: false,
            stopping: false,
            done: false,
        }
    }

    /// Whether the future completed and ended the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut s = pin!(seq::iter(0..).take_until(async {}));
    /// assert!(!s.is_stopped());
    /// assert_eq!(s.as_mut().count().await, 0);
    /// assert!(s.is_stopped());
    /// # }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.fired
    }

    /// The future's output, once it completed and ended the sequence
    /// (futures' `TakeUntil::take_result`); `None` before, after it was
    /// taken, and when the sequence ended first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut s = pin!(seq::iter(0..).take_until(async { "deadline" }));
    /// assert_eq!(s.as_mut().count().await, 0);
    /// assert_eq!(s.as_mut().take_result(), Some("deadline"));
    /// assert_eq!(s.as_mut().take_result(), None);
    /// # }
    /// ```
    pub fn take_result(self: Pin<&mut Self>) -> Option<Fut::Output> {
        self.project().output.take()
    }
}

impl<S: Seq, Fut: Future> Seq for TakeUntil<S, Fut> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        if !*this.stopping {
            // The future first, as futures' `take_until`: once it has
            // completed, no element is asked for.
            if let Some(fut) = this.fut.as_mut().as_pin_mut() {
                if let Poll::Ready(out) = fut.poll(cx) {
                    this.fut.set(None);
                    *this.output = Some(out);
                    *this.fired = true;
                    *this.stopping = true;
                }
            }
        }
        if *this.stopping {
            ready!(this.seq.poll_stop(cx));
            *this.done = true;
            this.fut.set(None);
            return Poll::Ready(None);
        }
        let next = ready!(this.seq.poll_next(cx));
        if next.is_none() {
            *this.done = true;
            this.fut.set(None);
        }
        Poll::Ready(next)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.stopping = true;
        if !*this.done {
            ready!(this.seq.poll_stop(cx));
            *this.done = true;
        }
        this.fut.set(None);
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done || self.stopping {
            return (0, Some(0));
        }
        // The future may end it at any element.
        (0, self.seq.size_hint().1)
    }
}

impl<S: fmt::Debug, Fut: Future> fmt::Debug for TakeUntil<S, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeUntil")
            .field("seq", &self.seq)
            .field("fut_pending", &self.fut.is_some())
            .field("fired", &self.fired)
            .field("stopping", &self.stopping)
            .field("done", &self.done)
            .finish()
    }
}

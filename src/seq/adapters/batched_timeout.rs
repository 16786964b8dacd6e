//! [`Seq::batched_timeout`]: group elements into `Vec`s of `n`, flushing a
//! partial batch once its first element has waited long enough.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::Seq;
use crate::seq::adapters::batched::batch_capacity;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::batched_timeout`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct BatchedTimeout<S: Seq> {
        #[pin]
        seq: S,
        size: usize,
        max_wait: Duration,
        // The batch being filled; a fresh `Vec` for each batch.
        buf: Vec<S::Item>,
        // When the batch being filled must go out: its first element's
        // arrival plus `max_wait`. `None` when `buf` is empty, or when that
        // instant is too far to represent (no flush by time then).
        deadline: Option<Instant>,
        // Created the first time the source waits on a partial batch, then
        // reset for each later batch.
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<S: Seq> BatchedTimeout<S> {
    pub(crate) fn new(seq: S, size: usize, max_wait: Duration) -> Self {
        debug_assert!(size > 0, "checked by `Seq::batched_timeout`");
        BatchedTimeout {
            seq,
            size,
            max_wait,
            buf: Vec::new(),
            deadline: None,
            timer: None,
        }
    }
}

impl<S: Seq> Seq for BatchedTimeout<S> {
    type Item = Vec<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<S::Item>>> {
        let mut this = self.project();
        loop {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    if this.buf.is_empty() {
                        // The clock of this batch starts at its first element.
                        *this.deadline = Instant::now().checked_add(*this.max_wait);
                        let room = batch_capacity::<S::Item>(*this.size, this.seq.size_hint());
                        this.buf.reserve_exact(room);
                    }
                    this.buf.push(item);
                    if this.buf.len() == *this.size {
                        *this.deadline = None;
                        return Poll::Ready(Some(mem::take(this.buf)));
                    }
                }
                Poll::Ready(None) => {
                    *this.deadline = None;
                    if this.buf.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(mem::take(this.buf)));
                }
                Poll::Pending => {
                    // Nothing buffered, or no deadline: wait for the source.
                    let Some(deadline) = *this.deadline else {
                        return Poll::Pending;
                    };
                    match this.timer.as_mut().as_pin_mut() {
                        Some(timer) if timer.deadline() == deadline => {}
                        Some(timer) => timer.reset(deadline),
                        None => this.timer.set(Some(tokio::time::sleep_until(deadline))),
                    }
                    let timer = this.timer.as_mut().as_pin_mut().expect("set above");
                    ready!(timer.poll(cx));
                    *this.deadline = None;
                    return Poll::Ready(Some(mem::take(this.buf)));
                }
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // No element is delivered after a stop: drop the partial batch and
        // release the timer.
        *this.buf = Vec::new();
        *this.deadline = None;
        this.timer.set(None);
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.buf.len();
        let (lower, upper) = self.seq.size_hint();
        // At least as many batches as full ones would make; at most one per
        // element, plus the partial batch, which may go out on its own.
        let (lower, _) = size_hint::div_ceil((lower.saturating_add(buffered), None), self.size);
        let upper = upper.and_then(|u| u.checked_add(usize::from(buffered > 0)));
        (lower, upper)
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for BatchedTimeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchedTimeout")
            .field("seq", &self.seq)
            .field("size", &self.size)
            .field("max_wait", &self.max_wait)
            .field("buffered", &self.buf.len())
            .finish()
    }
}

//! [`Seq::try_batched_timeout`]: group the `Ok` values of a fallible
//! sequence into `Vec`s of `n`, flushing a partial batch once its first
//! value has waited long enough, and passing every error through.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::seq::TrySeq;
use crate::seq::adapters::batched::batch_capacity;
use crate::size_hint;

pin_project! {
    /// Sequence returned by
    /// [`Seq::try_batched_timeout`](crate::seq::Seq::try_batched_timeout).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryBatchedTimeout<S: TrySeq> {
        #[pin]
        seq: S,
        size: usize,
        max_wait: Duration,
        // The batch being filled; a fresh `Vec` for each batch.
        buf: Vec<S::Ok>,
        // An error that arrived with a partial batch: the batch went out
        // first, the error goes out next.
        error: Option<S::Error>,
        // When the batch being filled must go out: its first value's
        // arrival plus `max_wait`. `None` when `buf` is empty, or when that
        // instant is too far to represent (no flush by time then).
        deadline: Option<Instant>,
        // Created the first time the source waits on a partial batch, then
        // reset for each later batch.
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<S: TrySeq> TryBatchedTimeout<S> {
    pub(crate) fn new(seq: S, size: usize, max_wait: Duration) -> Self {
        debug_assert!(size > 0, "checked by `Seq::try_batched_timeout`");
        TryBatchedTimeout {
            seq,
            size,
            max_wait,
            buf: Vec::new(),
            error: None,
            deadline: None,
            timer: None,
        }
    }
}

impl<S: TrySeq> crate::seq::Seq for TryBatchedTimeout<S> {
    type Item = Result<Vec<S::Ok>, S::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(e) = this.error.take() {
            return Poll::Ready(Some(Err(e)));
        }
        loop {
            match this.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(item))) => {
                    if this.buf.is_empty() {
                        // The clock of this batch starts at its first value.
                        *this.deadline = Instant::now().checked_add(*this.max_wait);
                        let room = batch_capacity::<S::Ok>(*this.size, this.seq.size_hint());
                        this.buf.reserve_exact(room);
                    }
                    this.buf.push(item);
                    if this.buf.len() == *this.size {
                        *this.deadline = None;
                        return Poll::Ready(Some(Ok(mem::take(this.buf))));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    if this.buf.is_empty() {
                        return Poll::Ready(Some(Err(e)));
                    }
                    // The partial batch first, then the error.
                    *this.deadline = None;
                    *this.error = Some(e);
                    return Poll::Ready(Some(Ok(mem::take(this.buf))));
                }
                Poll::Ready(None) => {
                    *this.deadline = None;
                    if this.buf.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(mem::take(this.buf))));
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
                    return Poll::Ready(Some(Ok(mem::take(this.buf))));
                }
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // No element is delivered after a stop: drop the partial batch and
        // a held error, and release the timer.
        *this.buf = Vec::new();
        *this.error = None;
        *this.deadline = None;
        this.timer.set(None);
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let held = usize::from(self.error.is_some());
        let buffered = self.buf.len();
        let (lower, upper) = self.seq.size_hint();
        // At least as many batches as full ones would make; at most one per
        // element, plus the partial batch, which may go out on its own.
        let (lower, _) = size_hint::div_ceil((lower.saturating_add(buffered), None), self.size);
        let upper = upper
            .and_then(|u| u.checked_add(usize::from(buffered > 0)))
            .and_then(|u| u.checked_add(held));
        (lower.saturating_add(held), upper)
    }
}

impl<S: TrySeq + fmt::Debug> fmt::Debug for TryBatchedTimeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryBatchedTimeout")
            .field("seq", &self.seq)
            .field("size", &self.size)
            .field("max_wait", &self.max_wait)
            .field("buffered", &self.buf.len())
            .field("error_held", &self.error.is_some())
            .finish()
    }
}

//! [`Seq::try_batched`]: group the `Ok` values of a fallible sequence into
//! `Vec`s of `n`, passing every error through.

use std::fmt;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::TrySeq;
use crate::seq::adapters::batched::batch_capacity;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::try_batched`](crate::seq::Seq::try_batched).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryBatched<S: TrySeq> {
        #[pin]
        seq: S,
        size: usize,
        // The batch being filled; a fresh `Vec` for each batch.
        buf: Vec<S::Ok>,
        // An error that arrived with a partial batch: the batch went out
        // first, the error goes out next.
        error: Option<S::Error>,
    }
}

impl<S: TrySeq> TryBatched<S> {
    pub(crate) fn new(seq: S, size: usize) -> Self {
        debug_assert!(size > 0, "checked by `Seq::try_batched`");
        TryBatched {
            seq,
            size,
            buf: Vec::new(),
            error: None,
        }
    }
}

impl<S: TrySeq> crate::seq::Seq for TryBatched<S> {
    type Item = Result<Vec<S::Ok>, S::Error>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(e) = this.error.take() {
            return Poll::Ready(Some(Err(e)));
        }
        loop {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(Ok(item)) => {
                    if this.buf.is_empty() {
                        let room = batch_capacity::<S::Ok>(*this.size, this.seq.size_hint());
                        this.buf.reserve_exact(room);
                    }
                    this.buf.push(item);
                    if this.buf.len() == *this.size {
                        return Poll::Ready(Some(Ok(mem::take(this.buf))));
                    }
                }
                Some(Err(e)) if this.buf.is_empty() => return Poll::Ready(Some(Err(e))),
                Some(Err(e)) => {
                    // The partial batch first, then the error.
                    *this.error = Some(e);
                    return Poll::Ready(Some(Ok(mem::take(this.buf))));
                }
                None if this.buf.is_empty() => return Poll::Ready(None),
                None => return Poll::Ready(Some(Ok(mem::take(this.buf)))),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // No element is delivered after a stop: drop the partial batch and
        // a held error.
        *this.buf = Vec::new();
        *this.error = None;
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let held = usize::from(self.error.is_some());
        let buffered = self.buf.len();
        let (lower, upper) = self.seq.size_hint();
        // At least as many batches as full ones would make (an error is an
        // element of its own and only adds); at most one per element, plus
        // the partial batch, which an error may send out on its own.
        let (lower, _) = size_hint::div_ceil((lower.saturating_add(buffered), None), self.size);
        let upper = upper
            .and_then(|u| u.checked_add(usize::from(buffered > 0)))
            .and_then(|u| u.checked_add(held));
        (lower.saturating_add(held), upper)
    }
}

impl<S: TrySeq + fmt::Debug> fmt::Debug for TryBatched<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryBatched")
            .field("seq", &self.seq)
            .field("size", &self.size)
            .field("buffered", &self.buf.len())
            .field("error_held", &self.error.is_some())
            .finish()
    }
}

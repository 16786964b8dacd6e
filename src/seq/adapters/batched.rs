//! [`Seq::batched`]: group elements into `Vec`s of `n`.

use std::fmt;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::batched`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Batched<S: Seq> {
        #[pin]
        seq: S,
        size: usize,
        // The batch being filled; a fresh `Vec` for each batch.
        buf: Vec<S::Item>,
    }
}

impl<S: Seq> Batched<S> {
    pub(crate) fn new(seq: S, size: usize) -> Self {
        debug_assert!(size > 0, "checked by `Seq::batched`");
        Batched {
            seq,
            size,
            buf: Vec::new(),
        }
    }
}

impl<S: Seq> Seq for Batched<S> {
    type Item = Vec<S::Item>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<S::Item>>> {
        let mut this = self.project();
        loop {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => {
                    if this.buf.is_empty() {
                        let room = batch_capacity::<S::Item>(*this.size, this.seq.size_hint());
                        this.buf.reserve_exact(room);
                    }
                    this.buf.push(item);
                    if this.buf.len() == *this.size {
                        return Poll::Ready(Some(mem::take(this.buf)));
                    }
                }
                None if this.buf.is_empty() => return Poll::Ready(None),
                None => return Poll::Ready(Some(mem::take(this.buf))),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // No element is delivered after a stop: drop the partial batch.
        *this.buf = Vec::new();
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let elements = size_hint::add_scalar(self.seq.size_hint(), self.buf.len());
        size_hint::div_ceil(elements, self.size)
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for Batched<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batched")
            .field("seq", &self.seq)
            .field("size", &self.size)
            .field("buffered", &self.buf.len())
            .finish()
    }
}

/// How much room to allocate for a batch of at most `n` elements when its
/// first element has just arrived and the source's hint for the rest is
/// `rest`: `n`, unless the source has fewer left, and no more than about
/// 1 MiB up front (a larger batch grows as its elements arrive). So
/// `batched(usize::MAX)` is "everything in one batch", not an allocation
/// failure.
pub(crate) fn batch_capacity<T>(n: usize, rest: (usize, Option<usize>)) -> usize {
    const PREALLOC_BYTES: usize = 1 << 20;
    let by_memory = PREALLOC_BYTES / mem::size_of::<T>().max(1);
    let by_source = rest.1.map_or(usize::MAX, |rest| rest.saturating_add(1));
    n.min(by_memory).min(by_source)
}

#[cfg(test)]
mod tests {
    use super::batch_capacity;

    #[test]
    fn batch_capacity_is_n_unless_the_source_is_shorter_or_n_is_huge() {
        assert_eq!(batch_capacity::<u64>(500, (0, None)), 500);
        assert_eq!(batch_capacity::<u64>(500, (9, Some(9))), 10);
        assert_eq!(batch_capacity::<u64>(500, (0, Some(usize::MAX))), 500);
        assert_eq!(batch_capacity::<u64>(usize::MAX, (0, None)), (1 << 20) / 8);
        assert_eq!(batch_capacity::<[u8; 4 << 20]>(3, (0, None)), 0);
        assert_eq!(batch_capacity::<()>(usize::MAX, (0, None)), 1 << 20);
    }
}

//! [`Seq::dedup_by_key`]: consecutive elements with equal keys removed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::Seq;

pin_project! {
    /// Sequence returned by [`Seq::dedup_by_key`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct DedupByKey<S, F, K> {
        #[pin]
        seq: S,
        f: F,
        // The key of the last element delivered.
        last: Option<K>,
    }
}

impl<S, F, K> DedupByKey<S, F, K> {
    pub(crate) fn new(seq: S, f: F) -> Self {
        DedupByKey { seq, f, last: None }
    }
}

impl<S, F, K> Seq for DedupByKey<S, F, K>
where
    S: Seq,
    F: FnMut(&S::Item) -> K,
    K: PartialEq,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        loop {
            let Some(item) = ready!(this.seq.as_mut().poll_next(cx)) else {
                *this.last = None;
                return Poll::Ready(None);
            };
            let key = (this.f)(&item);
            if this.last.as_ref() != Some(&key) {
                *this.last = Some(key);
                return Poll::Ready(Some(item));
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.last = None;
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self.seq.size_hint();
        let lo = if self.last.is_none() { lo.min(1) } else { 0 };
        (lo, hi)
    }
}

impl<S: fmt::Debug, F, K: fmt::Debug> fmt::Debug for DedupByKey<S, F, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DedupByKey")
            .field("seq", &self.seq)
            .field("last_key", &self.last)
            .finish()
    }
}

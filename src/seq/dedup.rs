//! [`Seq::dedup`]: consecutive duplicates removed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::Seq;

pin_project! {
    /// Sequence returned by [`Seq::dedup`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Dedup<S: Seq> {
        #[pin]
        seq: S,
        // A copy of the last element delivered.
        last: Option<S::Item>,
    }
}

impl<S: Seq> Dedup<S> {
    pub(crate) fn new(seq: S) -> Self {
        Dedup { seq, last: None }
    }
}

impl<S> Seq for Dedup<S>
where
    S: Seq,
    S::Item: PartialEq + Clone,
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
            if this.last.as_ref() != Some(&item) {
                *this.last = Some(item.clone());
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
        // Every element left may repeat the last one delivered; with no
        // last one, the first element left is always delivered.
        let lo = if self.last.is_none() { lo.min(1) } else { 0 };
        (lo, hi)
    }
}

impl<S> fmt::Debug for Dedup<S>
where
    S: Seq + fmt::Debug,
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dedup")
            .field("seq", &self.seq)
            .field("last", &self.last)
            .finish()
    }
}

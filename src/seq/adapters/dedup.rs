//! [`Seq::dedup`]: consecutive duplicates removed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::adapters::dedup_by_key::{distinct_size_hint, poll_next_distinct};

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
        let this = self.project();
        // The key is the element itself, cloned only when it is delivered.
        poll_next_distinct(this.seq, this.last, cx, |last, item| {
            (last != Some(item)).then(|| item.clone())
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.last = None;
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        distinct_size_hint(self.seq.size_hint(), self.last.is_some())
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

//! [`Seq::dedup_by_key`]: consecutive elements with equal keys removed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

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
        let this = self.project();
        let f = this.f;
        poll_next_distinct(this.seq, this.last, cx, |last, item| {
            let key = f(item);
            (last != Some(&key)).then_some(key)
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

/// The engine of `dedup_by_key` and `dedup`: the next element of `seq`
/// whose key differs from `last`, the key of the last element delivered.
/// `key_if_new(last, item)` gives the item's key when it differs from
/// `last`, and `None` for a duplicate, which is skipped. At the end of the
/// source, `last` is cleared.
#[inline]
pub(crate) fn poll_next_distinct<S: Seq, K>(
    mut seq: Pin<&mut S>,
    last: &mut Option<K>,
    cx: &mut Context<'_>,
    mut key_if_new: impl FnMut(Option<&K>, &S::Item) -> Option<K>,
) -> Poll<Option<S::Item>> {
    loop {
        let Some(item) = ready!(seq.as_mut().poll_next(cx)) else {
            *last = None;
            return Poll::Ready(None);
        };
        if let Some(key) = key_if_new(last.as_ref(), &item) {
            *last = Some(key);
            return Poll::Ready(Some(item));
        }
    }
}

/// The size hint of `dedup_by_key` and `dedup`, from the source's and
/// whether an element was delivered (`has_last`).
pub(crate) fn distinct_size_hint(
    (lo, hi): (usize, Option<usize>),
    has_last: bool,
) -> (usize, Option<usize>) {
    // Every element left may repeat the last one delivered; with no last
    // one, the first element left is always delivered.
    let lo = if has_last { 0 } else { lo.min(1) };
    (lo, hi)
}

impl<S: fmt::Debug, F, K: fmt::Debug> fmt::Debug for DedupByKey<S, F, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DedupByKey")
            .field("seq", &self.seq)
            .field("last_key", &self.last)
            .finish()
    }
}

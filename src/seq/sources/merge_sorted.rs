//! [`merge_sorted`]: a k-way merge of sequences sorted by `Ord`.

use std::cmp::Ordering;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;
use crate::seq::sources::merge_sorted_by::MergeSortedBy;

/// Merges sequences that are each sorted (ascending, by `Ord`) into one
/// sorted sequence: [`merge_sorted_by`](crate::seq::merge_sorted_by) with
/// `Ord::cmp`, which documents the behaviour (stable, one element asked of
/// each source at a time, every source stopped when the consumer stops).
///
/// This sequence is *fused*.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let shards = [seq::iter(vec![1, 4, 9]), seq::iter(vec![2, 3]), seq::iter(vec![])];
/// let all: Vec<i32> = seq::merge_sorted(shards).collect().await;
/// assert_eq!(all, [1, 2, 3, 4, 9]);
/// # }
/// ```
pub fn merge_sorted<I>(seqs: I) -> MergeSorted<I::Item>
where
    I: IntoIterator,
    I::Item: Seq,
    <I::Item as Seq>::Item: Ord,
{
    MergeSorted {
        inner: MergeSortedBy::new(seqs, Ord::cmp),
    }
}

/// `Ord::cmp` on the items of `S`.
type OrdCmp<S> = fn(&<S as Seq>::Item, &<S as Seq>::Item) -> Ordering;

/// Sequence returned by [`merge_sorted`].
#[must_use = "sequences do nothing unless consumed"]
pub struct MergeSorted<S: Seq> {
    inner: MergeSortedBy<S, OrdCmp<S>>,
}

impl<S: Seq> Seq for MergeSorted<S>
where
    S::Item: Ord,
{
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }

    fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: Seq + fmt::Debug> fmt::Debug for MergeSorted<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MergeSorted").field(&self.inner).finish()
    }
}

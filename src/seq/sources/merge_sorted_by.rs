//! [`merge_sorted_by`]: a k-way merge of sorted sequences, stable, one
//! element asked of each source at a time.

use std::cmp::Ordering;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;
use crate::size_hint;

/// Merges sequences that are each sorted by `cmp` into one sorted sequence:
/// a k-way merge (Go's `xiter.MergeFunc`, for any number of sources).
///
/// The merge is *stable*: of equal elements (`cmp` gives `Equal`), those of
/// an earlier sequence in `seqs` come first, and those of one sequence keep
/// their order. Each source is asked for one element at a time and never
/// runs ahead: it holds at most one element, its *head*, and is asked for
/// its next element only after its head was yielded. To yield an element,
/// the merge needs the head of every source that has not ended, so a
/// source that waits holds the merge back (that is what sorted output
/// needs). If the sources are not sorted, the output is some interleaving
/// of them, each in its own order.
///
/// The sources are polled inline on the consumer's task: no task, no
/// runtime, no `Send` needed. Each is boxed once, at construction; choosing
/// an element compares the heads, so it costs one `cmp` call per live
/// source: suited to a handful to a few dozen sources.
///
/// When the consumer stops, every source that has not ended is stopped,
/// together, each by the stop rule: a producer's pending `yield_` resolves
/// to `false` and the stop waits for its cleanup; a producer waiting
/// elsewhere is dropped at once. The heads not delivered are dropped. A
/// panic in a source or in `cmp` unwinds out of the consumer's poll.
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
/// // Sorted by length, longest first; equal lengths in the order of the sources.
/// let a = seq::iter(vec!["ccc", "bb", "a"]);
/// let b = seq::iter(vec!["zzz", "y"]);
/// let merged: Vec<_> = seq::merge_sorted_by([a, b], |x: &&str, y: &&str| y.len().cmp(&x.len()))
///     .collect()
///     .await;
/// assert_eq!(merged, ["ccc", "zzz", "bb", "a", "y"]);
/// # }
/// ```
pub fn merge_sorted_by<I, F>(seqs: I, cmp: F) -> MergeSortedBy<I::Item, F>
where
    I: IntoIterator,
    I::Item: Seq,
    F: FnMut(&<I::Item as Seq>::Item, &<I::Item as Seq>::Item) -> Ordering,
{
    MergeSortedBy::new(seqs, cmp)
}

/// One source and its head.
struct Source<S: Seq> {
    seq: Pin<Box<S>>,
    head: Option<S::Item>,
    // It has returned `None` or finished its stop.
    done: bool,
}

/// Sequence returned by [`merge_sorted_by`].
#[must_use = "sequences do nothing unless consumed"]
pub struct MergeSortedBy<S: Seq, F> {
    sources: Vec<Source<S>>,
    cmp: F,
    // The consumer stopped.
    stopping: bool,
}

impl<S: Seq, F> MergeSortedBy<S, F> {
    pub(crate) fn new<I: IntoIterator<Item = S>>(seqs: I, cmp: F) -> Self {
        MergeSortedBy {
            sources: seqs
                .into_iter()
                .map(|seq| Source {
                    seq: Box::pin(seq),
                    head: None,
                    done: false,
                })
                .collect(),
            cmp,
            stopping: false,
        }
    }
}

// The sources are pinned in their own boxes; nothing else is pinned.
impl<S: Seq, F> Unpin for MergeSortedBy<S, F> {}

impl<S, F> Seq for MergeSortedBy<S, F>
where
    S: Seq,
    F: FnMut(&S::Item, &S::Item) -> Ordering,
{
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        if self.stopping {
            std::task::ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let this = &mut *self;
        // Every live source without a head is asked for one, all in the
        // same poll, so that they wait together.
        let mut waiting = false;
        for source in &mut this.sources {
            if source.done || source.head.is_some() {
                continue;
            }
            match source.seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => source.head = Some(item),
                Poll::Ready(None) => source.done = true,
                Poll::Pending => waiting = true,
            }
        }
        if waiting {
            return Poll::Pending;
        }
        // The least head; of equal ones, the first source's (stable).
        let mut best: Option<usize> = None;
        for (i, source) in this.sources.iter().enumerate() {
            let Some(head) = &source.head else { continue };
            best = match best {
                Some(b) => {
                    let current = this.sources[b].head.as_ref().expect("a head");
                    if (this.cmp)(head, current) == Ordering::Less {
                        Some(i)
                    } else {
                        Some(b)
                    }
                }
                None => Some(i),
            };
        }
        match best {
            Some(b) => Poll::Ready(this.sources[b].head.take()),
            // Every source has ended.
            None => Poll::Ready(None),
        }
    }

    /// Stops every live source together; ready once all have returned.
    fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.stopping = true;
        let mut all_done = true;
        for source in &mut this.sources {
            source.head = None;
            if !source.done {
                if source.seq.as_mut().poll_stop(cx).is_ready() {
                    source.done = true;
                } else {
                    all_done = false;
                }
            }
        }
        if all_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        self.sources
            .iter()
            .map(|s| {
                let rest = if s.done {
                    (0, Some(0))
                } else {
                    s.seq.size_hint()
                };
                size_hint::add_scalar(rest, usize::from(s.head.is_some()))
            })
            .fold((0, Some(0)), size_hint::add)
    }
}

impl<S: Seq, F> fmt::Debug for MergeSortedBy<S, F>
where
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergeSortedBy")
            .field(
                "seqs",
                &self.sources.iter().map(|s| &*s.seq).collect::<Vec<_>>(),
            )
            .field("live", &self.sources.iter().filter(|s| !s.done).count())
            .field("stopping", &self.stopping)
            .finish()
    }
}

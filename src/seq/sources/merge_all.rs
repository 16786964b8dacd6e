//! [`merge_all`]: any number of sequences interleaved by arrival.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::seq::Seq;
use crate::size_hint;

/// Interleaves any number of sequences with the same item type, element by
/// element as they arrive.
///
/// The sources are polled concurrently, inline on the consumer's task: no
/// task is spawned and no runtime is needed. Each poll visits every live
/// source, starting one further along each time, so that a source that is
/// always ready cannot starve the others. A source that ends is dropped;
/// the merged sequence ends when every source has ended.
///
/// When the consumer stops, every live source is stopped, together, each by
/// the stop rule: a producer's pending `yield_` resolves to `false` and the
/// stop waits for its cleanup; a producer waiting elsewhere is dropped at
/// once. A panic in any source unwinds out of the consumer's poll, also
/// during a stop; the other sources are then dropped with the merged
/// sequence, without their async cleanup.
///
/// Each source is boxed once, at construction. Every poll visits each live
/// source, so the cost of a poll grows with their number: suited to a
/// handful to a few dozen sources.
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
/// let shards = (0..3).map(|shard| seq::iter([shard * 10, shard * 10 + 1]));
/// let mut all: Vec<i32> = seq::merge_all(shards).collect().await;
/// all.sort();
/// assert_eq!(all, [0, 1, 10, 11, 20, 21]);
/// # }
/// ```
#[doc(alias = "select_all")]
pub fn merge_all<I>(seqs: I) -> MergeAll<I::Item>
where
    I: IntoIterator,
    I::Item: Seq,
{
    MergeAll {
        seqs: seqs.into_iter().map(|s| Some(Box::pin(s))).collect(),
        start: 0,
        stopping: false,
    }
}

/// Sequence returned by [`merge_all`].
#[must_use = "sequences do nothing unless consumed"]
pub struct MergeAll<S> {
    // The live sources; `None` marks one that ended or stopped, removed
    // before the end of the poll.
    seqs: Vec<Option<Pin<Box<S>>>>,
    // Where the next poll starts (fairness).
    start: usize,
    // The consumer stopped.
    stopping: bool,
}

impl<S> MergeAll<S> {
    fn remove_finished(&mut self) {
        self.seqs.retain(Option::is_some);
    }
}

impl<S: Seq> Seq for MergeAll<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        if this.stopping {
            ready!(Pin::new(this).poll_stop(cx));
            return Poll::Ready(None);
        }
        let n = this.seqs.len();
        let start = this.start % n.max(1);
        this.start = start + 1;
        let mut found = None;
        let mut finished = false;
        for i in (start..n).chain(0..start) {
            let slot = &mut this.seqs[i];
            let Some(seq) = slot.as_mut() else { continue };
            match seq.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    found = Some(item);
                    break;
                }
                Poll::Ready(None) => {
                    // It has returned and cleaned up: drop it.
                    *slot = None;
                    finished = true;
                }
                Poll::Pending => {}
            }
        }
        if finished {
            this.remove_finished();
        }
        match found {
            Some(item) => Poll::Ready(Some(item)),
            None if this.seqs.is_empty() => Poll::Ready(None),
            // Every live source is pending and will wake the task.
            None => Poll::Pending,
        }
    }

    /// Stops every live source together; ready once all have returned.
    fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.stopping = true;
        for slot in &mut this.seqs {
            if let Some(seq) = slot.as_mut() {
                if seq.as_mut().poll_stop(cx).is_ready() {
                    *slot = None;
                }
            }
        }
        this.remove_finished();
        if this.seqs.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        self.seqs
            .iter()
            .flatten()
            .map(|s| s.size_hint())
            .fold((0, Some(0)), size_hint::add)
    }
}

impl<S: fmt::Debug> fmt::Debug for MergeAll<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergeAll")
            .field("seqs", &self.seqs.iter().flatten().collect::<Vec<_>>())
            .field("stopping", &self.stopping)
            .finish()
    }
}

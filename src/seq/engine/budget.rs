//! tokio's cooperative budget, spent in batches by the always-ready sources
//! (contract 21).
//!
//! [`coop::poll_proceed`] reaches a thread-local and builds a guard that
//! checks it again on drop: about fifteen instructions, more than a whole
//! `seq::iter` element costs otherwise, and a call that the per-element path
//! would have to save registers around. So [`iter`](crate::seq::iter),
//! [`repeat_with`](crate::seq::repeat_with) and the producers of
//! [`from_fn`](crate::seq::from_fn) and [`try_from_fn`](crate::seq::try_from_fn)
//! spend one unit of budget per [`Budget::BATCH`] elements: before their
//! first element, and again before the element after each batch, a source
//! asks tokio for one unit, out of line; that unit pays for the next
//! `BATCH` elements the source produces (a source that then waits keeps the
//! rest of its batch for the elements after the wait). When the task's
//! budget is spent, the source returns `Pending` and tokio wakes the task
//! once it has yielded to the scheduler. With tokio's budget of 128 units
//! per task poll, an endless in-memory sequence lets the other tasks of its
//! thread run at least once every `128 * BATCH` elements.

use std::task::{Context, Poll};

use tokio::task::coop;

/// Elements left in the current batch.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Budget {
    // Elements the source may still produce before it spends the next
    // unit; 0: the next element spends one.
    left: u32,
}

impl Budget {
    /// Elements per unit of tokio's budget.
    pub(crate) const BATCH: u32 = 32;

    /// Before producing an element: `Pending` (the task is woken by tokio)
    /// when this element starts a batch and the task's budget is spent.
    #[inline(always)]
    pub(crate) fn poll_proceed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.left == 0 {
            return self.spend(cx);
        }
        Poll::Ready(())
    }

    /// An element was produced: it takes its place in the batch.
    #[inline(always)]
    pub(crate) fn made_progress(&mut self) {
        self.left -= 1;
    }

    /// Takes what is left of the current batch (at least 1, right after
    /// [`poll_proceed`](Self::poll_proceed) returned `Ready`), for a source
    /// that counts its elements in a local; it hands back what it did not
    /// use with [`give_back`](Self::give_back).
    #[inline(always)]
    pub(crate) fn take_batch(&mut self) -> u32 {
        debug_assert!(self.left > 0, "take_batch before poll_proceed");
        std::mem::take(&mut self.left)
    }

    /// Returns the part of a batch that [`take_batch`](Self::take_batch)
    /// took and the source did not use.
    #[inline(always)]
    pub(crate) fn give_back(&mut self, left: u32) {
        self.left = left;
    }

    /// Whether the next element starts a batch (it must
    /// [`spend`](Self::spend) first).
    #[inline(always)]
    pub(crate) fn batch_ended(&self) -> bool {
        self.left == 0
    }

    /// Ends the current batch: the next element asks tokio for a unit. A
    /// source that has other work to do at a batch's start (a stop to
    /// finish) uses this to bring that work onto the batch's path.
    #[inline]
    pub(crate) fn end_batch(&mut self) {
        self.left = 0;
    }

    /// Spends one unit of the task's budget for the batch that starts now;
    /// `Pending` (the task is woken by tokio) when the budget is spent.
    #[cold]
    #[inline(never)]
    pub(crate) fn spend(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let unit = std::task::ready!(coop::poll_proceed(cx));
        unit.made_progress();
        self.left = Self::BATCH;
        Poll::Ready(())
    }
}

//! The state machine shared by the pull handles, [`Pull`](super::Pull) and
//! [`LocalPull`](super::LocalPull): a boxed sequence polled on the caller's
//! task, and how far it has got. The handles differ only in what they
//! require of the sequence and in what their `Drop` does with a producer
//! that is still running.

use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::Seq;

/// How far a handle whose sequence has not ended has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// `next` was never polled: the producer has not started.
    Fresh,
    /// The producer may be running.
    Started,
    /// `stop` was polled and its future dropped before the producer
    /// returned; the stop goes on at the next `next`, `stop` or drop.
    Stopping,
}

/// A boxed sequence behind a pull handle. `P` is the erased sequence type
/// (`dyn Seq<Item = T> + ...`).
pub(super) struct Core<P: ?Sized + Seq> {
    /// `None` once the sequence has ended: exhausted, stopped, or its
    /// producer panicked.
    seq: Option<Pin<Box<P>>>,
    phase: Phase,
    /// The element taken by `peek`, returned by the next `next`. Only ever
    /// `Some` while `seq` is (the producer yielded it and has not returned).
    peeked: Option<P::Item>,
}

impl<P: ?Sized + Seq> Core<P> {
    pub(super) fn new(seq: Pin<Box<P>>) -> Self {
        Core {
            seq: Some(seq),
            phase: Phase::Fresh,
            peeked: None,
        }
    }

    /// `true` once the sequence has ended.
    pub(super) fn is_done(&self) -> bool {
        self.seq.is_none()
    }

    /// `true` once `next` or `stop` has been polled.
    pub(super) fn is_started(&self) -> bool {
        self.phase != Phase::Fresh
    }

    pub(super) fn poll_next_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<P::Item>> {
        if let Some(item) = self.peeked.take() {
            return Poll::Ready(Some(item));
        }
        if self.phase == Phase::Stopping {
            return self.poll_stop_inner(cx).map(|()| None);
        }
        // Out of the handle while it runs: if the producer panics, the
        // sequence is dropped while unwinding and the handle stays done.
        let Some(mut seq) = self.seq.take() else {
            return Poll::Ready(None);
        };
        self.phase = Phase::Started;
        let poll = seq.as_mut().poll_next(cx);
        if !matches!(poll, Poll::Ready(None)) {
            self.seq = Some(seq);
        }
        poll
    }

    pub(super) fn poll_stop_inner(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // A peeked element is never delivered after a stop.
        drop(self.peeked.take());
        let Some(mut seq) = self.seq.take() else {
            return Poll::Ready(());
        };
        self.phase = Phase::Stopping;
        let poll = seq.as_mut().poll_stop(cx);
        if poll.is_pending() {
            self.seq = Some(seq);
        }
        poll
    }

    pub(super) fn size_hint_inner(&self) -> (usize, Option<usize>) {
        let peeked = usize::from(self.peeked.is_some());
        match &self.seq {
            Some(seq) if self.phase != Phase::Stopping => {
                crate::size_hint::add_scalar(seq.size_hint(), peeked)
            }
            _ => (0, Some(0)),
        }
    }

    /// Makes sure an element waits in `peeked`, unless the sequence has
    /// ended: `peek` and `next_if` poll this, then look at `peeked()`.
    /// Cancel safe like `poll_next_item`: the element moves into the handle
    /// in the poll that produces it.
    pub(super) fn poll_peek(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.peeked.is_none() {
            if let Some(item) = std::task::ready!(self.poll_next_item(cx)) {
                self.peeked = Some(item);
            }
        }
        Poll::Ready(())
    }

    /// The element `poll_peek` left in the handle, if any.
    pub(super) fn peeked(&self) -> Option<&P::Item> {
        self.peeked.as_ref()
    }

    /// Takes the peeked element if `f` accepts it.
    pub(super) fn take_peeked_if(&mut self, f: impl FnOnce(&P::Item) -> bool) -> Option<P::Item> {
        if f(self.peeked.as_ref()?) {
            self.peeked.take()
        } else {
            None
        }
    }

    /// For `Drop`: the sequence if its producer may still be running. A
    /// sequence that never started needs no stop: dropping it is all there
    /// is to do, and `None` says so (the sequence is dropped here).
    pub(super) fn take_started(&mut self) -> Option<Pin<Box<P>>> {
        let seq = self.seq.take()?;
        self.is_started().then_some(seq)
    }
}

/// The first attempt of a dropped handle to finish its producer: one
/// `poll_stop` (made by `poll_stop_once`) with a no-op waker, on the
/// dropping thread. By the stop rule that poll ends a producer that waits
/// where no stop is heard (it is dropped), and runs a cleanup that does not
/// wait to its end. Returns `true` when nothing is left to do: the producer
/// returned or was dropped, or its cleanup panicked (the panic hook has
/// reported it, and, as for a detached task, it goes no further: a `drop`
/// that panics only where the cleanup happened not to wait would be worse;
/// `stop` resumes it instead). Returns `false` when the cleanup waits.
///
/// The same holds while the thread is already unwinding: the panic of a
/// cleanup is caught here, inside `drop`, so it never escapes a destructor
/// during unwinding (which would abort the process).
pub(super) fn finish_inline(poll_stop_once: impl FnOnce(&mut Context<'_>) -> Poll<()>) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    match panic::catch_unwind(AssertUnwindSafe(|| poll_stop_once(&mut cx))) {
        Ok(Poll::Ready(())) | Err(_) => true,
        Ok(Poll::Pending) => false,
    }
}

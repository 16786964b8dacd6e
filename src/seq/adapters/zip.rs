//! [`Seq::zip`]: two sequences in lockstep, as pairs.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::adapters::merge::poll_stop_pair;
use crate::size_hint;

pin_project! {
    /// Sequence returned by [`Seq::zip`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Zip<A: Seq, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        // An element of `a` waiting for its partner from `b`.
        pending: Option<A::Item>,
        // Each side has returned `None` or finished its stop.
        a_done: bool,
        b_done: bool,
        // One side ended or the consumer stopped: stop both, then end.
        ending: bool,
    }
}

impl<A: Seq, B> Zip<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Zip {
            a,
            b,
            pending: None,
            a_done: false,
            b_done: false,
            ending: false,
        }
    }
}

impl<A: Seq, B: Seq> Zip<A, B> {
    /// Drives both sides' stops together; ready once both have returned.
    fn poll_stop_both(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.ending = true;
        // The unpaired element is dropped, as `Iterator::zip` drops it.
        *this.pending = None;
        poll_stop_pair((this.a, this.a_done), (this.b, this.b_done), cx)
    }
}

impl<A: Seq, B: Seq> Seq for Zip<A, B> {
    type Item = (A::Item, B::Item);

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.ending {
            let this = self.as_mut().project();
            if this.pending.is_none() {
                match ready!(this.a.poll_next(cx)) {
                    Some(item) => *this.pending = Some(item),
                    None => *this.a_done = true,
                }
            }
            if let Some(a) = this.pending.take() {
                match this.b.poll_next(cx) {
                    Poll::Ready(Some(b)) => return Poll::Ready(Some((a, b))),
                    Poll::Ready(None) => *this.b_done = true,
                    Poll::Pending => {
                        *this.pending = Some(a);
                        return Poll::Pending;
                    }
                }
            }
        }
        // One side has ended: stop the other before ending.
        ready!(self.poll_stop_both(cx));
        Poll::Ready(None)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_stop_both(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.ending {
            return (0, Some(0));
        }
        let extra = usize::from(self.pending.is_some());
        let (lo_a, hi_a) = size_hint::add_scalar(self.a.size_hint(), extra);
        let (lo_b, hi_b) = self.b.size_hint();
        let hi = match (hi_a, hi_b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (Some(h), None) | (None, Some(h)) => Some(h),
            (None, None) => None,
        };
        (lo_a.min(lo_b), hi)
    }
}

impl<A: Seq + fmt::Debug, B: fmt::Debug> fmt::Debug for Zip<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zip")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("has_pending", &self.pending.is_some())
            .field("ending", &self.ending)
            .finish()
    }
}

//! [`Seq::step_by`]: the first element, then every `step`-th.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::step_by`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct StepBy<S> {
        #[pin]
        seq: S,
        step: usize,
        // Elements still to drop before the next one delivered.
        skip: usize,
    }
}

impl<S> StepBy<S> {
    /// `step` is checked by [`Seq::step_by`].
    pub(crate) fn new(seq: S, step: usize) -> Self {
        debug_assert!(step > 0);
        StepBy { seq, step, skip: 0 }
    }
}

impl<S: Seq> Seq for StepBy<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        loop {
            let Some(item) = ready!(this.seq.as_mut().poll_next(cx)) else {
                return Poll::Ready(None);
            };
            if *this.skip == 0 {
                *this.skip = *this.step - 1;
                return Poll::Ready(Some(item));
            }
            *this.skip -= 1;
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self.seq.size_hint();
        // Of `n` elements left, the first delivered is number `skip + 1`,
        // then one in every `step`.
        let left = |n: usize| match n.checked_sub(self.skip) {
            Some(m) if m > 0 => 1 + (m - 1) / self.step,
            _ => 0,
        };
        (left(lo), hi.map(left))
    }
}

impl<S: fmt::Debug> fmt::Debug for StepBy<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepBy")
            .field("seq", &self.seq)
            .field("step", &self.step)
            .finish()
    }
}

//! [`Seq::windows`]: overlapping windows of consecutive elements.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::windows`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Windows<S: Seq> {
        #[pin]
        seq: S,
        size: usize,
        // The last `size` elements (fewer before the first window).
        window: VecDeque<S::Item>,
    }
}

impl<S: Seq> Windows<S> {
    /// `size` is checked by [`Seq::windows`].
    pub(crate) fn new(seq: S, size: usize) -> Self {
        debug_assert!(size > 0);
        // Grown on demand: building the adapter allocates nothing, and a
        // huge `size` on a short sequence costs only what arrives.
        Windows {
            seq,
            size,
            window: VecDeque::new(),
        }
    }
}

impl<S> Seq for Windows<S>
where
    S: Seq,
    S::Item: Clone,
{
    type Item = Vec<S::Item>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<S::Item>>> {
        let mut this = self.project();
        loop {
            let Some(item) = ready!(this.seq.as_mut().poll_next(cx)) else {
                *this.window = VecDeque::new();
                return Poll::Ready(None);
            };
            if this.window.len() == *this.size {
                this.window.pop_front();
            }
            this.window.push_back(item);
            if this.window.len() == *this.size {
                return Poll::Ready(Some(this.window.iter().cloned().collect()));
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.window = VecDeque::new();
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self.seq.size_hint();
        // Each element left completes one window, once `missing` more have
        // filled the first.
        let missing = (self.size - 1).saturating_sub(self.window.len());
        (
            lo.saturating_sub(missing),
            hi.map(|h| h.saturating_sub(missing)),
        )
    }
}

impl<S> fmt::Debug for Windows<S>
where
    S: Seq + fmt::Debug,
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Windows")
            .field("seq", &self.seq)
            .field("size", &self.size)
            .field("window", &self.window)
            .finish()
    }
}

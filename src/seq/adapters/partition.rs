//! [`Seq::partition`]: the elements that match a predicate, and the rest.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;
use crate::seq::engine::split::{Route, Side, split};

/// Sequence returned by [`Seq::partition`].
#[must_use = "sequences do nothing unless consumed"]
pub struct Partition<S: Seq, F> {
    side: Side<S, ByPredicate<F>>,
}

/// Matching elements to end 0, the rest to end 1.
pub(crate) struct ByPredicate<F>(F);

impl<T, F: FnMut(&T) -> bool> Route<T> for ByPredicate<F> {
    fn route(&mut self, item: T, _wanted: [bool; 2]) -> [Option<T>; 2] {
        if (self.0)(&item) {
            [Some(item), None]
        } else {
            [None, Some(item)]
        }
    }
}

impl<S: Seq, F> Partition<S, F> {
    pub(crate) fn new(seq: S, pred: F) -> (Self, Self) {
        let (a, b) = split(seq, ByPredicate(pred));
        (Partition { side: a }, Partition { side: b })
    }
}

impl<S: Seq, F> Seq for Partition<S, F>
where
    F: FnMut(&S::Item) -> bool,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.get_mut().side.poll_next(cx)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().side.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.side.size_hint()
    }
}

impl<S: Seq, F> fmt::Debug for Partition<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.side.fmt_as("Partition", f)
    }
}

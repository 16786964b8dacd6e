//! [`Seq::tee`]: two sequences, each of every element.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;
use crate::seq::engine::split::{Route, Side, split};

/// Sequence returned by [`Seq::tee`].
#[must_use = "sequences do nothing unless consumed"]
pub struct Tee<S: Seq> {
    side: Side<S, Both>,
}

/// Every element to both ends: a clone to the other one while it is there.
pub(crate) struct Both;

impl<T: Clone> Route<T> for Both {
    fn route(&mut self, item: T, wanted: [bool; 2]) -> [Option<T>; 2] {
        match wanted {
            [true, true] => [Some(item.clone()), Some(item)],
            [true, false] => [Some(item), None],
            [false, _] => [None, Some(item)],
        }
    }
}

impl<S: Seq> Tee<S> {
    pub(crate) fn new(seq: S) -> (Self, Self) {
        let (a, b) = split(seq, Both);
        (Tee { side: a }, Tee { side: b })
    }
}

impl<S: Seq> Seq for Tee<S>
where
    S::Item: Clone,
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

impl<S: Seq> fmt::Debug for Tee<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.side.fmt_as("Tee", f)
    }
}

//! [`merge`] and [`Seq::merge`]: two sequences interleaved by arrival.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::size_hint;

/// Interleaves two sequences with the same item type, element by element as
/// they arrive: a free-function form of [`Seq::merge`], which documents the
/// behaviour.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut all: Vec<i32> = seq::merge(seq::iter([1, 3]), seq::iter([2, 4])).collect().await;
/// all.sort();
/// assert_eq!(all, [1, 2, 3, 4]);
/// # }
/// ```
#[doc(alias = "select")]
pub fn merge<A, B>(a: A, b: B) -> Merge<A, B>
where
    A: Seq,
    B: Seq<Item = A::Item>,
{
    Merge::new(a, b)
}

pin_project! {
    /// Sequence returned by [`Seq::merge`] and [`merge`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Merge<A, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        // Each side has returned `None` or finished its stop.
        a_done: bool,
        b_done: bool,
        // Which side is polled first on the next poll (fairness).
        b_first: bool,
        // The consumer stopped.
        stopping: bool,
    }
}

impl<A, B> Merge<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Merge {
            a,
            b,
            a_done: false,
            b_done: false,
            b_first: false,
            stopping: false,
        }
    }
}

/// Polls one live side; an element is returned, an end is recorded.
fn poll_side<S: Seq>(seq: Pin<&mut S>, done: &mut bool, cx: &mut Context<'_>) -> Option<S::Item> {
    if *done {
        return None;
    }
    match seq.poll_next(cx) {
        Poll::Ready(Some(item)) => Some(item),
        Poll::Ready(None) => {
            *done = true;
            None
        }
        Poll::Pending => None,
    }
}

impl<A, B> Seq for Merge<A, B>
where
    A: Seq,
    B: Seq<Item = A::Item>,
{
    type Item = A::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        if self.stopping {
            ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let this = self.project();
        // Alternate which side goes first, so that a side that is always
        // ready cannot starve the other.
        let b_first = *this.b_first;
        *this.b_first = !b_first;
        let item = if b_first {
            poll_side(this.b, this.b_done, cx).or_else(|| poll_side(this.a, this.a_done, cx))
        } else {
            poll_side(this.a, this.a_done, cx).or_else(|| poll_side(this.b, this.b_done, cx))
        };
        match item {
            Some(item) => Poll::Ready(Some(item)),
            None if *this.a_done && *this.b_done => Poll::Ready(None),
            // Every live side is pending and will wake the task.
            None => Poll::Pending,
        }
    }

    /// Stops both sides together; ready once both producers have returned.
    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.stopping = true;
        poll_stop_pair((this.a, this.a_done), (this.b, this.b_done), cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let side =
            |done: bool, hint: (usize, Option<usize>)| if done { (0, Some(0)) } else { hint };
        size_hint::add(
            side(self.a_done, self.a.size_hint()),
            side(self.b_done, self.b.size_hint()),
        )
    }
}

impl<A: fmt::Debug, B: fmt::Debug> fmt::Debug for Merge<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merge")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("a_done", &self.a_done)
            .field("b_done", &self.b_done)
            .field("stopping", &self.stopping)
            .finish()
    }
}

/// Drives the stops of two sequences together, neither waiting for the
/// other, and marks each side done once its producer has returned; ready
/// once both have. Shared with [`Zip`](crate::seq::Zip).
pub(crate) fn poll_stop_pair<A: Seq, B: Seq>(
    (a, a_done): (Pin<&mut A>, &mut bool),
    (b, b_done): (Pin<&mut B>, &mut bool),
    cx: &mut Context<'_>,
) -> Poll<()> {
    if !*a_done && a.poll_stop(cx).is_ready() {
        *a_done = true;
    }
    if !*b_done && b.poll_stop(cx).is_ready() {
        *b_done = true;
    }
    if *a_done && *b_done {
        Poll::Ready(())
    } else {
        Poll::Pending
    }
}

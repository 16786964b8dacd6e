//! [`Seq::combine_latest`]: pairs of the latest elements of two sequences,
//! one on every new element of either.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::adapters::merge::poll_stop_pair;

pin_project! {
    /// Sequence returned by [`Seq::combine_latest`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct CombineLatest<A: Seq, B: Seq> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        // The latest element of each side.
        last_a: Option<A::Item>,
        last_b: Option<B::Item>,
        // Each side has returned `None` or finished its stop.
        a_done: bool,
        b_done: bool,
        // Which side is polled first on the next poll (fairness).
        b_first: bool,
        // A side ended without an element, or the consumer stopped: stop
        // both, then end.
        ending: bool,
    }
}

impl<A: Seq, B: Seq> CombineLatest<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        CombineLatest {
            a,
            b,
            last_a: None,
            last_b: None,
            a_done: false,
            b_done: false,
            b_first: false,
            ending: false,
        }
    }
}

/// What one poll of one side gave.
enum Side {
    /// A new element, now the side's latest.
    New,
    /// The side has returned (now or before), or waits.
    Quiet,
    /// The side returned without ever yielding: no pair can ever be made.
    Empty,
}

/// Polls one live side and records its element or its end.
fn poll_side<S: Seq>(
    seq: Pin<&mut S>,
    last: &mut Option<S::Item>,
    done: &mut bool,
    cx: &mut Context<'_>,
) -> Side {
    if *done {
        return Side::Quiet;
    }
    match seq.poll_next(cx) {
        Poll::Ready(Some(item)) => {
            *last = Some(item);
            Side::New
        }
        Poll::Ready(None) => {
            *done = true;
            if last.is_none() {
                Side::Empty
            } else {
                Side::Quiet
            }
        }
        Poll::Pending => Side::Quiet,
    }
}

impl<A, B> Seq for CombineLatest<A, B>
where
    A: Seq,
    B: Seq,
    A::Item: Clone,
    B::Item: Clone,
{
    type Item = (A::Item, B::Item);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.ending {
            let this = self.as_mut().project();
            // Alternate which side goes first, so that a side that is
            // always ready cannot starve the other.
            let b_first = *this.b_first;
            *this.b_first = !b_first;
            let (mut a, mut b) = (this.a, this.b);
            loop {
                let mut new = false;
                for side_b in [b_first, !b_first] {
                    let polled = if side_b {
                        poll_side(b.as_mut(), this.last_b, this.b_done, cx)
                    } else {
                        poll_side(a.as_mut(), this.last_a, this.a_done, cx)
                    };
                    match polled {
                        Side::New => {
                            if let (Some(x), Some(y)) = (&*this.last_a, &*this.last_b) {
                                return Poll::Ready(Some((x.clone(), y.clone())));
                            }
                            // The other side has not yielded yet: poll on.
                            new = true;
                        }
                        Side::Quiet => {}
                        Side::Empty => {
                            *this.ending = true;
                            break;
                        }
                    }
                }
                if *this.ending {
                    break;
                }
                if *this.a_done && *this.b_done {
                    return Poll::Ready(None);
                }
                if !new {
                    // Every live side is pending and will wake the task.
                    return Poll::Pending;
                }
            }
        }
        // A side ended without an element: stop the other before ending.
        ready!(self.poll_stop(cx));
        Poll::Ready(None)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.ending = true;
        *this.last_a = None;
        *this.last_b = None;
        poll_stop_pair((this.a, this.a_done), (this.b, this.b_done), cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.ending {
            return (0, Some(0));
        }
        // At most one pair per element of either side.
        let side = |done: bool, hint: (usize, Option<usize>)| if done { Some(0) } else { hint.1 };
        let upper = side(self.a_done, self.a.size_hint())
            .zip(side(self.b_done, self.b.size_hint()))
            .and_then(|(a, b)| a.checked_add(b));
        (0, upper)
    }
}

impl<A, B> fmt::Debug for CombineLatest<A, B>
where
    A: Seq + fmt::Debug,
    B: Seq + fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CombineLatest")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("has_a", &self.last_a.is_some())
            .field("has_b", &self.last_b.is_some())
            .field("a_done", &self.a_done)
            .field("b_done", &self.b_done)
            .field("ending", &self.ending)
            .finish()
    }
}

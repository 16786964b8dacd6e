//! [`Seq::flat_map_concurrent`](crate::seq::Seq::flat_map_concurrent): up
//! to `limit` inner sequences at once, their elements by arrival.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::fan_in::{Event, FanIn};

pin_project! {
    /// Sequence returned by [`Seq::flat_map_concurrent`](crate::seq::Seq::flat_map_concurrent).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct FlatMapConcurrent<S, F, U> {
        #[pin]
        outer: S,
        f: F,
        // The inner sequences running, each with its own waker.
        inners: FanIn<(), U>,
        limit: usize,
        // `outer` has returned `None` or finished its stop.
        outer_done: bool,
        // The consumer stopped.
        stopping: bool,
    }
}

impl<S, F, U> FlatMapConcurrent<S, F, U> {
    /// `limit` is checked by the `Seq` method that builds it.
    pub(crate) fn new(outer: S, limit: usize, f: F) -> Self {
        FlatMapConcurrent {
            outer,
            f,
            inners: FanIn::with_capacity(limit.min(64)),
            limit,
            outer_done: false,
            stopping: false,
        }
    }
}

impl<S, F, U> Seq for FlatMapConcurrent<S, F, U>
where
    S: Seq,
    F: FnMut(S::Item) -> U,
    U: Seq,
{
    type Item = U::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U::Item>> {
        if self.stopping {
            std::task::ready!(self.as_mut().poll_stop(cx));
            return Poll::Ready(None);
        }
        let mut this = self.project();
        loop {
            // Start inner sequences while a slot is free (futures'
            // `flatten_unordered` asks the outer only then, too).
            while !*this.outer_done && this.inners.running() < *this.limit {
                match this.outer.as_mut().poll_next(cx) {
                    Poll::Ready(Some(item)) => {
                        this.inners.insert((), (this.f)(item));
                    }
                    Poll::Ready(None) => *this.outer_done = true,
                    Poll::Pending => break,
                }
            }
            match this.inners.poll_event(cx) {
                Poll::Ready(Some(Event::Item(_, item))) => return Poll::Ready(Some(item)),
                // An inner ended: its slot is free for the next outer
                // element.
                Poll::Ready(Some(Event::Ended(()) | Event::Stopped(()))) => {}
                Poll::Ready(None) if *this.outer_done => return Poll::Ready(None),
                // No inner running: the outer is pending (a slot was free)
                // and will wake the task.
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Stops the outer sequence and every inner one together; ready once
    /// all have returned (or were dropped).
    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.stopping = true;
        if !*this.outer_done && this.outer.poll_stop(cx).is_ready() {
            *this.outer_done = true;
        }
        let inners_done = this.inners.poll_stop_all(cx).is_ready();
        if *this.outer_done && inners_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stopping {
            return (0, Some(0));
        }
        let (lower, upper) = self.inners.size_hint();
        let outer_empty = self.outer_done || self.outer.size_hint().1 == Some(0);
        if outer_empty {
            (lower, upper)
        } else {
            (lower, None)
        }
    }
}

impl<S: fmt::Debug, F, U> fmt::Debug for FlatMapConcurrent<S, F, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlatMapConcurrent")
            .field("outer", &self.outer)
            .field("limit", &self.limit)
            .field("running", &self.inners.running())
            .field("stopping", &self.stopping)
            .finish()
    }
}

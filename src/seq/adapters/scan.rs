//! [`Seq::scan`]: a running state, ending early when `f` says so.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Sequence returned by [`Seq::scan`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Scan<S, St, F> {
        #[pin]
        seq: S,
        state: St,
        f: F,
        // The source ended, or `f` returned `None` (the source is then
        // stopped before the end is reported).
        done: bool,
    }
}

impl<S, St, F> Scan<S, St, F> {
    pub(crate) fn new(seq: S, initial_state: St, f: F) -> Self {
        Scan {
            seq,
            state: initial_state,
            f,
            done: false,
        }
    }
}

impl<S, St, F, B> Seq for Scan<S, St, F>
where
    S: Seq,
    F: FnMut(&mut St, S::Item) -> Option<B>,
{
    type Item = B;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<B>> {
        let mut this = self.project();
        if !*this.done {
            match ready!(this.seq.as_mut().poll_next(cx)) {
                Some(item) => match (this.f)(this.state, item) {
                    Some(out) => return Poll::Ready(Some(out)),
                    None => *this.done = true,
                },
                None => *this.done = true,
            }
        }
        // `f` ended the sequence: its producer's pending `yield_` resolves
        // to `false`; report the end once it has returned. (At once if the
        // source ended by itself.)
        ready!(this.seq.poll_stop(cx));
        Poll::Ready(None)
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.done = true;
        this.seq.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        // `f` may end the sequence at any element.
        (0, self.seq.size_hint().1)
    }
}

impl<S: fmt::Debug, St: fmt::Debug, F> fmt::Debug for Scan<S, St, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scan")
            .field("seq", &self.seq)
            .field("state", &self.state)
            .field("done", &self.done)
            .finish()
    }
}

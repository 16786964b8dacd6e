//! [`Seq::any`]'s future, and the short-circuiting test it shares with
//! [`Seq::all`].

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::any`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Any<S, F> {
        #[pin]
        inner: Drain<S, Probe<F>>,
    }
}

impl<S, F> Any<S, F> {
    pub(crate) fn new(seq: S, pred: F) -> Self {
        Any {
            inner: Drain::new(seq, Probe::new(pred, true)),
        }
    }
}

/// Stops at the first element whose predicate result is `stop_on`, and
/// reports whether it met one.
pub(crate) struct Probe<F> {
    pred: F,
    stop_on: bool,
    met: bool,
}

impl<F> Probe<F> {
    pub(crate) fn new(pred: F, stop_on: bool) -> Self {
        Probe {
            pred,
            stop_on,
            met: false,
        }
    }

    pub(crate) fn met(&self) -> bool {
        self.met
    }
}

impl<T, F: FnMut(T) -> bool> Consumer<T> for Probe<F> {
    type Output = bool;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        if (self.pred)(item) == self.stop_on {
            self.met = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn finish(self) -> bool {
        self.met
    }
}

drain_future!(impl<S, F> Future for Any<S, F> where [S: Seq, F: FnMut(S::Item) -> bool] => bool);

impl<S: fmt::Debug, F> fmt::Debug for Any<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Any")
            .field("seq", self.inner.seq())
            .field("found", &self.inner.consumer().map(Probe::met))
            .finish()
    }
}

//! [`Seq::min`]'s future, and the running extremum it shares with
//! [`Seq::max`].

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::min`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Min<S: Seq> {
        #[pin]
        inner: Drain<S, Extremum<S::Item>>,
    }
}

impl<S: Seq> Min<S> {
    pub(crate) fn new(seq: S) -> Self {
        Min {
            inner: Drain::new(seq, Extremum::new(Keep::Least)),
        }
    }
}

/// Which element [`Extremum`] keeps; ties follow `Iterator::min`/`max`.
#[derive(Clone, Copy)]
pub(crate) enum Keep {
    /// The first of the least elements.
    Least,
    /// The last of the greatest elements.
    Greatest,
}

pub(crate) struct Extremum<T> {
    best: Option<T>,
    keep: Keep,
}

impl<T> Extremum<T> {
    pub(crate) fn new(keep: Keep) -> Self {
        Extremum { best: None, keep }
    }

    pub(crate) fn best(&self) -> Option<&T> {
        self.best.as_ref()
    }
}

impl<T: Ord> Consumer<T> for Extremum<T> {
    type Output = Option<T>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        let replace = match (&self.best, self.keep) {
            (None, _) => true,
            (Some(best), Keep::Least) => item < *best,
            (Some(best), Keep::Greatest) => item >= *best,
        };
        if replace {
            self.best = Some(item);
        }
        ControlFlow::Continue(())
    }

    fn finish(self) -> Option<T> {
        self.best
    }
}

drain_future!(impl<S> Future for Min<S> where [S: Seq, S::Item: Ord] => Option<S::Item>);

impl<S: Seq + fmt::Debug> fmt::Debug for Min<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Min")
            .field("seq", self.inner.seq())
            .field("min", &self.inner.consumer().and_then(Extremum::best))
            .finish()
    }
}

//! [`Seq::max`]'s future.

use std::fmt;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Drain, drain_future};
use crate::seq::terminals::min::{Extremum, Keep};

pin_project! {
    /// Future returned by [`Seq::max`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Max<S: Seq> {
        #[pin]
        inner: Drain<S, Extremum<S::Item>>,
    }
}

impl<S: Seq> Max<S> {
    pub(crate) fn new(seq: S) -> Self {
        Max {
            inner: Drain::new(seq, Extremum::new(Keep::Greatest)),
        }
    }
}

drain_future!(impl<S> Future for Max<S> where [S: Seq, S::Item: Ord] => Option<S::Item>);

impl<S: Seq + fmt::Debug> fmt::Debug for Max<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Max")
            .field("seq", self.inner.seq())
            .field("max", &self.inner.consumer().and_then(Extremum::best))
            .finish()
    }
}

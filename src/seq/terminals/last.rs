//! [`Seq::last`]'s future.

use std::fmt;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Drain, drain_future};
use crate::seq::terminals::first::{Pick, Which};

pin_project! {
    /// Future returned by [`Seq::last`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Last<S: Seq> {
        #[pin]
        inner: Drain<S, Pick<S::Item>>,
    }
}

impl<S: Seq> Last<S> {
    pub(crate) fn new(seq: S) -> Self {
        Last {
            inner: Drain::new(seq, Pick::new(Which::Last)),
        }
    }
}

drain_future!(impl<S> Future for Last<S> where [S: Seq] => Option<S::Item>);

impl<S: Seq + fmt::Debug> fmt::Debug for Last<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Last")
            .field("seq", self.inner.seq())
            .field("last", &self.inner.consumer().and_then(Pick::item))
            .finish()
    }
}

//! [`Seq::last`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use super::Seq;
use super::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::last`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Last<S: Seq> {
        #[pin]
        inner: Drain<S, LastSeen<S::Item>>,
    }
}

impl<S: Seq> Last<S> {
    pub(crate) fn new(seq: S) -> Self {
        Last {
            inner: Drain::new(seq, LastSeen(None)),
        }
    }
}

struct LastSeen<T>(Option<T>);

impl<T> Consumer<T> for LastSeen<T> {
    type Output = Option<T>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        self.0 = Some(item);
        ControlFlow::Continue(())
    }

    fn finish(self) -> Option<T> {
        self.0
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
            .field("last", &self.inner.consumer().map(|c| &c.0))
            .finish()
    }
}

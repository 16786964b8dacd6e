//! [`Seq::first`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use super::Seq;
use super::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::first`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct First<S: Seq> {
        #[pin]
        inner: Drain<S, FirstSeen<S::Item>>,
    }
}

impl<S: Seq> First<S> {
    pub(crate) fn new(seq: S) -> Self {
        First {
            inner: Drain::new(seq, FirstSeen(None)),
        }
    }
}

struct FirstSeen<T>(Option<T>);

impl<T> Consumer<T> for FirstSeen<T> {
    type Output = Option<T>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        self.0 = Some(item);
        ControlFlow::Break(())
    }

    fn finish(self) -> Option<T> {
        self.0
    }
}

drain_future!(impl<S> Future for First<S> where [S: Seq] => Option<S::Item>);

impl<S: Seq + fmt::Debug> fmt::Debug for First<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("First")
            .field("seq", self.inner.seq())
            .field("first", &self.inner.consumer().map(|c| &c.0))
            .finish()
    }
}

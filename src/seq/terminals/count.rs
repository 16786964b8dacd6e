//! [`Seq::count`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::count`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Count<S> {
        #[pin]
        inner: Drain<S, Counter>,
    }
}

impl<S> Count<S> {
    pub(crate) fn new(seq: S) -> Self {
        Count {
            inner: Drain::new(seq, Counter(0)),
        }
    }
}

struct Counter(usize);

impl<T> Consumer<T> for Counter {
    type Output = usize;

    fn push(&mut self, _item: T) -> ControlFlow<()> {
        self.0 += 1;
        ControlFlow::Continue(())
    }

    fn finish(self) -> usize {
        self.0
    }
}

drain_future!(impl<S> Future for Count<S> where [S: Seq] => usize);

impl<S: fmt::Debug> fmt::Debug for Count<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Count")
            .field("seq", self.inner.seq())
            .field("count", &self.inner.consumer().map(|c| c.0))
            .finish()
    }
}

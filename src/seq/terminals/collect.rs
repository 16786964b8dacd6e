//! [`Seq::collect`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::collect`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Collect<S, C> {
        #[pin]
        inner: Drain<S, Collector<C>>,
    }
}

impl<S, C: Default> Collect<S, C> {
    pub(crate) fn new(seq: S) -> Self {
        Collect {
            inner: Drain::new(seq, Collector(C::default())),
        }
    }
}

struct Collector<C>(C);

impl<T, C: Extend<T>> Consumer<T> for Collector<C> {
    type Output = C;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        self.0.extend(Some(item));
        ControlFlow::Continue(())
    }

    fn finish(self) -> C {
        self.0
    }
}

drain_future!(impl<S, C> Future for Collect<S, C> where [S: Seq, C: Extend<S::Item>] => C);

impl<S: fmt::Debug, C: fmt::Debug> fmt::Debug for Collect<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collect")
            .field("seq", self.inner.seq())
            .field("collection", &self.inner.consumer().map(|c| &c.0))
            .finish()
    }
}

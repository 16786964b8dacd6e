//! [`Seq::find`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::find`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Find<S: Seq, P> {
        #[pin]
        inner: Drain<S, Finder<S::Item, P>>,
    }
}

impl<S: Seq, P> Find<S, P> {
    pub(crate) fn new(seq: S, pred: P) -> Self {
        Find {
            inner: Drain::new(seq, Finder { found: None, pred }),
        }
    }
}

struct Finder<T, P> {
    found: Option<T>,
    pred: P,
}

impl<T, P: FnMut(&T) -> bool> Consumer<T> for Finder<T, P> {
    type Output = Option<T>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        if (self.pred)(&item) {
            self.found = Some(item);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn finish(self) -> Option<T> {
        self.found
    }
}

drain_future!(impl<S, P> Future for Find<S, P> where [S: Seq, P: FnMut(&S::Item) -> bool] => Option<S::Item>);

impl<S: Seq + fmt::Debug, P> fmt::Debug for Find<S, P>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Find")
            .field("seq", self.inner.seq())
            .field("found", &self.inner.consumer().map(|c| &c.found))
            .finish()
    }
}

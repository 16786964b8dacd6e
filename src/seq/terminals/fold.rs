//! [`Seq::fold`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::fold`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Fold<S, B, F> {
        #[pin]
        inner: Drain<S, Folder<B, F>>,
    }
}

impl<S, B, F> Fold<S, B, F> {
    pub(crate) fn new(seq: S, init: B, f: F) -> Self {
        Fold {
            inner: Drain::new(seq, Folder { acc: Some(init), f }),
        }
    }
}

struct Folder<B, F> {
    // `None` only while `f` runs.
    acc: Option<B>,
    f: F,
}

impl<T, B, F: FnMut(B, T) -> B> Consumer<T> for Folder<B, F> {
    type Output = B;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        let acc = self
            .acc
            .take()
            .expect("accumulator is present between calls");
        self.acc = Some((self.f)(acc, item));
        ControlFlow::Continue(())
    }

    fn finish(self) -> B {
        self.acc.expect("accumulator is present between calls")
    }
}

drain_future!(impl<S, B, F> Future for Fold<S, B, F> where [S: Seq, F: FnMut(B, S::Item) -> B] => B);

impl<S: fmt::Debug, B: fmt::Debug, F> fmt::Debug for Fold<S, B, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fold")
            .field("seq", self.inner.seq())
            .field("acc", &self.inner.consumer().and_then(|c| c.acc.as_ref()))
            .finish()
    }
}

//! [`Seq::try_collect`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::engine::drain::{Consumer, Drain, drain_future};
use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Future returned by [`Seq::try_collect`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryCollect<S: TrySeq, C> {
        #[pin]
        inner: Drain<S, OkCollector<C, S::Error>>,
    }
}

impl<S: TrySeq, C: Default> TryCollect<S, C> {
    pub(crate) fn new(seq: S) -> Self {
        TryCollect {
            inner: Drain::new(
                seq,
                OkCollector {
                    items: C::default(),
                    error: None,
                },
            ),
        }
    }
}

struct OkCollector<C, E> {
    items: C,
    error: Option<E>,
}

impl<T, E, C: Extend<T>> Consumer<Result<T, E>> for OkCollector<C, E> {
    type Output = Result<C, E>;

    fn push(&mut self, item: Result<T, E>) -> ControlFlow<()> {
        match item {
            Ok(item) => {
                self.items.extend(Some(item));
                ControlFlow::Continue(())
            }
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn finish(self) -> Result<C, E> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.items),
        }
    }
}

drain_future!(impl<S, C> Future for TryCollect<S, C> where [S: TrySeq + Seq, C: Extend<S::Ok>] => Result<C, S::Error>);

impl<S: TrySeq + fmt::Debug, C: fmt::Debug> fmt::Debug for TryCollect<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryCollect")
            .field("seq", self.inner.seq())
            .field("collection", &self.inner.consumer().map(|c| &c.items))
            .finish()
    }
}

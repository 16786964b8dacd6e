//! [`Seq::collect_at_most`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::Error;
use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::collect_at_most`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct CollectAtMost<S, C> {
        #[pin]
        inner: Drain<S, Bounded<C>>,
    }
}

impl<S, C: Default> CollectAtMost<S, C> {
    pub(crate) fn new(seq: S, max: usize) -> Self {
        CollectAtMost {
            inner: Drain::new(
                seq,
                Bounded {
                    collection: C::default(),
                    len: 0,
                    max,
                    overflowed: false,
                },
            ),
        }
    }
}

/// Collects up to `max` elements; one more is an overflow.
struct Bounded<C> {
    collection: C,
    len: usize,
    max: usize,
    overflowed: bool,
}

impl<T, C: Extend<T>> Consumer<T> for Bounded<C> {
    type Output = Result<C, Error>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        if self.len == self.max {
            // Element `max + 1`: drop it, stop the producer.
            self.overflowed = true;
            return ControlFlow::Break(());
        }
        self.collection.extend(Some(item));
        self.len += 1;
        ControlFlow::Continue(())
    }

    fn finish(self) -> Result<C, Error> {
        if self.overflowed {
            Err(Error::TooMany { max: self.max })
        } else {
            Ok(self.collection)
        }
    }
}

drain_future!(impl<S, C> Future for CollectAtMost<S, C> where [S: Seq, C: Extend<S::Item>] => Result<C, Error>);

impl<S: fmt::Debug, C: fmt::Debug> fmt::Debug for CollectAtMost<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bounded = self.inner.consumer();
        f.debug_struct("CollectAtMost")
            .field("seq", self.inner.seq())
            .field("collection", &bounded.map(|b| &b.collection))
            .field("max", &bounded.map(|b| b.max))
            .finish()
    }
}

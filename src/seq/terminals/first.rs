//! [`Seq::first`]'s future, and the one-element pick it shares with
//! [`Seq::last`].

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::Seq;
use crate::seq::engine::drain::{Consumer, Drain, drain_future};

pin_project! {
    /// Future returned by [`Seq::first`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct First<S: Seq> {
        #[pin]
        inner: Drain<S, Pick<S::Item>>,
    }
}

impl<S: Seq> First<S> {
    pub(crate) fn new(seq: S) -> Self {
        First {
            inner: Drain::new(seq, Pick::new(Which::First)),
        }
    }
}

/// Which element [`Pick`] keeps.
#[derive(Clone, Copy)]
pub(crate) enum Which {
    /// The first; stop the producer right after it.
    First,
    /// The last; see every element.
    Last,
}

/// Keeps one element: the first or the last.
pub(crate) struct Pick<T> {
    item: Option<T>,
    which: Which,
}

impl<T> Pick<T> {
    pub(crate) fn new(which: Which) -> Self {
        Pick { item: None, which }
    }

    pub(crate) fn item(&self) -> Option<&T> {
        self.item.as_ref()
    }
}

impl<T> Consumer<T> for Pick<T> {
    type Output = Option<T>;

    fn push(&mut self, item: T) -> ControlFlow<()> {
        self.item = Some(item);
        match self.which {
            Which::First => ControlFlow::Break(()),
            Which::Last => ControlFlow::Continue(()),
        }
    }

    fn finish(self) -> Option<T> {
        self.item
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
            .field("first", &self.inner.consumer().and_then(Pick::item))
            .finish()
    }
}

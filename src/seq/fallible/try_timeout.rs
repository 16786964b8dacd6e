//! [`Seq::try_timeout`]: a time limit on each element of a fallible
//! sequence.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::Error;
use crate::seq::{Seq, Timeout};

pin_project! {
    /// Sequence returned by [`Seq::try_timeout`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryTimeout<S> {
        #[pin]
        inner: Timeout<S>,
    }
}

impl<S> TryTimeout<S> {
    pub(crate) fn new(seq: S, per_item: Duration) -> Self {
        TryTimeout {
            inner: Timeout::new(seq, per_item),
        }
    }

    /// Returns the time limit for each element.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Seq};
    ///
    /// let s = seq::iter([Ok::<u8, seqflow::Error>(1)]).try_timeout(Duration::from_secs(2));
    /// assert_eq!(s.per_item(), Duration::from_secs(2));
    /// ```
    pub fn per_item(&self) -> Duration {
        self.inner.per_item()
    }
}

impl<S, T, E> Seq for TryTimeout<S>
where
    S: Seq<Item = Result<T, E>>,
    E: From<Error>,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        self.project().inner.poll_next(cx).map(|next| {
            next.map(|checked| match checked {
                Ok(item) => item,
                Err(late) => Err(late.into()),
            })
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: fmt::Debug> fmt::Debug for TryTimeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same state as `Timeout`'s, under this type's name.
        f.debug_struct("TryTimeout")
            .field("inner", &self.inner)
            .finish()
    }
}

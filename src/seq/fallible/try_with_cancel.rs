//! [`Seq::try_with_cancel`]: end a fallible sequence with an error when a
//! cancellation token fires.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::seq::{Seq, WithCancel};

pin_project! {
    /// Sequence returned by [`Seq::try_with_cancel`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryWithCancel<S> {
        #[pin]
        inner: WithCancel<S>,
    }
}

impl<S> TryWithCancel<S> {
    pub(crate) fn new(seq: S, token: CancellationToken) -> Self {
        TryWithCancel {
            inner: WithCancel::new(seq, token),
        }
    }

    /// Returns the cancellation token.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_util::sync::CancellationToken;
    /// use seqflow::{seq, Seq};
    ///
    /// let token = CancellationToken::new();
    /// let s = seq::iter([Ok::<u8, seqflow::Error>(1)]).try_with_cancel(token.clone());
    /// assert!(!s.token().is_cancelled());
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.inner.token()
    }
}

impl<S, T, E> Seq for TryWithCancel<S>
where
    S: Seq<Item = Result<T, E>>,
    E: From<Error>,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        self.project().inner.poll_next_checked(cx).map(|next| {
            next.map(|checked| match checked {
                Ok(item) => item,
                Err(cancelled) => Err(cancelled.into()),
            })
        })
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // One more for the error a cancellation adds.
        let (_, upper) = self.inner.size_hint();
        (0, upper.and_then(|upper| upper.checked_add(1)))
    }
}

impl<S: fmt::Debug> fmt::Debug for TryWithCancel<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same state as `WithCancel`'s, under this type's name.
        f.debug_struct("TryWithCancel")
            .field("inner", &self.inner)
            .finish()
    }
}

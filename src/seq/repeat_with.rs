//! [`repeat_with`]: an endless sequence from a closure.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::task::coop;

use super::Seq;

/// Creates an endless sequence that calls `f` for each element.
///
/// Like [`std::iter::repeat_with`]; pair it with [`Seq::take`] or another
/// adapter that stops. Stopping drops `f`.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut n = 1;
/// let powers = seq::repeat_with(move || {
///     let v = n;
///     n *= 2;
///     v
/// });
/// assert_eq!(powers.take(4).collect::<Vec<_>>().await, [1, 2, 4, 8]);
/// # }
/// ```
pub fn repeat_with<T, F: FnMut() -> T>(f: F) -> RepeatWith<F> {
    RepeatWith { f: Some(f) }
}

/// Sequence returned by [`repeat_with`].
#[derive(Clone)]
#[must_use = "sequences do nothing unless consumed"]
pub struct RepeatWith<F> {
    // `None` once stopped.
    f: Option<F>,
}

impl<F> Unpin for RepeatWith<F> {}

impl<T, F: FnMut() -> T> Seq for RepeatWith<F> {
    type Item = T;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(f) = self.f.as_mut() else {
            return Poll::Ready(None);
        };
        // One unit of the task's cooperative budget per element (contract 21).
        ready!(coop::poll_proceed(cx)).made_progress();
        Poll::Ready(Some(f()))
    }

    fn poll_stop(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.f = None;
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.f {
            Some(_) => (usize::MAX, None),
            None => (0, Some(0)),
        }
    }
}

impl<F> fmt::Debug for RepeatWith<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepeatWith")
            .field("stopped", &self.f.is_none())
            .finish()
    }
}

//! [`repeat_with`]: an endless sequence from a closure.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::seq::Seq;
use crate::seq::engine::budget::Budget;

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
    RepeatWith {
        f: Some(f),
        budget: Budget::default(),
    }
}

/// Sequence returned by [`repeat_with`].
#[derive(Clone)]
#[must_use = "sequences do nothing unless consumed"]
pub struct RepeatWith<F> {
    // `None` once stopped.
    f: Option<F>,
    budget: Budget,
}

impl<F> Unpin for RepeatWith<F> {}

impl<T, F: FnMut() -> T> Seq for RepeatWith<F> {
    type Item = T;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        let Some(f) = this.f.as_mut() else {
            return Poll::Ready(None);
        };
        // tokio's cooperative budget, one unit per `Budget::BATCH` elements
        // (contract 21; see `budget.rs`).
        ready!(this.budget.poll_proceed(cx));
        this.budget.made_progress();
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

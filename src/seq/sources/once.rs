//! [`once`]: a sequence of one element.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;

/// Creates a sequence that yields `value` once.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(seq::once("only").collect::<Vec<_>>().await, ["only"]);
/// # }
/// ```
pub fn once<T>(value: T) -> Once<T> {
    Once { value: Some(value) }
}

/// Sequence returned by [`once`].
#[derive(Clone)]
#[must_use = "sequences do nothing unless consumed"]
pub struct Once<T> {
    value: Option<T>,
}

impl<T> Unpin for Once<T> {}

impl<T> Seq for Once<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Ready(self.value.take())
    }

    fn poll_stop(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.value = None;
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.value.is_some());
        (n, Some(n))
    }
}

impl<T: fmt::Debug> fmt::Debug for Once<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").field("value", &self.value).finish()
    }
}

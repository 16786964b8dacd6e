//! [`iter`]: a sequence over any `IntoIterator`.

use std::fmt;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::seq::Seq;
use crate::seq::engine::budget::Budget;

/// Creates a sequence that yields the items of an iterator.
///
/// Every element is ready at once. Stopping drops the iterator (its `Drop`
/// is its cleanup). The sequence is `Clone` when the iterator is, and
/// forwards its `size_hint`.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let s = seq::iter(vec!["a", "b"]);
/// assert_eq!(s.size_hint(), (2, Some(2)));
/// assert_eq!(s.collect::<Vec<_>>().await, ["a", "b"]);
/// # }
/// ```
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter {
        iter: Some(items.into_iter()),
        budget: Budget::default(),
    }
}

/// Sequence returned by [`iter`].
#[derive(Clone)]
#[must_use = "sequences do nothing unless consumed"]
pub struct Iter<I> {
    // `None` once exhausted or stopped.
    iter: Option<I>,
    budget: Budget,
}

impl<I> Unpin for Iter<I> {}

impl<I: Iterator> Seq for Iter<I> {
    type Item = I::Item;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        let this = &mut *self;
        let Some(iter) = this.iter.as_mut() else {
            return Poll::Ready(None);
        };
        // tokio's cooperative budget, one unit per `Budget::BATCH` elements
        // (contract 21; see `budget.rs`).
        ready!(this.budget.poll_proceed(cx));
        this.budget.made_progress();
        let next = iter.next();
        if next.is_none() {
            // Fuse: an iterator may resume after `None`; a sequence may not.
            self.iter = None;
        }
        Poll::Ready(next)
    }

    #[inline]
    fn poll_each<F>(mut self: Pin<&mut Self>, cx: &mut Context<'_>, f: &mut F) -> Poll<Option<()>>
    where
        F: FnMut(I::Item, &mut Context<'_>) -> ControlFlow<()>,
    {
        let this = &mut *self;
        if this.iter.is_none() {
            return Poll::Ready(None);
        }
        // The same budget as `poll_next`, one unit per batch, with the
        // batch's elements handed over in one loop that counts them in a
        // local. The iterator is moved to a local for the loop too: there
        // the compiler keeps its state in registers, where through `self`
        // it reloads and stores it around every call of `f`. `Local` puts
        // it back on every way out, a panic in `f` included.
        let mut local = Local {
            iter: this.iter.take(),
            home: &mut this.iter,
        };
        let Some(iter) = local.iter.as_mut() else {
            unreachable!("checked above")
        };
        loop {
            ready!(this.budget.poll_proceed(cx));
            let mut left = this.budget.take_batch();
            let end = loop {
                left -= 1;
                let Some(item) = iter.next() else {
                    break Some(None);
                };
                if f(item, cx).is_break() {
                    break Some(Some(()));
                }
                if left == 0 {
                    break None;
                }
            };
            this.budget.give_back(left);
            if let Some(end) = end {
                if end.is_none() {
                    // Fuse, as `poll_next`.
                    local.iter = None;
                }
                return Poll::Ready(end);
            }
        }
    }

    fn poll_stop(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.iter = None;
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.as_ref().map_or((0, Some(0)), Iterator::size_hint)
    }
}

/// The iterator of an [`Iter`], moved out for one `poll_each` call and put
/// back when the call ends, however it ends.
struct Local<'a, I> {
    iter: Option<I>,
    home: &'a mut Option<I>,
}

impl<I> Drop for Local<'_, I> {
    #[inline]
    fn drop(&mut self) {
        *self.home = self.iter.take();
    }
}

impl<I: fmt::Debug> fmt::Debug for Iter<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("iter", &self.iter).finish()
    }
}

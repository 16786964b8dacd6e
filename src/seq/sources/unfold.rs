//! [`unfold`]: a sequence from a state and an async step function.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;
use tokio::task::coop;

use crate::seq::Seq;

/// Creates a sequence from a seed state and an async step function.
///
/// `f(state)` resolves to `Some((item, next_state))` to yield `item`, or
/// `None` to end. The first step runs on the first demand for an element.
/// Stopping drops the state and any step in flight.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Walk a chain of page numbers until it runs out.
/// let pages = seq::unfold(Some(1u32), |page| async move {
///     let page = page?;
///     let next = if page < 3 { Some(page + 1) } else { None };
///     Some((page, next))
/// });
/// assert_eq!(pages.collect::<Vec<_>>().await, [1, 2, 3]);
/// # }
/// ```
pub fn unfold<T, St, F, Fut>(init: St, f: F) -> Unfold<St, F, Fut>
where
    F: FnMut(St) -> Fut,
    Fut: Future<Output = Option<(T, St)>>,
{
    Unfold {
        state: Some(init),
        f,
        step: None,
    }
}

pin_project! {
    /// Sequence returned by [`unfold`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Unfold<St, F, Fut> {
        // The state between steps; `None` while a step runs or once ended.
        state: Option<St>,
        f: F,
        #[pin]
        step: Option<Fut>,
    }
}

impl<T, St, F, Fut> Seq for Unfold<St, F, Fut>
where
    F: FnMut(St) -> Fut,
    Fut: Future<Output = Option<(T, St)>>,
{
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut this = self.project();
        if let Some(state) = this.state.take() {
            this.step.set(Some((this.f)(state)));
        }
        let Some(step) = this.step.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        // One unit of the task's cooperative budget per element (contract
        // 21), given back if the step waits.
        let budget = ready!(coop::poll_proceed(cx));
        let out = ready!(step.poll(cx));
        budget.made_progress();
        this.step.set(None);
        Poll::Ready(out.map(|(item, next)| {
            *this.state = Some(next);
            item
        }))
    }

    fn poll_stop(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.state = None;
        this.step.set(None);
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state.is_none() && self.step.is_none() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<St: fmt::Debug, F, Fut> fmt::Debug for Unfold<St, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unfold")
            .field("state", &self.state)
            .field("step_running", &self.step.is_some())
            .finish()
    }
}

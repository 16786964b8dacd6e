//! [`Seq::try_fold`]'s future.

use std::fmt;
use std::ops::ControlFlow;

use pin_project_lite::pin_project;

use crate::seq::engine::drain::{Consumer, Drain, drain_future};
use crate::seq::{Seq, TrySeq};

pin_project! {
    /// Future returned by [`Seq::try_fold`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryFold<S: TrySeq, B, F> {
        #[pin]
        inner: Drain<S, TryFolder<B, F, S::Error>>,
    }
}

impl<S: TrySeq, B, F> TryFold<S, B, F> {
    pub(crate) fn new(seq: S, init: B, f: F) -> Self {
        TryFold {
            inner: Drain::new(
                seq,
                TryFolder {
                    acc: Some(init),
                    f,
                    error: None,
                },
            ),
        }
    }
}

struct TryFolder<B, F, E> {
    // `None` only while `f` runs, and after an error.
    acc: Option<B>,
    f: F,
    // The first error; once set, the producer is being stopped.
    error: Option<E>,
}

impl<T, E, B, F: FnMut(B, T) -> Result<B, E>> Consumer<Result<T, E>> for TryFolder<B, F, E> {
    type Output = Result<B, E>;

    fn push(&mut self, item: Result<T, E>) -> ControlFlow<()> {
        let step = match item {
            Ok(item) => {
                let acc = self
                    .acc
                    .take()
                    .expect("accumulator is present between calls");
                (self.f)(acc, item)
            }
            Err(e) => Err(e),
        };
        match step {
            Ok(acc) => {
                self.acc = Some(acc);
                ControlFlow::Continue(())
            }
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn finish(self) -> Result<B, E> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.acc.expect("accumulator is present without an error")),
        }
    }
}

drain_future!(impl<S, B, F> Future for TryFold<S, B, F> where [S: TrySeq + Seq, F: FnMut(B, S::Ok) -> Result<B, S::Error>] => Result<B, S::Error>);

impl<S: TrySeq + fmt::Debug, B: fmt::Debug, F> fmt::Debug for TryFold<S, B, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let consumer = self.inner.consumer();
        f.debug_struct("TryFold")
            .field("seq", self.inner.seq())
            .field("acc", &consumer.and_then(|c| c.acc.as_ref()))
            .field("failed", &consumer.is_some_and(|c| c.error.is_some()))
            .finish()
    }
}

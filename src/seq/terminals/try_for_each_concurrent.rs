//! [`Seq::try_for_each_concurrent`](crate::seq::Seq::try_for_each_concurrent)'s
//! future: up to `limit` fallible bodies at once, ending at the first error.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::stream::FuturesUnordered;
use pin_project_lite::pin_project;

use crate::seq::TrySeq;
use crate::seq::engine::concurrent::{Guarded, InFlight, Queue};

pin_project! {
    /// Future returned by [`Seq::try_for_each_concurrent`](crate::seq::Seq::try_for_each_concurrent).
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TryForEachConcurrent<S: TrySeq, F, Fut> {
        #[pin]
        seq: S,
        f: F,
        // The bodies in flight (the engine's queue: a panicking `Drop` of
        // one leaks none of the others).
        in_flight: Queue<FuturesUnordered<Guarded<Fut>>>,
        limit: usize,
        // The source has returned `None` or finished its stop.
        seq_done: bool,
        // The first error; once set, the source is being stopped.
        error: Option<S::Error>,
    }
}

impl<S: TrySeq, F, Fut> TryForEachConcurrent<S, F, Fut> {
    /// `limit` is checked by the `Seq` method that builds it.
    pub(crate) fn new(seq: S, limit: usize, f: F) -> Self {
        TryForEachConcurrent {
            seq,
            f,
            in_flight: Queue::new(FuturesUnordered::new()),
            limit,
            seq_done: false,
            error: None,
        }
    }
}

impl<S, F, Fut> Future for TryForEachConcurrent<S, F, Fut>
where
    S: TrySeq,
    F: FnMut(S::Ok) -> Fut,
    Fut: Future<Output = Result<(), S::Error>>,
{
    type Output = Result<(), S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if this.error.is_some() {
                // Failed: the bodies in flight were dropped; the source's
                // pending `yield_` resolves to `false` and its cleanup runs
                // before the error is returned.
                if !*this.seq_done {
                    ready!(this.seq.as_mut().poll_stop(cx));
                    *this.seq_done = true;
                }
                let e = this.error.take().expect("checked above");
                return Poll::Ready(Err(e));
            }
            let mut progress = false;
            // One element per round, into a free slot (futures'
            // `try_for_each_concurrent`): an `Err` element ends it at once,
            // before any later element is asked for.
            if !*this.seq_done && this.in_flight.get().len() < *this.limit {
                match this.seq.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(item))) => {
                        this.in_flight.get_mut().push((this.f)(item));
                        progress = true;
                    }
                    Poll::Ready(Some(Err(e))) => {
                        fail(this.in_flight, this.error, e);
                        continue;
                    }
                    Poll::Ready(None) => *this.seq_done = true,
                    Poll::Pending => {}
                }
            }
            match InFlight::poll_next(this.in_flight.get_mut(), cx) {
                Poll::Ready(Some(Ok(()))) => progress = true,
                Poll::Ready(Some(Err(e))) => {
                    fail(this.in_flight, this.error, e);
                    continue;
                }
                Poll::Ready(None) if *this.seq_done => return Poll::Ready(Ok(())),
                Poll::Ready(None) | Poll::Pending => {}
            }
            if !progress {
                // The source and every body in flight wait, and will wake
                // the task.
                return Poll::Pending;
            }
        }
    }
}

/// The first error: drops the bodies in flight (their outputs are lost)
/// and keeps the error for after the source's stop.
fn fail<Fut: Future, E>(
    in_flight: &mut Queue<FuturesUnordered<Guarded<Fut>>>,
    error: &mut Option<E>,
    e: E,
) {
    *error = Some(e);
    in_flight.clear(FuturesUnordered::new());
}

impl<S: TrySeq + fmt::Debug, F, Fut> fmt::Debug for TryForEachConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryForEachConcurrent")
            .field("seq", &self.seq)
            .field("limit", &self.limit)
            .field("in_flight", &self.in_flight.get().len())
            .field("failed", &self.error.is_some())
            .finish()
    }
}

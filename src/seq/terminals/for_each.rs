//! [`Seq::for_each`]'s future.

use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

pin_project! {
    /// Future returned by [`Seq::for_each`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ForEach<S, F, Fut> {
        #[pin]
        seq: S,
        body: F,
        // The body running for the current element.
        #[pin]
        running: Option<Fut>,
        stopping: bool,
    }
}

impl<S, F, Fut> ForEach<S, F, Fut> {
    pub(crate) fn new(seq: S, body: F) -> Self {
        ForEach {
            seq,
            body,
            running: None,
            stopping: false,
        }
    }
}

impl<S, F, Fut> Future for ForEach<S, F, Fut>
where
    S: Seq,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = bool>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // Resuming: a body that was pending, or a stop under way.
        if let Some(running) = this.running.as_mut().as_pin_mut() {
            let go_on = ready!(running.poll(cx));
            this.running.set(None);
            if !go_on {
                *this.stopping = true;
            }
        }
        if *this.stopping {
            // The body broke: the producer's pending `yield_` resolves to
            // `false`; finish only once it has returned.
            return this.seq.as_mut().poll_stop(cx);
        }
        // The per-element loop, inside the sequence (`poll_each`): each
        // element's body is polled at once; a body that waits, or one that
        // returns `false`, ends the loop.
        loop {
            let running = &mut this.running;
            let body = &mut *this.body;
            let stopping = &mut *this.stopping;
            let each = this.seq.as_mut().poll_each(cx, &mut |item, cx| {
                running.set(Some(body(item)));
                let fut = running.as_mut().as_pin_mut().expect("just set");
                match fut.poll(cx) {
                    Poll::Ready(go_on) => {
                        running.set(None);
                        if go_on {
                            ControlFlow::Continue(())
                        } else {
                            *stopping = true;
                            ControlFlow::Break(())
                        }
                    }
                    // The body waits: it is resumed by the next poll.
                    Poll::Pending => ControlFlow::Break(()),
                }
            });
            if ready!(each).is_none() {
                return Poll::Ready(());
            }
            if *this.stopping {
                return this.seq.as_mut().poll_stop(cx);
            }
            if this.running.is_some() {
                return Poll::Pending;
            }
            // The sequence paused the hand-off by itself (a `take` that
            // reached its count): ask again.
        }
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for ForEach<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForEach")
            .field("seq", &self.seq)
            .field("body_running", &self.running.is_some())
            .field("stopping", &self.stopping)
            .finish()
    }
}

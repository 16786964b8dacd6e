//! The engine behind the terminal operations that take plain closures
//! (`collect`, `fold`, `count`, `find`, ...): pull elements, feed them to a
//! [`Consumer`], and stop the producer when the consumer has seen enough.

use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::seq::Seq;

/// The synchronous part of a terminal operation.
pub(crate) trait Consumer<T> {
    type Output;

    /// Takes one element; `Break` stops the producer.
    fn push(&mut self, item: T) -> ControlFlow<()>;

    /// The result, once the producer has returned.
    fn finish(self) -> Self::Output;
}

pin_project! {
    /// Future that feeds a sequence into a [`Consumer`].
    pub(crate) struct Drain<S, C> {
        #[pin]
        seq: S,
        consumer: Option<C>,
        stopping: bool,
    }
}

impl<S, C> Drain<S, C> {
    pub(crate) fn new(seq: S, consumer: C) -> Self {
        Drain {
            seq,
            consumer: Some(consumer),
            stopping: false,
        }
    }

    pub(crate) fn seq(&self) -> &S {
        &self.seq
    }

    pub(crate) fn consumer(&self) -> Option<&C> {
        self.consumer.as_ref()
    }
}

impl<S: Seq, C: Consumer<S::Item>> Drain<S, C> {
    #[inline]
    pub(crate) fn poll_drain(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let mut this = self.project();
        if !*this.stopping {
            let consumer = this
                .consumer
                .as_mut()
                .expect("terminal future polled after completion");
            // The elements come through `poll_each`, many per call.
            loop {
                let stopping = &mut *this.stopping;
                let each = this.seq.as_mut().poll_each(cx, &mut |item, _| {
                    let flow = consumer.push(item);
                    if flow.is_break() {
                        *stopping = true;
                    }
                    flow
                });
                match ready!(each) {
                    None => {
                        let consumer = this.consumer.take().expect("checked above");
                        return Poll::Ready(consumer.finish());
                    }
                    Some(()) if *this.stopping => break,
                    // The sequence paused the hand-off by itself (a `take`
                    // that reached its count): ask again.
                    Some(()) => {}
                }
            }
        }
        ready!(this.seq.as_mut().poll_stop(cx));
        let consumer = this
            .consumer
            .take()
            .expect("terminal future polled after completion");
        Poll::Ready(consumer.finish())
    }
}

/// Implements `Future` for a terminal future whose `inner` field is a
/// pinned [`Drain`]:
/// `drain_future!(impl<S> Future for Count<S> where [S: Seq] => usize);`
macro_rules! drain_future {
    (impl<$($p:ident),*> Future for $name:ty where [$($bounds:tt)*] => $out:ty) => {
        impl<$($p),*> std::future::Future for $name
        where
            $($bounds)*
        {
            type Output = $out;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<$out> {
                self.project().inner.poll_drain(cx)
            }
        }
    };
}
pub(crate) use drain_future;

//! A loom model of the hand-off of `seq::from_blocking`
//! (`src/seq/sources/from_blocking/slot.rs`), compiled a second time on loom's
//! primitives: every interleaving (up to a preemption bound) of a
//! producer thread and a consumer task delivers each element exactly once,
//! in order, never loses a wake-up (loom reports a deadlock if a side sleeps
//! for ever), and a stop always releases the producer.

use std::future::poll_fn;
use std::task::Poll;

use loom::sync::Arc;

// The real hand-off's file, compiled here on loom's primitives.
#[path = "../../src/seq/sources/from_blocking/slot.rs"]
#[allow(dead_code, unreachable_pub)]
mod slot;

use self::slot::{End, Offered, Shared, Taken};

mod sync {
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

    // One re-check: enough to explore both the spinning and the sleeping
    // paths without an unbounded state space.
    pub(crate) const SPINS: u32 = 1;

    pub(crate) fn spin_hint() {
        loom::thread::yield_now();
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Produces `n` elements (each must be taken), then returns.
fn producer(shared: Arc<Shared<u32>>, n: u32) -> loom::thread::JoinHandle<()> {
    loom::thread::spawn(move || {
        for i in 0..n {
            assert!(
                matches!(shared.offer(i), Offered::Taken),
                "no stop was sent"
            );
        }
        shared.finish(End::Returned);
    })
}

fn take_all(shared: &Shared<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    loom::future::block_on(poll_fn(|cx| {
        loop {
            match shared.poll_take(cx) {
                Poll::Ready(Taken::Item(v)) => got.push(v),
                Poll::Ready(Taken::Returned) => return Poll::Ready(()),
                Poll::Ready(Taken::Panicked(_)) => panic!("no panic was sent"),
                Poll::Pending => return Poll::Pending,
            }
        }
    }));
    got
}

#[test]
fn rendezvous_delivers_every_element_in_order() {
    model(|| {
        let shared = Arc::new(Shared::new(0));
        let thread = producer(shared.clone(), 2);
        assert_eq!(take_all(&shared), [0, 1]);
        thread.join().unwrap();
    });
}

#[test]
fn buffered_delivers_every_element_in_order() {
    model(|| {
        let shared = Arc::new(Shared::new(1));
        let thread = producer(shared.clone(), 3);
        assert_eq!(take_all(&shared), [0, 1, 2]);
        thread.join().unwrap();
    });
}

#[test]
fn stop_releases_a_waiting_producer_and_waits_for_its_end() {
    model(|| {
        let shared = Arc::new(Shared::new(0));
        let thread = {
            let shared = shared.clone();
            loom::thread::spawn(move || {
                let mut heard = false;
                for i in 0..3 {
                    if let Offered::Stopped = shared.offer(i) {
                        heard = true;
                        break;
                    }
                }
                shared.finish(End::Returned);
                heard
            })
        };
        // Take one element (or see the end), then stop.
        let first = loom::future::block_on(poll_fn(|cx| shared.poll_take(cx)));
        assert!(matches!(first, Taken::Item(0)));
        shared.stop();
        let end = loom::future::block_on(poll_fn(|cx| shared.poll_end(cx)));
        assert!(end.is_none());
        assert!(thread.join().unwrap(), "the producer heard the stop");
    });
}

#[test]
fn a_panic_reaches_the_waiting_consumer() {
    model(|| {
        let shared = Arc::new(Shared::<u32>::new(0));
        let thread = {
            let shared = shared.clone();
            loom::thread::spawn(move || shared.finish(End::Panicked(Box::new("boom"))))
        };
        let got = loom::future::block_on(poll_fn(|cx| shared.poll_take(cx)));
        assert!(matches!(got, Taken::Panicked(_)));
        thread.join().unwrap();
    });
}

#[test]
fn buffered_stop_drops_the_queue_and_releases_the_producer() {
    model(|| {
        let shared = Arc::new(Shared::new(1));
        let thread = {
            let shared = shared.clone();
            loom::thread::spawn(move || {
                let mut offered = 0;
                for i in 0..4 {
                    offered += 1;
                    if let Offered::Stopped = shared.offer(i) {
                        break;
                    }
                }
                shared.finish(End::Returned);
                offered
            })
        };
        // Stop without taking anything: the producer, at most `1 + 1`
        // ahead, is released and ends.
        shared.stop();
        let end = loom::future::block_on(poll_fn(|cx| shared.poll_end(cx)));
        assert!(end.is_none());
        assert!(thread.join().unwrap() <= 3);
    });
}

#[test]
fn drop_without_waiting_still_releases_the_producer() {
    model(|| {
        let shared = Arc::new(Shared::new(0));
        let thread = producer_until_stopped(shared.clone());
        // The consumer's `Drop`: stop, and never wait.
        shared.stop();
        drop(shared);
        thread.join().unwrap();
    });
}

/// Offers until told to stop, then returns.
fn producer_until_stopped(shared: Arc<Shared<u32>>) -> loom::thread::JoinHandle<()> {
    loom::thread::spawn(move || {
        let mut i = 0;
        while let Offered::Taken = shared.offer(i) {
            i += 1;
        }
        shared.finish(End::Returned);
    })
}

/// Counts its drops (on std's atomic: only read after the threads synchronized).
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn every_element_made_is_dropped_when_the_stop_completes() {
    model(|| {
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let shared = Arc::new(Shared::new(2));
        let thread = {
            let (shared, dropped) = (shared.clone(), dropped.clone());
            loom::thread::spawn(move || {
                let mut made = 0;
                for _ in 0..3 {
                    made += 1;
                    if let Offered::Stopped = shared.offer(Counted(dropped.clone())) {
                        break;
                    }
                }
                // As `from_blocking` does after `f` returned.
                drop(shared.take_undelivered());
                shared.finish(End::Returned);
                made
            })
        };
        let first = loom::future::block_on(poll_fn(|cx| shared.poll_take(cx)));
        assert!(matches!(first, Taken::Item(_)));
        drop(first);
        shared.stop();
        let end = loom::future::block_on(poll_fn(|cx| shared.poll_end(cx)));
        assert!(end.is_none());
        // The producer touches no element after it reported its end.
        let seen = dropped.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            seen,
            thread.join().unwrap(),
            "every element made was dropped"
        );
    });
}

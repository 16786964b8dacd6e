//! A loom model of the prefetch hand-off (`handoff.rs`) and of the task
//! that drives it (`Feed`): loom runs the producer task and the consumer
//! on two threads and explores their interleavings over the hand-off's
//! `Mutex` (bounded by a preemption count).
//!
//! The producer yields `k` elements through a hand-off of capacity `n`
//! (`0`, the rendezvous, included), waiting once in its own sequence; the
//! consumer takes them all, or takes some and then stops, or takes some and
//! then drops its end. Every run checks: each element delivered exactly
//! once and in order; the producer never more than `n` ahead of what the
//! consumer received (one, the element asked for, for `n = 0`); both sides
//! end (a lost wake-up would leave a thread parked for ever, which loom
//! reports as a deadlock); a stopped producer's `poll_stop` ran at most
//! once; every element produced was dropped exactly once.
//!
//! Run it (a release build of its own, in its own target directory):
//!
//! ```sh
//! RUSTFLAGS="--cfg seqflow_loom" cargo test --release --lib --target-dir target/loom loom_model
//! ```
//!
//! `scripts/test-all` runs it with `LOOM_MAX_PREEMPTIONS=2`. For a long
//! soak, raise the bound and let loom explore more interleavings:
//!
//! ```sh
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg seqflow_loom" \
//!     cargo test --release --lib --target-dir target/loom loom_model
//! ```

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use super::handoff::{self, Recv};
use super::{Feed, Overflow};
use crate::Seq;

/// An element that counts its drops.
struct Elem {
    value: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Elem {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// What both sides share, to check.
#[derive(Clone)]
struct Counters {
    produced: Arc<AtomicUsize>,
    consumed: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    stops: Arc<AtomicUsize>,
}

impl Counters {
    fn new() -> Self {
        Counters {
            produced: Arc::new(AtomicUsize::new(0)),
            consumed: Arc::new(AtomicUsize::new(0)),
            drops: Arc::new(AtomicUsize::new(0)),
            stops: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Yields `0..k`; before element `pause_at` it waits once in its own
/// sequence (pending, its waker woken at once: a source whose I/O is
/// ready). Checks at each element that it is at most `ahead` elements
/// ahead of the consumer.
struct Source {
    next: usize,
    k: usize,
    ahead: usize,
    pause_at: usize,
    paused: bool,
    counters: Counters,
}

impl Seq for Source {
    type Item = Elem;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Elem>> {
        let this = self.get_mut();
        if this.next == this.k {
            return Poll::Ready(None);
        }
        if this.next == this.pause_at && !this.paused {
            this.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let produced = this.counters.produced.fetch_add(1, SeqCst) + 1;
        let consumed = this.counters.consumed.load(SeqCst);
        assert!(
            produced - consumed <= this.ahead,
            "{produced} produced, {consumed} received: more than {} ahead",
            this.ahead
        );
        this.next += 1;
        Poll::Ready(Some(Elem {
            value: this.next - 1,
            drops: this.counters.drops.clone(),
        }))
    }

    fn poll_stop(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.counters.stops.fetch_add(1, SeqCst);
        Poll::Ready(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    /// Take every element.
    All,
    /// Take this many, then stop and wait for the producer.
    StopAfter(usize),
    /// Take this many, then drop the receiver.
    DropAfter(usize),
}

fn model(n: usize, k: usize, plan: Plan, spread: bool) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(move || {
        let counters = Counters::new();
        let (tx, mut rx) = handoff::channel::<Elem>(n, Overflow::Suspend, spread);
        let source = Source {
            next: 0,
            k,
            ahead: n.max(1),
            pause_at: 1,
            paused: false,
            counters: counters.clone(),
        };
        let feed = Feed {
            seq: Some(Box::pin(source)),
            tx: Some(tx),
            stopping: false,
        };
        let producer = loom::thread::spawn(move || loom::future::block_on(feed));

        let take = match plan {
            Plan::All => usize::MAX,
            Plan::StopAfter(m) | Plan::DropAfter(m) => m,
        };
        let mut got = 0;
        let mut finished = false;
        while got < take {
            match loom::future::block_on(poll_fn(|cx| rx.poll_recv(cx))) {
                Recv::Item(elem) => {
                    assert_eq!(elem.value, got, "out of order, lost or repeated");
                    got += 1;
                    counters.consumed.fetch_add(1, SeqCst);
                }
                Recv::Finished => {
                    finished = true;
                    break;
                }
                Recv::Panicked(_) => panic!("the producer panicked"),
                Recv::Abandoned => panic!("the producer task was dropped"),
            }
        }
        match plan {
            Plan::All => assert!(finished && got == k, "{got} of {k} delivered"),
            Plan::StopAfter(_) => {
                let panic = loom::future::block_on(poll_fn(|cx| rx.poll_stop(cx)));
                assert!(panic.is_none());
            }
            Plan::DropAfter(_) => drop(rx),
        }
        producer.join().expect("the producer thread ended");

        assert_eq!(got, take.min(k));
        let produced = counters.produced.load(SeqCst);
        assert!(produced >= got && produced <= k);
        let stops = counters.stops.load(SeqCst);
        assert!(stops <= 1, "poll_stop ran {stops} times");
        if stops == 0 {
            // Never stopped: it ran to its end.
            assert_eq!(produced, k, "neither stopped nor finished");
        }
        if finished {
            assert_eq!(stops, 0, "a finished producer was stopped");
        }
        assert_eq!(
            counters.drops.load(SeqCst),
            produced,
            "an element was leaked or dropped twice"
        );
    });
}

// ── capacity 0: the rendezvous ──

#[test]
fn loom_model_rendezvous_all() {
    model(0, 3, Plan::All, false);
}

#[test]
fn loom_model_rendezvous_stop() {
    model(0, 3, Plan::StopAfter(1), false);
}

#[test]
fn loom_model_rendezvous_drop() {
    model(0, 3, Plan::DropAfter(1), false);
}

// ── capacity 1 and 2, on one worker and spreading over two ──

#[test]
fn loom_model_n1_all() {
    model(1, 3, Plan::All, false);
}

#[test]
fn loom_model_n2_all_spread() {
    model(2, 3, Plan::All, true);
}

#[test]
fn loom_model_n1_stop() {
    model(1, 3, Plan::StopAfter(1), false);
}

#[test]
fn loom_model_n2_stop_spread() {
    model(2, 3, Plan::StopAfter(1), true);
}

#[test]
fn loom_model_n1_drop_spread() {
    model(1, 3, Plan::DropAfter(2), true);
}

#[test]
fn loom_model_n2_drop() {
    model(2, 3, Plan::DropAfter(0), false);
}

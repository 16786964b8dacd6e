//! Stress test of the chunked hand-off behind `prefetch`: random element
//! counts, capacities, producer and consumer pauses, and random consumer
//! stops, drops and cancellations, on both runtime flavours. Every element
//! arrives exactly once and in order, every element produced is dropped
//! exactly once (delivered or discarded), the producer always cleans up,
//! and the task count returns to where it started.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use seqflow::{Seq, Yield, seq};
use support::{Counted, alive_tasks, settle_tasks_within};

/// xorshift64*: deterministic, seedable, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, Copy)]
enum Consumer {
    /// Take everything.
    Drain,
    /// `for_each` whose body breaks after `k` elements (a stop).
    Break(usize),
    /// A stream dropped after `k` elements (no stop: the task stops alone).
    Drop(usize),
    /// A consumer future cancelled by a timer, mid-flight.
    Cancel(Duration),
}

#[derive(Debug)]
struct Case {
    len: u32,
    n: usize,
    /// Producer pauses before element `i` when `i % pause_every == 0`.
    pause_every: u32,
    /// The consumer yields after element `i` when `i % slow_every == 0`.
    slow_every: u32,
    consumer: Consumer,
    spawned: bool,
}

impl Case {
    fn random(rng: &mut Rng) -> Case {
        let len = match rng.below(4) {
            0 => rng.below(5) as u32,
            1 => rng.below(200) as u32,
            _ => rng.below(3_000) as u32,
        };
        let n = match rng.below(4) {
            0 => rng.below(3) as usize, // 0: the rendezvous
            1 => 1 + rng.below(16) as usize,
            2 => 64,
            _ => 1 + rng.below(500) as usize,
        };
        let consumer = match rng.below(4) {
            0 => Consumer::Drain,
            1 => Consumer::Break(rng.below(u64::from(len) + 2) as usize),
            2 => Consumer::Drop(rng.below(u64::from(len) + 2) as usize),
            _ => Consumer::Cancel(Duration::from_micros(rng.below(3_000))),
        };
        Case {
            len,
            n,
            pause_every: 1 + rng.below(100) as u32,
            slow_every: 1 + rng.below(100) as u32,
            consumer,
            spawned: rng.below(2) == 0,
        }
    }
}

struct Probe {
    produced: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    started: Arc<AtomicBool>,
    cleaned: Arc<AtomicBool>,
}

fn source(case: &Case, probe: &Probe) -> impl Seq<Item = Counted> + Send + 'static + use<> {
    let (len, pause_every) = (case.len, case.pause_every);
    let produced = probe.produced.clone();
    let dropped = probe.dropped.clone();
    let started = probe.started.clone();
    let cleaned = probe.cleaned.clone();
    seq::from_fn(move |mut y: Yield<Counted>| async move {
        started.store(true, Ordering::SeqCst);
        for i in 0..len {
            if i % pause_every == 0 {
                tokio::task::yield_now().await;
            }
            produced.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(Counted(i, dropped.clone())).await {
                break;
            }
        }
        tokio::task::yield_now().await; // async cleanup
        cleaned.store(true, Ordering::SeqCst);
    })
}

async fn run_case(case: Case) {
    let before = alive_tasks();
    let probe = Probe {
        produced: Arc::new(AtomicUsize::new(0)),
        dropped: Arc::new(AtomicUsize::new(0)),
        started: Arc::new(AtomicBool::new(false)),
        cleaned: Arc::new(AtomicBool::new(false)),
    };
    let s = source(&case, &probe).prefetch(case.n);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let slow_every = case.slow_every;
    let consume = {
        let seen = seen.clone();
        async move {
            match case.consumer {
                Consumer::Drain | Consumer::Break(_) => {
                    let limit = match case.consumer {
                        Consumer::Break(k) => k,
                        _ => usize::MAX,
                    };
                    s.for_each(|c| {
                        let mut seen = seen.lock().unwrap();
                        seen.push(c.0);
                        let go_on = seen.len() < limit;
                        let slow = c.0 % slow_every == 0;
                        async move {
                            if slow {
                                tokio::task::yield_now().await;
                            }
                            go_on
                        }
                    })
                    .await;
                }
                Consumer::Drop(k) => {
                    let mut st = Box::pin(s.stream());
                    while seen.lock().unwrap().len() < k {
                        let Some(c) = st.next().await else { break };
                        seen.lock().unwrap().push(c.0);
                        if c.0 % slow_every == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                    drop(st);
                }
                Consumer::Cancel(after) => {
                    let each = s.for_each(|c| {
                        seen.lock().unwrap().push(c.0);
                        let slow = c.0 % slow_every == 0;
                        async move {
                            if slow {
                                tokio::task::yield_now().await;
                            }
                            true
                        }
                    });
                    let _ = tokio::time::timeout(after, each).await;
                }
            }
        }
    };
    if case.spawned {
        tokio::spawn(consume).await.expect("consumer panicked");
    } else {
        consume.await;
    }

    let seen = seen.lock().unwrap().clone();
    // In order, each exactly once: a prefix of 0..len.
    assert!(
        seen.iter().copied().eq(0..seen.len() as u32),
        "{case:?}: not a prefix in order: {seen:?}"
    );
    let len = case.len as usize;
    match case.consumer {
        Consumer::Drain => assert_eq!(seen.len(), len, "{case:?}"),
        Consumer::Break(k) => {
            assert_eq!(seen.len(), len.min(k.max(1)), "{case:?}");
            // A stop waits for the producer's return.
            assert!(probe.cleaned.load(Ordering::SeqCst), "{case:?}");
        }
        Consumer::Drop(k) => assert_eq!(seen.len(), len.min(k), "{case:?}"),
        Consumer::Cancel(_) => {}
    }
    // Dropped or cancelled consumers: the task finishes on its own.
    let after = settle_tasks_within(before, Duration::from_secs(5)).await;
    assert_eq!(after, before, "{case:?}: task leaked");
    // Every started producer cleaned up, and none other did.
    let started = probe.started.load(Ordering::SeqCst);
    assert_eq!(
        probe.cleaned.load(Ordering::SeqCst),
        started,
        "{case:?}: cleanup"
    );
    // Every consumer but a stream dropped before its first poll started
    // the producer, except a cancelled rendezvous: its producer runs only
    // once the task has seen the demand, and a consumer cancelled before
    // the task was first polled stops a producer that never started (a
    // loaded machine can delay that first poll past the timeout).
    match case.consumer {
        Consumer::Drop(0) => assert!(!started, "{case:?}: started unpolled"),
        Consumer::Cancel(_) if case.n == 0 => {}
        _ => assert!(started, "{case:?}: never started"),
    }
    // The rendezvous (n = 0) may have made the one element a cancelled or
    // dropped consumer asked for.
    assert!(
        probe.produced.load(Ordering::SeqCst) <= seen.len() + case.n.max(1),
        "{case:?}: more than n ahead"
    );
    // Every element produced was dropped exactly once.
    assert_eq!(
        probe.dropped.load(Ordering::SeqCst),
        probe.produced.load(Ordering::SeqCst),
        "{case:?}: an element leaked or was dropped twice"
    );
}

async fn stress(seed: u64, cases: usize) {
    let mut rng = Rng(seed);
    for _ in 0..cases {
        run_case(Case::random(&mut rng)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn stress_current_thread() {
    stress(0x5EED_0001, 150).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_two_workers() {
    stress(0x5EED_0002, 150).await;
}

#[test]
fn stress_consumer_in_block_on_of_two_workers() {
    let rt = support::two_workers_runtime();
    rt.block_on(stress(0x5EED_0003, 100));
}

//! Adversarial tests of the `Vec`-based hand-off behind `prefetch(n)`
//! (`src/seq/adapters/prefetch/handoff.rs`): the sender's lazily settled
//! credit (`limit`, `parked`, `Flow::Refill`), the receiver's reversed
//! buffer served by `pop`, the drop policies' separate queue, the
//! rendezvous without its spreading branch, and the oldest-first drop of
//! undelivered elements at a stop or a drop.
//!
//! Everything goes through the public API: `seq::from_fn`, `prefetch`,
//! `prefetch_with`, `for_each`, `take`, `stream`, `poll_next`,
//! `poll_stop`, on a current-thread runtime with a paused clock (where the
//! interleaving is deterministic and the tight assertions hold), on two
//! workers with the consumer in `block_on`, and on two workers with the
//! consumer spawned.

mod support;

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use seqflow::{Overflow, Seq, Yield, seq};
use support::alive_tasks;
use support::panics::{panic_message, panic_of};

// ── scaffolding ──

/// The capacities under test: around every chunk size (`n / 4`, 1 to 64)
/// and the largest chunk.
const NS: [usize; 13] = [1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 256, 257, 1000];

/// The chunk of a capacity, as the hand-off computes it.
fn chunk_of(n: usize) -> usize {
    (n / 4).clamp(1, 64)
}

/// How far ahead the producer may be: `n`, or the one element asked for
/// by a rendezvous.
fn bound(n: usize) -> usize {
    n.max(1)
}

/// What the producers and the consumers of a case report.
#[derive(Default)]
struct Watch {
    produced: AtomicUsize,
    consumed: AtomicUsize,
    max_ahead: AtomicUsize,
    /// The values of the elements dropped, in the order of their drops.
    dropped: Mutex<Vec<u32>>,
    started: AtomicBool,
    cleaned: AtomicBool,
}

impl Watch {
    fn new() -> Arc<Watch> {
        Arc::new(Watch::default())
    }

    /// The consumer received `e`: counted before it asks again.
    fn received(&self, e: &Elem, expect: &mut u32) {
        assert_eq!(e.value, *expect, "out of order or duplicated");
        *expect += 1;
        self.consumed.fetch_add(1, SeqCst);
    }

    fn produced(&self) -> usize {
        self.produced.load(SeqCst)
    }

    /// Every element produced was dropped exactly once.
    fn assert_exactly_once(&self, what: &str) {
        let mut d = self.dropped.lock().unwrap().clone();
        d.sort_unstable();
        let produced = self.produced() as u32;
        assert!(
            d.iter().copied().eq(0..produced),
            "{what}: drops are not exactly the {produced} produced: {d:?}"
        );
    }

    /// Oldest first where the interleaving is deterministic (`exact`, the
    /// paused single-thread runtime), exactly once everywhere.
    fn assert_drops(&self, exact: bool, what: &str) {
        if exact {
            self.assert_dropped_in_order(what);
        } else {
            self.assert_exactly_once(what);
        }
    }

    /// Every element produced was dropped exactly once, oldest first (the
    /// consumer drops what it receives at once, and a stop or a drop
    /// discards the rest oldest first).
    fn assert_dropped_in_order(&self, what: &str) {
        let d = self.dropped.lock().unwrap().clone();
        let produced = self.produced() as u32;
        assert!(
            d.iter().copied().eq(0..produced),
            "{what}: drops not 0..{produced} in order: {d:?}"
        );
    }
}

/// An element that records its drop, and panics in it if it is a bomb.
struct Elem {
    value: u32,
    bomb: bool,
    watch: Arc<Watch>,
}

impl Drop for Elem {
    fn drop(&mut self) {
        self.watch.dropped.lock().unwrap().push(self.value);
        if self.bomb && !std::thread::panicking() {
            panic!("bomb {} went off", self.value);
        }
    }
}

/// Where a producer pauses (`yield_now`, a real `Pending` of its own
/// sequence: the task publishes its chunk and sets its credit aside).
#[derive(Debug, Clone, Copy)]
enum Pause {
    Never,
    /// Before the first element of each chunk.
    ChunkStart,
    /// Before the last element of each chunk (the one that publishes it).
    ChunkLast,
    /// Before the element that spends the last credit of a round of `n`.
    CreditLast,
    /// Every `chunk + 1` elements: drifting over the chunk boundaries.
    Drift,
}

const PAUSES: [Pause; 5] = [
    Pause::Never,
    Pause::ChunkStart,
    Pause::ChunkLast,
    Pause::CreditLast,
    Pause::Drift,
];

impl Pause {
    fn before(self, i: u32, n: usize) -> bool {
        let (i, c) = (i as usize, chunk_of(n));
        match self {
            Pause::Never => false,
            Pause::ChunkStart => i % c == 0,
            Pause::ChunkLast => i % c == c - 1,
            Pause::CreditLast => i % n.max(1) == n.max(1) - 1,
            Pause::Drift => i % (c + 1) == c,
        }
    }
}

/// Yields elements `0..len`, pausing as `pause` says; records how far
/// ahead of the consumer it ever got.
fn source(
    watch: &Arc<Watch>,
    len: u32,
    n: usize,
    pause: Pause,
) -> impl Seq<Item = Elem> + Send + 'static + use<> {
    let w = watch.clone();
    seq::from_fn(move |mut y: Yield<Elem>| async move {
        w.started.store(true, SeqCst);
        for i in 0..len {
            if pause.before(i, n) {
                tokio::task::yield_now().await;
            }
            let produced = w.produced.fetch_add(1, SeqCst) + 1;
            let ahead = produced - w.consumed.load(SeqCst);
            w.max_ahead.fetch_max(ahead, SeqCst);
            let e = Elem {
                value: i,
                bomb: false,
                watch: w.clone(),
            };
            if !y.yield_(e).await {
                break;
            }
        }
        tokio::task::yield_now().await; // an async cleanup
        w.cleaned.store(true, SeqCst);
    })
}

/// Waits until the alive-task count is back to `expected` (bounded; on a
/// paused clock the sleeps are virtual).
async fn settle(expected: usize) -> usize {
    if support::settle_tasks(expected).await == expected {
        return expected;
    }
    support::settle_tasks_within(expected, Duration::from_secs(5)).await
}

/// Lets the producer run: 1 ms on a paused clock (it then runs until it
/// waits), some yields on two workers.
async fn let_producer_run(exact: bool) {
    if exact {
        tokio::time::sleep(Duration::from_millis(1)).await;
    } else {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    }
}

/// Runs `case(exact)` on a current-thread runtime with a paused clock
/// (`exact = true`: deterministic), on two workers with the consumer in
/// `block_on`, and on two workers with the consumer spawned.
fn on_every_flavour<F, Fut>(case: F)
where
    F: Fn(bool) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    support::paused_runtime().block_on(guarded(case(true)));
    let rt = support::two_workers_runtime();
    rt.block_on(guarded(case(false)));
    rt.block_on(async { tokio::spawn(guarded(case(false))).await.expect("no panic") });
}

/// Fails a case that hangs (a lost credit or wake-up) instead of hanging:
/// on a paused clock the bound is virtual and fires as soon as every task
/// waits; on two workers it is real, a bound on a hang, not a timing
/// assertion.
async fn guarded<F: Future<Output = ()>>(case: F) {
    tokio::time::timeout(Duration::from_secs(60), case)
        .await
        .expect("hung: every side waits for the other");
}

// ── the bound, order and exactly-once delivery ──

#[derive(Debug, Clone, Copy)]
enum Consumer {
    /// `for_each` that never waits (the `poll_each` path).
    Drain,
    /// `next()` on the stream, yielding to the runtime after the element
    /// that completes a chunk of credit (the `poll_next` path).
    YieldAtChunk,
    /// `for_each` that sleeps 1 ms after each element: the producer fills
    /// the buffer meanwhile (on a paused clock it always does).
    Slow,
}

async fn bound_case(n: usize, pause: Pause, consumer: Consumer, exact: bool) {
    let before = alive_tasks();
    let watch = Watch::new();
    let c = chunk_of(n);
    let len = (2 * n + 2 * c + 3) as u32;
    let s = source(&watch, len, n, pause).prefetch(n);
    let what = format!("n = {n}, {pause:?}, {consumer:?}");
    let mut expect = 0;
    match consumer {
        Consumer::Drain => {
            s.for_each(|e| {
                watch.received(&e, &mut expect);
                drop(e);
                async { true }
            })
            .await;
        }
        Consumer::YieldAtChunk => {
            let mut st = Box::pin(s.stream());
            while let Some(e) = st.next().await {
                let v = e.value as usize;
                watch.received(&e, &mut expect);
                drop(e);
                if v % c == c - 1 {
                    tokio::task::yield_now().await;
                }
            }
        }
        Consumer::Slow => {
            s.for_each(|e| {
                watch.received(&e, &mut expect);
                drop(e);
                let (w, what) = (watch.clone(), what.clone());
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    if exact {
                        // On a paused clock the producer has used every
                        // credit it had by now: all but those the receiver
                        // still holds back, at most a chunk.
                        let (p, r) = (w.produced(), w.consumed.load(SeqCst));
                        let least = (r + n - c).min(len as usize);
                        assert!(p >= least, "{what}: {p} produced, {r} received");
                    }
                    true
                }
            })
            .await;
        }
    }
    assert_eq!(expect, len, "{what}: not every element arrived");
    let max = watch.max_ahead.load(SeqCst);
    assert!(max <= bound(n), "{what}: {max} ahead");
    if exact && matches!(consumer, Consumer::Slow) && matches!(pause, Pause::Never) {
        // The credit is neither lost nor held back: a slow consumer lets
        // the producer run exactly `n` ahead. (A producer that pauses may
        // let the consumer take its first element before the buffer is
        // full; from then on the receiver holds back a credit until its
        // next call, so only one that never pauses reaches `n` exactly.)
        assert_eq!(max, n, "{what}: the producer never got n ahead");
    }
    assert!(watch.cleaned.load(SeqCst), "{what}: no cleanup");
    watch.assert_drops(exact, &what);
    assert_eq!(settle(before).await, before, "{what}: task leaked");
}

async fn bound_cases(exact: bool) {
    let consumers: &[Consumer] = if exact {
        &[Consumer::Drain, Consumer::YieldAtChunk, Consumer::Slow]
    } else {
        &[Consumer::Drain, Consumer::YieldAtChunk]
    };
    for n in NS {
        for pause in PAUSES {
            for &consumer in consumers {
                bound_case(n, pause, consumer, exact).await;
            }
        }
    }
}

#[test]
fn never_more_than_n_ahead_in_order_exactly_once_for_every_n_and_pause() {
    on_every_flavour(bound_cases);
}

/// The rendezvous under the same producers: never more than the element
/// asked for ahead, and on a paused clock exactly that one.
async fn rendezvous_bound_cases(exact: bool) {
    for pause in PAUSES {
        for consumer in [Consumer::Drain, Consumer::YieldAtChunk, Consumer::Slow] {
            if !exact && matches!(consumer, Consumer::Slow) {
                continue;
            }
            let before = alive_tasks();
            let watch = Watch::new();
            let s = source(&watch, 40, 0, pause).prefetch(0);
            let mut expect = 0;
            let mut st = Box::pin(s.stream());
            while let Some(e) = st.next().await {
                watch.received(&e, &mut expect);
                drop(e);
                match consumer {
                    Consumer::Drain => {}
                    Consumer::YieldAtChunk => tokio::task::yield_now().await,
                    Consumer::Slow => tokio::time::sleep(Duration::from_millis(1)).await,
                }
                // The producer may not run while the consumer does not
                // wait: after the consumer's pause it is still exactly at
                // what was received.
                if exact {
                    assert_eq!(watch.produced(), expect as usize, "{pause:?} {consumer:?}");
                }
            }
            assert_eq!(expect, 40);
            assert_eq!(watch.max_ahead.load(SeqCst), 1, "{pause:?} {consumer:?}");
            drop(st);
            assert!(watch.cleaned.load(SeqCst));
            watch.assert_exactly_once("rendezvous");
            assert_eq!(settle(before).await, before);
        }
    }
}

#[test]
fn the_rendezvous_is_never_more_than_the_element_asked_for_ahead() {
    on_every_flavour(rendezvous_bound_cases);
}

/// `n` as large as it gets: the credit arithmetic (settled lazily, set
/// aside while parked) must not overflow.
async fn huge_capacity_cases(exact: bool) {
    for pause in [Pause::Never, Pause::Drift] {
        let before = alive_tasks();
        let watch = Watch::new();
        let s = source(&watch, 300, 64, pause).prefetch(usize::MAX);
        let mut expect = 0;
        s.for_each(|e| {
            watch.received(&e, &mut expect);
            async { true }
        })
        .await;
        assert_eq!(expect, 300);
        if exact {
            watch.assert_dropped_in_order("usize::MAX");
        } else {
            watch.assert_exactly_once("usize::MAX");
        }
        assert_eq!(settle(before).await, before);
    }
    let got: Vec<u64> = seq::iter(0..5000u64)
        .prefetch(usize::MAX)
        .take(4000)
        .collect()
        .await;
    assert!(got.iter().copied().eq(0..4000));
}

#[test]
fn a_capacity_of_usize_max_neither_overflows_nor_loses_elements() {
    on_every_flavour(huge_capacity_cases);
}

// ── take(k) at every k near a chunk boundary ──

fn ks_near_boundaries(n: usize) -> Vec<usize> {
    let c = chunk_of(n);
    let mut ks: Vec<usize> = [
        1,
        c.saturating_sub(1),
        c,
        c + 1,
        2 * c - 1,
        2 * c,
        2 * c + 1,
        n.saturating_sub(1),
        n,
        n + 1,
        n + c,
        2 * n,
    ]
    .into_iter()
    .filter(|&k| k > 0)
    .collect();
    ks.sort_unstable();
    ks.dedup();
    ks
}

async fn take_cases(exact: bool) {
    let mut ns = vec![0];
    ns.extend(NS);
    for n in ns {
        for k in ks_near_boundaries(n) {
            for pause in [Pause::Never, Pause::ChunkLast] {
                let before = alive_tasks();
                let watch = Watch::new();
                let what = format!("n = {n}, take({k}), {pause:?}");
                let len = (k + 2 * n + 8) as u32;
                let mut expect = 0;
                let c = chunk_of(n);
                source(&watch, len, n, pause)
                    .prefetch(n)
                    .take(k)
                    .for_each(|e| {
                        let v = e.value as usize;
                        watch.received(&e, &mut expect);
                        drop(e);
                        // Pause right where a chunk of credit comes back.
                        let pause = v % c == c - 1;
                        async move {
                            if pause {
                                tokio::task::yield_now().await;
                            }
                            true
                        }
                    })
                    .await;
                assert_eq!(expect as usize, k, "{what}");
                let produced = watch.produced();
                assert!(produced <= k + n, "{what}: produced {produced}");
                // A stop waits for the producer's cleanup.
                assert!(watch.cleaned.load(SeqCst), "{what}: no cleanup");
                assert_eq!(settle(before).await, before, "{what}: task leaked");
                watch.assert_drops(exact, &what);
            }
        }
    }
}

#[test]
fn take_at_every_k_near_a_chunk_boundary_delivers_k_and_drops_the_rest_once() {
    on_every_flavour(take_cases);
}

// ── a stop after k elements: what was produced ahead, dropped oldest first ──

async fn stop_cases(exact: bool) {
    let mut ns = vec![0];
    ns.extend(NS);
    for n in ns {
        for k in [0, 1, chunk_of(n), chunk_of(n) + 1, n + 1] {
            let before = alive_tasks();
            let watch = Watch::new();
            let what = format!("n = {n}, stop after {k}");
            let len = (k + 2 * n + 8) as u32;
            let mut s = Box::pin(source(&watch, len, n, Pause::Never).prefetch(n));
            let mut expect = 0;
            for _ in 0..k {
                let e = poll_fn(|cx| s.as_mut().poll_next(cx))
                    .await
                    .expect("long enough");
                watch.received(&e, &mut expect);
                drop(e);
                // Let the producer fill the buffer: the stop then finds
                // elements in the receiver's buffer and published.
                let_producer_run(exact).await;
            }
            poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
            let produced = watch.produced();
            assert!(produced <= k + bound(n), "{what}: produced {produced}");
            if exact && k > 0 {
                // The producer used every credit it had: all but those the
                // receiver holds back (at most a chunk); the rendezvous
                // made exactly what was asked for.
                if n == 0 {
                    assert_eq!(produced, k, "{what}");
                } else {
                    assert!(
                        produced >= k + n - chunk_of(n),
                        "{what}: produced {produced}"
                    );
                }
            }
            assert_eq!(
                poll_fn(|cx| s.as_mut().poll_next(cx))
                    .await
                    .map(|e| e.value),
                None,
                "{what}: an element after the stop"
            );
            assert_eq!(settle(before).await, before, "{what}: task leaked");
            watch.assert_drops(exact, &what);
        }
    }
}

#[test]
fn a_stop_drops_every_undelivered_element_once_oldest_first() {
    on_every_flavour(stop_cases);
}

// ── the consumer dropped at every point ──

/// Polls the consumer `d` times (one `poll_next` each, elements dropped at
/// once, some yields to the runtime in between), then drops it: whatever
/// the hand-off held then is dropped once, the task ends.
async fn drop_cases(exact: bool) {
    for n in [0, 1, 2, 3, 5, 8, 9, 64, 65] {
        let steps = 2 * bound(n) + chunk_of(n) + 4;
        for d in 0..steps.min(40) {
            for pause in [Pause::Never, Pause::ChunkStart] {
                let before = alive_tasks();
                let watch = Watch::new();
                let what = format!("n = {n}, dropped after {d} polls, {pause:?}");
                let mut s = Box::pin(source(&watch, 200, n, pause).prefetch(n));
                let mut expect = 0;
                for step in 0..d {
                    let polled = poll_fn(|cx| Poll::Ready(s.as_mut().poll_next(cx))).await;
                    match polled {
                        Poll::Ready(Some(e)) => {
                            watch.received(&e, &mut expect);
                            drop(e);
                        }
                        Poll::Ready(None) => panic!("{what}: ended early"),
                        Poll::Pending => {}
                    }
                    for _ in 0..step % 3 {
                        tokio::task::yield_now().await;
                    }
                }
                let received = expect as usize;
                drop(s);
                assert_eq!(settle(before).await, before, "{what}: task leaked");
                let produced = watch.produced();
                assert!(
                    produced <= received + bound(n),
                    "{what}: produced {produced}, received {received}"
                );
                watch.assert_drops(exact, &what);
            }
        }
    }
}

#[test]
fn a_consumer_dropped_at_any_point_leaks_nothing_and_drops_each_element_once() {
    on_every_flavour(drop_cases);
}

// ── cancelled next() ──

/// Every other `next()` is polled once and then dropped (a `select!` whose
/// other branch is ready): nothing is lost or duplicated, and the bound
/// holds, the rendezvous's one element asked for included.
async fn cancelled_next_cases(exact: bool) {
    for n in [0, 1, 2, 3, 4, 5, 8, 64, 65] {
        for pause in [Pause::Never, Pause::ChunkStart, Pause::ChunkLast] {
            let before = alive_tasks();
            let watch = Watch::new();
            let what = format!("n = {n}, {pause:?}");
            let len = (3 * bound(n) + 10) as u32;
            let mut st = Box::pin(source(&watch, len, n, pause).prefetch(n).stream());
            let mut expect = 0;
            let mut cancelled = 0;
            for round in 0.. {
                let got = if round % 2 == 0 {
                    tokio::select! {
                        biased;
                        e = st.next() => Some(e),
                        () = std::future::ready(()) => None,
                    }
                } else {
                    Some(st.next().await)
                };
                match got {
                    Some(Some(e)) => {
                        watch.received(&e, &mut expect);
                        drop(e);
                    }
                    Some(None) => break,
                    None => {
                        cancelled += 1;
                        tokio::task::yield_now().await;
                    }
                }
            }
            assert_eq!(expect, len, "{what}");
            if exact {
                // Two workers may always have the next element ready.
                assert!(cancelled > 0, "{what}: nothing was cancelled");
            }
            let max = watch.max_ahead.load(SeqCst);
            assert!(max <= bound(n), "{what}: {max} ahead");
            drop(st);
            assert!(watch.cleaned.load(SeqCst), "{what}: no cleanup");
            watch.assert_exactly_once(&what);
            assert_eq!(settle(before).await, before, "{what}: task leaked");
        }
    }
}

#[test]
fn a_next_cancelled_after_one_poll_loses_and_duplicates_nothing() {
    on_every_flavour(cancelled_next_cases);
}

/// The rendezvous on a paused clock: the producer takes 10 ms per element;
/// a `next()` that times out after 3 ms leaves its element to arrive, and
/// the producer does not start another; the next call gets it at once.
#[tokio::test(start_paused = true)]
async fn a_timed_out_rendezvous_next_keeps_its_element_and_asks_for_no_other() {
    guarded(async {
        let before = alive_tasks();
        let produced = Arc::new(AtomicUsize::new(0));
        let p = produced.clone();
        let s = seq::from_fn(move |mut y: Yield<u32>| async move {
            for i in 0..10 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                p.fetch_add(1, SeqCst);
                if !y.yield_(i).await {
                    return;
                }
            }
        });
        let mut st = Box::pin(s.prefetch(0).stream());
        for i in 0..10 {
            let timed_out = tokio::time::timeout(Duration::from_millis(3), st.next()).await;
            assert!(timed_out.is_err(), "element {i} came too soon");
            // Long enough for the element asked for and several more.
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(produced.load(SeqCst), i + 1, "ran ahead of the demand");
            let start = tokio::time::Instant::now();
            assert_eq!(st.next().await, Some(i as u32));
            assert_eq!(start.elapsed(), Duration::ZERO, "the element was not kept");
        }
        assert_eq!(st.next().await, None);
        assert_eq!(settle(before).await, before);
    })
    .await;
}

/// Timeouts at 1.5 ms against a producer that takes 0 to 3 ms per
/// element: cancellations at every stage of the hand-off.
#[tokio::test(start_paused = true)]
async fn next_timing_out_against_an_irregular_producer_loses_nothing() {
    guarded(async {
        for n in [0, 1, 2, 3, 5, 8, 64] {
            let before = alive_tasks();
            let watch = Watch::new();
            let w = watch.clone();
            let s = seq::from_fn(move |mut y: Yield<Elem>| async move {
                for i in 0..60u32 {
                    let wait = u64::from(i % 4);
                    if wait > 0 {
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                    }
                    let produced = w.produced.fetch_add(1, SeqCst) + 1;
                    let ahead = produced - w.consumed.load(SeqCst);
                    w.max_ahead.fetch_max(ahead, SeqCst);
                    let e = Elem {
                        value: i,
                        bomb: false,
                        watch: w.clone(),
                    };
                    if !y.yield_(e).await {
                        return;
                    }
                }
            });
            let mut st = Box::pin(s.prefetch(n).stream());
            let (mut expect, mut timeouts) = (0, 0);
            loop {
                match tokio::time::timeout(Duration::from_micros(1500), st.next()).await {
                    Ok(Some(e)) => {
                        watch.received(&e, &mut expect);
                        drop(e);
                    }
                    Ok(None) => break,
                    Err(_) => timeouts += 1,
                }
            }
            assert_eq!(expect, 60, "n = {n}");
            assert!(timeouts > 0, "n = {n}: no timeouts");
            assert!(watch.max_ahead.load(SeqCst) <= bound(n), "n = {n}");
            drop(st);
            watch.assert_dropped_in_order(&format!("n = {n}"));
            assert_eq!(settle(before).await, before);
        }
    })
    .await;
}

// ── elements whose Drop panics ──

/// A stop after `k` elements with bombs among the undelivered ones: the
/// bomb's panic surfaces at the stop (from the consumer's discard, or from
/// the task's, reported at its end), the next stop completes, every
/// element is dropped once, the producer cleans up and the task ends.
async fn bomb_stop_cases(exact: bool) {
    for n in [2, 3, 8, 9, 64, 65] {
        let c = chunk_of(n);
        for k in [1, c, c + 1] {
            // One bomb: the first element not delivered but one (so that a
            // `Vec` reversed the wrong way or a discard cut short shows).
            // Two bombs: a second, in another buffer, must not abort.
            for two in [false, true] {
                let before = alive_tasks();
                let watch = Watch::new();
                let what = format!("n = {n}, k = {k}, two bombs: {two}");
                // In the middle of, and at the end of, what a paused clock
                // guarantees was produced ahead: `n` less the credit the
                // receiver holds back (at most a chunk).
                let ahead = n - c;
                let first_bomb = (k + ahead / 2) as u32;
                let second_bomb = (k + ahead - 1) as u32;
                let len = (k + 2 * n + 8) as u32;
                let s = bomb_source(&watch, len, first_bomb, two.then_some(second_bomb));
                let mut s = Box::pin(s.prefetch(n));
                let mut expect = 0;
                for _ in 0..k {
                    let e = poll_fn(|cx| s.as_mut().poll_next(cx))
                        .await
                        .expect("long enough");
                    watch.received(&e, &mut expect);
                    drop(e);
                    let_producer_run(exact).await;
                }
                let bomb_made = watch.produced() > first_bomb as usize;
                match panic_of(poll_fn(|cx| s.as_mut().poll_stop(cx))).await {
                    Some(msg) => {
                        assert!(msg.starts_with("bomb "), "{what}: {msg}");
                        assert!(msg.ends_with(" went off"), "{what}: {msg}");
                        if exact {
                            assert_eq!(msg, format!("bomb {first_bomb} went off"), "{what}");
                        }
                        // The stop is idempotent and completes.
                        if let Some(msg) = panic_of(poll_fn(|cx| s.as_mut().poll_stop(cx))).await {
                            // The task's own discard, reported at its end.
                            assert!(msg.ends_with(" went off"), "{what}: {msg}");
                            poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
                        }
                    }
                    None => assert!(!bomb_made, "{what}: a bomb was discarded silently"),
                }
                if exact {
                    assert!(bomb_made, "{what}: the buffer was full on a paused clock");
                }
                assert!(
                    poll_fn(|cx| s.as_mut().poll_next(cx)).await.is_none(),
                    "{what}"
                );
                assert_eq!(settle(before).await, before, "{what}: task leaked");
                assert!(watch.cleaned.load(SeqCst), "{what}: no cleanup");
                watch.assert_drops(exact, &what);
            }
        }
    }
}

/// Like [`source`] without pauses, with bombs at `first` and `second`.
fn bomb_source(
    watch: &Arc<Watch>,
    len: u32,
    first: u32,
    second: Option<u32>,
) -> impl Seq<Item = Elem> + Send + 'static + use<> {
    let w = watch.clone();
    seq::from_fn(move |mut y: Yield<Elem>| async move {
        for i in 0..len {
            let produced = w.produced.fetch_add(1, SeqCst) + 1;
            let ahead = produced - w.consumed.load(SeqCst);
            w.max_ahead.fetch_max(ahead, SeqCst);
            let e = Elem {
                value: i,
                bomb: i == first || Some(i) == second,
                watch: w.clone(),
            };
            if !y.yield_(e).await {
                break;
            }
        }
        tokio::task::yield_now().await;
        w.cleaned.store(true, SeqCst);
    })
}

#[test]
fn a_panicking_element_drop_surfaces_at_the_stop_and_every_element_drops_once() {
    on_every_flavour(bomb_stop_cases);
}

/// The same, dropping the consumer instead of stopping it: on a paused
/// clock the bomb sits in the consumer's buffers, so the drop panics; on
/// two workers the task may hold it (then nobody hears). Either way every
/// element is dropped once and the task ends.
async fn bomb_drop_cases(exact: bool) {
    for n in [2, 3, 8, 9, 64, 65] {
        let c = chunk_of(n);
        for k in [1, c, c + 1] {
            let before = alive_tasks();
            let watch = Watch::new();
            let what = format!("n = {n}, k = {k}");
            let ahead = n - c;
            let bomb = (k + ahead / 2) as u32;
            let s = bomb_source(
                &watch,
                (k + 2 * n + 8) as u32,
                bomb,
                Some((k + ahead - 1) as u32),
            );
            let mut s = Box::pin(s.prefetch(n));
            let mut expect = 0;
            for _ in 0..k {
                let e = poll_fn(|cx| s.as_mut().poll_next(cx))
                    .await
                    .expect("long enough");
                watch.received(&e, &mut expect);
                drop(e);
                let_producer_run(exact).await;
            }
            let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(s)));
            match dropped {
                Err(payload) => {
                    let msg = panic_message(&*payload);
                    assert!(msg.ends_with(" went off"), "{what}: {msg}");
                    if exact {
                        assert_eq!(msg, format!("bomb {bomb} went off"), "{what}");
                    }
                }
                Ok(()) => assert!(!exact, "{what}: the drop discarded no bomb"),
            }
            assert_eq!(settle(before).await, before, "{what}: task leaked");
            watch.assert_drops(exact, &what);
        }
    }
}

#[test]
fn a_panicking_element_drop_in_a_consumer_drop_loses_and_repeats_no_drop() {
    on_every_flavour(bomb_drop_cases);
}

// ── drop policies ──

/// Bursts of `b` elements with a pause between them, through a drop
/// policy of capacity `n`, on a paused clock: each burst runs in one poll
/// of the task, so DropOldest keeps exactly its newest `n`, DropLatest its
/// first `n`, in order; every element is dropped once.
#[tokio::test(start_paused = true)]
async fn drop_policies_keep_exactly_the_right_elements_of_each_burst() {
    guarded(async {
        for overflow in [Overflow::DropOldest, Overflow::DropLatest] {
            for n in 1..=5usize {
                for b in [1u32, 2, 3, 4, 5, 6, 7, 11, 20] {
                    let before = alive_tasks();
                    let watch = Watch::new();
                    let w = watch.clone();
                    const BURSTS: u32 = 4;
                    let s = seq::from_fn(move |mut y: Yield<Elem>| async move {
                        for burst in 0..BURSTS {
                            for j in 0..b {
                                w.produced.fetch_add(1, SeqCst);
                                let e = Elem {
                                    value: burst * b + j,
                                    bomb: false,
                                    watch: w.clone(),
                                };
                                if !y.yield_(e).await {
                                    return;
                                }
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    });
                    let got: Vec<u32> = s
                        .prefetch_with(n, overflow)
                        .map(|e| e.value)
                        .collect()
                        .await;
                    let keep = (n as u32).min(b);
                    let expect: Vec<u32> = (0..BURSTS)
                        .flat_map(|burst| {
                            let (lo, hi) = (burst * b, burst * b + b);
                            match overflow {
                                Overflow::DropOldest => hi - keep..hi,
                                _ => lo..lo + keep,
                            }
                        })
                        .collect();
                    assert_eq!(got, expect, "{overflow:?}, n = {n}, bursts of {b}");
                    watch.assert_exactly_once(&format!("{overflow:?} n = {n} b = {b}"));
                    assert_eq!(settle(before).await, before);
                }
            }
        }
    })
    .await;
}

/// DropOldest on two workers: whatever the interleaving, the newest `n`
/// of each burst are delivered (the producer waits for the consumer to
/// see a burst's last element before the next burst), in order.
async fn drop_oldest_keeps_the_newest(spawned: bool) {
    let case = async {
        for n in 1..=5usize {
            for b in [1u32, 3, 5, 8, 40] {
                let before = alive_tasks();
                let watch = Watch::new();
                let w = watch.clone();
                let (ack, mut acked) = tokio::sync::mpsc::unbounded_channel::<()>();
                const BURSTS: u32 = 5;
                let s = seq::from_fn(move |mut y: Yield<Elem>| async move {
                    for burst in 0..BURSTS {
                        for j in 0..b {
                            w.produced.fetch_add(1, SeqCst);
                            let e = Elem {
                                value: burst * b + j,
                                bomb: false,
                                watch: w.clone(),
                            };
                            if !y.yield_(e).await {
                                return;
                            }
                        }
                        if acked.recv().await.is_none() {
                            return;
                        }
                    }
                });
                let mut got = Vec::new();
                s.prefetch_with(n, Overflow::DropOldest)
                    .for_each(|e| {
                        got.push(e.value);
                        if e.value % b == b - 1 {
                            let _ = ack.send(());
                        }
                        async { true }
                    })
                    .await;
                assert!(got.windows(2).all(|w| w[0] < w[1]), "not in order: {got:?}");
                let keep = (n as u32).min(b);
                for burst in 0..BURSTS {
                    let hi = burst * b + b;
                    for v in hi - keep..hi {
                        assert!(got.contains(&v), "n = {n}, b = {b}: lost {v}: {got:?}");
                    }
                }
                watch.assert_exactly_once(&format!("n = {n} b = {b}"));
                assert_eq!(settle(before).await, before);
            }
        }
    };
    if spawned {
        tokio::spawn(case).await.expect("no panic");
    } else {
        case.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_keeps_the_newest_of_each_burst_on_two_workers() {
    guarded(async {
        drop_oldest_keeps_the_newest(false).await;
        drop_oldest_keeps_the_newest(true).await;
    })
    .await;
}

// ── the budget: other tasks still run ──

/// An endless, always-ready producer behind `prefetch`: another task,
/// spawned by the consumer mid-stream, still runs while the consumer never
/// waits of its own accord.
async fn others_run(overflow: Overflow, n: usize) {
    let before = alive_tasks();
    let ran = Arc::new(AtomicBool::new(false));
    let mut count = 0u64;
    let mut last = None;
    seq::iter(0u64..)
        .prefetch_with(n, overflow)
        .for_each(|v| {
            if let Some(prev) = last {
                assert!(v > prev, "out of order");
            }
            last = Some(v);
            count += 1;
            if count == 100 {
                let ran = ran.clone();
                tokio::spawn(async move { ran.store(true, SeqCst) });
            }
            let go_on = !ran.load(SeqCst) && count < 3_000_000;
            async move { go_on }
        })
        .await;
    assert!(
        ran.load(SeqCst),
        "{overflow:?} n = {n}: the other task never ran in {count} elements"
    );
    assert_eq!(settle(before).await, before);
}

async fn budget_cases(_exact: bool) {
    for (overflow, n) in [
        (Overflow::Suspend, 0),
        (Overflow::Suspend, 1),
        (Overflow::Suspend, 64),
        (Overflow::Suspend, 1000),
        (Overflow::Suspend, 5000),
        (Overflow::DropOldest, 1),
        (Overflow::DropOldest, 1000),
        (Overflow::DropLatest, 3),
    ] {
        others_run(overflow, n).await;
    }
}

#[test]
fn an_always_ready_producer_behind_prefetch_lets_other_tasks_run() {
    on_every_flavour(budget_cases);
}

// ── sources that pause the hand-off by themselves ──

/// Inner sequences whose `poll_each` ends early on its own (`take`,
/// `filter`, `chain`) or pends between chunks: the task goes back to
/// `poll_ready` after a `Continue` and must still find its credit.
async fn adapter_cases(_exact: bool) {
    for n in [1, 2, 3, 4, 5, 8, 64, 65, 257] {
        let v: Vec<u32> = seq::iter(0..50u32)
            .take(37)
            .chain(seq::iter(100..103u32).filter(|x| x % 2 == 0))
            .chain(seq::iter(200..(200 + 3 * n as u32)))
            .prefetch(n)
            .collect()
            .await;
        let expect: Vec<u32> = (0..37)
            .chain([100, 102])
            .chain(200..(200 + 3 * n as u32))
            .collect();
        assert_eq!(v, expect, "n = {n}");
        // Nested prefetches: the inner one's consumer is the outer task.
        let v: Vec<u32> = seq::iter(0..(5 * n as u32 + 7))
            .prefetch(n)
            .prefetch(n + 1)
            .prefetch(1)
            .collect()
            .await;
        assert!(v.iter().copied().eq(0..(5 * n as u32 + 7)), "n = {n}");
    }
}

#[test]
fn inner_sequences_that_pause_the_hand_off_themselves_lose_nothing() {
    on_every_flavour(adapter_cases);
}

// ── a hand-written source: one element per poll_each, Pending between ──

/// Yields `0..len`, alternating: one element and `Ready(Some(()))` from
/// its `poll_each` even when the callback asks for more (a sequence that
/// pauses the hand-off by itself), then `Pending` (waking itself). Checks
/// it is never polled for an element without credit: at most `n` ahead.
struct Stutter {
    next: u32,
    len: u32,
    pend: bool,
    consumed: Arc<AtomicUsize>,
    max_ahead: Arc<AtomicUsize>,
}

impl Seq for Stutter {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<u32>> {
        if self.next == self.len {
            return Poll::Ready(None);
        }
        if self.pend {
            self.pend = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pend = self.next % 3 == 0;
        self.next += 1;
        let ahead = self.next as usize - self.consumed.load(SeqCst);
        self.max_ahead.fetch_max(ahead, SeqCst);
        Poll::Ready(Some(self.next - 1))
    }

    fn poll_stop(mut self: Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> Poll<()> {
        self.next = self.len;
        Poll::Ready(())
    }

    fn poll_each<F>(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        f: &mut F,
    ) -> Poll<Option<()>>
    where
        F: FnMut(u32, &mut std::task::Context<'_>) -> std::ops::ControlFlow<()>,
    {
        let this = self.get_mut();
        match Pin::new(&mut *this).poll_next(cx) {
            Poll::Ready(Some(x)) => {
                // Whatever `f` says, one element per call.
                let _ = f(x, cx);
                Poll::Ready(Some(()))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

async fn stutter_cases(exact: bool) {
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 64, 65] {
        let consumed = Arc::new(AtomicUsize::new(0));
        let max_ahead = Arc::new(AtomicUsize::new(0));
        let s = Stutter {
            next: 0,
            len: 300,
            pend: false,
            consumed: consumed.clone(),
            max_ahead: max_ahead.clone(),
        };
        let mut expect = 0;
        let c = chunk_of(n) as u32;
        let mut st = Box::pin(s.prefetch(n).stream());
        while let Some(v) = st.next().await {
            assert_eq!(v, expect, "n = {n}");
            expect += 1;
            consumed.fetch_add(1, SeqCst);
            if exact {
                tokio::time::sleep(Duration::from_millis(1)).await;
            } else if v % c == 0 {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(expect, 300, "n = {n}");
        let max = max_ahead.load(SeqCst);
        assert!(max <= n, "n = {n}: {max} ahead");
        if exact {
            assert_eq!(max, n, "n = {n}: the credit was not all used");
        }
    }
}

#[test]
fn a_source_that_pauses_after_every_element_stays_within_the_bound() {
    on_every_flavour(stutter_cases);
}

// ── a panicking drop of an element the drop policy evicts ──

/// DropOldest of capacity 2 evicts a bomb on the task: the panic is the
/// producer's, delivered after the elements still waiting, and every
/// element produced is dropped once.
#[tokio::test(start_paused = true)]
async fn a_bomb_evicted_by_drop_oldest_surfaces_after_the_waiting_elements() {
    guarded(async {
        let before = alive_tasks();
        let watch = Watch::new();
        let s = bomb_source(&watch, 10, 3, None).prefetch_with(2, Overflow::DropOldest);
        let mut st = Box::pin(s.stream());
        let mut got = Vec::new();
        let msg = loop {
            match AssertUnwindSafe(st.next()).catch_unwind().await {
                Ok(Some(e)) => got.push(e.value),
                Ok(None) => panic!("ended without the bomb's panic: {got:?}"),
                Err(payload) => break panic_message(&*payload),
            }
        };
        assert_eq!(msg, "bomb 3 went off");
        // 0..=5 in one poll of the task: 2 evicts 0, 3 evicts 1, 4 evicts
        // 2, 5 evicts 3, whose drop panics; 4 and 5 were waiting.
        assert_eq!(got, [4, 5]);
        assert_eq!(watch.produced(), 6);
        watch.assert_exactly_once("evicted bomb");
        drop(st);
        assert_eq!(settle(before).await, before);
    })
    .await;
}

// ── a runtime shut down under a prefetch with elements in its buffers ──

/// The task vanishes with its runtime while elements are published and in
/// the receiver's buffer: they are delivered in order, then the abandon
/// panics, and every element is dropped once.
#[test]
fn elements_published_before_the_runtime_shut_down_arrive_then_the_abandon_panics() {
    for n in [1, 2, 8, 9, 64] {
        let rt = support::current_thread_runtime();
        let watch = Watch::new();
        let w = watch.clone();
        let len = n.min(5) as u32;
        let s = seq::from_fn(move |mut y: Yield<Elem>| async move {
            for i in 0..len {
                w.produced.fetch_add(1, SeqCst);
                let e = Elem {
                    value: i,
                    bomb: false,
                    watch: w.clone(),
                };
                if !y.yield_(e).await {
                    return;
                }
            }
            std::future::pending::<()>().await;
        });
        let mut st = Box::pin(s.prefetch_on(rt.handle(), n).stream());
        let first = rt.block_on(async {
            let first = st.next().await.expect("one element");
            // Let the task publish the rest and wait in `pending()`.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            first
        });
        assert_eq!(first.value, 0);
        drop(first);
        drop(rt);
        let mut got = Vec::new();
        let payload = std::panic::catch_unwind(AssertUnwindSafe(|| {
            futures::executor::block_on(async {
                while let Some(e) = st.next().await {
                    got.push(e.value);
                }
            })
        }))
        .expect_err("the abandon must panic");
        let msg = panic_message(&*payload);
        assert!(msg.contains("dropped before its sequence ended"), "{msg}");
        assert!(got.iter().copied().eq(1..len), "n = {n}: {got:?}");
        drop(st);
        watch.assert_exactly_once(&format!("abandoned, n = {n}"));
    }
}

//! `tee` and `partition` (DESIGN.md contract 27): two ends of one upstream,
//! bounded (one end at most 64 elements ahead), the upstream stopped by the
//! stop rule once both ends have stopped or been dropped, and the other end
//! getting everything when one is gone; and a property test against std
//! (duplicating, `Iterator::partition`) under random interleavings of the
//! two ends, with one end dropped at a random point.

mod support;

use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;

use seqflow::{Seq, Yield, seq};
use tokio_test::{assert_pending, task};

use support::logged::{logged_naturals, stopped_at};
use support::panics::{expect_panic, panicking_after};
use support::{
    Log, LogOnDrop, alive_tasks, current_thread_runtime, noop_cx, settle_tasks_patiently,
    two_workers_runtime,
};

async fn next<S: Seq + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

async fn stop<S: Seq + Unpin>(s: &mut S) {
    poll_fn(|cx| Pin::new(&mut *s).poll_stop(cx)).await;
}

// ── tee ──

fn tee_on_two_tasks(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let start = alive_tasks();
        let (a, b) = seq::iter(0..1000u32).tee();
        let a = tokio::spawn(a.collect::<Vec<_>>());
        let b = tokio::spawn(b.collect::<Vec<_>>());
        let want: Vec<_> = (0..1000).collect();
        assert_eq!(a.await.unwrap(), want);
        assert_eq!(b.await.unwrap(), want);
        assert_eq!(settle_tasks_patiently(start).await, start);
    });
}

#[test]
fn contract_27_tee_gives_both_ends_every_element_current_thread() {
    tee_on_two_tasks(&current_thread_runtime());
}

#[test]
fn contract_27_tee_gives_both_ends_every_element_multi_thread() {
    tee_on_two_tasks(&two_workers_runtime());
}

#[tokio::test]
async fn contract_27_tee_is_bounded_at_64_ahead() {
    let produced = Arc::new(AtomicU64::new(0));
    let p = produced.clone();
    let (mut a, mut b) = seq::iter(0..200u32)
        .inspect(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
        })
        .tee();
    for want in 0..64 {
        assert_eq!(next(&mut a).await, Some(want));
    }
    let mut t = task::spawn(poll_fn(|cx| Pin::new(&mut a).poll_next(cx)));
    assert_pending!(t.poll());
    assert_eq!(produced.load(Ordering::SeqCst), 64);
    assert_eq!(next(&mut b).await, Some(0));
    assert!(t.is_woken());
    assert_eq!(t.poll(), Poll::Ready(Some(64)));
    drop(t);
    // b dropped: a gets the rest.
    drop(b);
    assert_eq!(a.collect::<Vec<_>>().await, (65..200).collect::<Vec<_>>());
}

#[tokio::test]
async fn contract_27_tee_is_cold_and_stops_the_upstream_when_both_ends_stop() {
    let log = Log::new();
    let (a, b) = logged_naturals(&log).tee();
    assert!(log.events().is_empty());
    assert_eq!(a.take(2).collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(log.events(), stopped_at(2)[..2].to_vec(), "one end left");
    assert_eq!(b.take(3).collect::<Vec<_>>().await, [0, 1, 2]);
    assert_eq!(log.events(), stopped_at(2), "stopped, cleanup waited for");
}

#[tokio::test]
async fn contract_27_tee_ends_stopped_before_the_start_never_start_it() {
    let log = Log::new();
    let (mut a, mut b) = logged_naturals(&log).tee();
    stop(&mut a).await;
    stop(&mut b).await;
    assert_eq!(next(&mut a).await, None);
    assert!(log.events().is_empty());
}

#[tokio::test]
async fn contract_27_tee_drops_a_hung_upstream_without_hanging() {
    let log = Log::new();
    let (mut a, b) = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let _guard = LogOnDrop::armed(&log, "dropped");
            y.yield_(0).await;
            pending::<()>().await;
        }
    })
    .tee();
    drop(b);
    assert_eq!(next(&mut a).await, Some(0));
    let mut t = task::spawn(next(&mut a));
    assert_pending!(t.poll());
    drop(t);
    tokio::time::timeout(std::time::Duration::from_secs(5), stop(&mut a))
        .await
        .expect("the stop completes");
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_tee_dropping_both_ends_drops_the_upstream() {
    let log = Log::new();
    let (mut a, b) = seq::from_fn({
        let log = log.clone();
        move |mut y: Yield<u32>| async move {
            let _guard = LogOnDrop::armed(&log, "dropped");
            for i in 0.. {
                if !y.yield_(i).await {
                    return;
                }
            }
        }
    })
    .tee();
    assert_eq!(next(&mut a).await, Some(0));
    drop(a);
    assert!(log.events().is_empty());
    drop(b);
    assert_eq!(log.events(), ["dropped"]);
}

#[tokio::test]
async fn contract_27_tee_a_panic_reaches_both_ends() {
    let (mut a, mut b) = panicking_after(2).tee();
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(next(&mut a).await, Some(1));
    assert_eq!(expect_panic(next(&mut a)).await, "producer failed after 2");
    assert_eq!(next(&mut b).await, Some(0));
    assert_eq!(next(&mut b).await, Some(1));
    assert_eq!(
        expect_panic(next(&mut b)).await,
        "the split sequence's producer panicked: producer failed after 2"
    );
    assert_eq!(next(&mut b).await, None);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_27_tee_over_an_endless_source_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let (a, b) = seq::repeat_with(|| 1u64).tee();
    drop(b);
    let f = flag.clone();
    let n = a
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .count()
        .await;
    assert!(n > 0);
}

// ── partition ──

#[tokio::test]
async fn contract_27_partition_splits_by_the_predicate() {
    let (even, odd) = seq::iter(0..300u32).partition(|v| v % 3 == 0);
    let (even, odd) = tokio::join!(even.collect::<Vec<_>>(), odd.collect::<Vec<_>>());
    assert_eq!(even, (0..300).filter(|v| v % 3 == 0).collect::<Vec<_>>());
    assert_eq!(odd, (0..300).filter(|v| v % 3 != 0).collect::<Vec<_>>());
}

#[tokio::test]
async fn contract_27_partition_with_one_end_gone_gives_the_other_all_of_its_own() {
    let (small, big) = seq::iter(0..1000u32).partition(|v| *v < 10);
    drop(big);
    assert_eq!(small.collect::<Vec<_>>().await, (0..10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "current_thread")]
async fn contract_27_partition_routing_everything_away_lets_a_task_run() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move { f.store(true, Ordering::SeqCst) });
    let f = flag.clone();
    // Nothing matches and the other end is gone: the matching end's poll
    // must still yield to the runtime now and then.
    let (none, rest) = seq::repeat_with(|| 1u64)
        .take_while(move |_| !f.load(Ordering::SeqCst))
        .partition(|_| false);
    drop(rest);
    assert_eq!(none.count().await, 0);
    assert!(flag.load(Ordering::SeqCst));
}

#[tokio::test]
async fn contract_27_partition_a_predicate_panic_reaches_both_ends() {
    let (mut a, mut b) = seq::iter(0..5u32).partition(|v| {
        assert!(*v != 3, "pred failed");
        v % 2 == 0
    });
    assert_eq!(next(&mut a).await, Some(0));
    assert_eq!(next(&mut a).await, Some(2));
    assert_eq!(expect_panic(next(&mut a)).await, "pred failed");
    assert_eq!(next(&mut b).await, Some(1));
    assert!(expect_panic(next(&mut b)).await.ends_with("pred failed"));
}

#[test]
fn contract_27_tee_and_partition_debug() {
    let (a, _b) = seq::iter(0..3u8).tee();
    assert_eq!(
        format!("{a:?}"),
        "Tee { queued: 0, other_live: true, live: true }"
    );
    let (m, r) = seq::iter(0..3u8).partition(|v| *v > 0);
    drop(r);
    assert_eq!(
        format!("{m:?}"),
        "Partition { queued: 0, other_live: false, live: true }"
    );
    let mut m = m;
    let _ = Pin::new(&mut m).poll_next(&mut noop_cx());
}

// ── the model: std's duplicate and partition, under any interleaving ──

/// Set when the end it belongs to is woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl std::task::Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One end, polled by hand with a waker of its own.
struct End<E> {
    seq: Option<E>,
    got: Vec<i32>,
    done: bool,
    // Its last poll gave `Pending`: it may be polled again only once woken.
    waits: bool,
    woken: Arc<Flag>,
}

impl<E: Seq<Item = i32> + Unpin> End<E> {
    fn new(seq: E) -> Self {
        End {
            seq: Some(seq),
            got: Vec::new(),
            done: false,
            waits: false,
            woken: Arc::default(),
        }
    }

    fn live(&self) -> bool {
        self.seq.is_some() && !self.done
    }

    /// May make progress: never waited, or woken since.
    fn runnable(&self) -> bool {
        self.live() && (!self.waits || self.woken.0.load(Ordering::SeqCst))
    }

    fn poll(&mut self) {
        let Some(seq) = self.seq.as_mut() else { return };
        if self.done {
            return;
        }
        self.woken.0.store(false, Ordering::SeqCst);
        let waker = std::task::Waker::from(self.woken.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        self.waits = false;
        match Pin::new(seq).poll_next(&mut cx) {
            Poll::Ready(Some(v)) => self.got.push(v),
            Poll::Ready(None) => self.done = true,
            Poll::Pending => self.waits = true,
        }
    }
}

/// Polls the ends in bursts of `schedule` (`(end, polls)`), dropping end
/// `drop.0` before the burst `drop.1`; then polls only woken ends until
/// each has ended or was dropped (a live end that is never woken is a lost
/// wake-up). Checks at every step that the upstream runs at most `bound`
/// elements ahead of the slower live end. Returns what each end got and
/// whether it was dropped. An end's queue never holds more than 64
/// elements.
fn drive<E: Seq<Item = i32> + Unpin>(
    a: E,
    b: E,
    probe: &support::laws::Probe,
    schedule: &[(usize, usize)],
    drop_at: Option<(usize, usize)>,
    bound: Option<usize>,
) -> Result<[(Vec<i32>, bool); 2], proptest::test_runner::TestCaseError> {
    use proptest::prelude::*;
    let mut ends = [End::new(a), End::new(b)];
    let check_bound = |ends: &[End<E>; 2]| -> Result<(), proptest::test_runner::TestCaseError> {
        // An end's queue (the lower bound of its size hint) holds at most
        // 64 elements, and wakes the end if it waits.
        for end in ends {
            if let Some(seq) = &end.seq {
                let queued = seq.size_hint().0;
                prop_assert!(queued <= 64, "queued {}", queued);
                // An element routed to a waiting end wakes it.
                prop_assert!(
                    queued == 0 || !end.waits || end.woken.0.load(Ordering::SeqCst),
                    "lost wake-up: {} queued for a waiting end",
                    queued
                );
            }
        }
        if let (Some(bound), true, true) = (bound, ends[0].seq.is_some(), ends[1].seq.is_some()) {
            let slower = ends[0].got.len().min(ends[1].got.len());
            prop_assert!(
                probe.yielded() <= slower + bound + 1,
                "the upstream ran {} ahead of the slower end",
                probe.yielded() - slower
            );
        }
        Ok(())
    };
    for (i, &(end, polls)) in schedule.iter().enumerate() {
        if let Some((gone, at)) = drop_at {
            if at == i {
                ends[gone].seq = None;
            }
        }
        for _ in 0..polls {
            ends[end].poll();
            check_bound(&ends)?;
        }
    }
    if let Some((gone, at)) = drop_at {
        if at >= schedule.len() {
            ends[gone].seq = None;
        }
    }
    for _ in 0..100_000 {
        if !ends.iter().any(End::live) {
            break;
        }
        let runnable: Vec<usize> = (0..2).filter(|&i| ends[i].runnable()).collect();
        prop_assert!(!runnable.is_empty(), "a live end is never woken");
        for i in runnable {
            ends[i].poll();
            check_bound(&ends)?;
        }
    }
    prop_assert!(!ends.iter().any(End::live), "the ends never ended");
    Ok(ends.map(|e| {
        let dropped = e.seq.is_none();
        (e.got, dropped)
    }))
}

/// Bursts of polls of one end or the other.
fn bursts() -> impl proptest::strategy::Strategy<Value = Vec<(usize, usize)>> {
    use proptest::prelude::*;
    prop::collection::vec((0..2usize, 1..100usize), 0..12)
}

/// Each end got its model in full, or a prefix of it if it was dropped;
/// every producer that started cleaned up.
fn check_against(
    got: [(Vec<i32>, bool); 2],
    models: [Vec<i32>; 2],
    probe: &support::laws::Probe,
) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::prelude::*;
    for ((got, dropped), model) in got.into_iter().zip(models) {
        if dropped {
            prop_assert!(got.len() <= model.len() && got[..] == model[..got.len()]);
        } else {
            prop_assert_eq!(got, model);
        }
    }
    probe.check_cleaned()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    #[test]
    fn contract_27_tee_agrees_with_duplicating_under_any_interleaving(
        (items, pauses) in support::laws::items_and_pauses_with_len(0..200),
        schedule in bursts(),
        drop_at in proptest::option::of((0..2usize, 0..14usize)),
    ) {
        let probe = support::laws::Probe::new();
        let (a, b) = probe.source(&items, &pauses).boxed().tee();
        let got = drive(a, b, &probe, &schedule, drop_at, Some(64))?;
        check_against(got, [items.clone(), items], &probe)?;
    }

    #[test]
    fn contract_27_partition_agrees_with_std_partition_under_any_interleaving(
        (items, pauses) in support::laws::items_and_pauses_with_len(0..200),
        schedule in bursts(),
        drop_at in proptest::option::of((0..2usize, 0..14usize)),
        modulus in 1..4i32,
    ) {
        let probe = support::laws::Probe::new();
        let pred = move |v: &i32| v.rem_euclid(modulus) == 0;
        let (yes, no) = probe.source(&items, &pauses).boxed().partition(pred);
        let got = drive(yes, no, &probe, &schedule, drop_at, None)?;
        let (want_yes, want_no): (Vec<i32>, Vec<i32>) = items.iter().partition(|v| pred(v));
        check_against(got, [want_yes, want_no], &probe)?;
    }
}

// ── a `Drop` that panics in an element queued for an end ──

/// An element whose first drop with `armed` set panics (once per flag).
#[derive(Clone)]
struct Bomb {
    value: u32,
    armed: Option<Arc<AtomicBool>>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if let Some(flag) = &self.armed {
            if flag.swap(false, Ordering::SeqCst) && !std::thread::panicking() {
                panic!("bomb {} went off", self.value);
            }
        }
    }
}

fn bombs(flag: &Arc<AtomicBool>) -> impl Seq<Item = Bomb> + Send + 'static + use<> {
    let flag = flag.clone();
    seq::iter((0..10u32).map(move |value| Bomb {
        value,
        armed: (value == 1).then(|| flag.clone()),
    }))
}

/// Drops `gone`, whose queue holds the armed bomb: its `Drop` panic comes
/// out of that drop. Then reads `other` to its end: the values it gets.
async fn drop_the_bombed_end_and_drain_the_other<S: Seq<Item = Bomb> + Unpin>(
    gone: S,
    mut other: S,
) -> Vec<u32> {
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(gone)));
    let payload = dropped.expect_err("the queued bomb's drop panics out of the end's drop");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("bomb 1 went off")
    );
    let mut rest = Vec::new();
    while let Some(x) = next(&mut other).await {
        rest.push(x.value);
    }
    rest
}

#[tokio::test]
async fn contract_27_tee_a_queued_element_whose_drop_panics_leaves_the_other_end_working() {
    let flag = Arc::new(AtomicBool::new(true));
    let (a, mut b) = bombs(&flag).tee();
    // `b` runs ahead: 0, 1 and 2 are queued for `a`.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(next(&mut b).await.expect("an element"));
    }
    // The other end goes on, alone, to the end.
    let rest = drop_the_bombed_end_and_drain_the_other(a, b).await;
    assert_eq!(rest, (3..10).collect::<Vec<_>>());
    assert_eq!(held.iter().map(|x| x.value).collect::<Vec<_>>(), [0, 1, 2]);
}

#[tokio::test]
async fn contract_27_partition_a_queued_element_whose_drop_panics_leaves_the_other_end_working() {
    let flag = Arc::new(AtomicBool::new(true));
    // Odd values to `a`, even to `b`; reading `b` queues 1, 3 (and 5) for `a`.
    let (a, mut b) = bombs(&flag).partition(|x| x.value % 2 == 1);
    assert_eq!(next(&mut b).await.map(|x| x.value), Some(0));
    assert_eq!(next(&mut b).await.map(|x| x.value), Some(2));
    let rest = drop_the_bombed_end_and_drain_the_other(a, b).await;
    assert_eq!(
        rest,
        [4, 6, 8],
        "the other end gets its own elements to the end"
    );
}

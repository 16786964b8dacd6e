//! Hostile tests of the sharing and fan-in operators (DESIGN.md contract
//! lines 27-29): `tee`, `partition`, `merge_sorted(_by)`,
//! `for_each_concurrent`, `try_for_each_concurrent`, `flat_map_concurrent`,
//! `take_until`, `SeqMap` and `share`.
//!
//! Every operator is driven by a consumer (an [`Op`]) over the same hostile
//! producers: one that never returns from an await, one that ignores
//! `false`, one whose `Drop` panics, next to well-behaved ones that really
//! suspend between elements. Each case runs on both runtime flavours
//! (`support::liveness`, which also checks that no task outlived it), and
//! once more inside `Runtime::block_on` on a plain thread.
//!
//! Each consumer takes at most two elements of what it drives and gives up
//! after [`DEADLINE`] (through `take_until`), so that an operator waiting on
//! a hung producer is stopped while the producer hangs.
//! `for_each_concurrent` never stops its source itself (its body cannot
//! break), so its consumer ends the source upstream (`take`, `take_until`)
//! and the cases check what `for_each_concurrent` adds: that the stop and
//! its panics pass through it, and that its bodies in flight are dropped.

mod support;

use std::future::{Future, pending};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seqflow::{BoxSeq, Seq, SeqMap, Yield, seq};
use support::liveness::{both_flavours, bounded};
use support::logged::logged_source;
use support::panics::expect_panic;
use support::{Log, PendingOnce, alive_tasks, current_thread_runtime, two_workers_runtime};
use tokio::time::{Instant, sleep};

type Src = BoxSeq<'static, u32>;
type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// How long a consumer waits before it gives up and stops what it drives.
const DEADLINE: Duration = Duration::from_millis(50);

fn deadline() -> tokio::time::Sleep {
    sleep(DEADLINE)
}

// ── the producers ──

/// Logs `"{name} dropped"` when dropped: the `Drop` cleanup of a producer.
/// The sequence owns it from the start, so it runs whether the producer
/// started or not.
struct Dropped(Log, &'static str);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.push(format!("{} dropped", self.1));
    }
}

struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("drop panicked");
    }
}

/// A well-behaved producer: yields `items`, really suspending before each
/// (for `pause` on the runtime's clock, or for one poll), and once `yield_`
/// returned `false` runs an async cleanup, logged `"{name} cleanup"`.
fn listening(name: &'static str, items: Vec<u32>, pause: Duration, log: &Log) -> Src {
    let guard = Dropped(log.clone(), name);
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        for v in items {
            if pause.is_zero() {
                PendingOnce::new().await;
            } else {
                sleep(pause).await;
            }
            if !y.yield_(v).await {
                PendingOnce::new().await;
                log.push(format!("{name} cleanup"));
                return;
            }
        }
        log.push(format!("{name} end"));
    })
    .boxed()
}

/// Yields `items`, then waits for ever where no stop is heard.
fn hung(name: &'static str, items: Vec<u32>, log: &Log) -> Src {
    let guard = Dropped(log.clone(), name);
    let log = log.clone();
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        for v in items {
            if !y.yield_(v).await {
                log.push(format!("{name} cleanup"));
                return;
            }
        }
        pending::<()>().await;
        log.push(format!("{name} woke"));
    })
    .boxed()
}

/// Yields `0..1000` and ignores `false`: a producer bug, whose next
/// `yield_` panics.
fn deaf(name: &'static str, log: &Log) -> Src {
    let guard = Dropped(log.clone(), name);
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        for v in 0..1000 {
            let _ = y.yield_(v).await; // ignores `false`
        }
    })
    .boxed()
}

/// Like [`hung`], holding a value whose `Drop` panics once it started.
fn bomb(name: &'static str, items: Vec<u32>, log: &Log) -> Src {
    let guard = Dropped(log.clone(), name);
    seq::from_fn(move |mut y: Yield<u32>| async move {
        let _guard = guard;
        let _bomb = PanicOnDrop;
        for v in items {
            if !y.yield_(v).await {
                return;
            }
        }
        pending::<()>().await;
    })
    .boxed()
}

// ── the operators, each as a consumer ──

/// An operator under test: `run` builds the consumer of the sources
/// (operators of one source use the first and drop the others at once).
/// The consumer logs `"returned"` once it has its result, while it still
/// holds the operator: what was dropped before that was dropped by the
/// operator's stop, not by the end of the consumer.
#[derive(Clone, Copy)]
struct Op {
    name: &'static str,
    run: fn(Vec<Src>, Log) -> BoxFut<Vec<u32>>,
}

/// At most two elements, and no more than [`DEADLINE`] of waiting.
fn ends<S: Seq<Item = u32> + Send + 'static>(s: S, log: Log) -> BoxFut<Vec<u32>> {
    Box::pin(async move {
        let mut s = pin!(s.take(2).take_until(deadline()));
        let got = s.as_mut().collect().await;
        log.push("returned");
        got
    })
}

/// Both ends of a split: the first takes two elements, the second one.
fn both_ends<A, B>(a: A, b: B, log: Log) -> BoxFut<Vec<u32>>
where
    A: Seq<Item = u32> + Send + 'static,
    B: Seq<Item = u32> + Send + 'static,
{
    Box::pin(async move {
        let mut a = pin!(a.take(2).take_until(deadline()));
        let mut b = pin!(b.take(1).take_until(deadline()));
        let (mut x, y) = tokio::join!(
            a.as_mut().collect::<Vec<_>>(),
            b.as_mut().collect::<Vec<_>>(),
        );
        log.push("returned");
        x.extend(y);
        x
    })
}

fn first(mut srcs: Vec<Src>) -> Src {
    srcs.remove(0)
}

const TEE: Op = Op {
    name: "tee",
    run: |srcs, log| {
        let (a, b) = first(srcs).tee();
        both_ends(a, b, log)
    },
};

const PARTITION: Op = Op {
    name: "partition",
    run: |srcs, log| {
        let (a, b) = first(srcs).partition(|v| v % 2 == 0);
        both_ends(a, b, log)
    },
};

const MERGE_SORTED: Op = Op {
    name: "merge_sorted",
    run: |srcs, log| ends(seq::merge_sorted(srcs), log),
};

const MERGE_SORTED_BY: Op = Op {
    name: "merge_sorted_by",
    run: |srcs, log| ends(seq::merge_sorted_by(srcs, |a: &u32, b: &u32| a.cmp(b)), log),
};

const FOR_EACH_CONCURRENT: Op = Op {
    name: "for_each_concurrent",
    run: |srcs, log| {
        let s = first(srcs);
        Box::pin(async move {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut run = pin!(
                s.take(2)
                    .take_until(deadline())
                    .for_each_concurrent(2, |v| {
                        let seen = seen.clone();
                        async move {
                            PendingOnce::new().await;
                            seen.lock().unwrap().push(v);
                        }
                    })
            );
            run.as_mut().await;
            log.push("returned");
            seen.lock().unwrap().clone()
        })
    },
};

/// The bodies of the first two elements fail after [`DEADLINE`]: the
/// first error stops the source, which by then was asked for a third
/// element (or holds the second in its `yield_`).
const TRY_FOR_EACH_CONCURRENT: Op = Op {
    name: "try_for_each_concurrent",
    run: |srcs, log| {
        let s = first(srcs);
        Box::pin(async move {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut run = pin!(s.map(Ok::<u32, u32>).try_for_each_concurrent(2, |v| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(v);
                    if v < 2 {
                        deadline().await;
                        return Err(v);
                    }
                    PendingOnce::new().await;
                    Ok(())
                }
            }));
            let res = run.as_mut().await;
            log.push("returned");
            assert!(res.is_err(), "no body failed: {res:?}");
            seen.lock().unwrap().clone()
        })
    },
};

const FLAT_MAP_CONCURRENT: Op = Op {
    name: "flat_map_concurrent",
    run: |srcs, log| ends(seq::iter(srcs).flat_map_concurrent(3, |s| s), log),
};

/// `take_until` itself gives up: the deadline is its future.
const TAKE_UNTIL: Op = Op {
    name: "take_until",
    run: |srcs, log| {
        let s = first(srcs);
        Box::pin(async move {
            let mut s = pin!(s.take_until(deadline()).take(2));
            let got = s.as_mut().collect().await;
            log.push("returned");
            got
        })
    },
};

const SEQ_MAP: Op = Op {
    name: "SeqMap",
    run: |srcs, log| {
        let mut map = SeqMap::new();
        for (k, s) in srcs.into_iter().enumerate() {
            map.insert(k, s);
        }
        ends(map.map(|(_, v)| v), log)
    },
};

const SHARE: Op = Op {
    name: "share",
    run: |srcs, log| {
        let shared = first(srcs).share(4);
        let (a, b) = (shared.subscribe(), shared.subscribe());
        both_ends(a, b, log)
    },
};

const NAMES: [&str; 3] = ["x", "a", "b"];

/// Every producer's `Drop` ran.
#[track_caller]
fn all_dropped(op: Op, log: &Log, when: &str) {
    let events = log.events();
    for name in NAMES {
        assert!(
            events.contains(&format!("{name} dropped")),
            "{}: {name} was not dropped {when}: {events:?}",
            op.name
        );
    }
}

/// The hostile producer `x` first, then two well-behaved ones.
fn sources(x: Src, pause: Duration, log: &Log) -> Vec<Src> {
    vec![
        x,
        listening("a", vec![1, 2, 3], pause, log),
        listening("b", vec![2, 5], pause, log),
    ]
}

// ── the cases ──

/// A producer that never returns from an await: the operator's stop drops
/// it at once (no hang, its async cleanup never runs), the consumer returns
/// promptly after its deadline, and nothing runs after it returned.
async fn hung_case(op: Op) {
    let log = Log::new();
    let start = Instant::now();
    let got = (op.run)(
        sources(hung("x", vec![0], &log), Duration::ZERO, &log),
        log.clone(),
    )
    .await;
    let took = start.elapsed();
    let at_return = log.events();
    assert!(got.len() <= 3, "{}: {got:?}", op.name);
    assert!(took < DEADLINE * 20, "{}: the stop took {took:?}", op.name);
    all_dropped(op, &log, "when the consumer returned");
    let position = |event: &str| at_return.iter().position(|e| e == event);
    assert!(
        position("x dropped") < position("returned"),
        "{}: the hung producer was dropped by the end of the consumer, not by the stop: {at_return:?}",
        op.name
    );
    // It hung when stopped: it never heard the stop, never woke.
    assert!(!log.contains("x cleanup"), "{}: {at_return:?}", op.name);
    assert!(!log.contains("x woke"), "{}: {at_return:?}", op.name);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(log.events(), at_return, "{}: ran after the return", op.name);
}

/// A producer that yields again after `false`: its panic reaches the
/// consumer, and every producer is dropped.
async fn deaf_case(op: Op) {
    let log = Log::new();
    let consumer = (op.run)(sources(deaf("x", &log), Duration::ZERO, &log), log.clone());
    let msg = expect_panic(consumer).await;
    assert!(
        msg.contains("continued after `yield_` returned `false`"),
        "{}: {msg}",
        op.name
    );
    all_dropped(op, &log, "after the panic");
}

/// A producer whose `Drop` panics when the stop drops it: the panic
/// reaches the consumer, and every other producer is still dropped.
async fn drop_panic_case(op: Op) {
    let log = Log::new();
    let consumer = (op.run)(
        sources(bomb("x", vec![0], &log), Duration::ZERO, &log),
        log.clone(),
    );
    let msg = expect_panic(consumer).await;
    assert!(msg.contains("drop panicked"), "{}: {msg}", op.name);
    all_dropped(op, &log, "after the panic");
}

/// The consumer's future dropped after `k` polls, for every `k` until it
/// completes: every producer is dropped with it, and no task is left.
async fn dropped_at_every_await_case(op: Op) {
    let before = alive_tasks();
    for polls in 0..16 {
        let log = Log::new();
        let consumer = (op.run)(
            sources(hung("x", vec![0], &log), Duration::ZERO, &log),
            log.clone(),
        );
        let mut t = tokio_test::task::spawn(consumer);
        for _ in 0..polls {
            if t.poll().is_ready() {
                break;
            }
        }
        drop(t);
        all_dropped(op, &log, &format!("with the consumer after {polls} polls"));
        assert!(!log.contains("x woke"));
        assert_eq!(alive_tasks(), before, "{}: a task was left", op.name);
    }
}

/// The consumer is the losing branch of a `select!`, cancelled while it
/// waits on a hung producer and on slow ones: every producer is dropped.
async fn select_case(op: Op) {
    let log = Log::new();
    let consumer = (op.run)(sources(hung("x", vec![0], &log), ms(20), &log), log.clone());
    tokio::select! {
        biased;
        () = sleep(ms(10)) => {}
        got = consumer => panic!("{}: the consumer was not cancelled: {got:?}", op.name),
    }
    all_dropped(op, &log, "with the cancelled consumer");
    let at_cancel = log.events();
    sleep(ms(100)).await;
    assert_eq!(log.events(), at_cancel, "{}: ran after the cancel", op.name);
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The cases inside `Runtime::block_on` on a plain thread, on a
/// current-thread runtime (real time) and on a two-worker one (where
/// `block_on` runs the consumer on the calling thread, not a worker).
fn on_plain_thread(op: Op) {
    std::thread::spawn(move || {
        for rt in [current_thread_runtime(), two_workers_runtime()] {
            rt.block_on(bounded(async move {
                hung_case(op).await;
                deaf_case(op).await;
                drop_panic_case(op).await;
                select_case(op).await;
            }));
        }
    })
    .join()
    .expect("the consumer on a plain thread failed");
}

/// For each operator, a module with every case on both flavours and on a
/// plain thread.
macro_rules! hostile {
    ($($module:ident => $op:expr;)*) => {$(
        mod $module {
            use super::*;

            async fn hung() {
                hung_case($op).await;
            }

            async fn deaf() {
                deaf_case($op).await;
            }

            async fn drop_panic() {
                drop_panic_case($op).await;
            }

            async fn dropped_at_every_await() {
                dropped_at_every_await_case($op).await;
            }

            async fn select() {
                select_case($op).await;
            }

            both_flavours! {
                contract_19_a_hung_producer_is_dropped_by_a_prompt_stop => hung;
                contract_2_a_producer_ignoring_false_panics_into_the_consumer => deaf;
                contract_4_a_panicking_drop_surfaces_and_every_producer_is_dropped => drop_panic;
                contract_19_a_consumer_dropped_at_every_await_drops_every_producer => dropped_at_every_await;
                contract_19_a_select_cancelling_the_consumer_drops_every_producer => select;
            }

            #[test]
            fn contract_19_consumer_in_block_on_on_a_plain_thread() {
                on_plain_thread($op);
            }
        }
    )*};
}

hostile! {
    tee => TEE;
    partition => PARTITION;
    merge_sorted => MERGE_SORTED;
    merge_sorted_by => MERGE_SORTED_BY;
    for_each_concurrent => FOR_EACH_CONCURRENT;
    try_for_each_concurrent => TRY_FOR_EACH_CONCURRENT;
    flat_map_concurrent => FLAT_MAP_CONCURRENT;
    take_until => TAKE_UNTIL;
    seq_map => SEQ_MAP;
    share => SHARE;
}

// ── try_for_each_concurrent: the order of the end ──

/// Logs `"body {v} dropped"` when a body is dropped, finished or not.
struct BodyDropped(Log, u32);

impl Drop for BodyDropped {
    fn drop(&mut self) {
        self.0.push(format!("body {} dropped", self.1));
    }
}

/// A body that logs its start and its drop, fails at once if `v` is
/// `fail`, and otherwise waits for ever.
fn body(log: &Log, v: u32, fail: Option<u32>) -> impl Future<Output = Result<(), u32>> + use<> {
    let log = log.clone();
    async move {
        let _guard = BodyDropped(log.clone(), v);
        log.push(format!("body {v} start"));
        if fail == Some(v) {
            PendingOnce::new().await;
            return Err(v);
        }
        pending().await
    }
}

/// Observed and asserted: at the first error of a body, that body has
/// completed (and was dropped by its queue), then the bodies still in
/// flight are dropped (in an unspecified order among themselves), then the
/// source is stopped (its pending `yield_` gives `false` and its async
/// cleanup runs), and only then is the error returned.
#[tokio::test]
async fn contract_22_try_for_each_concurrent_at_a_body_error_drops_the_bodies_then_stops_the_source()
 {
    let log = Log::new();
    let res = logged_source("s", vec![1u32, 2, 3, 4, 5], &log)
        .map(Ok::<u32, u32>)
        .try_for_each_concurrent(3, |v| body(&log, v, Some(3)))
        .await;
    log.push(format!("returned {res:?}"));
    let mut events = log.events();
    // The two bodies in flight, in whatever order their queue drops them.
    events[7..9].sort();
    assert_eq!(
        events,
        [
            "s start",
            "body 1 start",
            "s yield 1 -> true",
            "body 2 start",
            "s yield 2 -> true",
            "body 3 start",
            "body 3 dropped",
            "body 1 dropped",
            "body 2 dropped",
            "s yield 3 -> false",
            "s cleanup",
            "returned Err(3)",
        ]
    );
}

/// An `Err` element: the bodies in flight are dropped, the source's
/// `yield_` of the `Err` gives `false` (it was never asked for the element
/// after it), its cleanup runs, then the error is returned.
#[tokio::test]
async fn contract_22_try_for_each_concurrent_at_an_err_element_asks_for_nothing_more() {
    let log = Log::new();
    let source = logged_source("s", vec![Ok(1u32), Err(7u32), Ok(3)], &log);
    let res = source
        .try_for_each_concurrent(4, |v| body(&log, v, None))
        .await;
    log.push(format!("returned {res:?}"));
    assert_eq!(
        log.events(),
        [
            "s start",
            "body 1 start",
            "s yield Ok(1) -> true",
            "body 1 dropped",
            "s yield Err(7) -> false",
            "s cleanup",
            "returned Err(7)",
        ]
    );
}

/// A body whose `Drop` panics while the bodies in flight are dropped at
/// the first error: the panic reaches the consumer, no other body leaks,
/// and the source is dropped with the future.
#[tokio::test]
async fn contract_22_try_for_each_concurrent_a_panicking_body_drop_at_the_error_leaks_nothing() {
    let log = Log::new();
    let mut run = Box::pin(
        hung("s", vec![1, 2, 3], &log)
            .map(Ok::<u32, u32>)
            .try_for_each_concurrent(3, |v| {
                let bomb = if v == 2 { Some(PanicOnDrop) } else { None };
                let body = body(&log, v, Some(3));
                async move {
                    let _bomb = bomb;
                    body.await
                }
            }),
    );
    let msg = expect_panic(run.as_mut()).await;
    assert_eq!(msg, "drop panicked");
    assert!(log.contains("body 1 dropped"), "{:?}", log.events());
    assert!(log.contains("body 2 dropped"), "{:?}", log.events());
    drop(run);
    assert!(log.contains("s dropped"), "{:?}", log.events());
}

// ── for_each_concurrent: its bodies ──

/// The future cancelled with bodies in flight, one of whose `Drop`s
/// panics: the panic surfaces from the drop, and every other body and the
/// source are dropped.
#[tokio::test]
async fn contract_19_for_each_concurrent_dropped_with_a_panicking_body_drop_leaks_nothing() {
    let log = Log::new();
    let run = hung("s", vec![0, 1, 2, 3], &log).for_each_concurrent(3, |v| {
        let bomb = if v == 1 { Some(PanicOnDrop) } else { None };
        let body = body(&log, v, None);
        async move {
            let _bomb = bomb;
            let _ = body.await;
        }
    });
    let mut t = tokio_test::task::spawn(run);
    tokio_test::assert_pending!(t.poll());
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(t)));
    let payload = res.expect_err("the panic of the body's drop surfaces");
    assert_eq!(support::panics::panic_message(&*payload), "drop panicked");
    for event in [
        "body 0 dropped",
        "body 1 dropped",
        "body 2 dropped",
        "s dropped",
    ] {
        assert!(log.contains(event), "{event}: {:?}", log.events());
    }
    assert!(!log.contains("body 3 start"), "more than the limit ran");
}

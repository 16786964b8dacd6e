//! The fallible time operators (DESIGN.md contracts 22 and 25):
//! `try_debounce`, `try_sample`, `try_throttle`, `try_throttle_latest`.
//! Their `Ok` values follow the plain operators' rules; an `Err` is never
//! dropped or delayed: it goes out at its arrival, after the `Ok` value the
//! operator held (flushed early), in order.
//!
//! Every timed test runs under tokio's paused clock. In the marbles
//! (`support::time`), a lower-case letter is an `Ok`, an upper-case letter
//! an `Err`; the expected output lists each element with the millisecond at
//! which the consumer got it. The property tests compare each operator with
//! the plain operator's simulated-clock model, extended with errors.

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::time::Duration;

use proptest::prelude::*;
use seqflow::{BoxSeq, Seq, Yield, seq};
use tokio::time::Instant;
use tokio_test::{assert_pending, assert_ready_eq};

use support::panics::{expect_panic, panic_message_file_and_line, panicking_after};
use support::time::{
    Bomb, FRAME, R, arrivals, deaf, drop_after_polls, first_then_stop_hung, hung, lets_a_task_run,
    listening, marble_of, ms, run_paused, scheduled, timed, try_debounce_model, try_sample_model,
    try_throttle_latest_model, try_throttle_model,
};
use support::{
    Log, LogOnDrop, alive_tasks, current_thread_runtime, settle_tasks, settle_tasks_patiently,
    two_workers_runtime,
};

type Item = Result<char, char>;

/// A marble whose upper-case letters are errors.
fn marble(marble: &'static str) -> impl Seq<Item = Item> + Send + 'static {
    marble_of(marble, |c| if c.is_uppercase() { Err(c) } else { Ok(c) })
}

/// Every fallible time operator over `source()` with `d`, boxed.
fn each_operator<T: Send + 'static, S: Seq<Item = Result<T, T>> + Send + 'static>(
    source: impl Fn() -> S,
    d: Duration,
) -> Vec<(&'static str, BoxSeq<'static, Result<T, T>>)> {
    vec![
        ("try_debounce", source().try_debounce(d).boxed()),
        ("try_sample", source().try_sample(d).boxed()),
        ("try_throttle", source().try_throttle(d).boxed()),
        (
            "try_throttle_latest",
            source().try_throttle_latest(d).boxed(),
        ),
    ]
}

// ── try_debounce ──

#[tokio::test(start_paused = true)]
async fn contract_22_try_debounce_an_error_in_a_burst_flushes_the_pending_value_then_goes_out() {
    // a at 10, b at 30 (waiting until 60), E at 40: b goes out at 40, then
    // E; c at 60 waits its full 30 ms.
    let got = timed(marble("-a-bE-c---|").try_debounce(ms(3 * FRAME))).await;
    assert_eq!(got, [(Ok('b'), 40), (Err('E'), 40), (Ok('c'), 90)]);
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_debounce_errors_back_to_back_all_go_out_at_once() {
    let got = timed(marble("aEF-b|").try_debounce(ms(100))).await;
    assert_eq!(
        got,
        [(Ok('a'), 10), (Err('E'), 10), (Err('F'), 20), (Ok('b'), 50)]
    );
    // In one instant: taken in one poll, in order.
    let s = scheduled(vec![
        (Ok('a'), 0),
        (Err('X'), 0),
        (Ok('b'), 0),
        (Err('Y'), 0),
    ]);
    let got = timed(s.try_debounce(ms(100))).await;
    assert_eq!(
        got,
        [(Ok('a'), 0), (Err('X'), 0), (Ok('b'), 0), (Err('Y'), 0)]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_debounce_an_error_at_the_end_flushes_the_pending_value() {
    let got = timed(marble("-ab-E|").try_debounce(ms(100))).await;
    assert_eq!(got, [(Ok('b'), 40), (Err('E'), 40)]);
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_debounce_values_follow_debounce() {
    // RxJS debounceTime: '-a--bc--d---|' with a due time of 2 frames.
    let got = timed(marble("-a--bc--d---|").try_debounce(ms(2 * FRAME))).await;
    assert_eq!(got, [(Ok('a'), 30), (Ok('c'), 70), (Ok('d'), 100)]);
}

// ── try_sample ──

#[tokio::test(start_paused = true)]
async fn contract_22_try_sample_an_error_inside_a_period_flushes_its_latest_value_first() {
    // Periods end at 50, 100, 150. b, the latest of the first period, is
    // flushed by E at 30; c is the latest of the second, at 100.
    let got = timed(marble("ab-E--c-----|").try_sample(ms(5 * FRAME))).await;
    assert_eq!(got, [(Ok('b'), 30), (Err('E'), 30), (Ok('c'), 100)]);
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_sample_the_grid_stays_after_an_error() {
    // a flushed at 20 by E; b, later in the same period, goes out at its
    // end (60): the period cut by the error yields two values.
    let got = timed(marble("a-E-b-|").try_sample(ms(6 * FRAME))).await;
    assert_eq!(got, [(Ok('a'), 20), (Err('E'), 20), (Ok('b'), 60)]);
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_sample_an_error_at_the_end_flushes_the_unfinished_periods_value() {
    // Without the error, a (period ending at 100) would be dropped at the
    // end; the error flushes it first.
    let got = timed(marble("-a-E|").try_sample(ms(100))).await;
    assert_eq!(got, [(Ok('a'), 30), (Err('E'), 30)]);
    let got = timed(marble("-a-b|").try_sample(ms(100))).await;
    assert_eq!(got, []);
    // An error with nothing waiting goes out at once.
    let got = timed(marble("--E|").try_sample(ms(100))).await;
    assert_eq!(got, [(Err('E'), 20)]);
}

// ── try_throttle ──

#[tokio::test(start_paused = true)]
async fn contract_22_try_throttle_an_error_inside_a_window_goes_out_at_once() {
    // a opens a window to 60: E passes at 30, b is dropped at 50, c at 100
    // goes out.
    let got = timed(marble("-a-E-b----c|").try_throttle(ms(5 * FRAME))).await;
    assert_eq!(got, [(Ok('a'), 10), (Err('E'), 30), (Ok('c'), 100)]);
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_throttle_an_error_opens_no_window() {
    let got = timed(marble("E-a-b|").try_throttle(ms(3 * FRAME))).await;
    assert_eq!(got, [(Err('E'), 0), (Ok('a'), 20)]);
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_throttle_values_follow_throttle() {
    // RxJS throttleTime: '-a-x-y----b---x-cx---|' with 5 frames.
    let got = timed(marble("-a-x-y----b---x-cx---|").try_throttle(ms(5 * FRAME))).await;
    assert_eq!(got, [(Ok('a'), 10), (Ok('b'), 100), (Ok('c'), 160)]);
}

// ── try_throttle_latest ──

#[tokio::test(start_paused = true)]
async fn contract_22_try_throttle_latest_an_error_flushes_the_waiting_value_which_opens_a_window() {
    // a at 0 opens a window to 50; b waits; E at 20 flushes b, which opens
    // a window to 70; c at 30 waits for it.
    let got = timed(marble("abE-c---|").try_throttle_latest(ms(5 * FRAME))).await;
    assert_eq!(
        got,
        [(Ok('a'), 0), (Ok('b'), 20), (Err('E'), 20), (Ok('c'), 70)]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_throttle_latest_an_error_with_nothing_waiting_keeps_the_window() {
    // a opens a window to 50; E passes at 10 and leaves it; b at 30 waits
    // for its end.
    let got = timed(marble("aE-b---|").try_throttle_latest(ms(5 * FRAME))).await;
    assert_eq!(got, [(Ok('a'), 0), (Err('E'), 10), (Ok('b'), 50)]);
}

#[tokio::test(start_paused = true)]
async fn contract_22_try_throttle_latest_an_error_at_the_end_flushes_the_waiting_value() {
    let got = timed(marble("ab-E|").try_throttle_latest(ms(1000))).await;
    assert_eq!(got, [(Ok('a'), 0), (Ok('b'), 30), (Err('E'), 30)]);
}

// ── an arriving error wakes the consumer and goes out without the timer ──

#[tokio::test(start_paused = true)]
async fn contract_22_an_error_arriving_while_a_value_waits_wakes_the_consumer() {
    for name in ["try_debounce", "try_sample", "try_throttle_latest"] {
        let (tx, rx) = futures::channel::mpsc::unbounded::<Result<u32, u32>>();
        let source = seq::from_stream(rx);
        let mut s = match name {
            "try_debounce" => source.try_debounce(ms(100)).boxed(),
            "try_sample" => source.try_sample(ms(100)).boxed(),
            _ => source.try_throttle_latest(ms(100)).boxed(),
        };
        let mut next = tokio_test::task::spawn(());
        if name == "try_throttle_latest" {
            // The first value goes out at once and opens a window.
            tx.unbounded_send(Ok(0)).unwrap();
            assert_ready_eq!(next.enter(|cx, _| s.as_mut().poll_next(cx)), Some(Ok(0)));
        }
        tx.unbounded_send(Ok(1)).unwrap();
        assert_pending!(next.enter(|cx, _| s.as_mut().poll_next(cx)), "{name}");
        tokio::time::advance(ms(10)).await;
        assert!(!next.is_woken(), "{name}: woken early");
        tx.unbounded_send(Err(2)).unwrap();
        assert!(next.is_woken(), "{name}: the error did not wake the task");
        let before = Instant::now();
        assert_ready_eq!(
            next.enter(|cx, _| s.as_mut().poll_next(cx)),
            Some(Ok(1)),
            "{name}"
        );
        assert_ready_eq!(
            next.enter(|cx, _| s.as_mut().poll_next(cx)),
            Some(Err(2)),
            "{name}"
        );
        assert_eq!(before.elapsed(), Duration::ZERO, "{name}");
        drop(tx);
        assert_ready_eq!(next.enter(|cx, _| s.as_mut().poll_next(cx)), None, "{name}");
    }
}

// ── zero periods ──

#[test]
fn contract_25_try_zero_d_panics_at_the_callers_location() {
    type Build = fn(seq::Iter<std::vec::IntoIter<Result<u8, u8>>>) -> Box<dyn std::any::Any>;
    let cases: [(&str, Build); 4] = [
        ("try_debounce", |s| Box::new(s.try_debounce(Duration::ZERO))),
        ("try_sample", |s| Box::new(s.try_sample(Duration::ZERO))),
        ("try_throttle", |s| Box::new(s.try_throttle(Duration::ZERO))),
        ("try_throttle_latest", |s| {
            Box::new(s.try_throttle_latest(Duration::ZERO))
        }),
    ];
    for (name, build) in cases {
        let (msg, file, _) =
            panic_message_file_and_line(move || drop(build(seq::iter(vec![Ok(1u8)]))));
        assert_eq!(msg, format!("`{name}` period `d` must be non-zero"));
        assert!(
            file.ends_with("seq_time_fallible.rs"),
            "{name}: panic located in {file}"
        );
    }
}

// ── stops: heard producers are waited for, hung ones dropped ──

#[tokio::test(start_paused = true)]
async fn contract_25_try_stop_waits_for_a_producer_that_heard_it() {
    let before = alive_tasks();
    let log = Log::new();
    let source = || listening(&log).map(Ok::<u32, u32>);
    for (i, (name, s)) in each_operator(source, ms(5)).into_iter().enumerate() {
        assert_eq!(s.first().await, Some(Ok(1)), "{name}");
        assert_eq!(log.events(), vec!["cleanup"; i + 1], "{name}");
    }
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_stop_drops_a_hung_producer_at_once() {
    let before = alive_tasks();
    let log = Log::new();
    // An error first: it goes out at once from every operator, and the
    // producer then hangs where it cannot hear the stop.
    let source = || hung(&log).map(Err::<u32, u32>);
    for (i, (name, s)) in each_operator(source, ms(5)).into_iter().enumerate() {
        let start = Instant::now();
        assert_eq!(first_then_stop_hung(s).await, Some(Err(1)), "{name}");
        assert_eq!(log.events(), vec!["dropped"; i + 1], "{name}");
        assert_eq!(start.elapsed(), Duration::ZERO, "{name}: the stop waited");
    }
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_22_stop_with_an_error_held_delivers_nothing_more() {
    let log = Log::new();
    let source = || seq::iter(vec![Ok(1u32), Ok(2), Err(3)]).chain(hung(&log).map(Ok));
    for (name, s) in each_operator(source, ms(50)) {
        let mut s = pin!(s);
        // The first element: for the holding operators, the value the
        // error flushed, with the error held behind it.
        let first = poll_fn(|cx| s.as_mut().poll_next(cx)).await;
        assert!(matches!(first, Some(Ok(_))), "{name}: {first:?}");
        poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
        assert_eq!(poll_fn(|cx| s.as_mut().poll_next(cx)).await, None, "{name}");
        assert_eq!(s.size_hint(), (0, Some(0)), "{name}");
    }
}

#[test]
fn contract_25_try_stops_on_both_runtime_flavours() {
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            let before = alive_tasks();
            let log = Log::new();
            // Real time here, so small periods; only outcomes are checked.
            let source = || listening(&log).map(Ok::<u32, u32>);
            for (i, (name, s)) in each_operator(source, ms(1)).into_iter().enumerate() {
                assert_eq!(s.first().await, Some(Ok(1)), "{name}");
                assert_eq!(log.events(), vec!["cleanup"; i + 1], "{name}");
            }
            let log = Log::new();
            let source = || hung(&log).map(Err::<u32, u32>);
            for (i, (name, s)) in each_operator(source, ms(1)).into_iter().enumerate() {
                assert_eq!(first_then_stop_hung(s).await, Some(Err(1)), "{name}");
                assert_eq!(log.events(), vec!["dropped"; i + 1], "{name}");
            }
            assert_eq!(settle_tasks_patiently(before).await, before);
        });
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_consumer_dropped_at_every_await_point_drops_producer_and_timer() {
    for k in 1..10 {
        let log = Log::new();
        let source = || {
            let log = log.clone();
            seq::from_fn(move |mut y: Yield<Result<u32, u32>>| async move {
                let _guard = LogOnDrop::armed(&log, "dropped");
                for i in 0..6 {
                    tokio::time::sleep(ms(7)).await;
                    let item = if i % 3 == 2 { Err(i) } else { Ok(i) };
                    if !y.yield_(item).await {
                        return;
                    }
                }
                std::future::pending::<()>().await;
            })
        };
        for (i, (name, s)) in each_operator(source, ms(10)).into_iter().enumerate() {
            drop_after_polls(s, k).await;
            assert_eq!(
                log.events(),
                vec!["dropped"; i + 1],
                "{name} dropped after {k} polls"
            );
        }
    }
}

// ── panics reach the consumer ──

#[tokio::test(start_paused = true)]
async fn contract_25_try_producer_panics_reach_the_consumer() {
    for (name, s) in each_operator(|| panicking_after(3).map(Ok::<u32, u32>), ms(10)) {
        let msg = expect_panic(s.collect::<Vec<_>>()).await;
        assert_eq!(msg, "producer failed after 3", "{name}");
    }
    // After an error went out: the panic still surfaces.
    let source = || panicking_after(3).map(|i| if i == 1 { Err(i) } else { Ok(i) });
    for (name, s) in each_operator(source, ms(10)) {
        let msg = expect_panic(s.collect::<Vec<_>>()).await;
        assert_eq!(msg, "producer failed after 3", "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_a_panicking_drop_of_a_replaced_value_reaches_the_consumer() {
    let src = || seq::iter(vec![0, 1, 2]).map(|i| Ok::<Bomb, Bomb>(Bomb(i)));
    for (name, s) in each_operator(src, ms(10)) {
        let msg = expect_panic(s.count()).await;
        assert_eq!(msg, "drop of element 1", "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_try_a_producer_that_ignores_false_panics_through_the_stop() {
    // The first element is an error: every operator gives it at once while
    // the producer waits in its `yield_`; the stop is heard there, ignored,
    // and the next `yield_` panics out of the stop.
    let source = || deaf().map(|i| if i % 2 == 0 { Err(i) } else { Ok(i) });
    for (name, s) in each_operator(source, ms(10)) {
        let msg = expect_panic(s.first()).await;
        assert!(msg.contains("continued iteration"), "{name}: {msg}");
    }
}

// ── contract 21: an endless always-ready source shares the thread ──

#[test]
fn contract_21_try_time_operators_over_an_endless_source_let_a_task_run() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        let source = || seq::iter((0u64..).map(|i| if i % 3 == 0 { Err(i) } else { Ok(i) }));
        for (name, s) in each_operator(source, ms(1)) {
            assert!(lets_a_task_run(s).await, "{name} starved the task");
        }
        // Errors come out of an endless always-ready source, in order.
        for (name, s) in each_operator(source, ms(1)) {
            let errors: Vec<_> = s.filter(|r| r.is_err()).take(3).collect().await;
            assert_eq!(errors, [Err(0), Err(3), Err(6)], "{name}");
        }
    });
}

// ── properties against a simulated clock, with errors ──

fn schedules() -> impl Strategy<Value = (Vec<(R, u64)>, u64)> {
    let item = prop_oneof![3 => any::<u8>().prop_map(Ok), 1 => any::<u8>().prop_map(Err)];
    (
        prop::collection::vec((item, prop_oneof![Just(0u64), 0u64..40]), 0..30),
        1u64..30,
    )
}

/// Every `Err` of the schedule appears in `got`, at its arrival, in order
/// relative to the values (those before it in `got` arrived before it).
fn errors_on_time(schedule: &[(R, u64)], got: &[(R, u64)]) -> Result<(), TestCaseError> {
    let a = arrivals(schedule);
    let sent: Vec<_> = a.iter().filter(|(v, _)| v.is_err()).collect();
    let seen: Vec<_> = got.iter().filter(|(v, _)| v.is_err()).collect();
    prop_assert_eq!(sent, seen);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn contract_22_try_debounce_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).try_debounce(ms(d)));
        errors_on_time(&schedule, &got)?;
        prop_assert_eq!(got, try_debounce_model(&schedule, d));
    }

    #[test]
    fn contract_22_try_sample_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).try_sample(ms(d)));
        errors_on_time(&schedule, &got)?;
        prop_assert_eq!(got, try_sample_model(&schedule, d));
    }

    #[test]
    fn contract_22_try_throttle_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).try_throttle(ms(d)));
        errors_on_time(&schedule, &got)?;
        prop_assert_eq!(got, try_throttle_model(&schedule, d));
    }

    #[test]
    fn contract_22_try_throttle_latest_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).try_throttle_latest(ms(d)));
        errors_on_time(&schedule, &got)?;
        prop_assert_eq!(got, try_throttle_latest_model(&schedule, d));
    }

    /// Without errors, each `try_` form is its plain operator.
    #[test]
    fn contract_25_try_forms_without_errors_are_the_plain_operators(
        (schedule, d) in schedules()
    ) {
        let values: Vec<(u8, u64)> =
            schedule.iter().map(|&(v, t)| (v.unwrap_or_else(|e| e), t)).collect();
        let oks = || scheduled(values.iter().map(|&(v, t)| (Ok::<u8, u8>(v), t)).collect());
        let plain = || scheduled(values.clone());
        let ok = |got: Vec<(u8, u64)>| -> Vec<(R, u64)> {
            got.into_iter().map(|(v, t)| (Ok(v), t)).collect()
        };
        prop_assert_eq!(run_paused(|| oks().try_debounce(ms(d))), ok(run_paused(|| plain().debounce(ms(d)))));
        prop_assert_eq!(run_paused(|| oks().try_sample(ms(d))), ok(run_paused(|| plain().sample(ms(d)))));
        prop_assert_eq!(run_paused(|| oks().try_throttle(ms(d))), ok(run_paused(|| plain().throttle(ms(d)))));
        prop_assert_eq!(
            run_paused(|| oks().try_throttle_latest(ms(d))),
            ok(run_paused(|| plain().throttle_latest(ms(d))))
        );
    }
}

// ── Debug ──

#[test]
fn every_fallible_time_type_has_a_debug_without_closures() {
    let d = ms(5);
    let src = || seq::iter([Ok::<u8, u8>(1)]);
    let shown = [
        format!("{:?}", src().try_debounce(d)),
        format!("{:?}", src().try_sample(d)),
        format!("{:?}", src().try_throttle(d)),
        format!("{:?}", src().try_throttle_latest(d)),
    ];
    let names = [
        "TryDebounce",
        "TrySample",
        "TryThrottle",
        "TryThrottleLatest",
    ];
    for (shown, name) in shown.iter().zip(names) {
        assert!(shown.starts_with(&format!("{name} {{")), "{shown}");
        assert!(shown.contains("period: 5ms"), "{shown}");
    }
    assert_eq!(src().try_throttle_latest(d).period(), d);
}

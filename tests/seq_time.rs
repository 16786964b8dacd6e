//! The time operators (DESIGN.md contract 25): `debounce`, `sample`,
//! `throttle`, `throttle_latest`, and the window of `batched_timeout`.
//!
//! Every timed test runs under tokio's paused clock (`start_paused`), so
//! times are exact. The marble cases are written as in RxJS's marble tests:
//! one character per 10 ms frame, a letter is an element at that frame, `|`
//! the end of the source; the expected output lists each element with the
//! millisecond at which the consumer got it. The property tests compare
//! each operator with a pure function over a generated schedule.

mod support;

use std::future::poll_fn;
use std::pin::pin;
use std::time::Duration;

use proptest::prelude::*;
use seqflow::{Seq, Yield, seq};
use tokio::time::Instant;

use support::panics::{expect_panic, panic_message_file_and_line, panicking_after};
use support::time::{
    Bomb, FRAME, R, deaf, drop_after_polls, first_then_stop_hung, hung, lets_a_task_run, listening,
    marble_of, ms, run_paused, scheduled, timed, try_debounce_model, try_sample_model,
    try_throttle_latest_model, try_throttle_model,
};
use support::{
    Log, LogOnDrop, alive_tasks, current_thread_runtime, settle_tasks, two_workers_runtime,
};

/// A source that yields each letter of `marble` at its frame.
fn marble(marble: &'static str) -> impl Seq<Item = char> + Send + 'static {
    marble_of(marble, |c| c)
}

/// The letters of a marble output, each with its millisecond.
fn at(items: &[(char, u64)]) -> Vec<(char, u64)> {
    items.to_vec()
}

// ── debounce ──

#[tokio::test(start_paused = true)]
async fn contract_25_debounce_yields_the_last_of_a_burst() {
    // RxJS debounceTime: '-a--bc--d---|' with a due time of 2 frames.
    let got = timed(marble("-a--bc--d---|").debounce(ms(2 * FRAME))).await;
    assert_eq!(got, at(&[('a', 30), ('c', 70), ('d', 100)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_debounce_delays_each_isolated_element_by_d() {
    // RxJS: '-a--------b------c----|' with 5 frames: the last is due at the
    // instant the source ends and goes out then.
    let got = timed(marble("-a--------b------c----|").debounce(ms(5 * FRAME))).await;
    assert_eq!(got, at(&[('a', 60), ('b', 150), ('c', 220)]));
    // RxJS: '-a--(bc)-----------d-------|': b and c in one frame.
    let got =
        timed(scheduled(vec![('a', 10), ('b', 30), ('c', 0), ('d', 150)]).debounce(ms(50))).await;
    assert_eq!(got, at(&[('c', 90), ('d', 190)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_debounce_yields_the_pending_element_when_the_source_ends() {
    let got = timed(marble("-a-b|").debounce(ms(100))).await;
    assert_eq!(got, at(&[('b', 40)]));
    let got = timed(marble("-----|").debounce(ms(100))).await;
    assert_eq!(got, at(&[]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_debounce_an_element_at_the_due_instant_replaces_the_pending_one() {
    // b arrives exactly `d` after a, c exactly `d` after b: the burst goes
    // on; only c, the last, goes out.
    let got =
        timed(scheduled(vec![('a', 0), ('b', 50), ('c', 50), ('d', 200)]).debounce(ms(50))).await;
    assert_eq!(got, at(&[('c', 150), ('d', 300)]));
}

// ── sample ──

#[tokio::test(start_paused = true)]
async fn contract_25_sample_yields_the_latest_of_each_period() {
    // Periods end at 30, 60, 90, ... from the first poll.
    //                         0123456789012345
    let got = timed(marble("ab-c-----d--e-f-|").sample(ms(3 * FRAME))).await;
    // [0,30]: a b (b); (30,60]: c at 30 belongs to the first period... no:
    // c is at 30 exactly, so it closes the first period.
    assert_eq!(got, at(&[('c', 30), ('d', 90), ('e', 120), ('f', 150)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_sample_matches_kotlins_example() {
    // Kotlin's `sample` doc: an element every 110 ms, sampled every 200 ms.
    let ticks = seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..10 {
            if !y.yield_(i).await {
                return;
            }
            tokio::time::sleep(ms(110)).await;
        }
    });
    let got = timed(ticks.sample(ms(200))).await;
    assert_eq!(got, [(1, 200), (3, 400), (5, 600), (7, 800), (9, 1000)]);
}

#[tokio::test(start_paused = true)]
async fn contract_25_sample_drops_the_element_of_the_unfinished_period_at_the_end() {
    // c arrives at 40, inside the period ending at 60; the source ends at 50.
    let got = timed(marble("-a--c|").sample(ms(3 * FRAME))).await;
    assert_eq!(got, at(&[('a', 30)]));
    // A period that ends at the instant the source ends is finished.
    let got = timed(marble("-a-b|").sample(ms(4 * FRAME))).await;
    assert_eq!(got, at(&[('b', 40)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_sample_grid_starts_when_consumption_starts() {
    let s = marble("a-b|").sample(ms(25));
    // Built long before it is consumed: a grid from here would end a period
    // 15 ms into the consumption, with only a in it, and drop b at the end.
    tokio::time::sleep(ms(1010)).await;
    let got = timed(s).await;
    assert_eq!(got, at(&[('b', 25)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_sample_quiet_periods_yield_nothing_and_arm_no_timer() {
    let got = timed(marble("a--------b----|").sample(ms(20))).await;
    assert_eq!(got, at(&[('a', 20), ('b', 100)]));
}

// ── throttle ──

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_lets_the_first_through_and_ignores_d_after_it() {
    // RxJS throttleTime: '-a-x-y----b---x-cx---|' with 5 frames.
    let got = timed(marble("-a-x-y----b---x-cx---|").throttle(ms(5 * FRAME))).await;
    assert_eq!(got, at(&[('a', 10), ('b', 100), ('c', 160)]));
    // RxJS: a source slower than the window is mirrored.
    let got = timed(marble("-a--------b-----c----|").throttle(ms(5 * FRAME))).await;
    assert_eq!(got, at(&[('a', 10), ('b', 100), ('c', 160)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_an_element_exactly_d_later_is_still_inside_the_window() {
    // RxJS: 'abcdefabcdefabcdefabcdefa|' with 5 frames: 'a-----a-----a...'.
    let got = timed(marble("abcdefabcdefabcdefabcdefa|").throttle(ms(5 * FRAME))).await;
    let expected: Vec<_> = (0..5).map(|i| ('a', i * 60)).collect();
    assert_eq!(got, expected);
}

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_ends_with_its_source() {
    let got = timed(marble("ab|").throttle(ms(1000))).await;
    assert_eq!(got, at(&[('a', 0)]));
    assert_eq!(Instant::now().elapsed(), Duration::ZERO);
}

// ── throttle_latest ──

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_latest_first_at_once_then_the_latest_per_window() {
    // RxJava throttleLatest: 1 at once; 2, 3 in the window: 3 at its end;
    // 4, 5 in the next: 5 at its end; then quiet; 6 at once.
    let schedule = vec![(1, 0), (2, 10), (3, 10), (4, 90), (5, 50), (6, 400)];
    let got = timed(scheduled(schedule).throttle_latest(ms(100))).await;
    assert_eq!(got, [(1, 0), (3, 100), (5, 200), (6, 560)]);
}

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_latest_yields_the_pending_element_at_the_end() {
    let got = timed(marble("abc|").throttle_latest(ms(1000))).await;
    assert_eq!(got, at(&[('a', 0), ('c', 30)]));
}

#[tokio::test(start_paused = true)]
async fn contract_25_throttle_latest_an_element_at_the_window_end_goes_out_then() {
    // b arrives exactly as a's window ends (100): it is that window's
    // latest and goes out at 100, opening a window to 200; c waits for it.
    let got = timed(
        scheduled(vec![('a', 0), ('b', 100), ('c', 50), ('d', 200)]).throttle_latest(ms(100)),
    )
    .await;
    assert_eq!(got, at(&[('a', 0), ('b', 100), ('c', 200), ('d', 350)]));
}

// ── zero periods ──

#[test]
fn contract_25_zero_d_panics_at_the_callers_location() {
    type Build = fn(seq::Iter<std::vec::IntoIter<u8>>) -> Box<dyn std::any::Any>;
    let cases: [(&str, Build); 4] = [
        ("debounce", |s| Box::new(s.debounce(Duration::ZERO))),
        ("sample", |s| Box::new(s.sample(Duration::ZERO))),
        ("throttle", |s| Box::new(s.throttle(Duration::ZERO))),
        ("throttle_latest", |s| {
            Box::new(s.throttle_latest(Duration::ZERO))
        }),
    ];
    for (name, build) in cases {
        let (msg, file, _) = panic_message_file_and_line(move || drop(build(seq::iter(vec![1u8]))));
        assert_eq!(msg, format!("`{name}` period `d` must be non-zero"));
        assert!(
            file.ends_with("seq_time.rs"),
            "{name}: panic located in {file}"
        );
    }
}

// ── stops: heard producers are waited for, hung ones dropped ──

/// Every time operator over `source(log)` with `d`, boxed.
fn each_operator<S: Seq<Item = u32> + Send + 'static>(
    source: impl Fn() -> S,
    d: Duration,
) -> Vec<(&'static str, seqflow::BoxSeq<'static, u32>)> {
    vec![
        ("debounce", source().debounce(d).boxed()),
        ("sample", source().sample(d).boxed()),
        ("throttle", source().throttle(d).boxed()),
        ("throttle_latest", source().throttle_latest(d).boxed()),
    ]
}

/// Takes the first element, then stops: returns it.
async fn first_then_stop(s: seqflow::BoxSeq<'static, u32>) -> Option<u32> {
    s.first().await
}

#[tokio::test(start_paused = true)]
async fn contract_25_stop_waits_for_a_producer_that_heard_it() {
    let before = alive_tasks();
    let log = Log::new();
    for (i, (name, s)) in each_operator(|| listening(&log), ms(5))
        .into_iter()
        .enumerate()
    {
        assert_eq!(first_then_stop(s).await, Some(1), "{name}");
        assert_eq!(
            log.events(),
            vec!["cleanup"; i + 1],
            "{name}: cleanup before the stop completed"
        );
    }
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_25_stop_drops_a_hung_producer_at_once() {
    let before = alive_tasks();
    let log = Log::new();
    for (i, (name, s)) in each_operator(|| hung(&log), ms(5)).into_iter().enumerate() {
        let start = Instant::now();
        assert_eq!(first_then_stop_hung(s).await, Some(1), "{name}");
        assert_eq!(log.events(), vec!["dropped"; i + 1], "{name}");
        assert!(start.elapsed() <= ms(5), "{name}: the stop waited");
    }
    assert_eq!(settle_tasks(before).await, before);
}

#[tokio::test(start_paused = true)]
async fn contract_25_stop_before_the_pending_element_goes_out_delivers_nothing_more() {
    let log = Log::new();
    for (name, s) in each_operator(|| seq::iter(vec![1u32, 2, 3]).chain(hung(&log)), ms(50)) {
        let mut s = pin!(s);
        // Take what comes at once, then stop with elements pending.
        let first = tokio::time::timeout(ms(1), poll_fn(|cx| s.as_mut().poll_next(cx))).await;
        poll_fn(|cx| s.as_mut().poll_stop(cx)).await;
        assert_eq!(
            poll_fn(|cx| s.as_mut().poll_next(cx)).await,
            None,
            "{name} after {first:?}"
        );
        assert_eq!(s.size_hint(), (0, Some(0)), "{name}");
    }
}

#[test]
fn contract_25_stops_on_both_runtime_flavours() {
    for rt in [current_thread_runtime(), two_workers_runtime()] {
        rt.block_on(async {
            let before = alive_tasks();
            let log = Log::new();
            // Real time here, so small periods; only outcomes are checked.
            for (i, (name, s)) in each_operator(|| listening(&log), ms(1))
                .into_iter()
                .enumerate()
            {
                assert_eq!(first_then_stop(s).await, Some(1), "{name}");
                assert_eq!(log.events(), vec!["cleanup"; i + 1], "{name}");
            }
            let log = Log::new();
            for (i, (name, s)) in each_operator(|| hung(&log), ms(1)).into_iter().enumerate() {
                assert_eq!(first_then_stop_hung(s).await, Some(1), "{name}");
                assert_eq!(log.events(), vec!["dropped"; i + 1], "{name}");
            }
            assert_eq!(support::settle_tasks_patiently(before).await, before);
        });
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_consumer_dropped_at_every_await_point_drops_producer_and_timer() {
    for k in 1..8 {
        let log = Log::new();
        for (i, (name, s)) in each_operator(
            || {
                let log = log.clone();
                seq::from_fn(move |mut y: Yield<u32>| async move {
                    let _guard = LogOnDrop::armed(&log, "dropped");
                    for i in 0..5 {
                        tokio::time::sleep(ms(7)).await;
                        if !y.yield_(i).await {
                            return;
                        }
                    }
                    std::future::pending::<()>().await;
                })
            },
            ms(10),
        )
        .into_iter()
        .enumerate()
        {
            drop_after_polls(s, k).await;
            assert_eq!(
                log.events(),
                vec!["dropped"; i + 1],
                "{name} dropped after {k} polls"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_producer_panics_reach_the_consumer() {
    for (name, s) in each_operator(|| panicking_after(3), ms(10)) {
        let msg = expect_panic(s.collect::<Vec<_>>()).await;
        assert_eq!(msg, "producer failed after 3", "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_a_panicking_drop_of_a_replaced_element_reaches_the_consumer() {
    let src = || seq::iter(vec![0, 1, 2]).map(Bomb);
    let cases: Vec<(&str, seqflow::BoxSeq<'static, Bomb>)> = vec![
        ("debounce", src().debounce(ms(10)).boxed()),
        ("sample", src().sample(ms(10)).boxed()),
        ("throttle", src().throttle(ms(10)).boxed()),
        ("throttle_latest", src().throttle_latest(ms(10)).boxed()),
    ];
    for (name, s) in cases {
        let msg = expect_panic(s.count()).await;
        assert_eq!(msg, "drop of element 1", "{name}");
    }
}

// ── contract 21: an endless always-ready source shares the thread ──

#[test]
fn contract_21_time_operators_over_an_endless_source_let_a_task_run() {
    let rt = current_thread_runtime();
    rt.block_on(async {
        let cases: Vec<(&str, seqflow::BoxSeq<'static, u64>)> = vec![
            ("debounce", seq::iter(0u64..).debounce(ms(1)).boxed()),
            ("sample", seq::iter(0u64..).sample(ms(1)).boxed()),
            ("throttle", seq::iter(0u64..).throttle(ms(1)).boxed()),
            (
                "throttle_latest",
                seq::iter(0u64..).throttle_latest(ms(1)).boxed(),
            ),
        ];
        for (name, s) in cases {
            assert!(lets_a_task_run(s).await, "{name} starved the task");
        }
        // `sample` and `throttle_latest` still yield while the source never
        // pauses: a due deadline is not held back by the spent budget.
        let got: Vec<u64> = seq::iter(0u64..).sample(ms(1)).take(3).collect().await;
        assert_eq!(got.len(), 3);
        let got: Vec<u64> = seq::iter(0u64..)
            .throttle_latest(ms(1))
            .take(3)
            .collect()
            .await;
        assert_eq!(got.len(), 3);
    });
}

// ── batched_timeout: the window starts at the first element of a batch ──

#[tokio::test(start_paused = true)]
async fn batched_timeout_window_starts_at_the_first_element_of_a_batch() {
    // Consumption starts at 0; the first element comes at 70. A window that
    // started at consumption would flush [a] at 100; it flushes at 170.
    // The second batch: the flush at 170 is not its start either; its
    // first element comes at 250, so it flushes at 350, with b and c.
    let s = scheduled(vec![('a', 70), ('b', 180), ('c', 50), ('d', 500)]);
    let got = timed(s.batched_timeout(10, ms(100))).await;
    assert_eq!(
        got,
        [(vec!['a'], 170), (vec!['b', 'c'], 350), (vec!['d'], 800)]
    );
}

// ── properties against a simulated clock ──

/// A simulated-clock model: the output, each element with its millisecond.
type Model = fn(&[(R, u64)], u64) -> Vec<(R, u64)>;

/// The plain operator's model: the `try_` form's model (support::time) on
/// a schedule without errors.
fn plain(model: Model, schedule: &[(u8, u64)], d: u64) -> Vec<(u8, u64)> {
    let oks: Vec<(R, u64)> = schedule.iter().map(|&(v, t)| (Ok(v), t)).collect();
    model(&oks, d)
        .into_iter()
        .map(|(v, t)| (v.expect("no errors in, none out"), t))
        .collect()
}

fn debounce_model(schedule: &[(u8, u64)], d: u64) -> Vec<(u8, u64)> {
    plain(try_debounce_model, schedule, d)
}

fn sample_model(schedule: &[(u8, u64)], d: u64) -> Vec<(u8, u64)> {
    plain(try_sample_model, schedule, d)
}

fn throttle_model(schedule: &[(u8, u64)], d: u64) -> Vec<(u8, u64)> {
    plain(try_throttle_model, schedule, d)
}

fn throttle_latest_model(schedule: &[(u8, u64)], d: u64) -> Vec<(u8, u64)> {
    plain(try_throttle_latest_model, schedule, d)
}

fn schedules() -> impl Strategy<Value = (Vec<(u8, u64)>, u64)> {
    (
        prop::collection::vec((any::<u8>(), prop_oneof![Just(0u64), 0u64..40]), 0..30),
        1u64..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn contract_25_debounce_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).debounce(ms(d)));
        prop_assert_eq!(got, debounce_model(&schedule, d));
    }

    #[test]
    fn contract_25_sample_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).sample(ms(d)));
        prop_assert_eq!(got, sample_model(&schedule, d));
    }

    #[test]
    fn contract_25_throttle_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).throttle(ms(d)));
        prop_assert_eq!(got, throttle_model(&schedule, d));
    }

    #[test]
    fn contract_25_throttle_latest_agrees_with_its_model((schedule, d) in schedules()) {
        let got = run_paused(|| scheduled(schedule.clone()).throttle_latest(ms(d)));
        prop_assert_eq!(got, throttle_latest_model(&schedule, d));
    }
}

// ── a producer that ignores `false`, and wake-ups ──

#[tokio::test(start_paused = true)]
async fn contract_25_a_producer_that_ignores_false_panics_through_the_stop() {
    // `throttle` and `throttle_latest` give the first element while the
    // producer waits in its `yield_`: the stop is heard there, ignored, and
    // the next `yield_` panics out of the stop. (`debounce` and `sample`
    // never end an endless always-ready burst, so they are not asked.)
    let cases: Vec<(&str, seqflow::BoxSeq<'static, u32>)> = vec![
        ("throttle", deaf().throttle(ms(10)).boxed()),
        ("throttle_latest", deaf().throttle_latest(ms(10)).boxed()),
    ];
    for (name, s) in cases {
        let msg = expect_panic(s.first()).await;
        assert!(msg.contains("continued iteration"), "{name}: {msg}");
    }
}

#[tokio::test(start_paused = true)]
async fn contract_25_the_timer_wakes_the_consumer() {
    use tokio_test::{assert_pending, assert_ready_eq};
    let cases: Vec<(&str, seqflow::BoxSeq<'static, u32>, u64)> = vec![
        ("debounce", hung(&Log::new()).debounce(ms(30)).boxed(), 30),
        ("sample", hung(&Log::new()).sample(ms(30)).boxed(), 30),
    ];
    for (name, s, due) in cases {
        let mut s = s;
        let mut next = tokio_test::task::spawn(());
        // The element is taken at once and waits for the timer.
        assert_pending!(next.enter(|cx, _| s.as_mut().poll_next(cx)), "{name}");
        tokio::time::advance(ms(due - 1)).await;
        assert!(!next.is_woken(), "{name}: woken early");
        assert_pending!(next.enter(|cx, _| s.as_mut().poll_next(cx)), "{name}");
        tokio::time::advance(ms(1)).await;
        assert!(next.is_woken(), "{name}: the timer did not wake the task");
        assert_ready_eq!(
            next.enter(|cx, _| s.as_mut().poll_next(cx)),
            Some(1),
            "{name}"
        );
    }
    // throttle_latest: 7 at once; 8 and then the hung source's 1 arrive in
    // its window, and the latest, 1, waits for the window's end.
    let mut s = seq::iter(vec![7u32, 8])
        .chain(hung(&Log::new()))
        .throttle_latest(ms(30))
        .boxed();
    let mut next = tokio_test::task::spawn(());
    assert_ready_eq!(next.enter(|cx, _| s.as_mut().poll_next(cx)), Some(7));
    assert_pending!(next.enter(|cx, _| s.as_mut().poll_next(cx)));
    tokio::time::advance(ms(29)).await;
    assert!(!next.is_woken(), "throttle_latest: woken early");
    tokio::time::advance(ms(1)).await;
    assert!(
        next.is_woken(),
        "throttle_latest: the timer did not wake the task"
    );
    assert_ready_eq!(next.enter(|cx, _| s.as_mut().poll_next(cx)), Some(1));
}

#[test]
fn every_time_and_latest_value_type_has_a_debug_without_closures() {
    let d = ms(5);
    let shown = [
        format!("{:?}", seq::iter([1u8]).debounce(d)),
        format!("{:?}", seq::iter([1u8]).sample(d)),
        format!("{:?}", seq::iter([1u8]).throttle(d)),
        format!("{:?}", seq::iter([1u8]).throttle_latest(d)),
        format!("{:?}", seq::iter([1u8]).conflate()),
        format!("{:?}", seq::iter([1u8]).switch_map(seq::once)),
        format!("{:?}", seq::iter([1u8]).combine_latest(seq::iter([2u8]))),
    ];
    let names = [
        "Debounce",
        "Sample",
        "Throttle",
        "ThrottleLatest",
        "Conflate",
        "SwitchMap",
        "CombineLatest",
    ];
    for (shown, name) in shown.iter().zip(names) {
        assert!(shown.starts_with(&format!("{name} {{")), "{shown}");
    }
    assert!(shown[0].contains("period: 5ms"), "{}", shown[0]);
    assert!(shown[4].contains("state: \"idle\""), "{}", shown[4]);
}

//! `batched` and `batched_timeout`: behaviour beyond contract line 14.

mod support;

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures_test::stream::StreamTestExt;
use seqflow::{Seq, Yield, seq};
use support::logged::{logged_naturals, stopped_at};
use support::panics::{expect_panic, panic_message};
use support::{Counted, Log, collect_checking_size_hint};
use tokio::time::Instant;

/// Yields `i` for each `(i, wait)` after sleeping `wait` milliseconds.
fn timed(schedule: &'static [(u32, u64)]) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for &(i, wait) in schedule {
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            if !y.yield_(i).await {
                return;
            }
        }
    })
}

/// Collects each batch with the paused clock's milliseconds since `start`.
async fn stamped(s: impl Seq<Item = Vec<u32>>) -> Vec<(Vec<u32>, u128)> {
    let start = Instant::now();
    let mut out = Vec::new();
    s.for_each(|batch| {
        out.push((batch, start.elapsed().as_millis()));
        async { true }
    })
    .await;
    out
}

// ── batched ──

#[tokio::test]
async fn batched_over_an_empty_source_yields_nothing() {
    let s = seq::empty::<u8>().batched(3);
    assert_eq!(s.size_hint(), (0, Some(0)));
    assert_eq!(s.count().await, 0);
}

#[tokio::test]
async fn batched_size_hint_counts_buffered_elements_through_pending_polls() {
    let src = seq::from_stream(futures::stream::iter(0..7).interleave_pending());
    let batches = collect_checking_size_hint(src.batched(3).stream()).await;
    assert_eq!(batches, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);

    let mut st = pin!(seq::iter(0..7).batched(3).stream());
    assert_eq!(futures::Stream::size_hint(&*st), (3, Some(3)));
    st.next().await;
    assert_eq!(futures::Stream::size_hint(&*st), (2, Some(2)));
}

#[tokio::test]
async fn batched_asks_for_no_element_past_the_batch_the_consumer_stops_in() {
    let log = Log::new();
    let first = logged_naturals(&log).batched(3).first().await;
    assert_eq!(first, Some(vec![0, 1, 2]));
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn batched_stop_in_mid_batch_drops_the_partial_batch_and_cleans_up() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<Counted>| async move {
        for i in 0.. {
            tokio::task::yield_now().await; // each element takes a poll
            if !y.yield_(Counted(i, d.clone())).await {
                break;
            }
        }
        tokio::task::yield_now().await;
        l.push("cleanup");
    });
    let mut st = pin!(s.batched(4).stream());
    // Poll until two elements are buffered.
    for _ in 0..10 {
        if format!("{:?}", st.get_ref()).contains("buffered: 2") {
            break;
        }
        assert!(futures::poll!(st.next()).is_pending());
    }
    assert!(format!("{:?}", st.get_ref()).contains("buffered: 2"));
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    // The two buffered elements and the third, whose `yield_` resolved to
    // `false`, were dropped; none was delivered.
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
    assert_eq!(log.events(), ["cleanup"]);
    assert!(st.next().await.is_none());
}

#[tokio::test]
async fn batched_allocates_room_for_a_batch_when_its_first_element_arrives() {
    // An unbounded source: room for `n`.
    let naturals = seq::from_fn(|mut y: Yield<u64>| async move {
        let mut i = 0;
        while y.yield_(i).await {
            i += 1;
        }
    });
    let batches: Vec<Vec<u64>> = naturals.batched(64).take(2).collect().await;
    assert!(batches.iter().all(|b| b.len() == 64 && b.capacity() >= 64));
    // A source that says it is shorter: room for what is left.
    let short: Vec<Vec<u64>> = seq::iter(0..5).batched(1000).collect().await;
    assert_eq!(short, [vec![0, 1, 2, 3, 4]]);
    assert!(short[0].capacity() < 1000, "allocated for 1000 elements");
}

#[tokio::test]
async fn batched_of_usize_max_is_one_batch_not_an_allocation_failure() {
    let all: Vec<Vec<u32>> = seq::from_stream(futures::stream::iter(0..3000))
        .batched(usize::MAX)
        .collect()
        .await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], (0..3000).collect::<Vec<_>>());
}

#[tokio::test]
async fn batched_lets_a_producer_panic_through_in_mid_batch() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        y.yield_(1).await;
        panic!("producer failed in mid-batch");
    });
    let msg = expect_panic(s.batched(5).collect::<Vec<_>>()).await;
    assert_eq!(msg, "producer failed in mid-batch");
}

#[tokio::test]
async fn batched_debug_shows_size_and_buffered_count() {
    let s = seq::iter([1, 2]).batched(3);
    assert_eq!(
        format!("{s:?}"),
        "Batched { seq: Iter { iter: Some(IntoIter([1, 2])) }, size: 3, buffered: 0 }"
    );
}

// ── batched_timeout ──

#[tokio::test(start_paused = true)]
async fn batched_timeout_flushes_a_partial_batch_once_its_first_element_waited() {
    // 1 at 0 ms, 2 at 30 ms: the batch's clock started at 0 ms, not at 30.
    // 3 at 130 ms goes out with the end of the source.
    let s = timed(&[(1, 0), (2, 30), (3, 100)]).batched_timeout(10, Duration::from_millis(50));
    assert_eq!(stamped(s).await, [(vec![1, 2], 50), (vec![3], 130)]);
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_starts_the_clock_at_a_batchs_first_element_not_at_the_flush() {
    // Flush at 50; then silence until 3 arrives at 130 and 4 at 160. Had the
    // clock restarted at the flush, [3] would go out alone at 130. (Each
    // wait of the source counts from its previous element.)
    let s = timed(&[(1, 0), (2, 30), (3, 100), (4, 30), (5, 200)])
        .batched_timeout(10, Duration::from_millis(50));
    assert_eq!(
        stamped(s).await,
        [(vec![1, 2], 50), (vec![3, 4], 180), (vec![5], 360)]
    );
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_never_yields_an_empty_batch_in_a_long_silence() {
    let s = timed(&[(1, 0), (2, 10_000)]).batched_timeout(5, Duration::from_millis(10));
    let start = Instant::now();
    assert_eq!(stamped(s).await, [(vec![1], 10), (vec![2], 10_000)]);
    assert_eq!(start.elapsed(), Duration::from_millis(10_000));
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_yields_a_full_batch_at_once_and_the_rest_at_the_end() {
    let s = timed(&[(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)])
        .batched_timeout(2, Duration::from_secs(60));
    assert_eq!(
        stamped(s).await,
        [(vec![1, 2], 10), (vec![3, 4], 20), (vec![5], 25)]
    );
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_with_an_unrepresentable_deadline_waits_for_n_or_the_end() {
    let s = timed(&[(1, 0), (2, 3_600_000)]).batched_timeout(5, Duration::MAX);
    assert_eq!(stamped(s).await, [(vec![1, 2], 3_600_000)]);
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_of_zero_flushes_whenever_the_source_waits() {
    let s = timed(&[(1, 0), (2, 0), (3, 10), (4, 0)]).batched_timeout(5, Duration::ZERO);
    let batches: Vec<Vec<u32>> = stamped(s).await.into_iter().map(|(b, _)| b).collect();
    assert_eq!(batches, [vec![1, 2], vec![3, 4]]);
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_stop_drops_the_partial_batch_and_cleans_up() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<Counted>| async move {
        let _ = y.yield_(Counted(1, d.clone())).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let more = y.yield_(Counted(2, d.clone())).await;
        l.push(format!("yield 2 -> {more}"));
        tokio::task::yield_now().await;
        l.push("cleanup");
    });
    let mut st = pin!(s.batched_timeout(3, Duration::from_secs(10)).stream());
    assert!(futures::poll!(st.next()).is_pending());
    assert_eq!(
        format!("{:?}", st.get_ref()),
        "BatchedTimeout { seq: FromFn { started: true, finished: false }, \
         size: 3, max_wait: 10s, buffered: 1 }"
    );
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    // The buffered element is dropped; the producer, asleep where it cannot
    // hear the stop, is dropped at once (contract 19): no element 2, no
    // async cleanup.
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert!(log.events().is_empty());
    assert!(st.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn batched_timeout_size_hint_is_correct_at_every_step() {
    let src = seq::from_stream(futures::stream::iter(0..7).interleave_pending());
    let batches =
        collect_checking_size_hint(src.batched_timeout(3, Duration::from_secs(1)).stream()).await;
    assert_eq!(batches, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    // Each element may end up alone, and the last ones in one batch.
    assert_eq!(
        seq::iter(0..7)
            .batched_timeout(3, Duration::from_secs(1))
            .size_hint(),
        (3, Some(7))
    );
}

#[test]
fn batched_timeout_over_a_source_that_never_waits_needs_no_runtime() {
    let s = seq::iter(0..5).batched_timeout(2, Duration::from_millis(1));
    let batches: Vec<Vec<i32>> = futures::executor::block_on(s.collect());
    assert_eq!(batches, [vec![0, 1], vec![2, 3], vec![4]]);
}

#[test]
fn batched_timeout_without_the_time_driver_panics_with_tokios_message() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let res = std::panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let s = seq::from_stream(futures::stream::iter(0..3).interleave_pending());
            s.batched_timeout(2, Duration::from_millis(1)).count().await
        })
    }));
    let msg = panic_message(&*res.expect_err("needs the time driver"));
    assert!(
        msg.contains("timers are disabled"),
        "unexpected message: {msg}"
    );
}

async fn exercise_batched_timeout_without_spawning() {
    let before = support::alive_tasks();
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        for i in 0..50 {
            if i % 7 == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if !y.yield_(i).await {
                return;
            }
        }
    });
    let mut batches: Vec<Vec<u32>> = Vec::new();
    s.batched_timeout(4, Duration::from_millis(1))
        .for_each(|batch| {
            // Checked while the sequence and its timer are alive: a task
            // spawned for the timer would show here, not only as a leak.
            assert_eq!(support::alive_tasks(), before, "a task was spawned");
            batches.push(batch);
            async { true }
        })
        .await;
    // However the real clock split them: no element lost, none empty.
    assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 4));
    assert_eq!(batches.concat(), (0..50).collect::<Vec<_>>());
    assert_eq!(support::settle_tasks(before).await, before);
}

#[tokio::test(flavor = "current_thread")]
async fn batched_timeout_spawns_no_task_on_a_current_thread_runtime() {
    exercise_batched_timeout_without_spawning().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_timeout_spawns_no_task_on_a_multi_thread_runtime() {
    exercise_batched_timeout_without_spawning().await;
}

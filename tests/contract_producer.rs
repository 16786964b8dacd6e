//! DESIGN.md contract lines 1–5: producer and consumer.
//!
//! Each test is named after the contract line it proves. The Miri run of CI
//! executes this file too: it is where the `Yield` hand-off is exercised.

mod support;

use std::future::Future;
use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::{FutureExt, StreamExt};
use seqflow::{Seq, Yield, seq};
use support::logged::{logged_naturals, stopped_at};
use support::panics::{expect_panic, panic_message, panicking_after};
use support::{Counted, DropFlag, Log};

// ── 1. cold ──

#[tokio::test]
async fn contract_01_nothing_runs_until_consumed() {
    let log = Log::new();
    let s = logged_naturals(&log).take(2);
    tokio::task::yield_now().await;
    assert!(
        log.events().is_empty(),
        "building a sequence ran it: {:?}",
        log.events()
    );
    assert_eq!(s.collect::<Vec<_>>().await, [0, 1]);
    assert_eq!(log.events()[0], "start");
}

#[tokio::test]
async fn contract_01_each_consumption_runs_the_producer_afresh() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        r.fetch_add(1, Ordering::SeqCst);
        for i in 0..3 {
            if !y.yield_(i).await {
                return;
            }
        }
    });
    let first: Vec<u8> = s.clone().collect().await;
    let second: Vec<u8> = s.clone().collect().await;
    assert_eq!(first, [0, 1, 2]);
    assert_eq!(first, second);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    drop(s);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "dropping an unconsumed clone ran it"
    );
}

#[tokio::test]
async fn contract_01_iter_does_not_pull_its_iterator_until_consumed() {
    let pulled = Arc::new(AtomicUsize::new(0));
    let p = pulled.clone();
    let s = seq::iter((0..3).inspect(move |_| {
        p.fetch_add(1, Ordering::SeqCst);
    }));
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    assert_eq!(s.count().await, 3);
    assert_eq!(pulled.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn contract_01_from_stream_is_single_use_and_ends_at_first_none() {
    // A stream that would resume after `None`: the sequence must not.
    let mut calls = 0;
    let resuming = futures::stream::poll_fn(move |_| {
        calls += 1;
        Poll::Ready(match calls {
            1 => Some(1),
            2 => None,
            _ => Some(99),
        })
    });
    let mut st = pin!(seq::from_stream(resuming).stream());
    assert_eq!(st.next().await, Some(1));
    assert_eq!(st.next().await, None);
    assert_eq!(st.next().await, None);
}

// ── 2. stop is a message ──

#[tokio::test]
async fn contract_02_break_makes_the_pending_yield_return_false() {
    let log = Log::new();
    let mut seen = Vec::new();
    logged_naturals(&log)
        .for_each(|v| {
            seen.push(v);
            async move { v < 2 }
        })
        .await;
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(log.events(), stopped_at(2));
}

#[tokio::test]
async fn contract_02_async_cleanup_runs_before_for_each_returns() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        // Several suspensions, as a real `rows.close().await` would have.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        c.store(true, Ordering::SeqCst);
    });
    s.for_each(|_| async { false }).await;
    assert!(cleaned.load(Ordering::SeqCst));
}

#[tokio::test]
async fn contract_02_yield_after_false_panics_naming_the_call_site() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    let line = line!() + 4;
    let s = seq::from_fn(move |mut y: Yield<Counted>| async move {
        let first = y.yield_(Counted(1, d.clone())).await;
        assert!(!first);
        y.yield_(Counted(2, d.clone())).await; // the bug: yields after `false`
    });
    let err = AssertUnwindSafe(s.first())
        .catch_unwind()
        .await
        .expect_err("the producer's bug reaches the consumer");
    let msg = panic_message(&*err);
    assert!(
        msg.contains("continued after `yield_` returned `false`"),
        "{msg}"
    );
    assert!(msg.contains(&format!("{}:{line}:", file!())), "{msg}");
    // The value of the bad `yield_` was dropped, never delivered; the first
    // one was delivered and dropped with the consumer's result.
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
}

/// A producer that ignores `yield_`'s result: `loop { y.yield_(i).await }`.
fn ignores_false() -> impl Seq<Item = u64> + Send + 'static {
    seq::from_fn(|mut y: Yield<u64>| async move {
        let mut i = 0;
        loop {
            let _ = y.yield_(i).await;
            i += 1;
        }
    })
}

#[tokio::test]
async fn contract_02_a_producer_ignoring_false_panics_instead_of_spinning() {
    // Under `take`, `collect_at_most`, `for_each`, `stream()` + `poll_stop`
    // and `Pull::stop`, the second `yield_` after the stop panics at once.
    let outcomes = [
        AssertUnwindSafe(ignores_false().take(3).collect::<Vec<_>>().map(drop))
            .catch_unwind()
            .await,
        AssertUnwindSafe(ignores_false().collect_at_most::<Vec<_>>(3).map(drop))
            .catch_unwind()
            .await,
        AssertUnwindSafe(ignores_false().for_each(|i| async move { i < 2 }))
            .catch_unwind()
            .await,
        AssertUnwindSafe(async {
            let mut st = pin!(ignores_false().stream());
            st.next().await;
            poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
        })
        .catch_unwind()
        .await,
        AssertUnwindSafe(async {
            let mut p = seqflow::pull(ignores_false());
            p.next().await;
            p.stop().await;
        })
        .catch_unwind()
        .await,
    ];
    for outcome in outcomes {
        let err = outcome.expect_err("the bug surfaces");
        assert!(panic_message(&*err).contains("continued after `yield_` returned `false`"));
    }
}

#[tokio::test]
async fn contract_02_take_stops_the_producer_and_waits_for_its_cleanup() {
    let log = Log::new();
    let v: Vec<u32> = logged_naturals(&log).take(2).collect().await;
    assert_eq!(v, [0, 1]);
    assert_eq!(log.events(), stopped_at(1));
}

#[tokio::test]
async fn contract_02_short_circuiting_terminals_run_cleanup_before_returning() {
    let log = Log::new();
    assert_eq!(logged_naturals(&log).first().await, Some(0));
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));

    let log = Log::new();
    assert_eq!(logged_naturals(&log).find(|v| *v == 3).await, Some(3));
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
    assert!(log.contains("yield 3 -> false"));

    let log = Log::new();
    assert!(logged_naturals(&log).any(|v| v == 2).await);
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));

    let log = Log::new();
    assert!(!logged_naturals(&log).all(|v| v < 2).await);
    assert_eq!(log.events().last().map(String::as_str), Some("cleanup"));
}

#[tokio::test]
async fn contract_02_error_in_try_for_each_stops_the_producer_after_cleanup() {
    let log = Log::new();
    let fallible = logged_naturals(&log)
        .take(10)
        .stream()
        .map(Ok::<u32, String>);
    let res = seq::from_stream(fallible)
        .try_for_each(|v| async move {
            if v == 1 {
                Err(format!("bad {v}"))
            } else {
                Ok(())
            }
        })
        .await;
    assert_eq!(res, Err("bad 1".to_owned()));
    // `from_stream` stops by dropping: the producer behind the stream bridge
    // is dropped, so its async cleanup does not run (contract 3)...
    assert!(!log.contains("cleanup"));

    // ...whereas a native fallible producer gets to clean up.
    let cleaned = Arc::new(AtomicBool::new(false));
    let c = cleaned.clone();
    let s = seq::try_from_fn(move |mut y: Yield<u32>| async move {
        let mut i = 0;
        while y.yield_(i).await {
            i += 1;
        }
        tokio::task::yield_now().await;
        c.store(true, Ordering::SeqCst);
        Ok::<(), String>(())
    });
    let res = s
        .try_for_each(|v| async move {
            if v == 1 {
                Err("stop".to_owned())
            } else {
                Ok(())
            }
        })
        .await;
    assert_eq!(res, Err("stop".to_owned()));
    assert!(cleaned.load(Ordering::SeqCst));
}

// ── 3. dropping is Rust cancellation ──

#[tokio::test]
async fn contract_03_dropping_the_stream_runs_drop_cleanup_but_not_async_cleanup() {
    let (guard, dropped) = DropFlag::new();
    let async_cleanup = Arc::new(AtomicBool::new(false));
    let a = async_cleanup.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        let _guard = guard;
        while y.yield_(1).await {}
        a.store(true, Ordering::SeqCst);
    });
    let mut st = Box::pin(s.stream());
    assert_eq!(st.next().await, Some(1));
    assert!(!dropped.load(Ordering::SeqCst));
    drop(st);
    assert!(dropped.load(Ordering::SeqCst), "Drop cleanup must run");
    assert!(
        !async_cleanup.load(Ordering::SeqCst),
        "async cleanup cannot run on drop"
    );
}

#[tokio::test]
async fn contract_03_stream_runs_inline_on_the_consumer_task() {
    let before = support::alive_tasks();
    let producer_task = Arc::new(Mutex::new(None));
    let p = producer_task.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        *p.lock().unwrap() = Some((tokio::task::try_id(), std::thread::current().id()));
        assert_eq!(support::alive_tasks(), before, "the stream spawned a task");
        y.yield_(1).await;
    });
    let mut st = pin!(s.stream());
    assert_eq!(st.next().await, Some(1));
    let consumer = (tokio::task::try_id(), std::thread::current().id());
    assert_eq!(*producer_task.lock().unwrap(), Some(consumer));
}

#[tokio::test]
async fn contract_03_stream_poll_stop_runs_async_cleanup() {
    let async_cleanup = Arc::new(AtomicBool::new(false));
    let a = async_cleanup.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        while y.yield_(1).await {}
        tokio::task::yield_now().await;
        a.store(true, Ordering::SeqCst);
    });
    let mut st = pin!(s.stream());
    assert_eq!(st.next().await, Some(1));
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    assert!(async_cleanup.load(Ordering::SeqCst));
    assert_eq!(st.next().await, None);
}

#[tokio::test]
async fn contract_03_stream_is_terminated_after_its_end_and_after_a_stop() {
    use futures::stream::FusedStream;
    let mut st = pin!(seq::iter([1, 2]).stream());
    assert!(!st.is_terminated());
    assert_eq!(st.next().await, Some(1));
    assert_eq!(st.next().await, Some(2));
    assert!(!st.is_terminated(), "the end is not known before `None`");
    assert_eq!(st.next().await, None);
    assert!(st.is_terminated());
    assert_eq!(futures::Stream::size_hint(&*st), (0, Some(0)));
    assert_eq!(st.next().await, None);

    let log = Log::default();
    let mut st = pin!(logged_naturals(&log).stream());
    assert_eq!(st.next().await, Some(0));
    assert!(!st.is_terminated());
    poll_fn(|cx| st.as_mut().poll_stop(cx)).await;
    assert!(st.is_terminated());
    assert_eq!(st.next().await, None);
}

// ── 4. panics surface ──

#[tokio::test]
async fn contract_04_producer_panic_reaches_for_each() {
    let msg = expect_panic(panicking_after(2).for_each(|_| async { true })).await;
    assert_eq!(msg, "producer failed after 2");
}

#[tokio::test]
async fn contract_04_producer_panic_reaches_collect() {
    let msg = expect_panic(panicking_after(3).collect::<Vec<_>>()).await;
    assert_eq!(msg, "producer failed after 3");
}

#[tokio::test]
async fn contract_04_producer_panic_reaches_stream_next() {
    let mut st = pin!(panicking_after(1).stream());
    assert_eq!(st.next().await, Some(0));
    let msg = expect_panic(st.next()).await;
    assert_eq!(msg, "producer failed after 1");
}

#[tokio::test]
async fn contract_04_panic_during_cleanup_reaches_the_consumer_that_stopped() {
    let s = seq::from_fn(|mut y: Yield<u8>| async move {
        while y.yield_(0).await {}
        tokio::task::yield_now().await;
        panic!("cleanup failed");
    });
    let msg = expect_panic(s.for_each(|_| async { false })).await;
    assert_eq!(msg, "cleanup failed");
}

#[tokio::test]
async fn contract_04_panic_in_a_spawned_consumer_is_a_join_error_not_a_hang() {
    let handle = tokio::spawn(panicking_after(5).count());
    let err = handle.await.expect_err("the panic must surface");
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), "producer failed after 5");
}

// ── 5. Yield misuse panics, never UB ──

const MISUSE: &str = "`Yield::yield_` was awaited outside the producer it was given to";

#[tokio::test]
async fn contract_05_yield_moved_to_another_task_panics() {
    let before = support::alive_tasks();
    let outcome = Arc::new(Mutex::new(None));
    let o = outcome.clone();
    let s = seq::from_fn(move |y: Yield<u8>| async move {
        let res = tokio::spawn(async move {
            let mut y = y;
            y.yield_(1).await
        })
        .await;
        *o.lock().unwrap() = Some(res.map_err(|e| panic_message(&*e.into_panic())));
    });
    assert_eq!(s.count().await, 0, "nothing was delivered");
    let res = outcome.lock().unwrap().take().expect("producer finished");
    let msg = res.expect_err("the moved Yield must panic");
    assert!(msg.contains(MISUSE), "unclear message: {msg}");
    assert_eq!(support::settle_tasks(before).await, before);
}

#[tokio::test]
async fn contract_05_yield_kept_after_its_run_panics() {
    let kept: Arc<Mutex<Option<Yield<u8>>>> = Arc::new(Mutex::new(None));
    let k = kept.clone();
    let s = seq::from_fn(move |y: Yield<u8>| async move {
        *k.lock().unwrap() = Some(y);
    });
    assert_eq!(s.count().await, 0);
    let mut y = kept.lock().unwrap().take().expect("kept");
    // Used later, from the test's own task...
    let msg = expect_panic(async { y.yield_(7).await }).await;
    assert!(msg.contains(MISUSE), "unclear message: {msg}");
    // ...or from inside a later run of another sequence.
    let later = seq::from_fn(move |_own: Yield<u8>| async move {
        y.yield_(7).await;
    });
    let msg = expect_panic(later.count()).await;
    assert!(msg.contains(MISUSE), "unclear message: {msg}");
}

#[tokio::test]
async fn contract_05_yield_used_inside_a_nested_producer_panics() {
    let outer = seq::from_fn(|mut y: Yield<u8>| async move {
        let inner = seq::from_fn(move |_inner_y: Yield<u8>| async move {
            // The outer handle, awaited while the *inner* sequence polls.
            y.yield_(1).await;
        });
        inner.count().await;
    });
    let msg = expect_panic(outer.count()).await;
    assert!(msg.contains(MISUSE), "unclear message: {msg}");
}

#[tokio::test]
async fn contract_05_outer_yield_inside_inner_consumer_body_is_fine() {
    // Forwarding an inner sequence's elements from the outer producer is
    // the legitimate form of nesting: the outer `Yield` is awaited by the
    // outer producer itself.
    let outer = seq::from_fn(|mut y: Yield<u32>| async move {
        let mut inner = pin!(seq::iter(1..=3).stream());
        while let Some(v) = inner.next().await {
            if !y.yield_(v * 10).await {
                return;
            }
        }
    });
    assert_eq!(outer.collect::<Vec<_>>().await, [10, 20, 30]);
}

#[test]
fn contract_05_yield_of_a_clone_cannot_feed_its_original() {
    // Two runs of clones of one sequence have distinct run ids: a handle
    // smuggled from one run into the other is caught.
    let smuggled: Arc<Mutex<Option<Yield<u8>>>> = Arc::new(Mutex::new(None));
    let sm = smuggled.clone();
    let s = seq::from_fn(move |mut y: Yield<u8>| async move {
        let stolen = sm.lock().unwrap().take();
        match stolen {
            None => {
                *sm.lock().unwrap() = Some(y);
            }
            Some(mut other) => {
                other.yield_(1).await;
                y.yield_(2).await;
            }
        }
    });
    futures::executor::block_on(async {
        assert_eq!(s.clone().count().await, 0);
        let msg = expect_panic(s.count()).await;
        assert!(msg.contains(MISUSE), "unclear message: {msg}");
    });
}

#[test]
fn contract_05_misuse_names_the_callers_location() {
    let kept: Arc<Mutex<Option<Yield<u8>>>> = Arc::new(Mutex::new(None));
    let k = kept.clone();
    let s = seq::from_fn(move |y: Yield<u8>| async move {
        *k.lock().unwrap() = Some(y);
    });
    futures::executor::block_on(async {
        assert_eq!(s.count().await, 0);
        let mut y = kept.lock().unwrap().take().expect("kept");
        let line = line!() + 1;
        let msg = expect_panic(async move { y.yield_(7).await }).await;
        assert!(msg.contains(MISUSE), "unclear message: {msg}");
        assert!(msg.contains(&format!("{}:{line}:", file!())), "{msg}");
    });
}

/// A future whose `poll` polls `inner` on a scoped thread with the
/// producer's own waker, while this thread wakes that same waker: what the
/// audit found to race on the hand-off frame. It must be sound (Miri runs
/// this test), and the element must arrive.
struct PolledOnAScopedThread<F>(F);

impl<F: Future + Unpin + Send> Future for PolledOnAScopedThread<F>
where
    F::Output: Send,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let waker = cx.waker();
        let inner = &mut self.0;
        std::thread::scope(|s| {
            let h = s.spawn(move || Pin::new(inner).poll(&mut Context::from_waker(waker)));
            waker.wake_by_ref();
            h.join().expect("the scoped poll panicked")
        })
    }
}

#[test]
fn contract_05_a_yield_polled_on_a_scoped_thread_is_sound() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        assert!(PolledOnAScopedThread(y.yield_(1)).await);
        y.yield_(2).await;
    });
    let got: Vec<u32> = futures::executor::block_on(s.collect());
    assert_eq!(got, [1, 2]);
}

// ── yield_ in select!: exactly when a value is delivered ──

#[tokio::test]
async fn yield_handed_over_on_its_first_poll_is_delivered_even_if_dropped() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        tokio::select! {
            biased;
            _ = y.yield_(1) => {}
            () = std::future::ready(()) => {}
        }
        y.yield_(2).await;
    });
    assert_eq!(s.collect::<Vec<_>>().await, [1, 2]);
}

#[tokio::test]
async fn yield_pinned_outside_a_select_loop_loses_nothing() {
    // The documented cancel-safe shape: one `yield_` future per element,
    // polled by `&mut` in every round of the `select!` loop.
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        for v in 1..=3 {
            let mut send = pin!(y.yield_(v));
            let mut rounds = 0;
            let more = loop {
                tokio::select! {
                    biased;
                    more = &mut send => break more,
                    () = std::future::ready(()), if rounds < 2 => rounds += 1,
                }
            };
            if !more {
                return;
            }
        }
    });
    assert_eq!(s.collect::<Vec<_>>().await, [1, 2, 3]);
}

#[tokio::test]
async fn yield_dropped_while_the_slot_is_busy_drops_its_value_as_documented() {
    // The one documented loss: a second `yield_` polled in the same poll of
    // the producer, after an earlier one handed over and was dropped, keeps
    // its value until the next poll; dropped before that, the value goes.
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        for v in [1, 2] {
            tokio::select! {
                biased;
                _ = y.yield_(v) => {}
                () = std::future::ready(()) => {}
            }
        }
        y.yield_(3).await;
    });
    assert_eq!(s.collect::<Vec<_>>().await, [1, 3]);
}

// ── yield_all: Go's range-and-re-yield ──

#[tokio::test]
async fn yield_all_re_yields_every_element_in_order() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        if !y.yield_(0).await {
            return;
        }
        let inner = seq::from_fn(|mut inner: Yield<u32>| async move {
            for v in 1..=3 {
                tokio::task::yield_now().await;
                if !inner.yield_(v).await {
                    return;
                }
            }
        });
        assert!(y.yield_all(inner).await, "the inner sequence was exhausted");
        assert!(y.yield_all(seq::iter([4, 5])).await);
        y.yield_(6).await;
    });
    assert_eq!(s.collect::<Vec<_>>().await, [0, 1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn yield_all_stops_the_inner_sequence_and_waits_for_its_cleanup() {
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u32>| async move {
        let more = y.yield_all(logged_naturals(&l)).await;
        l.push(format!("yield_all -> {more}"));
    });
    let got: Vec<u32> = s.take(2).collect().await;
    assert_eq!(got, [0, 1]);
    let mut want = stopped_at(1);
    want.push("yield_all -> false".to_owned());
    assert_eq!(log.events(), want);
}

#[tokio::test(start_paused = true)]
async fn yield_all_keeps_contract_19_for_a_hung_inner_sequence() {
    let (guard, inner_dropped) = DropFlag::new();
    let log = Log::new();
    let l = log.clone();
    let s = seq::from_fn(move |mut y: Yield<u64>| async move {
        let inner = seq::from_fn(move |mut inner: Yield<u64>| async move {
            let _guard = guard;
            inner.yield_(1).await;
            std::future::pending::<()>().await;
        });
        // The outer producer is in `yield_all`, where the stop is heard; the
        // inner one waits where it is not, and is dropped.
        let more = y.yield_all(inner).await;
        l.push(format!("yield_all -> {more}"));
    });
    let got: Vec<_> = s.timeout(std::time::Duration::from_secs(1)).collect().await;
    assert_eq!(got, [Ok(1), Err(seqflow::Error::Timeout)]);
    assert!(inner_dropped.load(Ordering::SeqCst));
    assert_eq!(log.events(), ["yield_all -> false"]);
}

#[tokio::test]
async fn yield_all_after_false_panics() {
    let s = seq::from_fn(|mut y: Yield<u32>| async move {
        assert!(!y.yield_(1).await);
        y.yield_all(seq::iter([2])).await;
    });
    let msg = expect_panic(s.first()).await;
    assert!(
        msg.contains("continued after `yield_` returned `false`"),
        "{msg}"
    );
}

// ── a stop in the middle of a budget batch ──

#[test]
fn contract_02_a_stop_in_the_middle_of_a_budget_batch_takes_the_stop_path_at_once() {
    // The sources spend tokio's budget once per batch of elements and check
    // for a stop only at a batch's start; a stop must end the batch, or the
    // rest of the batch would run the producer as if nobody had stopped it.
    let log = Log::new();
    let producer_log = log.clone();
    let mut s = pin!(seq::from_fn(move |mut y: Yield<u32>| async move {
        if y.yield_(0).await {
            return;
        }
        support::PendingOnce::new().await; // the cleanup awaits once
        // Heard: `until_stopped` resolves to `None` at once from now on.
        let r = y.until_stopped(async { 5 }).await;
        producer_log.push(format!("after the stop: {r:?}"));
    }));
    let mut cx = support::noop_cx();
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(0)));
    // The batch has elements left; the stop is heard and its cleanup awaits.
    assert_eq!(s.as_mut().poll_stop(&mut cx), Poll::Pending);
    // The next poll finishes the stop: no element, and still stopped.
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(None));
    assert_eq!(log.events(), ["after the stop: None"]);
}

//! Helpers shared by the integration tests. Each test binary declares
//! `mod support;` and uses its own subset.
//!
//! Here: the event log, drop flags and counted values, an await point that
//! really suspends, a context to poll by hand, runtime task counting, the
//! runtimes the tests build, and the size-hint checker. In the submodules:
//! [`logged`] producers that log what they did, [`panics`] (panicking
//! producers and reading a caught panic), [`laws`], the property-test
//! scaffolding, and [`time`], the marble and simulated-clock scaffolding of
//! the time operators.
#![allow(dead_code)] // each test binary uses its own subset

pub mod laws;
pub mod liveness;
pub mod logged;
pub mod panics;
pub mod time;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Context;

/// An ordered log of what producers and consumers did.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    pub fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub fn contains(&self, event: &str) -> bool {
        self.0.lock().unwrap().iter().any(|e| e == event)
    }
}

/// Logs `event` if dropped while armed: stands for the `Drop`-based cleanup
/// of a producer that was cancelled (dropped) mid-run. A producer that runs
/// to its return disarms it.
pub struct LogOnDrop {
    log: Log,
    event: &'static str,
    armed: bool,
}

impl LogOnDrop {
    pub fn armed(log: &Log, event: &'static str) -> Self {
        LogOnDrop {
            log: log.clone(),
            event,
            armed: true,
        }
    }

    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.log.push(self.event);
        }
    }
}

/// Sets its flag when dropped: stands for `Drop`-based cleanup.
pub struct DropFlag(pub Arc<AtomicBool>);

impl DropFlag {
    pub fn new() -> (Self, Arc<AtomicBool>) {
        let flag = Arc::new(AtomicBool::new(false));
        (DropFlag(flag.clone()), flag)
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A value that counts how many of its kind were dropped.
#[derive(Debug)]
pub struct Counted(pub u32, pub Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

/// Tasks alive on the current runtime (the leak gauge).
pub fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits (yielding to the runtime, bounded) until the alive-task count falls
/// back to `expected`, and returns the count seen last.
pub async fn settle_tasks(expected: usize) -> usize {
    for _ in 0..1000 {
        if alive_tasks() == expected {
            break;
        }
        tokio::task::yield_now().await;
    }
    alive_tasks()
}

/// A future that returns `Pending` once (waking itself first), then
/// `Ready`: an await point that really suspends, without a runtime.
pub struct PendingOnce(bool);

impl PendingOnce {
    pub fn new() -> Self {
        PendingOnce(false)
    }
}

impl std::future::Future for PendingOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Checks `size_hint` against the true remaining length at every step of a
/// stream (itertools' `correct_size_hint`), and returns the items.
pub async fn collect_checking_size_hint<St>(st: St) -> Vec<St::Item>
where
    St: futures::Stream,
{
    use futures::StreamExt;
    let mut st = std::pin::pin!(st);
    let mut hints = vec![futures::Stream::size_hint(&*st)];
    let mut out = Vec::new();
    while let Some(item) = st.next().await {
        out.push(item);
        hints.push(futures::Stream::size_hint(&*st));
    }
    let len = out.len();
    for (i, (lo, hi)) in hints.into_iter().enumerate() {
        let remaining = len - i;
        assert!(
            lo <= remaining,
            "size_hint lower bound {lo} > remaining {remaining} at step {i}"
        );
        if let Some(hi) = hi {
            assert!(
                remaining <= hi,
                "size_hint upper bound {hi} < remaining {remaining} at step {i}"
            );
        }
    }
    out
}

/// Like [`settle_tasks`], for tasks that end on I/O (a closed socket seen
/// by another worker): waits, sleeping a millisecond at a time, at most
/// `limit` of real time for the alive-task count to fall back to
/// `expected`, and returns the count seen last. The limit bounds the wait;
/// it is not a timing assertion.
pub async fn settle_tasks_within(expected: usize, limit: std::time::Duration) -> usize {
    let deadline = std::time::Instant::now() + limit;
    while alive_tasks() != expected && std::time::Instant::now() < deadline {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    alive_tasks()
}

/// Like [`settle_tasks`], for multi-thread runtimes on a loaded machine: a
/// worker thread may be descheduled between finishing a task and releasing
/// it, so this also sleeps (on the runtime's clock) between rounds, for up
/// to ten seconds, before returning the count seen last.
pub async fn settle_tasks_patiently(expected: usize) -> usize {
    for _ in 0..10_000 {
        if settle_tasks(expected).await == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    alive_tasks()
}

/// A context whose waker does nothing, to poll by hand.
pub fn noop_cx() -> Context<'static> {
    Context::from_waker(futures::task::noop_waker_ref())
}

/// A current-thread runtime with every driver.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A multi-thread runtime of two workers with every driver: the other
/// flavour the tests run on.
pub fn two_workers_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A current-thread runtime whose clock is paused: time moves only when
/// every task waits, straight to the next timer.
pub fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

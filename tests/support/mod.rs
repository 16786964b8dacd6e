//! Helpers shared by the integration tests: an event log, drop flags,
//! panic payload text, runtime task counting.
#![allow(dead_code)] // each test binary uses its own subset

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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

/// The text of a panic payload (`&str` or `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
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

/// An adversarial producer: yields `items` in order, suspending before the
/// elements whose `pauses` bit is set, and records whether its cleanup ran
/// (`cleaned`) and how many elements it yielded (`yielded`).
pub fn adversarial<T: Clone + Send + 'static>(
    items: Vec<T>,
    pauses: Vec<bool>,
    cleaned: Arc<AtomicBool>,
    yielded: Arc<AtomicUsize>,
) -> impl seqflow::Seq<Item = T> + Clone + Send + 'static {
    seqflow::seq::from_fn(move |mut y: seqflow::Yield<T>| async move {
        for (i, item) in items.into_iter().enumerate() {
            if pauses.get(i).copied().unwrap_or(false) {
                PendingOnce::new().await;
            }
            yielded.fetch_add(1, Ordering::SeqCst);
            if !y.yield_(item).await {
                break;
            }
        }
        PendingOnce::new().await; // async cleanup
        cleaned.store(true, Ordering::SeqCst);
    })
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

/// Like [`settle_tasks`], but keeps waiting, in 1 ms sleeps up to `max` of
/// real time, for the count to fall back to `expected`. On a multi-thread
/// runtime a worker releases a finished task a moment after its last poll
/// returned, which a loaded machine can stretch past `settle_tasks`' yields.
pub async fn settle_tasks_within(expected: usize, max: std::time::Duration) -> usize {
    let start = std::time::Instant::now();
    settle_tasks(expected).await;
    while alive_tasks() != expected && start.elapsed() < max {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    alive_tasks()
}

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

/// A producer named `name` that yields `items`, really suspending before
/// each one, and logs `"{name} start"`, `"{name} yield {v} -> {more}"` and,
/// after an async step, `"{name} cleanup"`.
pub fn logged_source<T>(
    name: &'static str,
    items: Vec<T>,
    log: &Log,
) -> impl seqflow::Seq<Item = T> + Clone + Send + 'static + use<T>
where
    T: Clone + std::fmt::Debug + Send + 'static,
{
    let log = log.clone();
    seqflow::seq::from_fn(move |mut y: seqflow::Yield<T>| async move {
        log.push(format!("{name} start"));
        for item in items {
            PendingOnce::new().await;
            let shown = format!("{item:?}");
            let more = y.yield_(item).await;
            log.push(format!("{name} yield {shown} -> {more}"));
            if !more {
                break;
            }
        }
        PendingOnce::new().await; // async cleanup
        log.push(format!("{name} cleanup"));
    })
}

/// Runs `f`, which must panic, and returns the panic's message and the file
/// of its location (tokio-stream's `stream_panic.rs` pattern). The hook is
/// process-wide, so it records only this thread's panic and passes the
/// others on to the previous hook.
pub fn panic_message_and_location(f: impl FnOnce() + std::panic::UnwindSafe) -> (String, String) {
    use std::{panic, thread};
    static HOOK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let me = thread::current().id();
    let file = Arc::new(Mutex::new(None::<String>));
    let previous = Arc::new(panic::take_hook());
    {
        let file = file.clone();
        let previous = previous.clone();
        panic::set_hook(Box::new(move |info| {
            if thread::current().id() == me {
                *file.lock().unwrap() = info.location().map(|l| l.file().to_owned());
            } else {
                previous(info);
            }
        }));
    }
    let res = panic::catch_unwind(f);
    drop(panic::take_hook()); // ours, which holds a clone of `previous`
    let previous = Arc::into_inner(previous).expect("our hook was dropped");
    panic::set_hook(previous);
    let payload = res.expect_err("expected a panic");
    let file = file.lock().unwrap().take().expect("the hook saw the panic");
    (panic_message(&*payload), file)
}

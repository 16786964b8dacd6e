//! Panics that must surface: a producer that panics, the consumer side
//! that catches a panic and reads its message, and the caller location of
//! an argument check (`#[track_caller]`).

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use seqflow::{Seq, Yield, seq};

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

/// Awaits `fut`, which must panic, and returns the panic's message.
pub async fn expect_panic<F: Future>(fut: F) -> String {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(_) => panic!("expected a panic to surface"),
        Err(payload) => panic_message(&*payload),
    }
}

/// Awaits `fut` and returns the message of its panic, if it panicked.
pub async fn panic_of<F: Future>(fut: F) -> Option<String> {
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .err()
        .map(|payload| panic_message(&*payload))
}

/// A producer that yields `0..n`, then panics with
/// `"producer failed after {n}"`.
pub fn panicking_after(n: u32) -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(move |mut y: Yield<u32>| async move {
        for i in 0..n {
            if !y.yield_(i).await {
                return;
            }
        }
        panic!("producer failed after {n}");
    })
}

/// Runs `f`, which must panic, and returns the panic's message and the file
/// of its location (tokio-stream's `stream_panic.rs` pattern): with
/// `#[track_caller]`, the caller's file.
pub fn panic_message_and_location(f: impl FnOnce() + std::panic::UnwindSafe) -> (String, String) {
    let (message, file, _line) = panic_message_file_and_line(f);
    (message, file)
}

/// Like [`panic_message_and_location`], with the line of the location too.
/// The hook is process-wide, so it records only this thread's panic and
/// passes the others on to the previous hook.
pub fn panic_message_file_and_line(
    f: impl FnOnce() + std::panic::UnwindSafe,
) -> (String, String, u32) {
    use std::{panic, thread};
    static HOOK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let me = thread::current().id();
    let location = Arc::new(Mutex::new(None::<(String, u32)>));
    let previous = Arc::new(panic::take_hook());
    {
        let location = location.clone();
        let previous = previous.clone();
        panic::set_hook(Box::new(move |info| {
            if thread::current().id() == me {
                *location.lock().unwrap() =
                    info.location().map(|l| (l.file().to_owned(), l.line()));
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
    let (file, line) = location
        .lock()
        .unwrap()
        .take()
        .expect("the hook saw the panic");
    (panic_message(&*payload), file, line)
}

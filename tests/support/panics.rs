//! Panics that must surface: a producer that panics, the consumer side
//! that catches a panic and reads its message, and the caller location of
//! an argument check (`#[track_caller]`).

use std::any::Any;
use std::sync::{Arc, Mutex};

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

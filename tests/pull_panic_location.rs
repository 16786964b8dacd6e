//! `pull` outside a runtime reports the caller's location (`#[track_caller]`),
//! like `tokio::spawn`. One test in its own binary: it installs a panic hook.

use std::panic;
use std::sync::{Arc, Mutex};

#[test]
fn pull_outside_a_runtime_panics_at_the_callers_location() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    panic::set_hook(Box::new(move |info| {
        let loc = info.location().expect("location");
        s.lock().unwrap().push(loc.file().to_owned());
    }));
    let a = panic::catch_unwind(|| seqflow::pull(seqflow::seq::iter([1])));
    let b = panic::catch_unwind(|| seqflow::pull2(seqflow::seq::iter([(1, 2)])));
    let _ = panic::take_hook();
    assert!(a.is_err() && b.is_err());
    assert_eq!(*seen.lock().unwrap(), [file!(), file!()]);
}

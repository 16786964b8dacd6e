//! `pull` outside a runtime reports the caller's location (`#[track_caller]`),
//! like `tokio::spawn`. One test in its own binary: it installs a panic hook.

mod support;

use support::panics::panic_message_and_location;

#[test]
fn pull_outside_a_runtime_panics_at_the_callers_location() {
    let (_, a) = panic_message_and_location(|| drop(seqflow::pull(seqflow::seq::iter([1]))));
    let (_, b) = panic_message_and_location(|| drop(seqflow::pull2(seqflow::seq::iter([(1, 2)]))));
    assert_eq!([a, b], [file!(), file!()]);
}

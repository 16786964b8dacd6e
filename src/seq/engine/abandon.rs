//! Abandoned producers: a stop that drops a producer which did not hear it.
//!
//! The stop rule (see `producer.rs`) drops a producer that waits outside
//! `yield_`, `until_stopped` and `shield` when its consumer stops. That is
//! correct (a hung read must not hang the stop) but silent: the producer's
//! async cleanup does not run. This module makes it visible.
//!
//! [`report`] is called once per abandoned producer, on the thread whose
//! poll dropped it: it adds one to a per-thread count, and logs a `debug`
//! event under the `tracing` feature. An observer that wraps a sequence
//! ([`Seq::instrumented`](crate::Seq::instrumented)) reads the count before
//! and after each poll it forwards: a difference means a producer inside
//! (or stopped by) that sequence was abandoned during the poll. Polls are
//! synchronous, so the difference belongs to that poll alone. The one
//! adapter that runs its source on another task, `prefetch`, measures the
//! difference on its task and [`add`]s it on the consumer's thread when
//! the consumer takes the end of the sequence, so an observer outside it
//! learns of it too.

use std::cell::Cell;

thread_local! {
    /// Producers abandoned by polls on this thread, ever (wrapping).
    static ABANDONED: Cell<u64> = const { Cell::new(0) };
}

/// The number of producers abandoned by polls on this thread so far; only
/// differences between two reads in one poll mean anything.
#[inline]
pub(crate) fn count() -> u64 {
    // `try_with`: a sequence may be polled or stopped from a thread-local's
    // destructor, after this one was destroyed.
    ABANDONED.try_with(Cell::get).unwrap_or(0)
}

/// Adds `n` abandoned producers to this thread's count.
pub(crate) fn add(n: u64) {
    if n != 0 {
        let _ = ABANDONED.try_with(|c| c.set(c.get().wrapping_add(n)));
    }
}

/// A stop dropped a producer that did not hear it; `producer` names it (the
/// type of its closure).
#[cold]
#[inline(never)]
pub(crate) fn report(producer: &'static str) {
    add(1);
    #[cfg(feature = "tracing")]
    tracing::debug!(
        target: "seqflow",
        producer,
        "a stop dropped a producer that was waiting outside `yield_`, `until_stopped` \
         and `shield`: its async cleanup did not run"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = producer;
}

/// Counts the producers abandoned during `f` on this thread.
#[inline]
pub(crate) fn during<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = count();
    let r = f();
    (r, count().wrapping_sub(before))
}

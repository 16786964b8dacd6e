//! Laziness: building an adapter never runs its source, and stopping an
//! adapter that never started never starts it (contract lines 1 and 13).
//!
//! Every adapter is built on a producer that panics if it is ever run,
//! under `deny(unused_must_use)` (itertools' tests/laziness.rs). These are
//! plain `#[test]`s: building a sequence needs no runtime either.
#![deny(unused_must_use)]

use std::future::poll_fn;
use std::pin::pin;
use std::time::Duration;

use futures::executor::block_on;
use seqflow::{Seq, Yield, seq};

/// A source whose producer panics if it is ever started.
fn never_run() -> impl Seq<Item = u32> {
    seq::from_fn(|_y: Yield<u32>| async { panic!("the producer was started") })
}

/// Stops `s` before any element was asked for, then asks for one: the
/// producer must not start, and the sequence must be over.
fn stop_before_start<S: Seq>(s: S) {
    let mut s = pin!(s);
    block_on(poll_fn(|cx| s.as_mut().poll_stop(cx)));
    assert!(block_on(poll_fn(|cx| s.as_mut().poll_next(cx))).is_none());
}

/// Builds an adapter twice: once only to drop it, once to stop it unstarted.
macro_rules! lazy {
    ($($name:ident => $adapter:expr;)*) => {$(
        #[test]
        fn $name() {
            let _ = $adapter;
            stop_before_start($adapter);
        }
    )*};
}

// ── shaping ──

lazy! {
    take_is_lazy => never_run().take(3);
    map_is_lazy => never_run().map(|x| x + 1);
    then_is_lazy => never_run().then(|x| async move { x });
    filter_is_lazy => never_run().filter(|_| true);
    filter_map_is_lazy => never_run().filter_map(Some);
    take_while_is_lazy => never_run().take_while(|_| true);
    skip_is_lazy => never_run().skip(2);
    skip_while_is_lazy => never_run().skip_while(|_| true);
    inspect_is_lazy => never_run().inspect(|_| {});
    batched_is_lazy => never_run().batched(4);
    batched_timeout_is_lazy => never_run().batched_timeout(4, Duration::from_millis(1));
    shaping_pipeline_is_lazy => never_run()
        .skip_while(|x| *x < 3)
        .filter(|x| x % 2 == 0)
        .map(|x| x * 2)
        .take_while(|x| *x < 100)
        .inspect(|_| {})
        .skip(1)
        .batched_timeout(2, Duration::from_secs(1))
        .batched(3);
}

#[test]
fn take_zero_never_starts_the_producer_even_when_consumed() {
    assert_eq!(block_on(never_run().take(0).count()), 0);
}

// ── time, control, observation ──

/// A fallible source whose producer panics if it is ever started.
fn never_run_fallible() -> impl Seq<Item = Result<u32, seqflow::Error>> {
    never_run().map(Ok)
}

lazy! {
    heartbeat_is_lazy => never_run().heartbeat(Duration::from_millis(10));
    timeout_is_lazy => never_run().timeout(Duration::from_millis(10));
    try_timeout_is_lazy => never_run_fallible().try_timeout(Duration::from_millis(10));
    with_cancel_is_lazy => never_run().with_cancel(tokio_util::sync::CancellationToken::new());
    try_with_cancel_is_lazy =>
        never_run_fallible().try_with_cancel(tokio_util::sync::CancellationToken::new());
    instrumented_is_lazy => never_run().instrumented(());
}

// ── prefetch: no task before the first poll (these tests have no runtime,
// so a spawn would panic) ──

/// A `Send + 'static` source whose producer panics if it is ever started.
fn never_run_send() -> impl Seq<Item = u32> + Send + 'static {
    seq::from_fn(|_y: Yield<u32>| async { panic!("the producer was started") })
}

lazy! {
    prefetch_is_lazy => never_run_send().prefetch(4);
    prefetch_with_is_lazy => never_run_send().prefetch_with(4, seqflow::Overflow::DropOldest);
}

// ── remote sources: no request before the first element is wanted ──

type NoPage = std::future::Ready<Result<seqflow::Page<u32, u32>, ()>>;

fn never_fetch(_req: seqflow::PageRequest<u32>) -> NoPage {
    panic!("a page was fetched")
}

lazy! {
    paginate_is_lazy => seq::paginate(never_fetch).page_size(10);
    paginate_pages_is_lazy => seq::paginate(never_fetch).pages();
    resume_is_lazy => seq::resume(
        |_from: Option<u32>| -> seq::Empty<Result<u32, ()>> { panic!("the source was made") },
        |v: &u32| Some(*v),
        seqflow::RetryPolicy::default(),
    );
}

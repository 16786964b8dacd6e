//! Laziness: building an adapter or combinator never runs its sources (or
//! calls its closures), and stopping one that never started never starts
//! them (contract lines 1 and 13).
//!
//! Every adapter is built on producers that panic if they are ever run,
//! under `deny(unused_must_use)` (itertools' tests/laziness.rs). These are
//! plain `#[test]`s: building a sequence needs no runtime either, and the
//! prefetch section proves that no task is spawned before the first poll
//! (a spawn would panic here).
#![deny(unused_must_use)]

use std::future::poll_fn;
use std::pin::pin;
use std::time::Duration;

use futures::executor::block_on;
use seqflow::{Seq, Yield, seq};

/// A source of `T` whose producer panics if it is ever started.
fn never_run_of<T: Send + 'static>() -> impl Seq<Item = T> + Send + 'static {
    seq::from_fn(|_y: Yield<T>| async { panic!("the producer was started") })
}

/// A source whose producer panics if it is ever started.
fn never_run() -> impl Seq<Item = u32> + Send + 'static {
    never_run_of()
}

/// A fallible source whose producer panics if it is ever started.
fn never_run_fallible() -> impl Seq<Item = Result<u32, seqflow::Error>> {
    never_run().map(Ok)
}

/// A closure (or `fn`) that panics if it is ever called.
fn never_called<T, U>(_: T) -> U {
    panic!("the closure was called")
}

/// Stops `s` before any element was asked for, then asks for one: no
/// producer may start, and the sequence must be over.
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
    map_ok_is_lazy => never_run_fallible().map_ok(never_called::<u32, u8>);
    map_err_is_lazy => never_run_fallible().map_err(never_called::<seqflow::Error, u8>);
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

// ── more shaping ──

lazy! {
    enumerate_is_lazy => never_run().enumerate();
    chain_is_lazy => never_run().chain(never_run());
    zip_is_lazy => never_run().zip(never_run());
    flat_map_is_lazy => never_run().flat_map(never_called::<u32, seq::Empty<u8>>);
    flatten_is_lazy => never_run_of::<seq::Empty<u32>>().flatten();
    scan_is_lazy => never_run().scan(0, |_: &mut u32, x| never_called::<u32, Option<u32>>(x));
    dedup_is_lazy => never_run().dedup();
    dedup_by_key_is_lazy => never_run().dedup_by_key(|x| never_called::<u32, u32>(*x));
    step_by_is_lazy => never_run().step_by(3);
    windows_is_lazy => never_run().windows(2);
    keys_is_lazy => never_run_of::<(u32, char)>().keys();
    values_is_lazy => never_run_of::<(u32, char)>().values();
    map2_is_lazy => never_run_of::<(u32, char)>()
        .map2(|k, v| never_called::<(u32, char), (char, u32)>((k, v)));
    more_shaping_pipeline_is_lazy => never_run()
        .chain(never_run())
        .zip(never_run_of::<(u32, char)>())
        .map2(|n, (k, c)| (n + k, c))
        .keys()
        .flat_map(seq::once)
        .scan(0, |acc, x| { *acc += x; Some(*acc) })
        .dedup()
        .step_by(2)
        .enumerate()
        .values()
        .windows(3);
}

// ── concurrency ──

lazy! {
    map_concurrent_is_lazy => never_run().map_concurrent(4, never_called::<u32, std::future::Ready<u8>>);
    map_unordered_is_lazy => never_run().map_unordered(4, never_called::<u32, std::future::Ready<u8>>);
    merge_is_lazy => never_run().merge(never_run());
    seq_merge_is_lazy => seq::merge(never_run(), never_run());
    merge_all_is_lazy => seq::merge_all([never_run(), never_run(), never_run()]);
    concurrency_pipeline_is_lazy => seq::merge_all([never_run(), never_run()])
        .merge(never_run())
        .map_unordered(2, |x| async move { x })
        .map_concurrent(3, |x| async move { x });
}

// ── time, control, observation ──

lazy! {
    heartbeat_is_lazy => never_run().heartbeat(Duration::from_millis(10));
    timeout_is_lazy => never_run().timeout(Duration::from_millis(10));
    try_timeout_is_lazy => never_run_fallible().try_timeout(Duration::from_millis(10));
    with_cancel_is_lazy => never_run().with_cancel(tokio_util::sync::CancellationToken::new());
    try_with_cancel_is_lazy =>
        never_run_fallible().try_with_cancel(tokio_util::sync::CancellationToken::new());
    instrumented_is_lazy => never_run().instrumented(());
}

// ── time and latest value ──

lazy! {
    debounce_is_lazy => never_run().debounce(Duration::from_millis(10));
    sample_is_lazy => never_run().sample(Duration::from_millis(10));
    throttle_is_lazy => never_run().throttle(Duration::from_millis(10));
    throttle_latest_is_lazy => never_run().throttle_latest(Duration::from_millis(10));
    try_debounce_is_lazy => never_run_fallible().try_debounce(Duration::from_millis(10));
    try_sample_is_lazy => never_run_fallible().try_sample(Duration::from_millis(10));
    try_throttle_is_lazy => never_run_fallible().try_throttle(Duration::from_millis(10));
    try_throttle_latest_is_lazy =>
        never_run_fallible().try_throttle_latest(Duration::from_millis(10));
    try_time_pipeline_is_lazy => never_run_fallible()
        .try_debounce(Duration::from_millis(10))
        .try_sample(Duration::from_millis(10))
        .try_throttle(Duration::from_millis(10))
        .try_throttle_latest(Duration::from_millis(10));
    conflate_is_lazy => never_run().conflate();
    conflate_on_is_lazy => never_run().conflate_on(&tokio::runtime::Runtime::new().unwrap().handle().clone());
    switch_map_is_lazy => never_run().switch_map(never_called::<u32, seq::Empty<u8>>);
    combine_latest_is_lazy => never_run().combine_latest(never_run());
    time_pipeline_is_lazy => never_run()
        .debounce(Duration::from_millis(10))
        .sample(Duration::from_millis(10))
        .throttle(Duration::from_millis(10))
        .throttle_latest(Duration::from_millis(10))
        .combine_latest(never_run())
        .switch_map(|(a, b)| seq::iter([a, b]))
        .conflate();
}

// ── prefetch: no task before the first poll ──

lazy! {
    prefetch_is_lazy => never_run().prefetch(4);
    prefetch_with_is_lazy => never_run().prefetch_with(4, seqflow::Overflow::DropOldest);
}

// ── blocking producers: no thread before the first poll ──

fn never_run_blocking(_y: seqflow::BlockingYield<u32>) {
    panic!("the blocking producer was started")
}

lazy! {
    from_blocking_is_lazy => seq::from_blocking(never_run_blocking);
    from_blocking_buffered_is_lazy => seq::from_blocking_buffered(8, never_run_blocking);
    from_blocking_take_is_lazy => seq::from_blocking(never_run_blocking).take(0);
}

// ── fallible ──

lazy! {
    and_then_is_lazy => never_run_fallible().and_then(|x| async move { Ok(x) });
    or_else_is_lazy => never_run_fallible().or_else(|e| async move { Err::<u32, _>(e) });
    try_filter_is_lazy => never_run_fallible().try_filter(|_| true);
    try_filter_map_is_lazy => never_run_fallible().try_filter_map(never_called::<u32, Option<u8>>);
    inspect_ok_is_lazy => never_run_fallible().inspect_ok(|_| {});
    inspect_err_is_lazy => never_run_fallible().inspect_err(|_| {});
    try_take_while_is_lazy => never_run_fallible().try_take_while(|_| true);
    try_skip_while_is_lazy => never_run_fallible().try_skip_while(|_| true);
    try_batched_is_lazy => never_run_fallible().try_batched(4);
    try_batched_timeout_is_lazy => never_run_fallible().try_batched_timeout(4, Duration::from_millis(1));
    fallible_pipeline_is_lazy => never_run_fallible()
        .try_skip_while(|x| *x < 3)
        .try_filter(|x| x % 2 == 0)
        .inspect_err(|_| {})
        .try_take_while(|x| *x < 100)
        .try_batched(3);
}

#[test]
fn try_fold_is_lazy_until_polled() {
    drop(
        never_run_fallible().try_fold(0u32, |_, _| -> Result<u32, seqflow::Error> {
            panic!("the closure was called")
        }),
    );
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

// ── pull handles that need no runtime ──

lazy! {
    pull_local_is_lazy => seqflow::pull_local(never_run()).into_seq();
    pull_local_of_an_adapter_is_lazy => seqflow::pull_local(never_run().map(never_called::<u32, u32>)).into_seq();
}

// ── terminals ──

#[test]
fn collect_at_most_is_lazy_until_polled() {
    // Building the future (and dropping it unpolled) never starts the
    // producer, whatever the limit.
    drop(never_run().collect_at_most::<Vec<_>>(3));
    drop(never_run().collect_at_most::<Vec<_>>(0));
}

// ── sharing ──

#[test]
fn share_and_its_subscriptions_are_lazy() {
    let shared = never_run().share(4);
    drop(shared.subscribe());
    stop_before_start(shared.subscribe());
    stop_before_start(shared.subscribe().map(never_called::<u32, u32>));
    let lagging = never_run().share_lagging(4).replay(2);
    stop_before_start(lagging.subscribe());
    drop(lagging);
    drop(shared);
}

#[test]
fn tee_and_partition_are_lazy() {
    let (a, b) = never_run().tee();
    drop(a);
    stop_before_start(b);
    let (a, b) = never_run().tee();
    stop_before_start(a);
    stop_before_start(b);
    let (m, r) = never_run().partition(|v| never_called::<&u32, bool>(v));
    stop_before_start(m);
    drop(r);
}

// ── fan-in and concurrency ──

lazy! {
    seq_map_is_lazy => {
        let mut map = seqflow::seq::SeqMap::new();
        map.insert(1, never_run());
        map.insert(2, never_run());
        map.insert(1, never_run()); // replaced before it ever ran
        map.remove(&2);
        map
    };
    merge_sorted_is_lazy => seq::merge_sorted([never_run(), never_run()]);
    merge_sorted_by_is_lazy => seq::merge_sorted_by(
        [never_run(), never_run()],
        |_: &u32, _: &u32| -> std::cmp::Ordering { panic!("cmp was called") },
    );
    flat_map_concurrent_is_lazy => never_run().flat_map_concurrent(3, never_called::<u32, seq::Empty<u8>>);
    take_until_is_lazy => never_run().take_until(std::future::pending::<()>());
}

#[test]
fn for_each_concurrent_futures_are_lazy_until_polled() {
    drop(never_run().for_each_concurrent(2, never_called::<u32, std::future::Ready<()>>));
    drop(never_run_fallible().try_for_each_concurrent(
        2,
        never_called::<u32, std::future::Ready<Result<(), seqflow::Error>>>,
    ));
}

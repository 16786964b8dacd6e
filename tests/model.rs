//! Model-based random test of the whole crate (issue 11, "Evidence, not
//! hope"): random pipelines of adapters over scripted producers, consumed by
//! random consumers, on both runtime flavours, checked against a reference
//! model of what may be delivered and against the crate's promises about
//! stops, drops, panics, tasks and elements.
//!
//! # What a case is
//!
//! A seed builds one case (`fastrand` with that seed, so a case is
//! reproducible):
//!
//! - **Producers** (`seq::from_fn`) follow a script: yield (also inside a
//!   `select!` that the `yield_` loses, and through `yield_all` over an
//!   inner producer), sleep, `yield_now`, wait inside
//!   `y.until_stopped(sleep)`, and end by
//!   returning, hanging for ever (`pending()`), hanging inside
//!   `y.until_stopped(pending())`, or panicking. When they hear a stop they
//!   return at once, clean up asynchronously first, or (a scripted bug,
//!   contract 2) yield again, which must panic and surface. In some cases
//!   one element is a "bomb" whose `Drop` panics unless it was delivered:
//!   user code running where the crate discards an element, `prefetch`'s
//!   buffer included (`model_regression_prefetch_*` is the case that found
//!   prefetch's leak).
//! - **Pipelines** are trees of adapters over those producers: `map`,
//!   `filter`, `take`, `take_while`, `skip`, `batched`, `batched_timeout`,
//!   `chain`, `zip`, `merge`, `flat_map` (over inner producers),
//!   `map_concurrent`, `map_unordered`, `heartbeat`, `timeout`,
//!   `with_cancel` (cancelled by a timer), `instrumented`, `prefetch(n)`,
//!   `enumerate`, `inspect`, `dedup`, `scan`, `merge_all`, `then`,
//!   `skip_while`, `step_by`, `windows`. Every node is wrapped in a
//!   probe (a hand-written `Seq`) that watches the protocol at that node.
//! - **Consumers** run `for_each` to the end or stop it (the body returns
//!   `false`), drop a `stream()` mid-way (or stop it first with its
//!   `poll_stop`), or drive a `pull()` or
//!   `pull_local()` handle with `next()`, `peek()`, `next_if()`, `next()` or
//!   `peek()` cancelled by a losing `tokio::select!` branch, then `stop()`,
//!   drop, or `into_seq()` for the rest; the whole consumption has a
//!   deadline after which it is dropped (a stop in progress at the deadline
//!   gets a grace period, and must end within it).
//!
//! # What is checked
//!
//! - Delivered elements (each has a unique identity): each at most once,
//!   and as the reference model allows: exactly and in order for
//!   order-preserving pipelines (a prefix where the run was cut short by a
//!   hang, a timeout, a cancellation or the consumer), the whole multiset
//!   and each source's order under `merge`, the multiset under
//!   `map_unordered`; everything when the consumer saw the end.
//! - Never more than `n` elements produced ahead of the consumer of a
//!   `prefetch(n)` (shared counters on both sides).
//! - Every producer future dropped exactly once; a producer that heard a
//!   stop completed its cleanup exactly once, and none was dropped while it
//!   waited where a stop is heard (`yield_`, `until_stopped`, its cleanup),
//!   whenever the consumer ended by exhaustion, a stop, or by dropping a
//!   `Pull` (which stops in the background).
//! - Elements: constructions (and clones) equal drops: none leaked, none
//!   dropped twice.
//! - A producer panic (scripted, or contract 2's "continued after `yield_`
//!   returned `false`") reaches the consumer; no other panic does.
//! - No node delivers an element after it ended or after its stop began; no
//!   stop takes longer than a bound (contract 19: a stop never hangs).
//! - `enumerate` counts from 0 without gaps; `instrumented` ends every
//!   iteration (`active == 0`).
//! - The runtime's alive-task count is back at its start after the run.
//! - Every case ends: the consumption within its deadline plus the stop
//!   grace, the whole case within a real-time watchdog (which also catches a
//!   spin inside one poll that no tokio timer could interrupt).
//!
//! # Running it
//!
//! CI runs a fixed budget of seeds: 2000 on a `current_thread` runtime with
//! a paused clock and 120 on a two-worker `multi_thread` runtime in real
//! time (durations scaled down), about 10 s in a debug build. Knobs:
//!
//! - `SEQFLOW_SOAK=100000` runs that many seeds on each flavour (a long
//!   soak): `SEQFLOW_SOAK=100000 cargo test --release --test model`.
//! - `SEQFLOW_SEED_BASE=n` starts the seeds at `n` instead of 0 (to soak
//!   other ranges on several machines).
//! - `SEQFLOW_MAX_FAILURES=n` reports up to `n` failing seeds (default 3)
//!   before stopping.
//! - `SEQFLOW_LOUD=1` prints the scripted panics too (with
//!   `RUST_BACKTRACE=1`, where each one happened).
//! - `SEQFLOW_SEED=n` runs that one seed on both flavours and prints its
//!   case (to replay a failure; the failure message names the seed).
//!
//! A failing case panics with its seed, flavour, pipeline, consumer plan,
//! outcome and every violated promise.

use std::collections::{HashMap, HashSet};
use std::future::pending;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once, mpsc};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt as _;
use futures::StreamExt as _;
use seqflow::{Beat, BoxSeq, Seq, Stats, Yield, pull, seq};
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

// ===== budgets and bounds =====

/// Seeds per flavour in CI: well under 30 s in debug on two cores.
const CI_SEEDS_CURRENT_THREAD: u64 = 2000;
const CI_SEEDS_MULTI_THREAD: u64 = 120;

/// The longest a stop may take (contract 19). Every scripted cleanup is a
/// few tens of milliseconds at most, so this is only reached by a stop that
/// waits for a producer that cannot hear it.
fn stop_bound(real: bool) -> Duration {
    if real {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(2)
    }
}

/// The real time a whole case may take before the watchdog calls it hung.
const WATCHDOG: Duration = Duration::from_secs(60);

/// The text of contract 2's panic.
const CONTINUED: &str = "continued after `yield_` returned `false`";
/// The text of a scripted producer panic.
const SCRIPTED: &str = "scripted panic";
/// The text of the panic of an element dropped undelivered (a "bomb").
const BOMB: &str = "element dropped undelivered panics";

/// Whether a panic with this message is one the model scripts.
fn expected_panic(msg: &str) -> bool {
    msg.contains(SCRIPTED) || msg.contains(CONTINUED) || msg.contains(BOMB)
}

// ===== the shared record of one case =====

/// An element's identity: its source and its position there.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
struct Id {
    src: u32,
    idx: u64,
}

/// What the reference model knows of an element.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct RefEl {
    id: Id,
    v: u8,
}

/// Where a producer waits (recorded when its future is dropped).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Phase {
    Created = 0,
    Running,
    AtYield,
    Sleeping,
    UntilStopped,
    Hung,
    Cleaning,
    Done,
    Panicking,
}

impl Phase {
    fn from_u8(v: u8) -> Phase {
        [
            Phase::Created,
            Phase::Running,
            Phase::AtYield,
            Phase::Sleeping,
            Phase::UntilStopped,
            Phase::Hung,
            Phase::Cleaning,
            Phase::Done,
            Phase::Panicking,
        ][v as usize]
    }

    /// A stop is heard here: a producer waiting here must not be dropped by
    /// a stop (it must be told, and its cleanup awaited).
    fn hears_stops(self) -> bool {
        matches!(self, Phase::AtYield | Phase::UntilStopped | Phase::Cleaning)
    }
}

/// One producer run.
struct Prod {
    name: String,
    created: AtomicUsize,
    dropped: AtomicUsize,
    heard: AtomicUsize,
    cleaned: AtomicUsize,
    panicked: AtomicUsize,
    phase: AtomicU8,
    drop_phase: AtomicU8,
}

impl Prod {
    fn set(&self, phase: Phase) {
        self.phase.store(phase as u8, SeqCst);
    }
}

/// Lives in a producer future from its creation: counts its drop and where
/// it was waiting then.
struct ProdGuard(Arc<Prod>);

impl ProdGuard {
    fn new(prod: Arc<Prod>) -> Self {
        prod.created.fetch_add(1, SeqCst);
        ProdGuard(prod)
    }
}

impl Drop for ProdGuard {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, SeqCst);
        self.0.drop_phase.store(self.0.phase.load(SeqCst), SeqCst);
    }
}

/// The timeline of one probed node.
struct ProbeStats {
    desc: String,
}

struct Ctx {
    real: bool,
    made: AtomicUsize,
    dropped: AtomicUsize,
    next_src: AtomicUsize,
    prods: Mutex<Vec<Arc<Prod>>>,
    probes: Mutex<Vec<Arc<ProbeStats>>>,
    stops_in_progress: AtomicUsize,
    delivered: Mutex<Vec<RefEl>>,
    violations: Mutex<Vec<String>>,
    stats: Mutex<Vec<Arc<Stats>>>,
    /// This case's producers may yield a bomb: an element whose `Drop`
    /// panics unless it was delivered (user code running where the crate
    /// discards an element: a stop, a filter, a partial batch, a buffer).
    bombs: bool,
    /// A bomb went off.
    exploded: AtomicUsize,
}

impl Ctx {
    fn new(real: bool, bombs: bool) -> Arc<Ctx> {
        Arc::new(Ctx {
            real,
            made: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            next_src: AtomicUsize::new(0),
            prods: Mutex::new(Vec::new()),
            probes: Mutex::new(Vec::new()),
            stops_in_progress: AtomicUsize::new(0),
            delivered: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
            stats: Mutex::new(Vec::new()),
            bombs,
            exploded: AtomicUsize::new(0),
        })
    }

    /// A scripted duration: milliseconds on the paused clock, a tenth of
    /// that in real time.
    fn ms(&self, ms: u64) -> Duration {
        if self.real {
            Duration::from_micros(ms * 100)
        } else {
            Duration::from_millis(ms)
        }
    }

    fn violate(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }

    fn prod(&self, name: String) -> Arc<Prod> {
        let prod = Arc::new(Prod {
            name,
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            heard: AtomicUsize::new(0),
            cleaned: AtomicUsize::new(0),
            panicked: AtomicUsize::new(0),
            phase: AtomicU8::new(Phase::Created as u8),
            drop_phase: AtomicU8::new(Phase::Created as u8),
        });
        self.prods.lock().unwrap().push(prod.clone());
        prod
    }

    /// `prefetch` may appear in every case, bombs included (prefetch's
    /// leak, `model_regression_prefetch_*`, is fixed).
    fn prefetch_ok(&self) -> bool {
        true
    }

    fn deliver(&self, mut el: El) {
        el.bomb = false;
        self.delivered
            .lock()
            .unwrap()
            .push(RefEl { id: el.id, v: el.v });
    }
}

/// The element type: counts its constructions (clones included) and drops.
struct El {
    id: Id,
    v: u8,
    bomb: bool,
    ctx: Arc<Ctx>,
}

impl El {
    fn new(ctx: &Arc<Ctx>, id: Id, v: u8) -> El {
        ctx.made.fetch_add(1, SeqCst);
        El {
            id,
            v,
            bomb: false,
            ctx: ctx.clone(),
        }
    }
}

impl Clone for El {
    fn clone(&self) -> El {
        El::new(&self.ctx, self.id, self.v)
    }
}

impl Drop for El {
    fn drop(&mut self) {
        self.ctx.dropped.fetch_add(1, SeqCst);
        // Never while unwinding: that would abort the test process.
        if self.bomb && !std::thread::panicking() {
            self.ctx.exploded.fetch_add(1, SeqCst);
            panic!("{BOMB}: {}#{}", self.id.src, self.id.idx);
        }
    }
}

/// `dedup` compares the value only, so that duplicates happen.
impl PartialEq for El {
    fn eq(&self, other: &El) -> bool {
        self.v == other.v
    }
}

impl std::fmt::Debug for El {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}={}", self.id.src, self.id.idx, self.v)
    }
}

/// A deterministic hash, for the pure functions of the pipeline that the
/// reference model replays.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b)
        .wrapping_add(0x6A09_E667_F3BC_C909);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(id: Id) -> u64 {
    (u64::from(id.src) << 40) ^ id.idx
}

// ===== the probe =====

/// A pass-through `Seq` that watches one node: no element after its end or
/// after its stop began, and no stop that waits for ever.
///
/// A stop "waits for ever" when its `poll_stop` returned `Pending` and
/// nothing woke the task for longer than the stop bound: what it waits for
/// (a producer that cannot hear the stop) will never come. A stop that was
/// woken but not polled again is not stuck: its parent is not asking for
/// progress (a `zip` waiting on its other side, a `batched_timeout` that
/// flushed), and sequences are lazy.
struct Probe {
    inner: BoxSeq<'static, El>,
    stats: Arc<ProbeStats>,
    ctx: Arc<Ctx>,
    ended: bool,
    stop_started: Option<Instant>,
    in_stop: bool,
    /// Since when `poll_stop` has returned `Pending` with no wake-up in
    /// between (a poll without a wake-up, by a `select!` say, does not
    /// count as progress).
    pending_since: Option<Instant>,
    /// Set by the wake-up that `poll_stop` waits for.
    woken: Arc<WakeFlag>,
}

/// A waker that records that it was woken, then wakes the task.
struct WakeFlag {
    woken: std::sync::atomic::AtomicBool,
    task: Mutex<Option<std::task::Waker>>,
}

impl std::task::Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        if let Some(w) = self.task.lock().unwrap().as_ref() {
            w.wake_by_ref();
        }
    }
}

impl Probe {
    fn wrap(inner: BoxSeq<'static, El>, ctx: &Arc<Ctx>, desc: &str) -> BoxSeq<'static, El> {
        let stats = Arc::new(ProbeStats {
            desc: desc.to_owned(),
        });
        ctx.probes.lock().unwrap().push(stats.clone());
        Box::pin(Probe {
            inner,
            stats,
            ctx: ctx.clone(),
            ended: false,
            stop_started: None,
            in_stop: false,
            pending_since: None,
            woken: Arc::new(WakeFlag {
                woken: std::sync::atomic::AtomicBool::new(false),
                task: Mutex::new(None),
            }),
        })
    }

    /// The stop ended (`completed`) or was cut by a drop.
    fn stop_over(&mut self, completed: bool) {
        if !self.in_stop {
            return;
        }
        self.in_stop = false;
        self.ctx.stops_in_progress.fetch_sub(1, SeqCst);
        if completed {
            return;
        }
        let Some(since) = self.pending_since else {
            return;
        };
        let waited = since.elapsed();
        if !self.woken.woken.load(SeqCst) && waited > stop_bound(self.ctx.real) {
            self.ctx.violate(format!(
                "stop of `{}` waited {waited:?} without a wake-up (begun {:?} earlier; bound {:?}): \
                 it waits for something that never comes",
                self.stats.desc,
                self.stop_started.expect("started").elapsed(),
                stop_bound(self.ctx.real)
            ));
        }
    }
}

impl Seq for Probe {
    type Item = El;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<El>> {
        let this = self.get_mut();
        let polled = this.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(el)) => {
                if this.ended {
                    this.ctx.violate(format!(
                        "`{}` delivered {el:?} after it ended",
                        this.stats.desc
                    ));
                }
                if this.stop_started.is_some() {
                    this.ctx.violate(format!(
                        "`{}` delivered {el:?} after its stop began",
                        this.stats.desc
                    ));
                }
            }
            Poll::Ready(None) => this.ended = true,
            Poll::Pending => {}
        }
        polled
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.stop_started.is_none() {
            this.stop_started = Some(Instant::now());
            this.in_stop = true;
            this.ctx.stops_in_progress.fetch_add(1, SeqCst);
        }
        let was_woken = this.woken.woken.swap(false, SeqCst);
        *this.woken.task.lock().unwrap() = Some(cx.waker().clone());
        let waker = std::task::Waker::from(this.woken.clone());
        let polled = this
            .inner
            .as_mut()
            .poll_stop(&mut Context::from_waker(&waker));
        if polled.is_ready() {
            this.stop_over(true);
        } else if was_woken || this.pending_since.is_none() {
            this.pending_since = Some(Instant::now());
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.stop_over(false);
    }
}

// ===== the reference model =====

#[derive(Clone, Debug)]
struct Seg {
    items: Vec<RefEl>,
    /// The run may end this segment early (a hang, a timeout, a
    /// cancellation, a truncation over several segments).
    cut: bool,
}

/// What a node may deliver.
#[derive(Clone, Debug)]
enum Spec {
    /// `p1 ++ p2 ++ ...` where each `p_i` is a prefix of segment `i`, whole
    /// unless the segment may be cut. Consecutive segments are kept merged
    /// whenever the earlier one cannot be cut, so a single segment is the
    /// common case and every order-dependent adapter is modelled exactly on
    /// it.
    Segs(Vec<Seg>),
    /// A sub-multiset of `items` (all of it, when the consumer saw the end
    /// and nothing may be cut); with `per_source`, each source's elements
    /// in increasing position.
    Loose {
        items: Vec<RefEl>,
        per_source: bool,
        may_cut: bool,
    },
}

impl Spec {
    fn normalized(self) -> Spec {
        match self {
            Spec::Segs(segs) => {
                let mut out: Vec<Seg> = Vec::new();
                for seg in segs {
                    if seg.items.is_empty() {
                        continue;
                    }
                    match out.last_mut() {
                        Some(last) if !last.cut => {
                            last.items.extend(seg.items);
                            last.cut = seg.cut;
                        }
                        _ => out.push(seg),
                    }
                }
                Spec::Segs(out)
            }
            loose => loose,
        }
    }

    fn items(&self) -> Vec<RefEl> {
        match self {
            Spec::Segs(segs) => segs.iter().flat_map(|s| s.items.clone()).collect(),
            Spec::Loose { items, .. } => items.clone(),
        }
    }

    fn may_cut(&self) -> bool {
        match self {
            Spec::Segs(segs) => segs.iter().any(|s| s.cut),
            Spec::Loose { may_cut, .. } => *may_cut,
        }
    }

    fn per_source(&self) -> bool {
        match self {
            Spec::Segs(_) => true,
            Spec::Loose { per_source, .. } => *per_source,
        }
    }

    fn loose(self, may_cut: bool) -> Spec {
        Spec::Loose {
            per_source: self.per_source(),
            may_cut: may_cut || self.may_cut(),
            items: self.items(),
        }
    }

    /// An element-wise adapter (`map`, `filter`, `flat_map`).
    fn each(self, f: &dyn Fn(RefEl) -> Vec<RefEl>) -> Spec {
        match self {
            Spec::Segs(segs) => Spec::Segs(
                segs.into_iter()
                    .map(|s| Seg {
                        items: s.items.into_iter().flat_map(f).collect(),
                        cut: s.cut,
                    })
                    .collect(),
            )
            .normalized(),
            Spec::Loose {
                items,
                per_source,
                may_cut,
            } => Spec::Loose {
                items: items.into_iter().flat_map(f).collect(),
                per_source,
                may_cut,
            },
        }
    }

    /// An adapter that ends the sequence early (`take`, `take_while`,
    /// `scan`): exact on one segment; over several, any prefix of each.
    fn truncating(self, f: &dyn Fn(Vec<RefEl>) -> Vec<RefEl>) -> Spec {
        match self.normalized() {
            Spec::Segs(mut segs) if segs.len() <= 1 => {
                if let Some(seg) = segs.first_mut() {
                    seg.items = f(std::mem::take(&mut seg.items));
                }
                Spec::Segs(segs)
            }
            Spec::Segs(segs) => Spec::Segs(
                segs.into_iter()
                    .map(|s| Seg {
                        items: s.items,
                        cut: true,
                    })
                    .collect(),
            ),
            loose => loose.loose(true),
        }
    }

    /// An order-dependent adapter that removes elements (`skip`, `dedup`):
    /// exact on one segment, a sub-multiset otherwise.
    fn reshaping(self, f: &dyn Fn(Vec<RefEl>) -> Vec<RefEl>) -> Spec {
        match self.normalized() {
            Spec::Segs(mut segs) if segs.len() <= 1 => {
                if let Some(seg) = segs.first_mut() {
                    seg.items = f(std::mem::take(&mut seg.items));
                }
                Spec::Segs(segs).normalized()
            }
            other => other.loose(true),
        }
    }

    /// Ended at an unknown point (`timeout`, `with_cancel`).
    fn cut(self) -> Spec {
        match self.normalized() {
            Spec::Segs(mut segs) => {
                if let Some(last) = segs.last_mut() {
                    last.cut = true;
                }
                Spec::Segs(segs)
            }
            loose => loose.loose(true),
        }
    }

    fn chain(self, other: Spec) -> Spec {
        match (self, other) {
            (Spec::Segs(mut a), Spec::Segs(b)) => {
                a.extend(b);
                Spec::Segs(a).normalized()
            }
            (a, b) => Spec::Loose {
                per_source: a.per_source() && b.per_source(),
                may_cut: a.may_cut() || b.may_cut(),
                items: a.items().into_iter().chain(b.items()).collect(),
            },
        }
    }

    fn merge(self, other: Spec) -> Spec {
        Spec::Loose {
            per_source: self.per_source() && other.per_source(),
            may_cut: self.may_cut() || other.may_cut(),
            items: self.items().into_iter().chain(other.items()).collect(),
        }
    }

    /// `a.zip(b)` flattened back into `a0, b0, a1, b1, ...`.
    fn zip(self, other: Spec) -> Spec {
        match (self.normalized(), other.normalized()) {
            (Spec::Segs(a), Spec::Segs(b)) if a.len() <= 1 && b.len() <= 1 => {
                let cut = a.iter().chain(&b).any(|s| s.cut);
                let a = a.into_iter().next().map(|s| s.items).unwrap_or_default();
                let b = b.into_iter().next().map(|s| s.items).unwrap_or_default();
                let items = a.into_iter().zip(b).flat_map(|(x, y)| [x, y]).collect();
                Spec::Segs(vec![Seg { items, cut }])
            }
            (a, b) => a.merge(b).loose(true),
        }
    }

    fn unordered(self) -> Spec {
        Spec::Loose {
            per_source: false,
            may_cut: self.may_cut(),
            items: self.items(),
        }
    }

    /// Checks what the consumer received; `saw_end`: it saw the end.
    fn check(&self, got: &[RefEl], saw_end: bool) -> Result<(), String> {
        let mut seen = HashSet::new();
        for el in got {
            if !seen.insert(el.id) {
                return Err(format!("element {:?} delivered twice", el.id));
            }
        }
        match self {
            Spec::Segs(segs) => {
                let (mut si, mut pos) = (0, 0);
                for (n, el) in got.iter().enumerate() {
                    loop {
                        let Some(seg) = segs.get(si) else {
                            return Err(format!(
                                "delivery #{n} {el:?} is not in the model (or out of order)"
                            ));
                        };
                        let want = seg.items.get(pos).filter(|w| w.id == el.id);
                        if let Some(want) = want {
                            if want.v != el.v {
                                return Err(format!(
                                    "delivery #{n} {:?} has value {}, the model says {}",
                                    el.id, el.v, want.v
                                ));
                            }
                            pos += 1;
                            break;
                        }
                        if pos < seg.items.len() && !seg.cut {
                            return Err(format!(
                                "delivery #{n} is {:?} where the model expects {:?} \
                                 (an element lost, duplicated or out of order)",
                                el.id, seg.items[pos].id
                            ));
                        }
                        si += 1;
                        pos = 0;
                    }
                }
                if saw_end {
                    for (i, seg) in segs.iter().enumerate().skip(si) {
                        let from = if i == si { pos } else { 0 };
                        if from < seg.items.len() && !seg.cut {
                            return Err(format!(
                                "the sequence ended, but {:?} (and {} more) were never delivered",
                                seg.items[from].id,
                                seg.items.len() - from - 1
                            ));
                        }
                    }
                }
                Ok(())
            }
            Spec::Loose {
                items,
                per_source,
                may_cut,
            } => {
                let model: HashMap<Id, u8> = items.iter().map(|e| (e.id, e.v)).collect();
                let mut last: HashMap<u32, u64> = HashMap::new();
                for (n, el) in got.iter().enumerate() {
                    match model.get(&el.id) {
                        None => {
                            return Err(format!("delivery #{n} {el:?} is not in the model"));
                        }
                        Some(&v) if v != el.v => {
                            return Err(format!(
                                "delivery #{n} {:?} has value {}, the model says {v}",
                                el.id, el.v
                            ));
                        }
                        Some(_) => {}
                    }
                    if *per_source {
                        let prev = last.get(&el.id.src).copied().filter(|&p| p >= el.id.idx);
                        if let Some(prev) = prev {
                            return Err(format!(
                                "delivery #{n} {:?} after {}#{prev}: a source's order broke",
                                el.id, el.id.src
                            ));
                        }
                        last.insert(el.id.src, el.id.idx);
                    }
                }
                if saw_end && !may_cut && got.len() != items.len() {
                    let missing: Vec<Id> = items
                        .iter()
                        .map(|e| e.id)
                        .filter(|id| !seen.contains(id))
                        .take(5)
                        .collect();
                    return Err(format!(
                        "the sequence ended after {} of {} elements; missing {missing:?}",
                        got.len(),
                        items.len()
                    ));
                }
                Ok(())
            }
        }
    }
}

// ===== producers =====

#[derive(Clone, Copy, Debug)]
enum Step {
    Yield(u8),
    /// `yield_` in a `select!` that a ready branch wins once the value is
    /// handed over (delivered all the same, by `yield_`'s cancel safety).
    /// Never two in one poll of the producer: the second one's value would
    /// be dropped, as `yield_`'s docs say.
    SelectYield(u8),
    /// `yield_all` over an inner producer of `n` elements, values from `v`.
    YieldAll {
        n: u8,
        v: u8,
    },
    Sleep(u64),
    YieldNow,
    UntilStopped(u64),
}

impl Step {
    /// The values of the elements this step yields.
    fn values(self) -> Vec<u8> {
        match self {
            Step::Yield(v) | Step::SelectYield(v) => vec![v],
            Step::YieldAll { n, v } => (0..n).map(|j| (v + j) % 3).collect(),
            _ => vec![],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    Return,
    Hang,
    HangUntilStopped,
    Panic,
}

#[derive(Clone, Copy, Debug)]
enum OnStop {
    Return,
    AsyncCleanup(u64),
    /// Contract 2's bug: yield again after `false`; that must panic.
    YieldAgain,
}

#[derive(Clone, Debug)]
struct Script {
    steps: Vec<Step>,
    end: End,
    on_stop: OnStop,
    /// The position of the element that is a bomb, if any.
    bomb: Option<u64>,
}

impl Script {
    fn random(rng: &mut fastrand::Rng, bombs: bool) -> Script {
        let mut steps = Vec::new();
        let yields = match rng.u8(0..10) {
            0 => 0,
            1..=6 => rng.usize(1..5),
            _ => rng.usize(4..12),
        };
        // A `SelectYield` since the producer last surely suspended (a
        // `sleep(0)` or an empty `yield_all` may not).
        let mut after_select = false;
        for _ in 0..yields {
            match rng.u8(0..20) {
                0..=3 => steps.push(Step::Sleep(rng.u64(0..30))),
                4..=6 => {
                    steps.push(Step::YieldNow);
                    after_select = false;
                }
                7..=8 => steps.push(Step::UntilStopped(rng.u64(0..30))),
                _ => {}
            }
            let v = rng.u8(0..3);
            steps.push(match rng.u8(0..20) {
                0..=2 if !after_select => Step::SelectYield(v),
                3..=4 => Step::YieldAll { n: rng.u8(0..4), v },
                _ => Step::Yield(v),
            });
            after_select = match steps.last() {
                Some(Step::SelectYield(_)) => true,
                Some(Step::YieldAll { n: 0, .. }) => after_select,
                _ => false,
            };
        }
        let end = match rng.u8(0..100) {
            0..=69 => End::Return,
            70..=82 => End::Hang,
            83..=94 => End::HangUntilStopped,
            _ => End::Panic,
        };
        let on_stop = match rng.u8(0..100) {
            0..=39 => OnStop::Return,
            40..=95 => OnStop::AsyncCleanup(rng.u64(0..20)),
            _ => OnStop::YieldAgain,
        };
        let elements: usize = steps.iter().map(|s| s.values().len()).sum();
        let bomb = (bombs && elements > 0 && rng.bool()).then(|| rng.u64(0..elements as u64));
        Script {
            steps,
            end,
            on_stop,
            bomb,
        }
    }

    fn model(&self, src: u32) -> Spec {
        let items = self
            .steps
            .iter()
            .flat_map(|s| s.values())
            .enumerate()
            .map(|(idx, v)| RefEl {
                id: Id {
                    src,
                    idx: idx as u64,
                },
                v,
            })
            .collect();
        Spec::Segs(vec![Seg {
            items,
            cut: self.end != End::Return,
        }])
    }
}

/// What a producer does once it heard the stop.
async fn heard_stop(y: &mut Yield<El>, prod: &Prod, ctx: &Arc<Ctx>, on_stop: OnStop, src: u32) {
    prod.heard.fetch_add(1, SeqCst);
    match on_stop {
        OnStop::Return => {
            prod.cleaned.fetch_add(1, SeqCst);
            prod.set(Phase::Done);
        }
        OnStop::AsyncCleanup(ms) => {
            prod.set(Phase::Cleaning);
            tokio::task::yield_now().await;
            sleep(ctx.ms(ms)).await;
            prod.cleaned.fetch_add(1, SeqCst);
            prod.set(Phase::Done);
        }
        OnStop::YieldAgain => {
            prod.panicked.fetch_add(1, SeqCst);
            prod.set(Phase::Panicking);
            let extra = El::new(ctx, Id { src, idx: 1 << 40 }, 0);
            y.yield_(extra).await;
            ctx.violate(format!(
                "{}: a `yield_` after `false` returned instead of panicking",
                prod.name
            ));
        }
    }
}

fn producer(ctx: &Arc<Ctx>, script: Script) -> (BoxSeq<'static, El>, Spec, String) {
    let src = u32::try_from(ctx.next_src.fetch_add(1, SeqCst)).expect("few sources");
    let spec = script.model(src);
    let name = format!("src{src}");
    let desc = format!("{name}{script:?}");
    let prod = ctx.prod(name.clone());
    let ctx = ctx.clone();
    let s = seq::from_fn(move |mut y: Yield<El>| {
        let guard = ProdGuard::new(prod);
        async move {
            let p = &*guard.0;
            let mut idx = 0;
            for step in &script.steps {
                match *step {
                    Step::Yield(v) => {
                        let mut el = El::new(&ctx, Id { src, idx }, v);
                        el.bomb = script.bomb == Some(idx);
                        idx += 1;
                        p.set(Phase::AtYield);
                        if !y.yield_(el).await {
                            return heard_stop(&mut y, p, &ctx, script.on_stop, src).await;
                        }
                        p.set(Phase::Running);
                    }
                    Step::SelectYield(v) => {
                        let mut el = El::new(&ctx, Id { src, idx }, v);
                        el.bomb = script.bomb == Some(idx);
                        idx += 1;
                        p.set(Phase::AtYield);
                        let more = tokio::select! {
                            biased;
                            more = y.yield_(el) => Some(more),
                            () = std::future::ready(()) => None,
                        };
                        if more == Some(false) {
                            return heard_stop(&mut y, p, &ctx, script.on_stop, src).await;
                        }
                        p.set(Phase::Running);
                    }
                    Step::YieldAll { .. } => {
                        let values = step.values();
                        let inner = nested(&ctx, &name, src, idx, values.clone());
                        idx += values.len() as u64;
                        p.set(Phase::AtYield);
                        if !y.yield_all(inner).await {
                            return heard_stop(&mut y, p, &ctx, script.on_stop, src).await;
                        }
                        p.set(Phase::Running);
                    }
                    Step::Sleep(ms) => {
                        p.set(Phase::Sleeping);
                        sleep(ctx.ms(ms)).await;
                        p.set(Phase::Running);
                    }
                    Step::YieldNow => {
                        p.set(Phase::Sleeping);
                        tokio::task::yield_now().await;
                        p.set(Phase::Running);
                    }
                    Step::UntilStopped(ms) => {
                        p.set(Phase::UntilStopped);
                        if y.until_stopped(sleep(ctx.ms(ms))).await.is_none() {
                            return heard_stop(&mut y, p, &ctx, script.on_stop, src).await;
                        }
                        p.set(Phase::Running);
                    }
                }
            }
            match script.end {
                End::Return => p.set(Phase::Done),
                End::Hang => {
                    p.set(Phase::Hung);
                    pending::<()>().await;
                }
                End::HangUntilStopped => {
                    p.set(Phase::UntilStopped);
                    let out = y.until_stopped(pending::<()>()).await;
                    assert!(out.is_none(), "pending() completed");
                    heard_stop(&mut y, p, &ctx, script.on_stop, src).await;
                }
                End::Panic => {
                    p.set(Phase::Panicking);
                    p.panicked.fetch_add(1, SeqCst);
                    panic!("{SCRIPTED} in {name}");
                }
            }
        }
    });
    (s.boxed(), spec, desc)
}

/// The inner producer of a `yield_all` step: `values` as elements
/// `first..` of source `src`.
fn nested(
    ctx: &Arc<Ctx>,
    outer: &str,
    src: u32,
    first: u64,
    values: Vec<u8>,
) -> BoxSeq<'static, El> {
    let prod = ctx.prod(format!("{outer}'s yield_all at {first}"));
    let ctx = ctx.clone();
    seq::from_fn(move |mut y: Yield<El>| {
        let guard = ProdGuard::new(prod);
        async move {
            let p = &*guard.0;
            for (j, v) in values.into_iter().enumerate() {
                if j % 2 == 1 {
                    p.set(Phase::Sleeping);
                    tokio::task::yield_now().await;
                }
                p.set(Phase::AtYield);
                let id = Id {
                    src,
                    idx: first + j as u64,
                };
                if !y.yield_(El::new(&ctx, id, v)).await {
                    heard_stop(&mut y, p, &ctx, OnStop::AsyncCleanup(1), src).await;
                    return;
                }
                p.set(Phase::Running);
            }
            p.set(Phase::Done);
        }
    })
    .boxed()
}

/// The inner sequence of `flat_map`: `k` elements derived from `parent`.
fn derived(parent: &RefEl, salt: u64) -> Vec<RefEl> {
    let k = mix(key(parent.id), salt) % 4;
    (0..k)
        .map(|j| RefEl {
            id: Id {
                src: parent.id.src,
                idx: parent.id.idx * 4 + j,
            },
            v: (parent.v + j as u8) % 3,
        })
        .collect()
}

fn inner_producer(ctx: &Arc<Ctx>, parent: El, salt: u64) -> BoxSeq<'static, El> {
    let kids = derived(
        &RefEl {
            id: parent.id,
            v: parent.v,
        },
        salt,
    );
    drop(parent);
    let prod = ctx.prod(format!("flat_map inner of {salt}"));
    let prefetch_ok = ctx.prefetch_ok();
    let ctx = ctx.clone();
    let inner = seq::from_fn(move |mut y: Yield<El>| {
        let guard = ProdGuard::new(prod);
        async move {
            let p = &*guard.0;
            for (j, kid) in kids.into_iter().enumerate() {
                if j % 2 == 1 {
                    p.set(Phase::Sleeping);
                    tokio::task::yield_now().await;
                }
                p.set(Phase::AtYield);
                if !y.yield_(El::new(&ctx, kid.id, kid.v)).await {
                    heard_stop(&mut y, p, &ctx, OnStop::AsyncCleanup(1), kid.id.src).await;
                    return;
                }
                p.set(Phase::Running);
            }
            p.set(Phase::Done);
        }
    });
    // Some inner sequences run ahead on a task of their own.
    match salt % 4 {
        0 if prefetch_ok => inner.prefetch(1 + (salt / 4 % 3) as usize).boxed(),
        _ => inner.boxed(),
    }
}

// ===== pipelines =====

struct Node {
    seq: BoxSeq<'static, El>,
    spec: Spec,
    desc: String,
}

const MAX_DEPTH: u32 = 5;

fn build(rng: &mut fastrand::Rng, ctx: &Arc<Ctx>, depth: u32) -> Node {
    if depth >= MAX_DEPTH || rng.u8(0..10) < 3 {
        let (s, spec, desc) = producer(ctx, Script::random(rng, ctx.bombs));
        return Node {
            seq: Probe::wrap(s, ctx, &desc),
            spec,
            desc,
        };
    }
    let Node { seq: s, spec, desc } = build(rng, ctx, depth + 1);
    let salt = rng.u64(..);
    // The binary adapters (7, 8, 9) twice as often as the others.
    let op = match rng.u8(0..30) {
        22 => 7,
        23 => 8,
        24 => 9,
        op => op,
    };
    let (seq, spec, desc): (BoxSeq<'static, El>, Spec, String) = match op {
        0 => {
            let add = (salt % 3) as u8;
            (
                s.map(move |mut e: El| {
                    e.v = (e.v + add) % 3;
                    e
                })
                .boxed(),
                spec.each(&|mut e| {
                    e.v = (e.v + add) % 3;
                    vec![e]
                }),
                format!("{desc}.map(+{add})"),
            )
        }
        1 => {
            let keep = move |id: Id| mix(key(id), salt) % 4 != 0;
            (
                s.filter(move |e: &El| keep(e.id)).boxed(),
                spec.each(&|e| if keep(e.id) { vec![e] } else { vec![] }),
                format!("{desc}.filter"),
            )
        }
        2 => {
            let n = rng.usize(0..6);
            (
                s.take(n).boxed(),
                spec.truncating(&|v| v.into_iter().take(n).collect()),
                format!("{desc}.take({n})"),
            )
        }
        3 => {
            let go = move |id: Id| mix(key(id), salt) % 6 != 0;
            (
                s.take_while(move |e: &El| go(e.id)).boxed(),
                spec.truncating(&|v| v.into_iter().take_while(|e| go(e.id)).collect()),
                format!("{desc}.take_while"),
            )
        }
        4 => {
            let n = rng.usize(0..4);
            (
                s.skip(n).boxed(),
                spec.reshaping(&|v| v.into_iter().skip(n).collect()),
                format!("{desc}.skip({n})"),
            )
        }
        5 => {
            let n = rng.usize(1..4);
            (
                s.batched(n).flat_map(seq::iter).boxed(),
                spec,
                format!("{desc}.batched({n}).flatten"),
            )
        }
        6 => {
            let n = rng.usize(1..4);
            let ms = rng.u64(1..40);
            (
                s.batched_timeout(n, ctx.ms(ms)).flat_map(seq::iter).boxed(),
                spec,
                format!("{desc}.batched_timeout({n}, {ms}ms).flatten"),
            )
        }
        7 => {
            let b = build(rng, ctx, depth + 1);
            (
                s.chain(b.seq).boxed(),
                spec.chain(b.spec),
                format!("({desc}).chain({})", b.desc),
            )
        }
        8 => {
            let b = build(rng, ctx, depth + 1);
            (
                s.zip(b.seq).flat_map(|(x, y)| seq::iter([x, y])).boxed(),
                spec.zip(b.spec),
                format!("({desc}).zip({}).flatten", b.desc),
            )
        }
        9 => {
            let b = build(rng, ctx, depth + 1);
            (
                s.merge(b.seq).boxed(),
                spec.merge(b.spec),
                format!("({desc}).merge({})", b.desc),
            )
        }
        10 => {
            let c = ctx.clone();
            (
                s.flat_map(move |e: El| inner_producer(&c, e, salt)).boxed(),
                spec.each(&|e| derived(&e, salt)),
                format!("{desc}.flat_map"),
            )
        }
        11 | 12 => {
            let limit = rng.usize(1..4);
            let c = ctx.clone();
            let f = move |e: El| {
                let wait = c.ms(mix(key(e.id), salt) % 20);
                async move {
                    sleep(wait).await;
                    e
                }
            };
            if rng.bool() {
                (
                    s.map_concurrent(limit, f).boxed(),
                    spec,
                    format!("{desc}.map_concurrent({limit})"),
                )
            } else {
                (
                    s.map_unordered(limit, f).boxed(),
                    spec.unordered(),
                    format!("{desc}.map_unordered({limit})"),
                )
            }
        }
        13 => {
            let ms = rng.u64(1..50);
            (
                s.heartbeat(ctx.ms(ms))
                    .filter_map(|b| match b {
                        Beat::Item(e) => Some(e),
                        _ => None,
                    })
                    .boxed(),
                spec,
                format!("{desc}.heartbeat({ms}ms).items"),
            )
        }
        14 => {
            let ms = rng.u64(1..60);
            (
                s.timeout(ctx.ms(ms))
                    .take_while(|r| r.is_ok())
                    .filter_map(Result::ok)
                    .boxed(),
                spec.cut(),
                format!("{desc}.timeout({ms}ms).oks"),
            )
        }
        15 => {
            let ms = rng.u64(0..300);
            let token = CancellationToken::new();
            let cancel = token.clone();
            let after = ctx.ms(ms);
            tokio::spawn(async move {
                sleep(after).await;
                cancel.cancel();
            });
            (
                s.with_cancel(token).boxed(),
                spec.cut(),
                format!("{desc}.with_cancel(at {ms}ms)"),
            )
        }
        16 => {
            let stats = Arc::new(Stats::new());
            ctx.stats.lock().unwrap().push(stats.clone());
            (
                s.instrumented(stats).boxed(),
                spec,
                format!("{desc}.instrumented"),
            )
        }
        17 if ctx.prefetch_ok() => {
            let n = match rng.u8(0..4) {
                0 => 1,
                1 => 2,
                2 => rng.usize(3..8),
                _ => rng.usize(8..70),
            };
            let produced = Arc::new(AtomicUsize::new(0));
            let consumed = Arc::new(AtomicUsize::new(0));
            let (p2, c2, c) = (produced.clone(), consumed.clone(), ctx.clone());
            let label = format!("{desc}.prefetch({n})");
            let at = label.clone();
            (
                s.inspect(move |e: &El| {
                    let ahead = p2.fetch_add(1, SeqCst) + 1 - c2.load(SeqCst);
                    if ahead > n {
                        c.violate(format!(
                            "`{at}`: {e:?} produced {ahead} elements ahead of the consumer"
                        ));
                    }
                })
                .prefetch(n)
                .inspect(move |_: &El| {
                    consumed.fetch_add(1, SeqCst);
                })
                .boxed(),
                spec,
                label,
            )
        }
        18 => {
            let next = AtomicUsize::new(0);
            let c = ctx.clone();
            let at = format!("{desc}.enumerate");
            (
                s.enumerate()
                    .map(move |(i, e)| {
                        let want = next.fetch_add(1, SeqCst);
                        if i != want {
                            c.violate(format!("`{at}` numbered {e:?} {i}, not {want}"));
                        }
                        e
                    })
                    .boxed(),
                spec,
                format!("{desc}.enumerate"),
            )
        }
        25 => {
            let b = build(rng, ctx, depth + 1);
            let c = build(rng, ctx, depth + 1);
            (
                seq::merge_all(vec![s, b.seq, c.seq]).boxed(),
                spec.merge(b.spec).merge(c.spec),
                format!("merge_all[{desc}, {}, {}]", b.desc, c.desc),
            )
        }
        26 => {
            let c = ctx.clone();
            (
                s.then(move |e: El| {
                    let wait = c.ms(mix(key(e.id), salt) % 10);
                    async move {
                        sleep(wait).await;
                        e
                    }
                })
                .boxed(),
                spec,
                format!("{desc}.then"),
            )
        }
        27 => {
            let skip = move |id: Id| mix(key(id), salt) % 3 == 0;
            (
                s.skip_while(move |e: &El| skip(e.id)).boxed(),
                spec.reshaping(&|v| v.into_iter().skip_while(|e| skip(e.id)).collect()),
                format!("{desc}.skip_while"),
            )
        }
        28 => {
            let k = rng.usize(1..4);
            (
                s.step_by(k).boxed(),
                spec.reshaping(&|v| v.into_iter().step_by(k).collect()),
                format!("{desc}.step_by({k})"),
            )
        }
        29 => {
            let n = rng.usize(1..4);
            (
                s.windows(n).map(|mut w: Vec<El>| w.swap_remove(0)).boxed(),
                spec.reshaping(&|v| {
                    let keep = (v.len() + 1).saturating_sub(n);
                    v.into_iter().take(keep).collect()
                }),
                format!("{desc}.windows({n}).firsts"),
            )
        }
        17 | 19 => (
            s.inspect(|e: &El| assert!(e.v < 3)).boxed(),
            spec,
            format!("{desc}.inspect"),
        ),
        20 => (
            s.dedup().boxed(),
            spec.reshaping(&|v| {
                let mut out: Vec<RefEl> = Vec::new();
                for e in v {
                    if out.last().is_none_or(|l| l.v != e.v) {
                        out.push(e);
                    }
                }
                out
            }),
            format!("{desc}.dedup"),
        ),
        _ => {
            let k = rng.usize(0..6);
            (
                s.scan(0usize, move |n, e: El| {
                    *n += 1;
                    (*n <= k).then_some(e)
                })
                .boxed(),
                spec.truncating(&|v| v.into_iter().take(k).collect()),
                format!("{desc}.scan(first {k})"),
            )
        }
    };
    Node {
        seq: Probe::wrap(seq, ctx, &desc),
        spec,
        desc,
    }
}

// ===== consumers =====

#[derive(Clone, Copy, Debug)]
enum Body {
    Sync,
    YieldNow,
    Sleep(u64),
}

#[derive(Clone, Copy, Debug)]
enum PullAct {
    Next,
    /// `next()` raced against a sleep in a `select!`; it may lose.
    Race(u64),
    /// `peek()`: the element stays in the handle.
    Peek,
    /// `peek()` raced against a sleep.
    RacePeek(u64),
    /// `next_if` with a predicate of this salt.
    NextIf(u64),
}

/// How a pull consumer ends (unless the sequence ended first).
#[derive(Clone, Copy, Debug)]
enum PullEnd {
    Stop,
    Drop,
    /// `into_seq()`, then `take(k)` of the rest (or all of it) in a
    /// `for_each`.
    IntoSeq(Option<usize>),
}

#[derive(Clone, Debug)]
enum Plan {
    ForEach {
        stop_after: Option<usize>,
        body: Body,
    },
    /// `stream()`, `k` elements, then dropped, or stopped first by its
    /// `poll_stop`.
    Stream { k: usize, stop: bool },
    /// `pull` (or `pull_local`), then `stop()` or drop.
    Pull {
        local: bool,
        acts: Vec<PullAct>,
        end: PullEnd,
    },
}

#[derive(Clone, Debug)]
struct Consumer {
    plan: Plan,
    deadline_ms: u64,
}

impl Consumer {
    fn random(rng: &mut fastrand::Rng, real: bool) -> Consumer {
        let plan = match rng.u8(0..10) {
            0..=3 => Plan::ForEach {
                stop_after: if rng.bool() {
                    None
                } else {
                    Some(rng.usize(1..8))
                },
                body: match rng.u8(0..3) {
                    0 => Body::Sync,
                    1 => Body::YieldNow,
                    _ => Body::Sleep(rng.u64(0..15)),
                },
            },
            4..=5 => Plan::Stream {
                k: rng.usize(0..8),
                stop: rng.bool(),
            },
            _ => Plan::Pull {
                local: rng.u8(0..4) == 0,
                acts: (0..rng.usize(0..12))
                    .map(|_| match rng.u8(0..10) {
                        0..=3 => PullAct::Next,
                        4..=6 => PullAct::Race(rng.u64(0..25)),
                        7 => PullAct::Peek,
                        8 => PullAct::RacePeek(rng.u64(0..25)),
                        _ => PullAct::NextIf(rng.u64(..)),
                    })
                    .collect(),
                end: match rng.u8(0..3) {
                    0 => PullEnd::Stop,
                    1 => PullEnd::Drop,
                    _ => PullEnd::IntoSeq(rng.bool().then(|| rng.usize(0..5))),
                },
            },
        };
        let mut deadline_ms = match rng.u8(0..3) {
            0 => rng.u64(10..200),
            1 => rng.u64(200..2000),
            _ => rng.u64(2000..30_000),
        };
        if real {
            // At most 300 ms of real time: a hung case waits it out.
            deadline_ms = deadline_ms.min(3000);
        }
        Consumer { plan, deadline_ms }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The consumer saw the end.
    Exhausted,
    /// The consumer stopped (for_each returned false, `Pull::stop`).
    Stopped,
    /// A `stream()` dropped mid-way (Rust cancellation).
    Dropped,
    /// A `Pull` dropped without `stop()`: stopped in the background.
    PullDropped,
    /// A `LocalPull` dropped without `stop()`: stopped inline, a cleanup
    /// that waits is cut at its await.
    LocalPullDropped,
    /// The deadline dropped the consumption.
    TimedOut,
    Panicked(String),
}

impl Outcome {
    /// Every stop the run started was carried to its end (no drop cut it).
    fn stops_completed(&self) -> bool {
        matches!(
            self,
            Outcome::Exhausted | Outcome::Stopped | Outcome::PullDropped
        )
    }
}

/// Drives a `Pull` or a `LocalPull` by `acts`, then stops or drops it.
macro_rules! pull_plan {
    ($pull:expr, $acts:expr, $end:expr, $ctx:expr, $dropped:expr) => {{
        let (acts, end, ctx) = ($acts, $end, $ctx);
        {
            let mut p = $pull;
            let mut exhausted = false;
            for act in acts {
                // `Some(Some(e))` an element, `Some(None)` the end, `None`
                // nothing taken.
                let got = match act {
                    PullAct::Next => Some(p.next().await),
                    PullAct::Race(ms) => {
                        tokio::select! {
                            biased;
                            got = p.next() => Some(got),
                            () = sleep(ctx.ms(ms)) => None,
                        }
                    }
                    PullAct::Peek => p.peek().await.is_none().then_some(None),
                    PullAct::RacePeek(ms) => {
                        tokio::select! {
                            biased;
                            got = p.peek() => got.is_none().then_some(None),
                            () = sleep(ctx.ms(ms)) => None,
                        }
                    }
                    PullAct::NextIf(salt) => {
                        let mut asked = false;
                        let got = p
                            .next_if(|e: &El| {
                                asked = true;
                                mix(key(e.id), salt) % 2 == 0
                            })
                            .await;
                        match got {
                            Some(e) => Some(Some(e)),
                            None if asked => None, // refused: stays in the handle
                            None => Some(None),
                        }
                    }
                };
                match got {
                    Some(Some(e)) => ctx.deliver(e),
                    Some(None) => {
                        exhausted = true;
                        break;
                    }
                    None => {} // lost the race, or only peeked
                }
            }
            let outcome = match end {
                PullEnd::Stop => {
                    p.stop().await;
                    if let Some(e) = p.next().await {
                        ctx.violate(format!("`next()` after `stop()` returned {e:?}"));
                    }
                    Outcome::Stopped
                }
                PullEnd::Drop => {
                    drop(p);
                    $dropped
                }
                PullEnd::IntoSeq(take) => {
                    let rest = p.into_seq();
                    let (limit, rest) = match take {
                        Some(k) => (k, rest.take(k).boxed_local()),
                        None => (usize::MAX, rest.boxed_local()),
                    };
                    let mut n = 0;
                    rest.for_each(|e| {
                        ctx.deliver(e);
                        n += 1;
                        async { true }
                    })
                    .await;
                    if n == limit {
                        Outcome::Stopped
                    } else {
                        Outcome::Exhausted
                    }
                }
            };
            if exhausted {
                Outcome::Exhausted
            } else {
                outcome
            }
        }
    }};
}

async fn consume(s: BoxSeq<'static, El>, plan: Plan, ctx: Arc<Ctx>) -> Outcome {
    match plan {
        Plan::ForEach { stop_after, body } => {
            let mut n = 0;
            let mut stopped = false;
            let c = ctx.clone();
            s.for_each(|e| {
                ctx.deliver(e);
                n += 1;
                let go = stop_after.is_none_or(|k| n < k);
                stopped |= !go;
                let c = c.clone();
                async move {
                    match body {
                        Body::Sync => {}
                        Body::YieldNow => tokio::task::yield_now().await,
                        Body::Sleep(ms) => sleep(c.ms(ms)).await,
                    }
                    go
                }
            })
            .await;
            if stopped {
                Outcome::Stopped
            } else {
                Outcome::Exhausted
            }
        }
        Plan::Stream { k, stop } => {
            let mut st = s.stream();
            for _ in 0..k {
                match st.next().await {
                    Some(e) => ctx.deliver(e),
                    None => return Outcome::Exhausted,
                }
            }
            if stop {
                std::future::poll_fn(|cx| Pin::new(&mut st).poll_stop(cx)).await;
                if let Some(e) = st.next().await {
                    ctx.violate(format!("the stream yielded {e:?} after its stop"));
                }
                return Outcome::Stopped;
            }
            drop(st);
            Outcome::Dropped
        }
        Plan::Pull {
            local: false,
            acts,
            end,
        } => pull_plan!(pull(s), acts, end, ctx, Outcome::PullDropped),
        Plan::Pull {
            local: true,
            acts,
            end,
        } => pull_plan!(
            seqflow::pull_local(s),
            acts,
            end,
            ctx,
            Outcome::LocalPullDropped
        ),
    }
}

/// Runs the consumption until it ends or its deadline passes; a stop in
/// progress at the deadline may finish within the stop bound.
async fn drive(s: BoxSeq<'static, El>, consumer: &Consumer, ctx: &Arc<Ctx>) -> Outcome {
    let run = AssertUnwindSafe(consume(s, consumer.plan.clone(), ctx.clone())).catch_unwind();
    let mut run = Box::pin(run);
    let first = Instant::now() + ctx.ms(consumer.deadline_ms);
    let mut deadline = first;
    loop {
        tokio::select! {
            biased;
            res = &mut run => {
                return match res {
                    Ok(outcome) => outcome,
                    Err(payload) => Outcome::Panicked(panic_message(&*payload)),
                };
            }
            () = tokio::time::sleep_until(deadline) => {
                let now = Instant::now();
                if ctx.stops_in_progress.load(SeqCst) > 0 && now < first + stop_bound(ctx.real) {
                    deadline = now + Duration::from_millis(5);
                    continue;
                }
                // Dropping the consumption may drop a bomb.
                let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(run)));
                if let Err(payload) = dropped {
                    let msg = panic_message(&*payload);
                    if !msg.contains(BOMB) {
                        ctx.violate(format!("dropping the consumption panicked: {msg}"));
                    }
                }
                return Outcome::TimedOut;
            }
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits (bounded) until background work has ended: tasks back at `base`,
/// every producer future dropped, no stop in progress.
async fn settle(ctx: &Ctx, base: usize) {
    let limit = if ctx.real {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(60)
    };
    let until = Instant::now() + limit;
    let real_until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let prods_done = ctx
            .prods
            .lock()
            .unwrap()
            .iter()
            .all(|p| p.dropped.load(SeqCst) >= p.created.load(SeqCst));
        if (alive_tasks() == base && prods_done && ctx.stops_in_progress.load(SeqCst) == 0)
            || Instant::now() >= until
            || std::time::Instant::now() >= real_until
        {
            return;
        }
        sleep(Duration::from_millis(2)).await;
    }
}

/// Every promise the case must keep, given how it ended.
fn check(ctx: &Ctx, spec: &Spec, outcome: &Outcome, base: usize) -> Vec<String> {
    let mut bad = std::mem::take(&mut *ctx.violations.lock().unwrap());
    let alive = alive_tasks();
    if alive != base {
        bad.push(format!(
            "{} tasks still alive after the run (started with {base})",
            alive
        ));
    }
    let made = ctx.made.load(SeqCst);
    let dropped = ctx.dropped.load(SeqCst);
    if made != dropped {
        bad.push(format!(
            "{made} elements made (or cloned), {dropped} dropped"
        ));
    }
    let prods = ctx.prods.lock().unwrap();
    let any_panicked =
        prods.iter().any(|p| p.panicked.load(SeqCst) > 0) || ctx.exploded.load(SeqCst) > 0;
    for p in prods.iter() {
        let created = p.created.load(SeqCst);
        let dropped = p.dropped.load(SeqCst);
        let heard = p.heard.load(SeqCst);
        let cleaned = p.cleaned.load(SeqCst);
        let phase = Phase::from_u8(p.drop_phase.load(SeqCst));
        if created > 1 || dropped != created {
            bad.push(format!(
                "{}: producer future created {created} times, dropped {dropped} times",
                p.name
            ));
        }
        if heard > 1 || cleaned > heard {
            bad.push(format!(
                "{}: heard {heard} stops, cleaned up {cleaned} times",
                p.name
            ));
        }
        // A panic cuts the stops in progress (siblings are dropped), also
        // in the background stop of a dropped `Pull`.
        if outcome.stops_completed() && !any_panicked {
            if heard != cleaned {
                bad.push(format!(
                    "{}: heard the stop but its cleanup did not complete (outcome {outcome:?})",
                    p.name
                ));
            }
            if created == 1 && phase.hears_stops() {
                bad.push(format!(
                    "{}: dropped while waiting {phase:?}, where a stop must be heard \
                     (outcome {outcome:?})",
                    p.name
                ));
            }
        }
    }
    match outcome {
        Outcome::Exhausted | Outcome::Stopped if any_panicked => {
            bad.push(format!(
                "a producer panicked, but the consumer saw {outcome:?}"
            ));
        }
        Outcome::Panicked(msg) => {
            if !expected_panic(msg) {
                bad.push(format!("unexpected panic reached the consumer: {msg}"));
            } else if !any_panicked {
                bad.push(format!(
                    "a panic no producer raised reached the consumer: {msg}"
                ));
            }
        }
        _ => {}
    }
    for stats in ctx.stats.lock().unwrap().iter() {
        let snap = stats.snapshot();
        if snap.active != 0 {
            bad.push(format!("instrumented: {snap:?} still active"));
        }
    }
    let got = ctx.delivered.lock().unwrap().clone();
    if let Err(e) = spec.check(&got, *outcome == Outcome::Exhausted) {
        bad.push(format!("delivered {got:?}: {e}"));
    }
    bad
}

// ===== running cases =====

fn quiet_expected_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        let loud = std::env::var_os("SEQFLOW_LOUD").is_some();
        std::panic::set_hook(Box::new(move |info| {
            let msg = panic_message(info.payload());
            // Only the scripted panics themselves: a failure report quotes
            // them, and must be printed.
            let scripted = [SCRIPTED, BOMB, "the producer continued"];
            if !scripted.iter().any(|s| msg.starts_with(s)) || loud {
                previous(info);
            }
        }));
    });
}

fn runtime(real: bool) -> tokio::runtime::Runtime {
    if real {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime")
    }
}

/// Runs one case; `Err` describes every broken promise.
fn run_case(seed: u64, real: bool, verbose: bool) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("model seed {seed}"))
        .spawn(move || {
            let res = std::panic::catch_unwind(|| run_case_here(seed, real, verbose));
            let _ = tx.send(res.unwrap_or_else(|p| {
                Err(format!("the test harness panicked: {}", panic_message(&*p)))
            }));
        })
        .expect("thread");
    match rx.recv_timeout(WATCHDOG) {
        Ok(res) => res,
        Err(_) => Err(format!(
            "the case did not end within {WATCHDOG:?} of real time (a poll that never returns?)"
        )),
    }
}

fn run_case_here(seed: u64, real: bool, verbose: bool) -> Result<(), String> {
    let rt = runtime(real);
    let flavour = if real {
        "multi_thread (real time)"
    } else {
        "current_thread (paused clock)"
    };
    rt.block_on(async move {
        let base = alive_tasks();
        let mut rng = fastrand::Rng::with_seed(seed);
        let bombs = rng.u8(0..4) == 0;
        let ctx = Ctx::new(real, bombs);
        let node = build(&mut rng, &ctx, 0);
        let consumer = Consumer::random(&mut rng, real);
        let desc = node.desc.clone();
        if verbose {
            eprintln!("seed {seed} on {flavour}:\n  pipeline {desc}\n  consumer {consumer:?}\n  model {:?}", node.spec);
        }
        let spec = node.spec;
        let bound = ctx.ms(consumer.deadline_ms) + stop_bound(real) + Duration::from_secs(90);
        let outcome = tokio::time::timeout(bound, async {
            let outcome = drive(node.seq, &consumer, &ctx).await;
            settle(&ctx, base).await;
            outcome
        })
        .await;
        let Ok(outcome) = outcome else {
            return Err(format!(
                "seed {seed} on {flavour}: the run did not end within {bound:?}\n  pipeline {desc}\n  consumer {consumer:?}"
            ));
        };
        if verbose {
            eprintln!("  outcome {outcome:?}\n  delivered {:?}", ctx.delivered.lock().unwrap());
        }
        let bad = check(&ctx, &spec, &outcome, base);
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "seed {seed} on {flavour} broke {} promise(s):\n  pipeline {desc}\n  consumer {consumer:?}\n  outcome {outcome:?}\n  - {}\n  (replay: SEQFLOW_SEED={seed} cargo test --test model -- --nocapture)",
                bad.len(),
                bad.join("\n  - ")
            ))
        }
    })
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number"))
    })
}

fn run_seeds(real: bool, ci_seeds: u64) {
    quiet_expected_panics();
    if let Some(seed) = env_u64("SEQFLOW_SEED") {
        if let Err(e) = run_case(seed, real, true) {
            panic!("{e}");
        }
        return;
    }
    let count = env_u64("SEQFLOW_SOAK").unwrap_or(ci_seeds);
    let start = env_u64("SEQFLOW_SEED_BASE").unwrap_or(0);
    let mut failures = Vec::new();
    for seed in start..start + count {
        if let Err(e) = run_case(seed, real, false) {
            failures.push(e);
            if failures.len() as u64 >= env_u64("SEQFLOW_MAX_FAILURES").unwrap_or(3) {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing case(s) (first ones shown):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The model on a `current_thread` runtime with a paused clock: every wait
/// is virtual, so hangs and deadlines cost no real time.
#[test]
fn model_current_thread_paused_clock() {
    run_seeds(false, CI_SEEDS_CURRENT_THREAD);
}

/// The model on a two-worker `multi_thread` runtime in real time
/// (durations scaled down), where `prefetch` and the background stop of a
/// dropped `Pull` run in parallel with the consumer.
#[test]
fn model_multi_thread_real_time() {
    run_seeds(true, CI_SEEDS_MULTI_THREAD);
}

// ===== the harness checks itself =====

/// A broken sequence: one element, then a `poll_stop` that never completes
/// and never wakes anyone (what every stop did before contract 19 when the
/// producer hung).
struct StopNeverEnds {
    ctx: Arc<Ctx>,
    sent: bool,
}

impl Seq for StopNeverEnds {
    type Item = El;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<El>> {
        let this = self.get_mut();
        if this.sent {
            return Poll::Pending;
        }
        this.sent = true;
        Poll::Ready(Some(El::new(&this.ctx, Id { src: 0, idx: 0 }, 0)))
    }

    fn poll_stop(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// The model must notice a stop that hangs: otherwise its silence on the
/// crate's adapters would prove nothing.
#[test]
fn model_harness_catches_a_stop_that_hangs() {
    quiet_expected_panics();
    let bad = runtime(false).block_on(async {
        let base = alive_tasks();
        let ctx = Ctx::new(false, false);
        let inner = Probe::wrap(
            Box::pin(StopNeverEnds {
                ctx: ctx.clone(),
                sent: false,
            }),
            &ctx,
            "stop-never-ends",
        );
        let spec = Spec::Segs(vec![Seg {
            items: vec![RefEl {
                id: Id { src: 0, idx: 0 },
                v: 0,
            }],
            cut: false,
        }]);
        let consumer = Consumer {
            plan: Plan::ForEach {
                stop_after: None,
                body: Body::Sync,
            },
            deadline_ms: 10_000,
        };
        let outcome = drive(inner.take(1).boxed(), &consumer, &ctx).await;
        settle(&ctx, base).await;
        assert_eq!(outcome, Outcome::TimedOut);
        check(&ctx, &spec, &outcome, base)
    });
    assert!(
        bad.iter().any(|b| b.contains("without a wake-up")),
        "the hung stop went unnoticed: {bad:?}"
    );
}

// ===== regressions the model found =====
//
// Found with elements whose `Drop` panics unless delivered (the model's
// bombs): user code that runs where the crate discards an element. Each
// test is the smallest case of failing seeds.

/// Counts constructions and drops of [`Bomb`]s.
#[derive(Default)]
struct BombCounts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

/// An element whose `Drop` panics if `armed` (never while unwinding).
struct Bomb {
    armed: bool,
    counts: Arc<BombCounts>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.counts.dropped.fetch_add(1, SeqCst);
        if self.armed && !std::thread::panicking() {
            panic!("{BOMB}");
        }
    }
}

/// Yields `n` bombs, the one at `armed` armed; cleans up asynchronously.
fn bombs(
    counts: &Arc<BombCounts>,
    n: usize,
    armed: usize,
) -> impl Seq<Item = Bomb> + Send + 'static {
    let counts = counts.clone();
    seq::from_fn(move |mut y: Yield<Bomb>| async move {
        for i in 0..n {
            counts.made.fetch_add(1, SeqCst);
            let bomb = Bomb {
                armed: i == armed,
                counts: counts.clone(),
            };
            if !y.yield_(bomb).await {
                tokio::task::yield_now().await;
                return;
            }
        }
    })
}

/// Seeds 8764, 9307, 18426 (before the bombs were kept away from `prefetch`): a `prefetch` stopped
/// while an undelivered element waits in its buffer, whose `Drop` panics.
/// The panic reaches the consumer's stop; the prefetch task must still end
/// and its producer be dropped. (It used to live for ever: `Receiver::poll_stop`
/// in src/seq/adapters/prefetch/handoff.rs dropped the buffer after taking the
/// producer's waker out, so the producer parked for credit was never woken;
/// issue 11, section 4, "Leaked prefetch task".)
#[test]
fn model_regression_prefetch_stopped_with_a_panicking_element_in_its_buffer_leaks_its_task() {
    runtime(false).block_on(async {
        let base = alive_tasks();
        let counts = Arc::new(BombCounts::default());
        let mut s = Box::pin(bombs(&counts, 3, 0).prefetch(1));
        // Start the task; it publishes the bomb and parks for credit.
        let first = std::future::poll_fn(|cx| Poll::Ready(s.as_mut().poll_next(cx))).await;
        assert!(first.is_pending());
        sleep(Duration::from_millis(10)).await;
        let stop = AssertUnwindSafe(std::future::poll_fn(|cx| s.as_mut().poll_stop(cx)))
            .catch_unwind()
            .await;
        let msg = panic_message(&*stop.expect_err("the element's panic reaches the stop"));
        assert!(msg.contains(BOMB), "{msg}");
        drop(s);
        for _ in 0..100 {
            tokio::task::yield_now().await;
            sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(alive_tasks(), base, "the prefetch task ended");
        assert_eq!(
            counts.made.load(SeqCst),
            counts.dropped.load(SeqCst),
            "every element dropped"
        );
    });
}

/// Seeds 3403 and 18376 (with the first version of the bombs): `map_concurrent` stopped
/// with futures in flight, one of whose `Drop` panics. The panic reaches the
/// stop, but the other futures in flight (and the elements they hold) are
/// leaked: futures-util's `FuturesUnordered` stops releasing its futures at
/// the first one whose drop panics.
#[test]
fn model_regression_map_concurrent_stopped_with_a_panicking_future_leaks_the_others() {
    for unordered in [false, true] {
        runtime(false).block_on(async {
            let counts = Arc::new(BombCounts::default());
            let hold = |b: Bomb| async move {
                pending::<()>().await;
                b
            };
            let src = bombs(&counts, 3, 2);
            let mut s: BoxSeq<'static, Bomb> = if unordered {
                src.map_unordered(3, hold).boxed()
            } else {
                src.map_concurrent(3, hold).boxed()
            };
            let first = std::future::poll_fn(|cx| Poll::Ready(s.as_mut().poll_next(cx))).await;
            assert!(first.is_pending(), "three futures in flight");
            let stop = AssertUnwindSafe(std::future::poll_fn(|cx| s.as_mut().poll_stop(cx)))
                .catch_unwind()
                .await;
            let msg = panic_message(&*stop.expect_err("the future's panic reaches the stop"));
            assert!(msg.contains(BOMB), "{msg}");
            drop(s);
            assert_eq!(
                counts.made.load(SeqCst),
                counts.dropped.load(SeqCst),
                "every element dropped (unordered: {unordered})"
            );
        });
    }
}

/// The same when the sequence is dropped instead of stopped, and with two
/// futures whose `Drop` panics: the first panic comes out of the drop, the
/// second is discarded, nothing leaks.
#[test]
fn model_regression_map_concurrent_dropped_with_panicking_futures_leaks_none() {
    for unordered in [false, true] {
        runtime(false).block_on(async {
            let counts = Arc::new(BombCounts::default());
            let hold = |b: Bomb| async move {
                pending::<()>().await;
                b
            };
            let c = counts.clone();
            let src = seq::from_fn(move |mut y: Yield<Bomb>| async move {
                for i in 0..4 {
                    c.made.fetch_add(1, SeqCst);
                    let armed = i % 2 == 1;
                    if !y
                        .yield_(Bomb {
                            armed,
                            counts: c.clone(),
                        })
                        .await
                    {
                        return;
                    }
                }
            });
            let mut s: BoxSeq<'static, Bomb> = if unordered {
                src.map_unordered(4, hold).boxed()
            } else {
                src.map_concurrent(4, hold).boxed()
            };
            let first = std::future::poll_fn(|cx| Poll::Ready(s.as_mut().poll_next(cx))).await;
            assert!(first.is_pending(), "four futures in flight");
            let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(s)));
            let msg = panic_message(&*dropped.expect_err("the first panic comes out of the drop"));
            assert!(msg.contains(BOMB), "{msg}");
            assert_eq!(
                counts.made.load(SeqCst),
                counts.dropped.load(SeqCst),
                "every element dropped (unordered: {unordered})"
            );
        });
    }
}

//! The engine of [`Seq::tee`] and [`Seq::partition`]: one upstream, two
//! ends, driven inline by whichever end needs an element, with no task.
//!
//! The state lives behind one `Mutex`: the upstream (taken out while an end
//! polls it, so that user code never runs under the lock) and one bounded
//! queue per end of the elements routed to it while the other end polled.
//! The upstream is polled with a waker that wakes both ends, so a wake-up
//! is never lost on an end that is no longer polled. Once both ends have
//! stopped or been dropped, the one that ended last stops the upstream by
//! the stop rule (or drops it, if it was dropped).

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker, ready};

use crate::seq::Seq;
use crate::seq::engine::budget::Budget;

/// How many elements one end may be ahead of the other before the
/// upstream waits for the other.
pub(crate) const BOUND: usize = 64;

/// Where an element goes.
pub(crate) trait Route<T> {
    /// Splits `item` between the ends: `wanted[i]` says whether end `i` is
    /// still there.
    fn route(&mut self, item: T, wanted: [bool; 2]) -> [Option<T>; 2];
}

struct Driver<S, R> {
    seq: Pin<Box<S>>,
    route: R,
}

enum Upstream<S, R> {
    Parked(Driver<S, R>),
    Polling,
    Stopping(Driver<S, R>),
    Ended,
    Panicked(Arc<str>),
}

struct State<S: Seq, R> {
    upstream: Upstream<S, R>,
    started: bool,
    queues: [VecDeque<S::Item>; 2],
    live: [bool; 2],
    /// An end waits for the other to make room in its queue.
    wants_room: bool,
}

/// Wakes both ends; its own lock is taken after the state's, never before.
#[derive(Default)]
struct WakeBoth {
    inner: Mutex<WakeInner>,
}

#[derive(Default)]
struct WakeInner {
    wakers: [Option<Waker>; 2],
    woken: bool,
}

impl WakeBoth {
    fn lock(&self) -> MutexGuard<'_, WakeInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, side: usize, waker: &Waker) {
        let mut inner = self.lock();
        match &mut inner.wakers[side] {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
    }

    fn take(&self) -> [Option<Waker>; 2] {
        let mut inner = self.lock();
        [inner.wakers[0].take(), inner.wakers[1].take()]
    }
}

impl Wake for WakeBoth {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let wakers = {
            let mut inner = self.lock();
            inner.woken = true;
            [inner.wakers[0].take(), inner.wakers[1].take()]
        };
        wakers.into_iter().flatten().for_each(Waker::wake);
    }
}

struct Shared<S: Seq, R> {
    state: Mutex<State<S, R>>,
    wake: Arc<WakeBoth>,
    upstream_waker: Waker,
}

impl<S: Seq, R> Shared<S, R> {
    fn lock(&self) -> MutexGuard<'_, State<S, R>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One end of a split sequence.
pub(crate) struct Side<S: Seq, R> {
    shared: Arc<Shared<S, R>>,
    side: usize,
    live: bool,
    stopping: bool,
    budget: Budget,
}

/// Builds the two ends of `seq`.
pub(crate) fn split<S: Seq, R>(seq: S, route: R) -> (Side<S, R>, Side<S, R>) {
    let wake = Arc::new(WakeBoth::default());
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            upstream: Upstream::Parked(Driver {
                seq: Box::pin(seq),
                route,
            }),
            started: false,
            queues: [VecDeque::new(), VecDeque::new()],
            live: [true, true],
            wants_room: false,
        }),
        upstream_waker: Waker::from(wake.clone()),
        wake,
    });
    let side = |side| Side {
        shared: shared.clone(),
        side,
        live: true,
        stopping: false,
        budget: Budget::default(),
    };
    (side(0), side(1))
}

enum Next<T> {
    Item(T),
    End,
    Pending,
    Panic(Arc<str>),
}

/// What an end leaves behind: dropped (or woken) after the lock is
/// released.
struct Leftovers<S: Seq, R> {
    driver: Option<Driver<S, R>>,
    queue: VecDeque<S::Item>,
    wakers: [Option<Waker>; 2],
}

impl<S: Seq, R> Leftovers<S, R> {
    fn settle(self) {
        self.wakers.into_iter().flatten().for_each(Waker::wake);
        // User code (`Drop`s) last.
        drop(self.driver);
        drop(self.queue);
    }
}

impl<S: Seq, R> Side<S, R> {
    /// This end leaves: its queue is emptied and the other end, if it
    /// waited for room, is woken. Returns the upstream if both ends have
    /// left a started upstream that was parked.
    fn release(&mut self, state: &mut State<S, R>) -> Leftovers<S, R> {
        let mut left = Leftovers {
            driver: None,
            queue: std::mem::take(&mut state.queues[self.side]),
            wakers: [None, None],
        };
        if !self.live {
            return left;
        }
        self.live = false;
        state.live[self.side] = false;
        if std::mem::take(&mut state.wants_room) {
            left.wakers = self.shared.wake.take();
        }
        let both_gone = !state.live[1 - self.side];
        if both_gone && state.started && matches!(state.upstream, Upstream::Parked(_)) {
            if let Upstream::Parked(d) = std::mem::replace(&mut state.upstream, Upstream::Ended) {
                left.driver = Some(d);
            }
        }
        left
    }
}

impl<S: Seq, R: Route<S::Item>> Side<S, R> {
    fn next_locked(&mut self, cx: &mut Context<'_>, leftovers: &mut Vec<S::Item>) -> Next<S::Item> {
        let shared = self.shared.clone();
        let (me, other) = (self.side, 1 - self.side);
        let mut to_wake = [None, None];
        // Elements routed to the other end in this poll.
        let mut routed_away = 0;
        let mut state = shared.lock();
        let next = loop {
            if let Some(item) = state.queues[me].pop_front() {
                if state.wants_room {
                    state.wants_room = false;
                    to_wake = shared.wake.take();
                }
                break Next::Item(item);
            }
            match &state.upstream {
                Upstream::Ended => {
                    let left = self.release(&mut state);
                    drop(state);
                    left.settle();
                    return Next::End;
                }
                Upstream::Panicked(msg) => {
                    let msg = msg.clone();
                    let left = self.release(&mut state);
                    drop(state);
                    left.settle();
                    return Next::Panic(msg);
                }
                Upstream::Polling | Upstream::Stopping(_) => {
                    shared.wake.register(me, cx.waker());
                    break Next::Pending;
                }
                Upstream::Parked(_) => {}
            }
            if state.live[other] && state.queues[other].len() >= BOUND {
                state.wants_room = true;
                shared.wake.register(me, cx.waker());
                break Next::Pending;
            }
            let Upstream::Parked(mut driver) =
                std::mem::replace(&mut state.upstream, Upstream::Polling)
            else {
                unreachable!()
            };
            state.started = true;
            let wanted = state.live;
            shared.wake.lock().woken = false;
            drop(state);
            let mut up_cx = Context::from_waker(&shared.upstream_waker);
            let polled = catch_unwind(AssertUnwindSafe(|| {
                driver
                    .seq
                    .as_mut()
                    .poll_next(&mut up_cx)
                    .map(|next| next.map(|item| driver.route.route(item, wanted)))
            }));
            state = shared.lock();
            match polled {
                Ok(Poll::Ready(Some([a, b]))) => {
                    state.upstream = Upstream::Parked(driver);
                    let [mine, theirs] = if me == 0 { [a, b] } else { [b, a] };
                    if let Some(item) = theirs {
                        if state.live[other] {
                            state.queues[other].push_back(item);
                            to_wake = shared.wake.take();
                        } else {
                            leftovers.push(item);
                        }
                    }
                    if let Some(item) = mine {
                        break Next::Item(item);
                    }
                    // Routed away: go on, but let the task yield now and
                    // then (the other end may be gone, and the upstream
                    // always ready).
                    routed_away += 1;
                    if routed_away == BOUND {
                        cx.waker().wake_by_ref();
                        break Next::Pending;
                    }
                }
                Ok(Poll::Ready(None)) => {
                    state.upstream = Upstream::Ended;
                    to_wake = shared.wake.take();
                    drop(state);
                    drop(driver);
                    state = shared.lock();
                }
                Ok(Poll::Pending) => {
                    state.upstream = Upstream::Parked(driver);
                    shared.wake.register(me, cx.waker());
                    if std::mem::take(&mut shared.wake.lock().woken) {
                        to_wake = shared.wake.take();
                    }
                    break Next::Pending;
                }
                Err(payload) => {
                    let msg: Arc<str> = crate::seq::adapters::share::panic_text(&*payload).into();
                    state.upstream = Upstream::Panicked(msg);
                    let mut left = self.release(&mut state);
                    left.wakers = shared.wake.take();
                    drop(state);
                    left.settle();
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(driver)));
                    resume_unwind(payload);
                }
            }
        };
        drop(state);
        to_wake.into_iter().flatten().for_each(Waker::wake);
        next
    }

    fn poll_stop_upstream(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        let Upstream::Stopping(mut driver) =
            std::mem::replace(&mut state.upstream, Upstream::Polling)
        else {
            unreachable!("only the end that left last stops the upstream")
        };
        drop(state);
        let stopped = catch_unwind(AssertUnwindSafe(|| driver.seq.as_mut().poll_stop(cx)));
        let mut state = shared.lock();
        if let Ok(Poll::Pending) = stopped {
            state.upstream = Upstream::Stopping(driver);
            return Poll::Pending;
        }
        state.upstream = Upstream::Ended;
        self.stopping = false;
        drop(state);
        match stopped {
            Err(payload) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(driver)));
                resume_unwind(payload)
            }
            _ => {
                drop(driver);
                Poll::Ready(())
            }
        }
    }

    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        if !self.live {
            if self.stopping {
                ready!(self.poll_stop_upstream(cx));
            }
            return Poll::Ready(None);
        }
        ready!(self.budget.poll_proceed(cx));
        let mut leftovers = Vec::new();
        let next = self.next_locked(cx, &mut leftovers);
        drop(leftovers);
        match next {
            Next::Item(item) => {
                self.budget.made_progress();
                Poll::Ready(Some(item))
            }
            Next::End => Poll::Ready(None),
            Next::Pending => Poll::Pending,
            Next::Panic(msg) => panic!("the split sequence's producer panicked: {msg}"),
        }
    }

    pub(crate) fn poll_stop(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.live {
            let shared = self.shared.clone();
            let mut state = shared.lock();
            let mut left = self.release(&mut state);
            if let Some(driver) = left.driver.take() {
                state.upstream = Upstream::Stopping(driver);
                self.stopping = true;
            }
            drop(state);
            left.settle();
        }
        if self.stopping {
            return self.poll_stop_upstream(cx);
        }
        Poll::Ready(())
    }
}

impl<S: Seq, R> Side<S, R> {
    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        let state = self.shared.lock();
        let queued = state.queues[self.side].len();
        match state.upstream {
            Upstream::Ended | Upstream::Panicked(_) if self.live => (queued, Some(queued)),
            _ if !self.live => (0, Some(0)),
            _ => (queued, None),
        }
    }

    pub(crate) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct(name)
            .field("queued", &state.queues[self.side].len())
            .field("other_live", &state.live[1 - self.side])
            .field("live", &self.live)
            .finish()
    }
}

impl<S: Seq, R> Drop for Side<S, R> {
    fn drop(&mut self) {
        if !self.live && !self.stopping {
            return;
        }
        let shared = self.shared.clone();
        let mut state = shared.lock();
        let mut left = self.release(&mut state);
        if self.stopping && matches!(state.upstream, Upstream::Stopping(_)) {
            // Dropped before its stop of the upstream completed: the
            // upstream is dropped instead (Rust cancellation).
            if let Upstream::Stopping(d) = std::mem::replace(&mut state.upstream, Upstream::Ended) {
                left.driver = Some(d);
            }
        }
        drop(state);
        left.settle();
    }
}

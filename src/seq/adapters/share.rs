//! [`Seq::share`] and [`Seq::share_lagging`]: one upstream sequence, many
//! subscribers, driven inline by whichever subscription needs the next
//! element (like futures' `Shared`), with no task.
//!
//! The state lives behind one `Mutex`. A subscription that has nothing left
//! to read takes the upstream out of the state, releases the lock, polls the
//! upstream (user code never runs under the lock, STYLE.md rule 17), then
//! puts it back with the element it got and wakes the subscriptions that
//! wait. While one subscription polls, the others wait for it. The upstream
//! is polled with a waker of its own that wakes every waiting subscription,
//! so that a wake-up it sends is never lost on a subscription that is no
//! longer polled.
//!
//! Each buffered element carries the number of live subscriptions that have
//! not read it yet. Those that every subscription has read form a prefix of
//! the buffer (a subscription reads in order, and one that joined later is
//! counted on every element after it joined), kept only for the replay of
//! late subscribers; the rest is what the slowest subscription has not read
//! yet, at most `capacity` elements.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker, ready};

use crate::seq::engine::budget::Budget;
use crate::seq::{BoxSeq, Seq};

// ===== impl Share =====

/// Handle returned by [`Seq::share`] and [`Seq::share_lagging`]: hands out
/// [`Subscription`]s of one upstream sequence.
#[must_use = "a shared sequence does nothing until it is subscribed to and consumed"]
pub struct Share<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// How many elements the slowest subscription may be behind.
    capacity: usize,
    /// The lagging policy's element for `k` skipped elements; `None`: the
    /// upstream waits for the slowest subscription instead.
    lag: Option<fn(u64) -> T>,
    /// Polls the upstream: wakes every subscription that waits.
    upstream_waker: Waker,
}

enum Upstream<T> {
    /// Between polls (or not started yet).
    Parked(BoxSeq<'static, T>),
    /// Taken out by the subscription that polls it (or stops it) now.
    Polling,
    /// The last subscription ended: stopping, between its polls.
    Stopping(BoxSeq<'static, T>),
    /// Returned `None`, or was stopped or dropped.
    Ended,
    /// Panicked, with this message.
    Panicked(Arc<str>),
}

struct Slot<T> {
    value: T,
    /// Live subscriptions that have not read it.
    unread_by: usize,
}

struct State<T> {
    upstream: Upstream<T>,
    /// The upstream has been polled once.
    started: bool,
    buf: VecDeque<Slot<T>>,
    /// Position (since the upstream started) of `buf[0]`.
    head: u64,
    /// Elements kept for late subscribers.
    replay: usize,
    /// Subscriptions that have not ended.
    live: usize,
    /// The waker of each subscription that waits, by subscription id.
    wakers: Vec<Option<Waker>>,
    /// How many of `wakers` are `Some`.
    waiting: usize,
    /// Ids of ended subscriptions, for reuse.
    free_ids: Vec<usize>,
    /// A subscription waits because the slowest one is `capacity` behind.
    wants_room: bool,
    /// The upstream's waker fired while it was being polled.
    woken_while_polling: bool,
}

impl<T> Share<T> {
    pub(crate) fn new<S>(upstream: S, capacity: usize, lag: Option<fn(u64) -> T>) -> Self
    where
        S: Seq<Item = T> + Send + 'static,
        T: Send + 'static,
    {
        let upstream: BoxSeq<'static, T> = Box::pin(upstream);
        let shared = Arc::new_cyclic(|weak: &Weak<Shared<T>>| Shared {
            state: Mutex::new(State {
                upstream: Upstream::Parked(upstream),
                started: false,
                buf: VecDeque::new(),
                head: 0,
                replay: 0,
                live: 0,
                wakers: Vec::new(),
                waiting: 0,
                free_ids: Vec::new(),
                wants_room: false,
                woken_while_polling: false,
            }),
            capacity,
            lag,
            upstream_waker: Waker::from(Arc::new(UpstreamWaker {
                shared: weak.clone(),
            })),
        });
        Share { shared }
    }

    /// Keeps the last `n` elements for late subscribers: a subscription
    /// starts with the (at most) `n` elements produced last before it
    /// subscribed, then gets every element produced after.
    ///
    /// Call it on the handle that [`Seq::share`] or [`Seq::share_lagging`]
    /// returned, before cloning it or subscribing. The replayed elements
    /// count towards `capacity`: a subscription that starts with `n`
    /// elements to read is `n` behind.
    ///
    /// # Panics
    ///
    /// Panics if `n` is greater than the `capacity` of the share, or if the
    /// handle was already cloned or subscribed to.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shared = seq::iter(1..=5).share(4).replay(2);
    /// let mut first = std::pin::pin!(shared.subscribe().stream());
    /// use futures_util::StreamExt;
    /// assert_eq!(first.next().await, Some(1));
    /// assert_eq!(first.next().await, Some(2));
    /// assert_eq!(first.next().await, Some(3));
    /// // A late subscriber starts with the last two elements produced.
    /// let late: Vec<_> = shared.subscribe().take(4).collect().await;
    /// assert_eq!(late, [2, 3, 4, 5]);
    /// # }
    /// ```
    #[track_caller]
    pub fn replay(self, n: usize) -> Self {
        assert!(
            n <= self.shared.capacity,
            "`replay` count must not exceed the `share` capacity"
        );
        assert!(
            Arc::strong_count(&self.shared) == 1,
            "`replay` must be set before the `Share` handle is cloned or subscribed to"
        );
        self.shared.lock().replay = n;
        self
    }

    /// Subscribes: a [`Subscription`] yields every element the upstream
    /// produces from now on (after the replayed ones, see
    /// [`replay`](Share::replay)).
    ///
    /// The upstream starts when a subscription is first polled. Once it has
    /// started, it is stopped when its last subscription ends; a
    /// subscription taken after that yields what is replayed and ends.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shared = seq::iter(0..3).share(8);
    /// let (a, b) = (shared.subscribe(), shared.subscribe());
    /// let (a, b) = tokio::join!(a.collect::<Vec<_>>(), b.collect::<Vec<_>>());
    /// assert_eq!((a, b), (vec![0, 1, 2], vec![0, 1, 2]));
    /// # }
    /// ```
    pub fn subscribe(&self) -> Subscription<T>
    where
        T: Clone,
    {
        let mut state = self.shared.lock();
        let id = match state.free_ids.pop() {
            Some(id) => id,
            None => {
                state.wakers.push(None);
                state.wakers.len() - 1
            }
        };
        state.live += 1;
        let replayed = state.replay.min(state.buf.len());
        let from = state.buf.len() - replayed;
        for slot in state.buf.range_mut(from..) {
            slot.unread_by += 1;
        }
        let cursor = state.head + from as u64;
        drop(state);
        Subscription {
            shared: self.shared.clone(),
            id,
            cursor,
            live: true,
            stopping: false,
            budget: Budget::default(),
            to_wake: Vec::new(),
        }
    }

    /// The number of subscriptions that have not ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Seq};
    ///
    /// let shared = seq::iter(0..3).share(8);
    /// let a = shared.subscribe();
    /// assert_eq!(shared.subscriber_count(), 1);
    /// drop(a);
    /// assert_eq!(shared.subscriber_count(), 0);
    /// ```
    pub fn subscriber_count(&self) -> usize {
        self.shared.lock().live
    }
}

impl<T> Clone for Share<T> {
    fn clone(&self) -> Self {
        Share {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for Share<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt_as("Share", f)
    }
}

// ===== impl Shared =====

impl<T> Shared<T> {
    /// The state, also after a panic under the lock: a panicking `Clone`
    /// of an element leaves it consistent (it runs before any update).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct(name)
            .field("capacity", &self.capacity)
            .field("lagging", &self.lag.is_some())
            .field("replay", &state.replay)
            .field("subscribers", &state.live)
            .field("buffered", &state.buf.len())
            .field("started", &state.started)
            .field("upstream", &state.upstream.describe())
            .finish()
    }
}

impl<T> Upstream<T> {
    fn describe(&self) -> &'static str {
        match self {
            Upstream::Parked(_) => "parked",
            Upstream::Polling => "polling",
            Upstream::Stopping(_) => "stopping",
            Upstream::Ended => "ended",
            Upstream::Panicked(_) => "panicked",
        }
    }
}

impl<T> State<T> {
    fn tail(&self) -> u64 {
        self.head + self.buf.len() as u64
    }

    /// Elements the slowest live subscription has not read.
    fn unread(&self) -> usize {
        let read_by_all = self.buf.iter().take_while(|s| s.unread_by == 0).count();
        self.buf.len() - read_by_all
    }

    fn register(&mut self, id: usize, waker: &Waker) {
        match &mut self.wakers[id] {
            Some(w) if w.will_wake(waker) => {}
            Some(w) => w.clone_from(waker),
            slot @ None => {
                *slot = Some(waker.clone());
                self.waiting += 1;
            }
        }
    }

    /// Moves every registered waker to `to`, to wake after the lock is
    /// released.
    fn take_wakers(&mut self, to: &mut Vec<Waker>) {
        if self.waiting == 0 {
            return;
        }
        to.extend(self.wakers.iter_mut().filter_map(Option::take));
        self.waiting = 0;
    }

    /// Drops the read-by-all elements that the replay does not keep, and
    /// the oldest while more than `capacity` are buffered (lagging policy);
    /// returns the last one dropped, for the caller to drop after the lock
    /// is released (its `Drop` is user code). Elements dropped before it
    /// go in `garbage`.
    fn trim(&mut self, capacity: usize, garbage: &mut Vec<T>) {
        while let Some(front) = self.buf.front() {
            let len = self.buf.len();
            if len > capacity || (front.unread_by == 0 && len > self.replay) {
                let slot = self.buf.pop_front().expect("front exists");
                self.head += 1;
                garbage.push(slot.value);
            } else {
                break;
            }
        }
    }
}

/// The upstream's waker: wakes every subscription that waits.
struct UpstreamWaker<T> {
    shared: Weak<Shared<T>>,
}

impl<T: Send + 'static> Wake for UpstreamWaker<T> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let mut to_wake = Vec::new();
        {
            let mut state = shared.lock();
            if matches!(state.upstream, Upstream::Polling) {
                state.woken_while_polling = true;
            }
            state.take_wakers(&mut to_wake);
        }
        to_wake.into_iter().for_each(Waker::wake);
    }
}

// ===== impl Subscription =====

/// Sequence returned by [`Share::subscribe`]: every element the shared
/// upstream produces after the subscription was taken.
#[must_use = "sequences do nothing unless consumed"]
pub struct Subscription<T> {
    shared: Arc<Shared<T>>,
    id: usize,
    /// Position of the next element to read.
    cursor: u64,
    /// Counted among the live subscriptions.
    live: bool,
    /// This subscription ended last and stops the upstream.
    stopping: bool,
    budget: Budget,
    /// Wakers taken under the lock, woken after it (kept for its capacity).
    to_wake: Vec<Waker>,
}

impl<T> Subscription<T> {
    /// Ends this subscription's share of the state: it no longer counts on
    /// any element, and its waker slot is freed. Returns the upstream if
    /// this was the last subscription of a started upstream that was
    /// parked.
    fn release(
        &mut self,
        state: &mut State<T>,
        capacity: usize,
        garbage: &mut Vec<T>,
    ) -> Option<BoxSeq<'static, T>> {
        if !self.live {
            return None;
        }
        self.live = false;
        let from = usize::try_from(self.cursor.saturating_sub(state.head)).unwrap_or(usize::MAX);
        for slot in state.buf.range_mut(from.min(state.buf.len())..) {
            slot.unread_by -= 1;
        }
        if state.wakers[self.id].take().is_some() {
            state.waiting -= 1;
        }
        state.free_ids.push(self.id);
        state.live -= 1;
        state.trim(capacity, garbage);
        if state.wants_room {
            state.wants_room = false;
            state.take_wakers(&mut self.to_wake);
        }
        if state.live == 0 && state.started {
            if let Upstream::Parked(_) = state.upstream {
                let Upstream::Parked(up) = std::mem::replace(&mut state.upstream, Upstream::Ended)
                else {
                    unreachable!()
                };
                return Some(up);
            }
        }
        None
    }

    fn wake_taken(&mut self) {
        self.to_wake.drain(..).for_each(Waker::wake);
    }
}

/// What one locked step of `poll_next` ends with, after the lock is
/// released.
enum Next<T> {
    Item(T),
    End,
    Pending,
    Panic(Arc<str>),
}

impl<T: Clone> Subscription<T> {
    /// Reads the element at the cursor under the lock: the last reader of
    /// the front element takes it, the others clone it.
    fn read(
        &mut self,
        state: &mut State<T>,
        capacity: usize,
        lagging: bool,
        garbage: &mut Vec<T>,
    ) -> T {
        let idx = usize::try_from(self.cursor - state.head).expect("cursor within the buffer");
        let last_reader = state.buf[idx].unread_by == 1;
        let value = if idx == 0 && last_reader && state.buf.len() > state.replay {
            let slot = state.buf.pop_front().expect("front exists");
            state.head += 1;
            slot.value
        } else {
            let value = state.buf[idx].value.clone();
            state.buf[idx].unread_by -= 1;
            state.trim(capacity, garbage);
            value
        };
        self.cursor += 1;
        if last_reader && !lagging && state.wants_room {
            // The slowest subscription read: the upstream may go on.
            state.wants_room = false;
            state.take_wakers(&mut self.to_wake);
        }
        value
    }

    /// One attempt at the next element; the lock is released on return.
    fn next_locked(
        &mut self,
        cx: &mut Context<'_>,
        garbage: &mut Vec<T>,
        ended: &mut Option<BoxSeq<'static, T>>,
    ) -> Next<T> {
        let shared = self.shared.clone();
        let capacity = shared.capacity;
        let lagging = shared.lag.is_some();
        let mut state = shared.lock();
        loop {
            if self.cursor < state.head {
                // Only under the lagging policy: skip to the oldest kept.
                let skipped = state.head - self.cursor;
                self.cursor = state.head;
                let lag = shared
                    .lag
                    .expect("only the lagging policy drops unread elements");
                return Next::Item(lag(skipped));
            }
            if self.cursor < state.tail() {
                return Next::Item(self.read(&mut state, capacity, lagging, garbage));
            }
            match &state.upstream {
                Upstream::Ended => {
                    drop(self.release(&mut state, capacity, garbage));
                    return Next::End;
                }
                Upstream::Panicked(msg) => {
                    let msg = msg.clone();
                    drop(self.release(&mut state, capacity, garbage));
                    return Next::Panic(msg);
                }
                Upstream::Polling | Upstream::Stopping(_) => {
                    state.register(self.id, cx.waker());
                    return Next::Pending;
                }
                Upstream::Parked(_) => {}
            }
            if !lagging && state.unread() >= capacity {
                // The slowest subscription is `capacity` behind: wait for it.
                state.wants_room = true;
                state.register(self.id, cx.waker());
                return Next::Pending;
            }
            let Upstream::Parked(mut up) =
                std::mem::replace(&mut state.upstream, Upstream::Polling)
            else {
                unreachable!()
            };
            state.started = true;
            state.woken_while_polling = false;
            drop(state);
            let mut up_cx = Context::from_waker(&shared.upstream_waker);
            let polled = catch_unwind(AssertUnwindSafe(|| up.as_mut().poll_next(&mut up_cx)));
            state = shared.lock();
            match polled {
                Ok(Poll::Ready(Some(value))) => {
                    state.upstream = Upstream::Parked(up);
                    let unread_by = state.live;
                    state.buf.push_back(Slot { value, unread_by });
                    state.trim(capacity, garbage);
                    state.take_wakers(&mut self.to_wake);
                    // Read it (or, lagging, what is kept) in the next round.
                }
                Ok(Poll::Ready(None)) => {
                    state.upstream = Upstream::Ended;
                    state.take_wakers(&mut self.to_wake);
                    // Its `Drop` is user code: after the lock.
                    *ended = Some(up);
                    // Nothing was added meanwhile (only the poller adds):
                    // the next round ends this subscription.
                }
                Ok(Poll::Pending) => {
                    state.upstream = Upstream::Parked(up);
                    state.register(self.id, cx.waker());
                    if std::mem::take(&mut state.woken_while_polling) {
                        // Its wake-up found no one registered (a spent
                        // cooperative budget, say): pass it on now.
                        state.take_wakers(&mut self.to_wake);
                    }
                    return Next::Pending;
                }
                Err(payload) => {
                    let msg: Arc<str> = panic_text(&*payload).into();
                    state.upstream = Upstream::Panicked(msg);
                    drop(self.release(&mut state, capacity, garbage));
                    state.take_wakers(&mut self.to_wake);
                    drop(state);
                    self.wake_taken();
                    // Its `Drop` may panic too; the first panic is the one
                    // to report.
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(up)));
                    resume_unwind(payload);
                }
            }
        }
    }

    /// Drives the stop of the upstream that this subscription, the last
    /// one, took over.
    fn poll_stop_upstream(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let shared = self.shared.clone();
        let mut state = shared.lock();
        let Upstream::Stopping(mut up) = std::mem::replace(&mut state.upstream, Upstream::Polling)
        else {
            unreachable!("only the last subscription stops the upstream")
        };
        drop(state);
        let stopped = catch_unwind(AssertUnwindSafe(|| up.as_mut().poll_stop(cx)));
        let mut state = shared.lock();
        if let Ok(Poll::Pending) = stopped {
            state.upstream = Upstream::Stopping(up);
            return Poll::Pending;
        }
        state.upstream = Upstream::Ended;
        self.stopping = false;
        state.take_wakers(&mut self.to_wake);
        drop(state);
        self.wake_taken();
        match stopped {
            Err(payload) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(up)));
                resume_unwind(payload)
            }
            _ => {
                drop(up);
                Poll::Ready(())
            }
        }
    }
}

pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

impl<T: Clone> Seq for Subscription<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        if !this.live {
            if this.stopping {
                ready!(this.poll_stop_upstream(cx));
            }
            return Poll::Ready(None);
        }
        ready!(this.budget.poll_proceed(cx));
        let mut garbage = Vec::new();
        let mut ended = None;
        let next = this.next_locked(cx, &mut garbage, &mut ended);
        this.wake_taken();
        drop(ended);
        drop(garbage);
        match next {
            Next::Item(item) => {
                this.budget.made_progress();
                Poll::Ready(Some(item))
            }
            Next::End => Poll::Ready(None),
            Next::Pending => Poll::Pending,
            Next::Panic(msg) => panic!("the shared sequence's producer panicked: {msg}"),
        }
    }

    fn poll_stop(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.live {
            let shared = this.shared.clone();
            let mut garbage = Vec::new();
            let mut state = shared.lock();
            if let Some(up) = this.release(&mut state, shared.capacity, &mut garbage) {
                state.upstream = Upstream::Stopping(up);
                this.stopping = true;
            }
            drop(state);
            this.wake_taken();
            drop(garbage);
        }
        if this.stopping {
            return this.poll_stop_upstream(cx);
        }
        Poll::Ready(())
    }
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        if !self.live && !self.stopping {
            return;
        }
        let shared = self.shared.clone();
        let mut garbage = Vec::new();
        let mut state = shared.lock();
        let mut upstream = self.release(&mut state, shared.capacity, &mut garbage);
        if self.stopping && matches!(state.upstream, Upstream::Stopping(_)) {
            // Dropped before its stop of the upstream completed: the
            // upstream is dropped instead (Rust cancellation).
            if let Upstream::Stopping(up) = std::mem::replace(&mut state.upstream, Upstream::Ended)
            {
                upstream = Some(up);
            }
            state.take_wakers(&mut self.to_wake);
        }
        drop(state);
        self.wake_taken();
        // Their `Drop`s are user code: after the lock.
        drop(upstream);
        drop(garbage);
    }
}

impl<T> fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("position", &self.cursor)
            .field("live", &self.live)
            .field("stopping", &self.stopping)
            .finish()
    }
}

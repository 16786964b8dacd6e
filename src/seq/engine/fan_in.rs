//! The engine behind [`SeqMap`](crate::seq::SeqMap) and
//! [`Seq::flat_map_concurrent`](crate::seq::Seq::flat_map_concurrent): a
//! changing set of sequences polled inline on the consumer's task, each
//! with a waker of its own.
//!
//! A member is polled only when it may make progress: when it was just
//! inserted, when it yielded an element (it may have another at once), when
//! its own waker fired, or when it was told to stop. Woken members go
//! through a ready queue, first in, first out, so an always-ready member
//! takes its turn behind the others (fairness) and 10,000 idle members cost
//! nothing per element (futures' `FuturesUnordered` does the same for
//! futures). One poll of the set visits each member at most once, so a
//! member that wakes itself at once cannot keep the poll going for ever,
//! and the visits spend tokio's cooperative budget (contract 21): once the
//! task's budget is spent, the members that spend it too would only return
//! `Pending`, so the poll ends instead of visiting them all.
//!
//! The waker of a member is an `Arc` made once, at insertion: its wake-up
//! puts the member's slot on a shared list under a mutex and wakes the
//! consumer's task (taken out of the mutex first, STYLE rule 17). No user
//! code runs under that mutex. A slot carries a generation, so a late
//! wake-up of a member that is gone never reaches the one that took its
//! slot.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use crate::seq::Seq;
use crate::seq::engine::budget::Budget;
use crate::size_hint;

/// What one poll of the set gave.
pub(crate) enum Event<T, I> {
    /// The member in this slot yielded an element; it stays in the set.
    Item(usize, I),
    /// The member returned on its own and was removed; its tag.
    Ended(T),
    /// The member's stop completed and it was removed; its tag.
    Stopped(T),
}

/// The wake-ups that arrived since the consumer last looked.
#[derive(Default)]
struct Woken {
    members: Vec<(usize, u64)>,
    // The consumer's waker, while it waits.
    waker: Option<Waker>,
}

#[derive(Default)]
struct Shared {
    // `woken.members` is not empty: the consumer must look under the lock.
    any: AtomicBool,
    woken: Mutex<Woken>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Woken> {
        // No user code runs under this lock, so poisoning cannot leave it
        // half-updated.
        self.woken.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The waker of one member.
struct MemberWaker {
    slot: usize,
    generation: u64,
    // Already on the shared list (or on the consumer's ready queue) since
    // its last poll: a second wake-up adds nothing.
    notified: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.notified.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = {
            let mut woken = self.shared.lock();
            woken.members.push((self.slot, self.generation));
            self.shared.any.store(true, Ordering::Release);
            woken.waker.take()
        };
        // Outside the lock: the consumer may be polled on another thread
        // at once.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct Entry<T, S> {
    tag: T,
    seq: Pin<Box<S>>,
    waker: Waker,
    member: Arc<MemberWaker>,
    // On the consumer's ready queue.
    queued: bool,
    // Told to stop: polled with `poll_stop` from now on.
    stopping: bool,
}

/// A set of sequences, each polled on its own wake-ups.
pub(crate) struct FanIn<T, S> {
    slots: Vec<Option<Entry<T, S>>>,
    // The generation of each slot's current (or last) member.
    generations: Vec<u64>,
    free: Vec<usize>,
    // Members to poll, in order.
    ready: VecDeque<(usize, u64)>,
    shared: Arc<Shared>,
    next_generation: u64,
    running: usize,
    stopping: usize,
    // tokio's cooperative budget, one unit per `Budget::BATCH` visits: once
    // the task's budget is spent, every member that spends it returns
    // `Pending` (tokio wakes it later, after this poll), so visiting the
    // others is wasted work.
    budget: Budget,
}

impl<T, S> FanIn<T, S> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        FanIn {
            slots: Vec::with_capacity(capacity),
            generations: Vec::with_capacity(capacity),
            free: Vec::new(),
            ready: VecDeque::with_capacity(capacity),
            shared: Arc::default(),
            next_generation: 0,
            running: 0,
            stopping: 0,
            budget: Budget::default(),
        }
    }

    /// Members that were not told to stop.
    pub(crate) fn running(&self) -> usize {
        self.running
    }

    /// Members whose stop is under way.
    pub(crate) fn stopping(&self) -> usize {
        self.stopping
    }

    /// The tag of the member in `slot`.
    pub(crate) fn tag(&self, slot: usize) -> &T {
        &self.slots[slot].as_ref().expect("a live slot").tag
    }

    /// The members that were not told to stop, in slot order.
    pub(crate) fn running_members(&self) -> impl Iterator<Item = (usize, &T, &S)> {
        self.slots.iter().enumerate().filter_map(|(slot, e)| {
            e.as_ref()
                .filter(|e| !e.stopping)
                .map(|e| (slot, &e.tag, &*e.seq))
        })
    }

    /// Adds a member; it is polled at the next poll of the set. Returns
    /// its slot.
    pub(crate) fn insert(&mut self, tag: T, seq: S) -> usize {
        let generation = self.next_generation;
        self.next_generation += 1;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.generations.push(0);
                self.slots.len() - 1
            }
        };
        // Wake-ups before its first poll add nothing: it is queued.
        let member = Arc::new(MemberWaker {
            slot,
            generation,
            notified: AtomicBool::new(true),
            shared: self.shared.clone(),
        });
        self.slots[slot] = Some(Entry {
            tag,
            seq: Box::pin(seq),
            waker: Waker::from(member.clone()),
            member,
            queued: true,
            stopping: false,
        });
        self.generations[slot] = generation;
        self.ready.push_back((slot, generation));
        self.running += 1;
        slot
    }

    /// Tells the member in `slot` to stop: from its next poll on, it is
    /// driven by `poll_stop` until it has returned (or was dropped), and
    /// then reported as [`Event::Stopped`].
    pub(crate) fn stop(&mut self, slot: usize) {
        let generation = self.generations[slot];
        let entry = self.slots[slot].as_mut().expect("a live slot");
        if entry.stopping {
            return;
        }
        entry.stopping = true;
        self.running -= 1;
        self.stopping += 1;
        if !entry.queued {
            entry.queued = true;
            self.ready.push_back((slot, generation));
        }
    }

    /// Tells every member to stop.
    pub(crate) fn stop_all(&mut self) {
        for slot in 0..self.slots.len() {
            if self.slots[slot].is_some() {
                self.stop(slot);
            }
        }
    }

    fn remove(&mut self, slot: usize) -> Entry<T, S> {
        let entry = self.slots[slot].take().expect("a live slot");
        self.free.push(slot);
        if entry.stopping {
            self.stopping -= 1;
        } else {
            self.running -= 1;
        }
        entry
    }

    /// Moves the members woken since the last look onto the ready queue.
    fn enqueue(&mut self, woken: Vec<(usize, u64)>) {
        for (slot, generation) in woken {
            if self.generations[slot] != generation {
                continue;
            }
            if let Some(entry) = self.slots[slot].as_mut() {
                if !entry.queued {
                    entry.queued = true;
                    self.ready.push_back((slot, generation));
                }
            }
        }
    }

    fn take_woken(&mut self) {
        if self.shared.any.load(Ordering::Acquire) {
            let woken = {
                let mut woken = self.shared.lock();
                self.shared.any.store(false, Ordering::Relaxed);
                std::mem::take(&mut woken.members)
            };
            self.enqueue(woken);
        }
    }

    /// Before returning `Pending`: leaves the consumer's waker for the
    /// members' wake-ups, unless some arrived meanwhile (then `true`: they
    /// were queued, look again).
    fn register(&mut self, cx: &mut Context<'_>) -> bool {
        let woken = {
            let mut woken = self.shared.lock();
            if woken.members.is_empty() {
                match &woken.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => woken.waker = Some(cx.waker().clone()),
                }
                return false;
            }
            self.shared.any.store(false, Ordering::Relaxed);
            std::mem::take(&mut woken.members)
        };
        self.enqueue(woken);
        true
    }
}

impl<T, S: Seq> FanIn<T, S> {
    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        self.running_members()
            .map(|(_, _, s)| s.size_hint())
            .fold((0, Some(0)), size_hint::add)
    }

    /// Polls the members that may make progress, each at most once, until
    /// one gives an element or ends. `Ready(None)`: the set is empty.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event<T, S::Item>>> {
        if self.running + self.stopping == 0 {
            return Poll::Ready(None);
        }
        self.take_woken();
        let mut visits = self.running + self.stopping;
        // Members that woke themselves while polled: they yield (tokio's
        // cooperative budget is spent, `yield_now`), and so will the
        // others. Two of them end the poll, as in `FuturesUnordered`.
        let mut yielded = 0;
        loop {
            if self.budget.batch_ended() && !self.ready.is_empty() {
                std::task::ready!(self.budget.spend(cx));
            }
            let Some((slot, generation)) = self.ready.pop_front() else {
                if self.register(cx) {
                    continue;
                }
                return Poll::Pending;
            };
            if self.generations[slot] != generation || self.slots[slot].is_none() {
                continue;
            }
            if visits == 0 {
                // Each member had its turn: let the task go, and come back.
                self.ready.push_front((slot, generation));
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            visits -= 1;
            self.budget.made_progress();
            let entry = self.slots[slot].as_mut().expect("checked above");
            entry.queued = false;
            entry.member.notified.store(false, Ordering::Release);
            let mut member_cx = Context::from_waker(&entry.waker);
            if entry.stopping {
                if entry.seq.as_mut().poll_stop(&mut member_cx).is_ready() {
                    return Poll::Ready(Some(Event::Stopped(self.remove(slot).tag)));
                }
            } else {
                match entry.seq.as_mut().poll_next(&mut member_cx) {
                    Poll::Ready(Some(item)) => {
                        // It may have another at once: its turn comes
                        // again after the others'.
                        entry.queued = true;
                        self.ready.push_back((slot, generation));
                        return Poll::Ready(Some(Event::Item(slot, item)));
                    }
                    Poll::Ready(None) => {
                        return Poll::Ready(Some(Event::Ended(self.remove(slot).tag)));
                    }
                    Poll::Pending => {}
                }
            }
            if entry.member.notified.load(Ordering::Acquire) {
                yielded += 1;
                if yielded == 2 {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
            }
        }
    }

    /// Stops every member, together, and is ready once the set is empty.
    pub(crate) fn poll_stop_all(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.stop_all();
        loop {
            match self.poll_event(cx) {
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Ready(Some(_)) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, S> fmt::Debug for FanIn<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanIn")
            .field("running", &self.running)
            .field("stopping", &self.stopping)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::iter;

    fn noop_cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn a_slot_reused_ignores_the_wake_up_of_its_last_member() {
        let mut set: FanIn<u8, _> = FanIn::with_capacity(1);
        let slot = set.insert(1, iter(vec![1u8]));
        let old = set.slots[slot].as_ref().unwrap().waker.clone();
        let mut cx = noop_cx();
        assert!(matches!(
            set.poll_event(&mut cx),
            Poll::Ready(Some(Event::Item(_, 1)))
        ));
        assert!(matches!(
            set.poll_event(&mut cx),
            Poll::Ready(Some(Event::Ended(1)))
        ));
        let again = set.insert(2, iter(vec![2u8, 3]));
        assert_eq!(again, slot);
        // The old member's waker fires: nothing is queued twice.
        old.wake();
        set.take_woken();
        assert_eq!(set.ready.len(), 1);
        assert!(matches!(
            set.poll_event(&mut cx),
            Poll::Ready(Some(Event::Item(_, 2)))
        ));
        assert_eq!(set.size_hint(), (1, Some(1)));
        assert_eq!(set.running(), 1);
        set.stop_all();
        assert_eq!((set.running(), set.stopping()), (0, 1));
        assert!(set.poll_stop_all(&mut cx).is_ready());
    }
}

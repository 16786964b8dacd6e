//! [`SeqMap`]: a keyed set of sequences, merged by arrival, that changes
//! while it runs.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::hash::Hash;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::seq::Seq;
use crate::seq::engine::fan_in::{Event, FanIn};

/// Merges sequences that are inserted and removed while it runs, and
/// yields each element with the key of its sequence: tokio-stream's
/// `StreamMap`, without its `Unpin` bound.
///
/// `SeqMap<K, S>` is a [`Seq`] of `(K, S::Item)`. Its members are polled
/// concurrently, inline on the consumer's task: no task is spawned, no
/// runtime is needed, and neither `K` nor `S` need be `Send` (the map is
/// `Send` when they are). Each member has a waker of its own, so a poll
/// visits only the members that may make progress: a member is polled when
/// it was just inserted, after it yielded an element, and when it wakes.
/// 10,000 idle members cost nothing per element. Ready members take turns
/// in the order they became ready, so a member that is always ready cannot
/// starve the others. The sequences are boxed (pinned) once, at insertion,
/// so they need not be `Unpin`; the map itself is always `Unpin`.
///
/// **Changing the set.** Between two elements the map can be changed through
/// `&mut`: [`next`](SeqMap::next) takes `&mut self` for that reason (so
/// does the `Seq` impl of `&mut SeqMap`).
/// - [`insert`](SeqMap::insert) adds a sequence under a key; it starts at
///   the next poll. A sequence already under that key is *replaced*: it is
///   stopped, like a removed one, and never yields again.
/// - [`remove`](SeqMap::remove) stops the sequence of a key by the stop
///   rule: its pending `yield_` resolves to `false` and its async cleanup
///   runs; a producer waiting elsewhere (a hung read, a sleep) is dropped
///   at once. Stopping is asynchronous, so `remove` only starts it: the key
///   is gone at once (it can be inserted again), and the following polls
///   of the map drive the stop to its end while they deliver the other
///   members' elements. [`next_event`](SeqMap::next_event) reports its end
///   as [`KeyEvent::Stopped`]; the map does not end (`None`) before every
///   stop has completed. A map dropped before that drops the sequence
///   (Rust cancellation: `Drop` cleanup only, as dropping any sequence).
///
/// **Ends.** A sequence that returns on its own is removed from the map;
/// [`next_event`](SeqMap::next_event) reports it as [`KeyEvent::End`],
/// while [`next`](SeqMap::next) and the `Seq` impl skip the ends and yield
/// elements only. When the map holds no sequence (none was inserted, or all
/// have ended and every stop completed), it yields `None`. Unlike other
/// sequences, it is fused only until something is inserted: inserting
/// makes it yield again, as `StreamMap` does.
///
/// **Stop.** Stopping the map (its `poll_stop`, or any adapter that ends
/// it early) stops every member together, each by the stop rule, and
/// completes once each has returned or was dropped. A stopped map stays
/// stopped: it delivers nothing more, and a sequence inserted into it is
/// stopped before it starts.
///
/// A panic in a member unwinds out of the consumer's poll.
///
/// # Examples
///
/// ```
/// use seqflow::seq::{self, KeyEvent, SeqMap};
/// use seqflow::Seq;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut map = SeqMap::new();
/// map.insert("a", seq::iter(vec![1, 2]).boxed());
/// map.insert("b", seq::iter(vec![10]).boxed());
///
/// let mut got = Vec::new();
/// while let Some((key, event)) = map.next_event().await {
///     if let (KeyEvent::Item(x), true) = (&event, got.is_empty()) {
///         // The set can change between two elements.
///         map.insert("c", seq::iter(vec![*x * 100]).boxed());
///     }
///     got.push((key, event));
/// }
/// got.sort_by_key(|(k, _)| *k); // arrival order across keys is not fixed
/// assert_eq!(
///     got,
///     [
///         ("a", KeyEvent::Item(1)),
///         ("a", KeyEvent::Item(2)),
///         ("a", KeyEvent::End),
///         ("b", KeyEvent::Item(10)),
///         ("b", KeyEvent::End),
///         ("c", KeyEvent::Item(100)),
///         ("c", KeyEvent::End),
///     ]
/// );
/// # }
/// ```
#[doc(alias = "StreamMap")]
#[must_use = "sequences do nothing unless consumed"]
pub struct SeqMap<K, S> {
    set: FanIn<K, S>,
    // The slot of each running member.
    index: HashMap<K, usize>,
    // The map was stopped.
    stopped: bool,
}

/// What [`SeqMap::next_event`] reports about a key.
///
/// # Examples
///
/// ```
/// use seqflow::seq::{self, KeyEvent, SeqMap};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut map = SeqMap::new();
/// map.insert(1, seq::iter(['x']));
/// assert_eq!(map.next_event().await, Some((1, KeyEvent::Item('x'))));
/// assert_eq!(map.next_event().await, Some((1, KeyEvent::End)));
/// assert_eq!(map.next_event().await, None);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyEvent<T> {
    /// The key's sequence yielded this element.
    Item(T),
    /// The key's sequence returned on its own (its cleanup is done); the
    /// key was removed from the map.
    End,
    /// The key's sequence, removed or replaced, has finished its stop: it
    /// heard the stop and returned, or it was dropped where it waited.
    Stopped,
}

// ===== impl SeqMap =====

impl<K, S> SeqMap<K, S> {
    /// An empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{Iter, SeqMap};
    ///
    /// let map: SeqMap<&str, Iter<std::vec::IntoIter<u8>>> = SeqMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty map with room for `capacity` sequences before it
    /// reallocates.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{Iter, SeqMap};
    ///
    /// let map: SeqMap<u32, Iter<std::ops::Range<u8>>> = SeqMap::with_capacity(100);
    /// assert_eq!(map.len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        SeqMap {
            set: FanIn::with_capacity(capacity),
            index: HashMap::with_capacity(capacity),
            stopped: false,
        }
    }

    /// The number of keys, that is, of sequences running (removed
    /// sequences whose stop is under way do not count).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, SeqMap};
    ///
    /// let mut map = SeqMap::new();
    /// map.insert('a', seq::iter([1]));
    /// map.insert('b', seq::iter([2]));
    /// map.remove(&'a');
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.set.running()
    }

    /// Whether the map holds no key (see [`len`](SeqMap::len)).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, SeqMap};
    ///
    /// let mut map = SeqMap::new();
    /// map.insert((), seq::iter([1]));
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of removed or replaced sequences whose stop has not
    /// completed yet; the following polls of the map drive them.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, KeyEvent, SeqMap};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = SeqMap::new();
    /// map.insert("k", seq::iter([1, 2]));
    /// map.remove("k");
    /// assert_eq!((map.len(), map.stopping()), (0, 1));
    /// assert_eq!(map.next_event().await, Some(("k", KeyEvent::Stopped)));
    /// assert_eq!(map.stopping(), 0);
    /// # }
    /// ```
    pub fn stopping(&self) -> usize {
        self.set.stopping()
    }

    /// The keys, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, SeqMap};
    ///
    /// let mut map = SeqMap::new();
    /// map.insert(2, seq::iter([0]));
    /// map.insert(1, seq::iter([0]));
    /// let mut keys: Vec<_> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.set.running_members().map(|(_, k, _)| k)
    }
}

impl<K, S> SeqMap<K, S>
where
    K: Hash + Eq + Clone,
    S: Seq,
{
    /// Adds `seq` under `k`; it starts at the next poll of the map.
    ///
    /// Returns `true` if a sequence was already under `k`: that one is
    /// stopped (as by [`remove`](SeqMap::remove)), never yields again, and
    /// is reported as [`KeyEvent::Stopped`] once its stop completed.
    /// (`StreamMap::insert` hands the old stream back instead; a sequence
    /// handed back half-consumed would be dropped by most callers, and its
    /// async cleanup lost.)
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, KeyEvent, SeqMap};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = SeqMap::new();
    /// assert!(!map.insert("k", seq::iter(vec![1, 2])));
    /// assert_eq!(map.next().await, Some(("k", 1)));
    /// assert!(map.insert("k", seq::iter(vec![7]))); // replaces, and stops, the first
    /// let mut rest = Vec::new();
    /// while let Some(e) = map.next_event().await {
    ///     rest.push(e);
    /// }
    /// rest.sort_by_key(|(_, e)| *e == KeyEvent::Stopped); // when the stop completes is not fixed
    /// assert_eq!(rest, [("k", KeyEvent::Item(7)), ("k", KeyEvent::End), ("k", KeyEvent::Stopped)]);
    /// # }
    /// ```
    pub fn insert(&mut self, k: K, seq: S) -> bool {
        let replaced = match self.index.remove(&k) {
            Some(old) => {
                self.set.stop(old);
                true
            }
            None => false,
        };
        let slot = self.set.insert(k.clone(), seq);
        if self.stopped {
            self.set.stop(slot);
        } else {
            self.index.insert(k, slot);
        }
        replaced
    }

    /// Removes `k` and stops its sequence by the stop rule; returns whether
    /// `k` was in the map.
    ///
    /// The key is gone at once: it no longer counts in
    /// [`len`](SeqMap::len), and it can be inserted again. The stop itself
    /// is driven by the following polls of the map, while they deliver the
    /// other sequences' elements: the removed producer's pending `yield_`
    /// resolves to `false` and its async cleanup runs (a producer waiting
    /// elsewhere is dropped at once). [`next_event`](SeqMap::next_event)
    /// reports [`KeyEvent::Stopped`] when it is over, and the map does not
    /// end before. No element of the removed sequence is delivered after
    /// `remove`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::seq::{self, KeyEvent, SeqMap};
    /// use seqflow::{Seq, Yield};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let closed = Arc::new(Mutex::new(false));
    /// let flag = closed.clone();
    /// let conn = seq::from_fn(move |mut y: Yield<u32>| async move {
    ///     let mut i = 0;
    ///     while y.yield_(i).await {
    ///         i += 1;
    ///     }
    ///     tokio::task::yield_now().await; // async cleanup: close the connection
    ///     *flag.lock().unwrap() = true;
    /// });
    /// let mut map = SeqMap::new();
    /// map.insert("conn", conn.boxed());
    /// assert_eq!(map.next().await, Some(("conn", 0)));
    /// assert!(map.remove("conn"));
    /// assert_eq!(map.next_event().await, Some(("conn", KeyEvent::Stopped)));
    /// assert!(*closed.lock().unwrap());
    /// assert_eq!(map.next().await, None);
    /// # }
    /// ```
    pub fn remove<Q>(&mut self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.index.remove(k) {
            Some(slot) => {
                self.set.stop(slot);
                true
            }
            None => false,
        }
    }

    /// Whether `k` is in the map.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, SeqMap};
    ///
    /// let mut map = SeqMap::new();
    /// map.insert(String::from("a"), seq::iter([1]));
    /// assert!(map.contains_key("a"));
    /// assert!(!map.contains_key("b"));
    /// ```
    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(k)
    }

    /// The next element of any sequence, with its key; `None` once the map
    /// holds no sequence (and every stop has completed).
    ///
    /// Ends of sequences are skipped (see [`next_event`](SeqMap::next_event)).
    /// Takes `&mut self`, so the map can change between two elements.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `next` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is
    /// guaranteed that no element was lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, SeqMap};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = SeqMap::new();
    /// map.insert("only", seq::iter([1, 2]));
    /// assert_eq!(map.next().await, Some(("only", 1)));
    /// assert_eq!(map.next().await, Some(("only", 2)));
    /// assert_eq!(map.next().await, None);
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<(K, S::Item)> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The next event of any key: an element, the end of a sequence that
    /// returned on its own, or the completed stop of a removed or replaced
    /// one; `None` once the map holds no sequence.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `next_event` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is
    /// guaranteed that no event was lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::seq::{self, KeyEvent, SeqMap};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = SeqMap::new();
    /// map.insert("a", seq::iter(vec![1]));
    /// assert_eq!(map.next_event().await, Some(("a", KeyEvent::Item(1))));
    /// assert_eq!(map.next_event().await, Some(("a", KeyEvent::End)));
    /// assert_eq!(map.next_event().await, None);
    /// # }
    /// ```
    pub async fn next_event(&mut self) -> Option<(K, KeyEvent<S::Item>)> {
        poll_fn(|cx| self.poll_next_event(cx)).await
    }

    /// Polls for the next event, as [`next_event`](SeqMap::next_event)
    /// awaits it: for hand-written futures and sequences.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use seqflow::seq::{self, KeyEvent, SeqMap};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut map = SeqMap::new();
    /// map.insert(0, seq::iter([5]));
    /// let first = poll_fn(|cx| map.poll_next_event(cx)).await;
    /// assert_eq!(first, Some((0, KeyEvent::Item(5))));
    /// # }
    /// ```
    pub fn poll_next_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(K, KeyEvent<S::Item>)>> {
        let event = std::task::ready!(self.set.poll_event(cx));
        Poll::Ready(event.map(|event| match event {
            Event::Item(slot, item) => (self.set.tag(slot).clone(), KeyEvent::Item(item)),
            Event::Ended(k) => {
                self.index.remove(&k);
                (k, KeyEvent::End)
            }
            Event::Stopped(k) => (k, KeyEvent::Stopped),
        }))
    }
}

impl<K, S> Default for SeqMap<K, S> {
    fn default() -> Self {
        Self::new()
    }
}

// The sequences are pinned in their own boxes; nothing else is pinned.
impl<K, S> Unpin for SeqMap<K, S> {}

impl<K, S> Seq for SeqMap<K, S>
where
    K: Hash + Eq + Clone,
    S: Seq,
{
    type Item = (K, S::Item);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(K, S::Item)>> {
        let this = self.get_mut();
        loop {
            match std::task::ready!(this.poll_next_event(cx)) {
                Some((k, KeyEvent::Item(item))) => return Poll::Ready(Some((k, item))),
                Some((_, KeyEvent::End | KeyEvent::Stopped)) => {}
                None => return Poll::Ready(None),
            }
        }
    }

    /// Stops every sequence together; ready once all have returned (or
    /// were dropped).
    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.stopped = true;
        this.index.clear();
        this.set.poll_stop_all(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.set.size_hint()
    }
}

impl<K: fmt::Debug, S> fmt::Debug for SeqMap<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqMap")
            .field("keys", &self.keys().collect::<Vec<_>>())
            .field("stopping", &self.stopping())
            .field("stopped", &self.stopped)
            .finish()
    }
}

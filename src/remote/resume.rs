//! [`resume`]: re-create a broken source from the last position it
//! delivered.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::remote::retry::{Backoff, BackoffSleep, Decision, RetryPolicy};
use crate::seq::Seq;

/// The default "position gone" test of a [`Resume`]: never.
type NeverGone<E> = fn(&E) -> bool;

/// Keeps a remote source going across failures: when the source breaks, a
/// new one is made from the last position it delivered, after a backoff.
///
/// This is the watch loop of etcd and Kubernetes clients and of
/// Kafka-style consumers, with its two classic failures designed out:
/// errors are never swallowed into a silent reconnect spin, and a position
/// the server has forgotten leads to a resynchronisation instead of an
/// endless retry.
///
/// - `make(from)` creates the source, a fallible sequence, starting after
///   position `from`; `from` is `None` the first time (unless
///   [`start_at`](Resume::start_at) was used) and after a resync.
/// - `position(&item)` tells which position an item marks, if any (an
///   event's revision, a message's offset). The last one delivered is where
///   the next source starts.
/// - `policy` spaces the reconnections: its backoff runs between attempts,
///   its [`max_attempts`](RetryPolicy::max_attempts) bounds the
///   consecutive failed connections (the count resets with every item
///   delivered), its [`retry_if`](RetryPolicy::retry_if) says which errors
///   are worth a reconnection, and its token cancels the wait.
///
/// The rules:
///
/// 1. Every `Ok` item of the source is delivered, in order; its position,
///    if it has one, becomes the resume point.
/// 2. An `Err` from the source means the source is broken. The error is
///    delivered as an element, so the consumer sees trouble as it happens.
///    Then the source is stopped (its cleanup runs), the policy's backoff
///    runs, and `make` is called again with the resume point.
/// 3. When [`resync_when`](Resume::resync_when) says an error means the
///    position is gone (etcd's "required revision has been compacted",
///    Kafka's offset out of range, an HTTP 410 Gone), the resume point is
///    dropped and the next source is made with `None`: from scratch. For a
///    list-then-watch source, that is a fresh list (a new snapshot) and a
///    watch from its revision; the source should mark the start of a
///    snapshot (a "reset" item) so that the consumer replaces its state
///    rather than merging into it. A gone error is always worth a resync,
///    whatever `retry_if` says, within the attempt budget.
/// 4. The sequence ends when the source ends (`None`), after an error the
///    policy does not retry, when the attempt budget is spent, or when the
///    policy's token is cancelled during a backoff. In each case the last
///    error, if any, has already been delivered.
/// 5. When the consumer stops, the current source is stopped (its cleanup
///    runs) and no new one is made.
///
/// Positions must be monotonic in the source's order for "no loss, no
/// duplicate" to hold: the source made with `Some(p)` must deliver exactly
/// the items after `p`.
///
/// Item type is `Result<T, E>`, the source's own. This sequence is
/// *fused*.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use seqflow::{seq, RetryPolicy, Seq, Yield};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // A log of revisions 1..=6; each connection breaks after two events.
/// let connections = Arc::new(Mutex::new(Vec::new()));
/// let watch = {
///     let connections = connections.clone();
///     move |from: Option<u64>| {
///         connections.lock().unwrap().push(from);
///         seq::try_from_fn(move |mut y: Yield<u64>| async move {
///             let start = from.map_or(1, |rev| rev + 1);
///             for rev in (start..=6).take(2) {
///                 if !y.yield_(rev).await { return Ok(()); }
///             }
///             if start + 2 <= 6 { Err("connection reset") } else { Ok(()) }
///         })
///     }
/// };
/// let events = seq::resume(watch, |rev: &u64| Some(*rev), RetryPolicy::new());
/// assert_eq!(
///     events.collect::<Vec<_>>().await,
///     [Ok(1), Ok(2), Err("connection reset"), Ok(3), Ok(4), Err("connection reset"), Ok(5), Ok(6)]
/// );
/// assert_eq!(*connections.lock().unwrap(), [None, Some(2), Some(4)]);
/// # }
/// ```
pub fn resume<T, E, Pos, S, M, P>(
    make: M,
    position: P,
    policy: RetryPolicy<E>,
) -> Resume<M, P, S, Pos, E, NeverGone<E>>
where
    M: FnMut(Option<Pos>) -> S,
    S: Seq<Item = Result<T, E>>,
    P: FnMut(&T) -> Option<Pos>,
    Pos: Clone,
{
    Resume {
        make,
        position,
        policy,
        gone: None,
        from: None,
        backoff: Backoff::new(),
        phase: Phase::Connect,
        sleep: None,
        source: None,
    }
}

/// Where a [`Resume`] is.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Make a source on the next poll.
    Connect,
    /// Deliver the source's items.
    Streaming,
    /// Stop the broken source, then go on as decided.
    Closing(Next),
    /// The backoff before the next source.
    Sleeping,
    /// Ended.
    Done,
}

/// What follows a broken source.
#[derive(Debug, Clone, Copy)]
enum Next {
    Reconnect { delay: Duration, resync: bool },
    End,
}

pin_project! {
    /// Sequence returned by [`resume`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Resume<M, P, S, Pos, E, G> {
        make: M,
        position: P,
        policy: RetryPolicy<E>,
        gone: Option<G>,
        // The resume point: the last position delivered.
        from: Option<Pos>,
        backoff: Backoff,
        phase: Phase,
        sleep: Option<BackoffSleep>,
        #[pin]
        source: Option<S>,
    }
}

impl<M, P, S, Pos, E, G> Resume<M, P, S, Pos, E, G> {
    /// Makes the first source from `position` instead of from scratch:
    /// resume a watch from a saved revision, or start it at the revision of
    /// a list made before.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, RetryPolicy, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let log = |from: Option<u32>| seq::iter((from.map_or(0, |p| p + 1)..5).map(Ok::<_, ()>));
    /// let tail = seq::resume(log, |p: &u32| Some(*p), RetryPolicy::new()).start_at(2);
    /// assert_eq!(tail.try_collect::<Vec<_>>().await, Ok(vec![3, 4]));
    /// # }
    /// ```
    pub fn start_at(mut self, position: Pos) -> Self {
        self.from = Some(position);
        self
    }

    /// Says which errors mean "the position is gone" (compacted, expired,
    /// out of range): after one, the next source is made with `None`, from
    /// scratch (as [`resume`] explains).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, RetryPolicy, Seq, Yield};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum WatchError { Compacted }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // Revisions before 10 are compacted away; from scratch, the source
    /// // lists a snapshot (revision 10) and then watches.
    /// let source = |from: Option<u64>| seq::try_from_fn(move |mut y: Yield<String>| async move {
    ///     match from {
    ///         Some(rev) if rev < 10 => Err(WatchError::Compacted),
    ///         Some(_) => Ok(()),
    ///         None => {
    ///             y.yield_("reset".to_owned()).await;
    ///             y.yield_("snapshot@10".to_owned()).await;
    ///             Ok(())
    ///         }
    ///     }
    /// });
    /// let position = |item: &String| item.strip_prefix("snapshot@").map(|r| r.parse().unwrap());
    /// let events = seq::resume(source, position, RetryPolicy::new())
    ///     .start_at(3)
    ///     .resync_when(|e: &WatchError| *e == WatchError::Compacted);
    /// assert_eq!(
    ///     events.collect::<Vec<_>>().await,
    ///     [Err(WatchError::Compacted), Ok("reset".to_owned()), Ok("snapshot@10".to_owned())]
    /// );
    /// # }
    /// ```
    pub fn resync_when<G2>(self, gone: G2) -> Resume<M, P, S, Pos, E, G2>
    where
        G2: FnMut(&E) -> bool,
    {
        Resume {
            make: self.make,
            position: self.position,
            policy: self.policy,
            gone: Some(gone),
            from: self.from,
            backoff: self.backoff,
            phase: self.phase,
            sleep: self.sleep,
            source: self.source,
        }
    }

    /// The resume point: the last position delivered (or the start
    /// position), `None` for "from scratch".
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, RetryPolicy};
    ///
    /// let log = |_: Option<u32>| seq::iter(vec![Ok::<u32, ()>(1)]);
    /// let r = seq::resume(log, |p: &u32| Some(*p), RetryPolicy::new()).start_at(7);
    /// assert_eq!(r.position(), Some(&7));
    /// ```
    pub fn position(&self) -> Option<&Pos> {
        self.from.as_ref()
    }
}

impl<T, E, M, P, S, Pos, G> Seq for Resume<M, P, S, Pos, E, G>
where
    M: FnMut(Option<Pos>) -> S,
    S: Seq<Item = Result<T, E>>,
    P: FnMut(&T) -> Option<Pos>,
    Pos: Clone,
    G: FnMut(&E) -> bool,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match *this.phase {
                Phase::Connect => {
                    let source = (this.make)(this.from.clone());
                    this.source.set(Some(source));
                    *this.phase = Phase::Streaming;
                }
                Phase::Streaming => {
                    let source = this
                        .source
                        .as_mut()
                        .as_pin_mut()
                        .expect("streaming a source");
                    match ready!(source.poll_next(cx)) {
                        Some(Ok(item)) => {
                            if let Some(pos) = (this.position)(&item) {
                                *this.from = Some(pos);
                            }
                            this.backoff.reset();
                            return Poll::Ready(Some(Ok(item)));
                        }
                        Some(Err(error)) => {
                            this.backoff.attempts += 1;
                            let gone = this.gone.as_mut().is_some_and(|gone| gone(&error));
                            let retryable = gone || this.policy.is_retryable(&error);
                            let next = match this.policy.decide_retryable(this.backoff, retryable) {
                                Decision::Retry(delay) => Next::Reconnect {
                                    delay,
                                    resync: gone,
                                },
                                Decision::Rejected | Decision::Exhausted | Decision::Cancelled => {
                                    Next::End
                                }
                            };
                            *this.phase = Phase::Closing(next);
                            return Poll::Ready(Some(Err(error)));
                        }
                        None => {
                            // A source that ends cleanly is finished, not broken.
                            this.source.set(None);
                            *this.phase = Phase::Done;
                            return Poll::Ready(None);
                        }
                    }
                }
                Phase::Closing(next) => {
                    if let Some(source) = this.source.as_mut().as_pin_mut() {
                        ready!(source.poll_stop(cx));
                    }
                    this.source.set(None);
                    match next {
                        Next::Reconnect { delay, resync } => {
                            if resync {
                                *this.from = None;
                            }
                            *this.sleep = Some(this.policy.sleep(delay));
                            *this.phase = Phase::Sleeping;
                        }
                        Next::End => {
                            *this.phase = Phase::Done;
                            return Poll::Ready(None);
                        }
                    }
                }
                Phase::Sleeping => {
                    let sleep = this.sleep.as_mut().expect("sleeping between sources");
                    let slept = ready!(sleep.as_mut().poll(cx));
                    *this.sleep = None;
                    if !slept {
                        *this.phase = Phase::Done;
                        return Poll::Ready(None);
                    }
                    *this.phase = Phase::Connect;
                }
                Phase::Done => return Poll::Ready(None),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        *this.sleep = None;
        if let Some(source) = this.source.as_mut().as_pin_mut() {
            ready!(source.poll_stop(cx));
        }
        this.source.set(None);
        *this.phase = Phase::Done;
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.phase {
            Phase::Done => (0, Some(0)),
            _ => (0, None),
        }
    }
}

impl<M, P, S, Pos: fmt::Debug, E, G> fmt::Debug for Resume<M, P, S, Pos, E, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Connect => "connecting",
            Phase::Streaming => "streaming",
            Phase::Closing(_) => "closing a broken source",
            Phase::Sleeping => "waiting to reconnect",
            Phase::Done => "done",
        };
        f.debug_struct("Resume")
            .field("phase", &phase)
            .field("position", &self.from)
            .field("failed_attempts", &self.backoff.attempts)
            .field("policy", &self.policy)
            .finish()
    }
}

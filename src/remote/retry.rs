//! [`RetryPolicy`]: exponential backoff with a cap, full jitter and a
//! bounded, resetting attempt budget; [`RetryError`]: why a retried
//! operation gave up.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

type Predicate<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;
type SleepFn = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

// ===== impl RetryPolicy =====

/// How a remote source retries a failed request: exponential backoff with a
/// cap, full jitter, a bounded number of attempts, a retryable-error
/// predicate, and cancellation of the backoff sleep.
///
/// The policy is a plain, cloneable value. It is used by
/// [`Paginate::retry`](crate::seq::Paginate::retry) (each page request is
/// retried), by the [`Pager`](crate::Pager) built from such a walk, and by
/// [`seq::resume`](crate::seq::resume) (each reconnection is an attempt).
///
/// # The schedule
///
/// The `n`-th retry (counting from 1) waits for a random duration between
/// zero and its *ceiling*,
/// `min(max_delay, initial_delay * multiplier^(n - 1))`
/// ([`delay_ceiling`](RetryPolicy::delay_ceiling)). That is "full jitter":
/// clients that failed together do not retry together. With
/// [`no_jitter`](RetryPolicy::no_jitter) each retry waits exactly its
/// ceiling.
///
/// # The attempt budget resets after a success
///
/// [`max_attempts`](RetryPolicy::max_attempts) bounds the *consecutive*
/// failed attempts of one operation (one page request, one reconnection),
/// counting the first try. The count, and with it the backoff, starts over
/// after every success: a walk over a thousand pages with a budget of five
/// survives a thousand transient failures as long as no single page fails
/// five times in a row. (A counter that never resets turns a long-lived
/// consumer's occasional hiccups into a guaranteed failure.)
///
/// # Which errors are retried
///
/// Every error, unless [`retry_if`](RetryPolicy::retry_if) says otherwise.
/// An error the predicate rejects ends the operation at once.
///
/// # Cancellation
///
/// With [`cancel_on(token)`](RetryPolicy::cancel_on), cancelling the token
/// interrupts a backoff sleep at once, and no further attempt is made; the
/// operation ends with [`RetryError::Cancelled`]. A request already in
/// flight is not interrupted by the policy (use the sequence's own
/// cancellation for that).
///
/// # Randomness and time
///
/// The jitter comes from a small SplitMix64 generator owned by each walk,
/// seeded from the standard library's per-process random hasher keys.
/// [`jitter_seed`](RetryPolicy::jitter_seed) fixes the seed for
/// reproducible schedules; [`sleep_with`](RetryPolicy::sleep_with) replaces
/// `tokio::time::sleep`, so tests can record the delays the policy computed
/// or run them on a virtual clock.
///
/// # Panics
///
/// The builder methods check their arguments and panic, at the caller's
/// location, on a zero attempt budget or a multiplier below 1.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use seqflow::RetryPolicy;
///
/// #[derive(Debug)]
/// enum ApiError { Unavailable, NotFound }
///
/// let policy = RetryPolicy::new()
///     .initial_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(2))
///     .max_attempts(6)
///     .retry_if(|e: &ApiError| matches!(e, ApiError::Unavailable));
///
/// // 100 ms, 200 ms, 400 ms, ... capped at 2 s.
/// assert_eq!(policy.delay_ceiling(1), Duration::from_millis(100));
/// assert_eq!(policy.delay_ceiling(3), Duration::from_millis(400));
/// assert_eq!(policy.delay_ceiling(10), Duration::from_secs(2));
/// assert!(policy.is_retryable(&ApiError::Unavailable));
/// assert!(!policy.is_retryable(&ApiError::NotFound));
/// ```
pub struct RetryPolicy<E> {
    initial: Duration,
    max_delay: Duration,
    multiplier: f64,
    max_attempts: Option<u32>,
    jitter: bool,
    seed: Option<u64>,
    retryable: Option<Predicate<E>>,
    cancel: Option<CancellationToken>,
    sleep: Option<SleepFn>,
}

impl<E> RetryPolicy<E> {
    /// The default policy: first retry after up to 100 ms, doubling, capped
    /// at 10 s, at most 5 attempts per operation, full jitter, every error
    /// retryable, no cancellation token, `tokio::time::sleep`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<std::io::Error>::new();
    /// assert_eq!(p.get_max_attempts(), Some(5));
    /// assert_eq!(p.delay_ceiling(1), Duration::from_millis(100));
    /// assert_eq!(p.delay_ceiling(2), Duration::from_millis(200));
    /// assert_eq!(p.delay_ceiling(30), Duration::from_secs(10));
    /// ```
    pub fn new() -> Self {
        RetryPolicy {
            initial: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            multiplier: 2.0,
            max_attempts: Some(5),
            jitter: true,
            seed: None,
            retryable: None,
            cancel: None,
            sleep: None,
        }
    }

    /// Sets the ceiling of the first retry's delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().initial_delay(Duration::from_secs(1));
    /// assert_eq!(p.delay_ceiling(2), Duration::from_secs(2));
    /// ```
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// Caps every retry's delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().max_delay(Duration::from_millis(250));
    /// assert_eq!(p.delay_ceiling(3), Duration::from_millis(250));
    /// ```
    pub fn max_delay(mut self, cap: Duration) -> Self {
        self.max_delay = cap;
        self
    }

    /// Sets the factor by which each retry's ceiling grows (2 by default).
    ///
    /// # Panics
    ///
    /// Panics if `factor` is below 1 or not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().multiplier(3.0);
    /// assert_eq!(p.delay_ceiling(3), Duration::from_millis(900));
    /// ```
    ///
    /// ```should_panic
    /// seqflow::RetryPolicy::<()>::new().multiplier(0.5);
    /// ```
    #[track_caller]
    pub fn multiplier(mut self, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor >= 1.0,
            "`multiplier` factor must be finite and at least 1"
        );
        self.multiplier = factor;
        self
    }

    /// Bounds the consecutive failed attempts of one operation, the first
    /// try included; the count resets after each success.
    ///
    /// `max_attempts(1)` never retries.
    ///
    /// # Panics
    ///
    /// Panics if `attempts` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::<()>::new().max_attempts(3).get_max_attempts(), Some(3));
    /// ```
    ///
    /// ```should_panic
    /// seqflow::RetryPolicy::<()>::new().max_attempts(0);
    /// ```
    #[track_caller]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        assert!(attempts > 0, "`max_attempts` attempts must be non-zero");
        self.max_attempts = Some(attempts);
        self
    }

    /// Removes the bound on consecutive attempts: the operation is retried
    /// until it succeeds, the error is not retryable, or the policy's token
    /// is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::<()>::new().unlimited_attempts().get_max_attempts(), None);
    /// ```
    pub fn unlimited_attempts(mut self) -> Self {
        self.max_attempts = None;
        self
    }

    /// Waits exactly each retry's ceiling instead of a random part of it.
    ///
    /// Useful for a single client, and for tests; many clients failing
    /// together should keep the jitter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().no_jitter();
    /// assert_eq!(p.delays().take(3).collect::<Vec<_>>(), [
    ///     Duration::from_millis(100),
    ///     Duration::from_millis(200),
    ///     Duration::from_millis(400),
    /// ]);
    /// ```
    pub fn no_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// Seeds the jitter generator, so that every walk using this policy
    /// draws the same delays.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().jitter_seed(7);
    /// let a: Vec<_> = p.delays().take(4).collect();
    /// let b: Vec<_> = p.delays().take(4).collect();
    /// assert_eq!(a, b);
    /// assert!(a.iter().zip(1..).all(|(d, n)| *d <= p.delay_ceiling(n)));
    /// ```
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Retries only the errors for which `pred` returns `true`; any other
    /// error ends the operation at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::new().retry_if(|status: &u16| *status == 503 || *status == 429);
    /// assert!(p.is_retryable(&503));
    /// assert!(!p.is_retryable(&404));
    /// ```
    pub fn retry_if<P>(mut self, pred: P) -> Self
    where
        P: Fn(&E) -> bool + Send + Sync + 'static,
    {
        self.retryable = Some(Arc::new(pred));
        self
    }

    /// Interrupts backoff sleeps, and prevents further attempts, once
    /// `token` is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_util::sync::CancellationToken;
    /// use seqflow::RetryPolicy;
    ///
    /// let token = CancellationToken::new();
    /// let p = RetryPolicy::<()>::new().cancel_on(token.clone());
    /// assert!(!p.is_cancelled());
    /// token.cancel();
    /// assert!(p.is_cancelled());
    /// ```
    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Replaces `tokio::time::sleep` for the backoff waits.
    ///
    /// `sleep(delay)` is called once per retry with the delay the policy
    /// computed. Tests use it to record the schedule, or to wait on a clock
    /// of their own; cancellation through [`cancel_on`](RetryPolicy::cancel_on)
    /// still interrupts it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use seqflow::{seq, Page, PageRequest, RetryPolicy, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let waited = Arc::new(Mutex::new(Vec::new()));
    /// let policy = RetryPolicy::new().no_jitter().sleep_with({
    ///     let waited = waited.clone();
    ///     move |d| {
    ///         waited.lock().unwrap().push(d);
    ///         async {} // do not really wait
    ///     }
    /// });
    /// let mut failures = 2;
    /// let items = seq::paginate(move |_req: PageRequest<()>| {
    ///     let fail = failures > 0;
    ///     failures -= 1;
    ///     async move {
    ///         if fail { Err("busy") } else { Ok(Page::new(vec![1, 2], None)) }
    ///     }
    /// })
    /// .retry(policy);
    /// assert_eq!(items.try_collect::<Vec<_>>().await.unwrap(), [1, 2]);
    /// assert_eq!(*waited.lock().unwrap(), [Duration::from_millis(100), Duration::from_millis(200)]);
    /// # }
    /// ```
    pub fn sleep_with<F, Fut>(mut self, sleep: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sleep = Some(Arc::new(move |d| Box::pin(sleep(d))));
        self
    }

    // ----- accessors -----

    /// The ceiling of the `retry`-th retry's delay (counting from 1):
    /// `min(max_delay, initial_delay * multiplier^(retry - 1))`. Retry 0
    /// (the first try) has no delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new().initial_delay(Duration::from_millis(10));
    /// assert_eq!(p.delay_ceiling(0), Duration::ZERO);
    /// assert_eq!(p.delay_ceiling(4), Duration::from_millis(80));
    /// assert_eq!(p.delay_ceiling(u32::MAX), Duration::from_secs(10));
    /// ```
    pub fn delay_ceiling(&self, retry: u32) -> Duration {
        if retry == 0 {
            return Duration::ZERO;
        }
        let exp = i32::try_from(retry - 1).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.multiplier.powi(exp);
        if !secs.is_finite() || secs >= self.max_delay.as_secs_f64() {
            self.max_delay
        } else {
            Duration::from_secs_f64(secs)
        }
    }

    /// The delays of successive retries as this policy would draw them for
    /// one operation, jitter included: an endless iterator (the attempt
    /// budget is not applied).
    ///
    /// Each call starts a fresh generator: with
    /// [`jitter_seed`](RetryPolicy::jitter_seed) every call yields the same
    /// delays, without it each call yields different ones.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// let p = RetryPolicy::<()>::new();
    /// for (n, d) in (1..).zip(p.delays().take(8)) {
    ///     assert!(d <= p.delay_ceiling(n));
    /// }
    /// ```
    pub fn delays(&self) -> impl Iterator<Item = Duration> + '_ {
        let mut backoff = Backoff::new();
        std::iter::from_fn(move || {
            backoff.attempts += 1;
            Some(backoff.delay(self))
        })
    }

    /// The bound on consecutive attempts, `None` if unlimited.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::<()>::new().max_attempts(2).get_max_attempts(), Some(2));
    /// ```
    pub fn get_max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// Whether the policy retries `error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// assert!(RetryPolicy::new().is_retryable(&"anything"));
    /// ```
    pub fn is_retryable(&self, error: &E) -> bool {
        self.retryable.as_ref().is_none_or(|p| p(error))
    }

    /// Whether the policy's cancellation token has been cancelled (`false`
    /// without a token).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryPolicy;
    ///
    /// assert!(!RetryPolicy::<()>::new().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(CancellationToken::is_cancelled)
    }

    // ----- the machinery shared by the remote sources -----

    /// What to do after the `attempts`-th consecutive failure with `error`.
    pub(crate) fn decide(&self, backoff: &mut Backoff, error: &E) -> Decision {
        self.decide_retryable(backoff, self.is_retryable(error))
    }

    /// As [`decide`](Self::decide), for an error already judged.
    pub(crate) fn decide_retryable(&self, backoff: &mut Backoff, retryable: bool) -> Decision {
        if !retryable {
            return Decision::Rejected;
        }
        if self.max_attempts.is_some_and(|max| backoff.attempts >= max) {
            return Decision::Exhausted;
        }
        if self.is_cancelled() {
            return Decision::Cancelled;
        }
        Decision::Retry(backoff.delay(self))
    }

    /// The backoff sleep: resolves to `true` after `delay`, or to `false`
    /// as soon as the policy's token is cancelled.
    pub(crate) fn sleep(&self, delay: Duration) -> BackoffSleep {
        let sleep: BoxFuture<'static, ()> = match &self.sleep {
            Some(sleep) => sleep(delay),
            None => Box::pin(tokio::time::sleep(delay)),
        };
        let cancel = self.cancel.clone();
        Box::pin(async move {
            match cancel {
                None => {
                    sleep.await;
                    true
                }
                // Biased towards cancellation: a cancelled token means no
                // further request, even if the sleep ended at the same time.
                Some(token) => {
                    token.run_until_cancelled(sleep).await.is_some() && !token.is_cancelled()
                }
            }
        })
    }
}

impl<E> Default for RetryPolicy<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Clone for RetryPolicy<E> {
    fn clone(&self) -> Self {
        RetryPolicy {
            initial: self.initial,
            max_delay: self.max_delay,
            multiplier: self.multiplier,
            max_attempts: self.max_attempts,
            jitter: self.jitter,
            seed: self.seed,
            retryable: self.retryable.clone(),
            cancel: self.cancel.clone(),
            sleep: self.sleep.clone(),
        }
    }
}

impl<E> fmt::Debug for RetryPolicy<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("initial_delay", &self.initial)
            .field("max_delay", &self.max_delay)
            .field("multiplier", &self.multiplier)
            .field("max_attempts", &self.max_attempts)
            .field("jitter", &self.jitter)
            .field("jitter_seed", &self.seed)
            .field("has_retry_if", &self.retryable.is_some())
            .field("cancelled", &self.cancel.as_ref().map(|t| t.is_cancelled()))
            .field("custom_sleep", &self.sleep.is_some())
            .finish()
    }
}

// ===== the backoff state of one operation =====

/// A policy's verdict on a failed attempt.
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// The policy does not retry this error.
    Rejected,
    /// The attempt budget is spent.
    Exhausted,
    /// The policy's token is cancelled.
    Cancelled,
}

/// The sleep between two attempts.
pub(crate) type BackoffSleep = Pin<Box<dyn Future<Output = bool> + Send>>;

/// The consecutive failures of one operation and the jitter generator of
/// one walk.
#[derive(Debug, Clone, Default)]
pub(crate) struct Backoff {
    /// Failed attempts since the last success.
    pub(crate) attempts: u32,
    // SplitMix64 state; seeded on the first draw.
    rng: Option<u64>,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff::default()
    }

    /// A success: the budget and the backoff start over.
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }

    /// The delay before the retry that follows failure number `attempts`.
    fn delay<E>(&mut self, policy: &RetryPolicy<E>) -> Duration {
        let ceiling = policy.delay_ceiling(self.attempts);
        if !policy.jitter {
            return ceiling;
        }
        let state = self
            .rng
            .get_or_insert_with(|| policy.seed.unwrap_or_else(random_seed));
        ceiling.mul_f64(unit_interval(splitmix64(state)))
    }
}

/// A seed from the standard library's randomly keyed hasher (fresh keys per
/// `RandomState`), so no random-number dependency is needed.
fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator, plenty for jitter.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Maps 64 random bits to `[0, 1]` (53 bits of precision).
fn unit_interval(bits: u64) -> f64 {
    const MAX: u64 = (1 << 53) - 1;
    // Both values are below 2^53, so the conversions are exact.
    #[allow(clippy::cast_precision_loss)] // exact: see above
    let unit = (bits >> 11) as f64 / MAX as f64;
    unit
}

// ===== impl RetryError =====

/// Why a retried remote operation gave up: the last error of the caller's
/// own type, with the number of attempts made and the page token (or
/// position) the failing request was for.
///
/// It is generic over the caller's error `E` rather than a variant of
/// [`seqflow::Error`](crate::Error): a walk that gives up on a page must
/// hand back the caller's own error, matchable without downcasting, and the
/// token to resume from, which is of the caller's type too. The reasons the
/// library adds (attempts exhausted, cancelled) are the variants.
///
/// # Examples
///
/// ```
/// use seqflow::RetryError;
///
/// let e: RetryError<&str, u32> = RetryError::Exhausted {
///     error: "503 service unavailable",
///     attempts: 4,
///     token: Some(7),
/// };
/// assert_eq!(e.to_string(), "gave up after 4 attempts: 503 service unavailable");
/// assert_eq!(e.attempts(), 4);
/// assert_eq!(e.token(), Some(&7));
/// assert_eq!(e.into_error(), "503 service unavailable");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryError<E, Tok> {
    /// Every attempt the policy allows failed.
    #[error("gave up after {attempts} attempts: {error}")]
    Exhausted {
        /// The last attempt's error.
        error: E,
        /// The attempts made, the first try included.
        attempts: u32,
        /// The token of the failing request (`None`: the first page).
        token: Option<Tok>,
    },
    /// The policy does not retry this error (see
    /// [`RetryPolicy::retry_if`]).
    #[error("non-retryable error on attempt {attempts}: {error}")]
    Rejected {
        /// The error.
        error: E,
        /// The attempts made, the first try included.
        attempts: u32,
        /// The token of the failing request (`None`: the first page).
        token: Option<Tok>,
    },
    /// The policy's cancellation token was cancelled while the operation
    /// waited to retry.
    #[error("cancelled while retrying after {attempts} attempts: {error}")]
    Cancelled {
        /// The last attempt's error.
        error: E,
        /// The attempts made, the first try included.
        attempts: u32,
        /// The token of the failing request (`None`: the first page).
        token: Option<Tok>,
    },
}

impl<E, Tok> RetryError<E, Tok> {
    pub(crate) fn new(decision: &Decision, error: E, attempts: u32, token: Option<Tok>) -> Self {
        match decision {
            Decision::Exhausted => RetryError::Exhausted {
                error,
                attempts,
                token,
            },
            Decision::Cancelled | Decision::Retry(_) => RetryError::Cancelled {
                error,
                attempts,
                token,
            },
            Decision::Rejected => RetryError::Rejected {
                error,
                attempts,
                token,
            },
        }
    }

    /// The last error of the operation.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryError;
    ///
    /// let e = RetryError::Rejected { error: 404, attempts: 1, token: None::<String> };
    /// assert_eq!(*e.error(), 404);
    /// ```
    pub fn error(&self) -> &E {
        match self {
            RetryError::Exhausted { error, .. }
            | RetryError::Rejected { error, .. }
            | RetryError::Cancelled { error, .. } => error,
        }
    }

    /// Takes the last error of the operation.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryError;
    ///
    /// let e = RetryError::Cancelled { error: "busy", attempts: 2, token: Some(3u64) };
    /// assert_eq!(e.into_error(), "busy");
    /// ```
    pub fn into_error(self) -> E {
        match self {
            RetryError::Exhausted { error, .. }
            | RetryError::Rejected { error, .. }
            | RetryError::Cancelled { error, .. } => error,
        }
    }

    /// How many attempts were made, the first try included.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryError;
    ///
    /// let e = RetryError::Exhausted { error: (), attempts: 5, token: Some("p3") };
    /// assert_eq!(e.attempts(), 5);
    /// ```
    pub fn attempts(&self) -> u32 {
        match self {
            RetryError::Exhausted { attempts, .. }
            | RetryError::Rejected { attempts, .. }
            | RetryError::Cancelled { attempts, .. } => *attempts,
        }
    }

    /// The page token (or position) of the failing request: pass it to
    /// [`Paginate::start_at`](crate::seq::Paginate::start_at) to resume
    /// there. `None` for the first page.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryError;
    ///
    /// let e = RetryError::Exhausted { error: (), attempts: 5, token: Some("p3") };
    /// assert_eq!(e.token(), Some(&"p3"));
    /// ```
    pub fn token(&self) -> Option<&Tok> {
        match self {
            RetryError::Exhausted { token, .. }
            | RetryError::Rejected { token, .. }
            | RetryError::Cancelled { token, .. } => token.as_ref(),
        }
    }

    /// Whether the operation ended because the policy's token was
    /// cancelled; [`seqflow::Error::Cancelled`](crate::Error::Cancelled)
    /// in the crate's own terms.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::RetryError;
    ///
    /// let e = RetryError::Cancelled { error: (), attempts: 1, token: None::<u8> };
    /// assert!(e.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, RetryError::Cancelled { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_interval_covers_both_ends() {
        assert_eq!(unit_interval(0), 0.0);
        assert_eq!(unit_interval(u64::MAX), 1.0);
    }

    #[test]
    fn splitmix_is_not_stuck() {
        let mut s = 0;
        let a = splitmix64(&mut s);
        let b = splitmix64(&mut s);
        assert_ne!(a, b);
    }

    #[test]
    fn decide_counts_against_the_budget() {
        let p = RetryPolicy::<()>::new().max_attempts(2).no_jitter();
        let mut b = Backoff::new();
        b.attempts = 1;
        assert!(matches!(p.decide(&mut b, &()), Decision::Retry(d) if d == p.delay_ceiling(1)));
        b.attempts = 2;
        assert!(matches!(p.decide(&mut b, &()), Decision::Exhausted));
        b.reset();
        assert_eq!(b.attempts, 0);
    }
}

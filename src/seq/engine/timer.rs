//! The one timer of the time operators ([`Seq::debounce`],
//! [`Seq::sample`], [`Seq::throttle_latest`]): a `tokio::time::Sleep`
//! created on first need and reset in place, never one per element; and
//! what a time operator shares with its `try_` form ([`Seq::try_debounce`]
//! and the rest): the [`Passthrough`] rule that lets errors out at once,
//! and the `delegate_timed!` wrapper around the shared state machine.
//!
//! [`Seq::debounce`]: crate::seq::Seq::debounce
//! [`Seq::sample`]: crate::seq::Seq::sample
//! [`Seq::throttle_latest`]: crate::seq::Seq::throttle_latest
//! [`Seq::try_debounce`]: crate::seq::Seq::try_debounce

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep, sleep_until};

/// Ready once `deadline` has passed; otherwise arms `timer` for it (creating
/// it the first time, resetting it only when its deadline differs) and
/// waits on it.
///
/// The clock is read first: a deadline that has passed is ready even when
/// the task's cooperative budget is spent (tokio's `Sleep` would then
/// return `Pending`), so an always-ready source that spent the budget
/// cannot hold a due deadline back.
pub(crate) fn poll_deadline(
    mut timer: Pin<&mut Option<Sleep>>,
    deadline: Instant,
    now: Instant,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if now >= deadline {
        return Poll::Ready(());
    }
    match timer.as_mut().as_pin_mut() {
        Some(sleep) if sleep.deadline() == deadline => {}
        Some(sleep) => sleep.reset(deadline),
        None => timer.set(Some(sleep_until(deadline))),
    }
    timer.as_pin_mut().expect("armed above").poll(cx)
}

/// Which elements a time operator lets through at once, outside its timing
/// rule: none for the plain operators ([`Plain`]), every `Err` for their
/// `try_` forms ([`Errors`], errors are elements and never dropped). Such an element first
/// flushes the element the operator holds, if any, then goes out itself.
pub(crate) trait Passthrough<T> {
    /// `true` when `item` goes out at once.
    fn passes(item: &T) -> bool;
}

/// The plain operators: every element follows the timing rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plain;

impl<T> Passthrough<T> for Plain {
    #[inline]
    fn passes(_: &T) -> bool {
        false
    }
}

/// The `try_` forms: an `Err` is never dropped or delayed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Errors;

impl<T, E> Passthrough<Result<T, E>> for Errors {
    #[inline]
    fn passes(item: &Result<T, E>) -> bool {
        item.is_err()
    }
}

/// Writes what a time operator's public type shares with its `try_` twin:
/// `new`, the `period` accessor (its example built on `$source`), a `Seq`
/// impl that delegates to its `inner` state machine (`$core<S, P>`, which
/// holds the timing rule once for both), and a `Debug` impl under the
/// public type's own name. The struct itself, with its docs and the
/// [`Passthrough`] it picks, stays in its own file.
macro_rules! delegate_timed {
    ($name:ident, $bound:ident, $core:ident, $method:literal, $source:literal) => {
        impl<S: $crate::seq::$bound> $name<S> {
            /// `period` is checked by the `Seq` method that builds it.
            pub(crate) fn new(seq: S, period: ::std::time::Duration) -> Self {
                $name {
                    inner: $core::new(seq, period),
                }
            }

            /// Returns the period `d` the sequence was built with.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            /// use seqflow::{seq, Seq};
            ///
            #[doc = concat!("let s = seq::iter(", $source, ").", $method, "(Duration::from_millis(50));")]
            /// assert_eq!(s.period(), Duration::from_millis(50));
            /// ```
            pub fn period(&self) -> ::std::time::Duration {
                self.inner.period
            }
        }

        impl<S: $crate::seq::$bound> $crate::seq::Seq for $name<S> {
            type Item = <S as $crate::seq::Seq>::Item;

            fn poll_next(
                self: ::core::pin::Pin<&mut Self>,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<Option<Self::Item>> {
                self.project().inner.poll_next(cx)
            }

            fn poll_stop(
                self: ::core::pin::Pin<&mut Self>,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<()> {
                self.project().inner.poll_stop(cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<S: $crate::seq::$bound + ::core::fmt::Debug> ::core::fmt::Debug for $name<S> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                self.inner.fmt_as(stringify!($name), f)
            }
        }
    };
}

pub(crate) use delegate_timed;

/// `now + after`, or a far future when that overflows.
pub(crate) fn after(now: Instant, after: Duration) -> Instant {
    crate::seq::adapters::timeout::deadline(now, after)
}

/// The end of the period of the grid `start + k * period` (`k >= 1`) that
/// `now` belongs to: an instant exactly on the grid ends the period it
/// closes, and `start` itself belongs to the first period.
pub(crate) fn period_end(start: Instant, period: Duration, now: Instant) -> Instant {
    let elapsed = now.saturating_duration_since(start).as_nanos();
    let k = elapsed.div_ceil(period.as_nanos()).max(1);
    u32::try_from(k)
        .ok()
        .and_then(|k| period.checked_mul(k))
        .and_then(|offset| start.checked_add(offset))
        .unwrap_or_else(|| after(now, period))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_end_closes_the_period_an_instant_belongs_to() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let d = ms(100);
        assert_eq!(period_end(start, d, start), start + d);
        assert_eq!(period_end(start, d, start + ms(1)), start + d);
        assert_eq!(period_end(start, d, start + d), start + d);
        assert_eq!(period_end(start, d, start + ms(101)), start + ms(200));
        assert_eq!(period_end(start, d, start + ms(350)), start + ms(400));
    }

    #[test]
    fn period_end_survives_huge_gaps() {
        let start = Instant::now();
        let d = Duration::from_nanos(1);
        let now = start + Duration::from_secs(3600 * 24 * 365);
        assert_eq!(period_end(start, d, now), now + d);
    }
}

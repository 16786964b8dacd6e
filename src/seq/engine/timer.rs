//! The one timer of the time operators ([`Seq::debounce`],
//! [`Seq::sample`], [`Seq::throttle_latest`]): a `tokio::time::Sleep`
//! created on first need and reset in place, never one per element.
//!
//! [`Seq::debounce`]: crate::seq::Seq::debounce
//! [`Seq::sample`]: crate::seq::Seq::sample
//! [`Seq::throttle_latest`]: crate::seq::Seq::throttle_latest

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

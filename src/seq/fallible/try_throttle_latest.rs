//! [`Seq::try_throttle_latest`](crate::seq::Seq::try_throttle_latest): at most one `Ok` value per period, the latest, with every error passed through at once.

use pin_project_lite::pin_project;

use crate::seq::adapters::throttle_latest::ThrottleLatestCore;
use crate::seq::engine::timer::{Errors, delegate_timed};

pin_project! {
    /// Sequence returned by [`Seq::try_throttle_latest`](crate::seq::Seq::try_throttle_latest).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryThrottleLatest<S: crate::seq::TrySeq> {
        #[pin]
        inner: ThrottleLatestCore<S, Errors>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(
    TryThrottleLatest,
    TrySeq,
    ThrottleLatestCore,
    "try_throttle_latest",
    "[Ok::<u8, ()>(1)]"
);

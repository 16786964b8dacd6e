//! [`Seq::try_throttle`](crate::seq::Seq::try_throttle): an `Ok` value, then no `Ok` value for a while, with every error passed through at once.

use pin_project_lite::pin_project;

use crate::seq::adapters::throttle::ThrottleCore;
use crate::seq::engine::timer::{Errors, delegate_timed};

pin_project! {
    /// Sequence returned by [`Seq::try_throttle`](crate::seq::Seq::try_throttle).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryThrottle<S: crate::seq::TrySeq> {
        #[pin]
        inner: ThrottleCore<S, Errors>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(
    TryThrottle,
    TrySeq,
    ThrottleCore,
    "try_throttle",
    "[Ok::<u8, ()>(1)]"
);

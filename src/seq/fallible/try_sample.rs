//! [`Seq::try_sample`](crate::seq::Seq::try_sample): the latest `Ok` value of each period, with every error passed through at once.

use pin_project_lite::pin_project;

use crate::seq::adapters::sample::SampleCore;
use crate::seq::engine::timer::{Errors, delegate_timed};

pin_project! {
    /// Sequence returned by [`Seq::try_sample`](crate::seq::Seq::try_sample).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TrySample<S: crate::seq::TrySeq> {
        #[pin]
        inner: SampleCore<S, Errors>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(
    TrySample,
    TrySeq,
    SampleCore,
    "try_sample",
    "[Ok::<u8, ()>(1)]"
);

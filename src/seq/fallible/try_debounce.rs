//! [`Seq::try_debounce`](crate::seq::Seq::try_debounce): the last `Ok` value of each burst, with every error passed through at once.

use pin_project_lite::pin_project;

use crate::seq::adapters::debounce::DebounceCore;
use crate::seq::engine::timer::{Errors, delegate_timed};

pin_project! {
    /// Sequence returned by [`Seq::try_debounce`](crate::seq::Seq::try_debounce).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct TryDebounce<S: crate::seq::TrySeq> {
        #[pin]
        inner: DebounceCore<S, Errors>,
    }
}

// `new`, `period`, `Seq` (delegated to `inner`) and `Debug`.
delegate_timed!(
    TryDebounce,
    TrySeq,
    DebounceCore,
    "try_debounce",
    "[Ok::<u8, ()>(1)]"
);

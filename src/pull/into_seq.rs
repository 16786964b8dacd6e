//! [`PullSeq`]: a pull handle turned back into a [`Seq`](crate::Seq).

use std::fmt;

/// Sequence returned by [`Pull::into_seq`](crate::Pull::into_seq),
/// [`Pull2::into_seq`](crate::Pull2::into_seq) and
/// [`LocalPull::into_seq`](crate::LocalPull::into_seq).
///
/// The handles are [`Stream`](futures_core::Stream)s and not sequences, so
/// that `futures::StreamExt` methods called on them are never ambiguous;
/// this wrapper is the way back to the [`Seq`](crate::Seq) adapters. Its
/// elements are the handle's (a peeked element first), and stopping it
/// stops the handle's producer and waits for its cleanup, as
/// [`Pull::stop`](crate::Pull::stop) does. Dropping it drops the handle.
#[must_use = "sequences do nothing unless consumed"]
pub struct PullSeq<P> {
    pub(super) handle: P,
}

impl<P> PullSeq<P> {
    pub(super) fn new(handle: P) -> Self {
        PullSeq { handle }
    }

    /// Returns the pull handle back.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{pull, seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let s = pull(seq::iter([1, 2])).into_seq();
    /// let mut p = s.into_inner();
    /// assert_eq!(p.next().await, Some(1));
    /// # }
    /// ```
    pub fn into_inner(self) -> P {
        self.handle
    }
}

impl<P: fmt::Debug> fmt::Debug for PullSeq<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PullSeq")
            .field("handle", &self.handle)
            .finish()
    }
}

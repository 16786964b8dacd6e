//! The errors seqflow itself raises.

/// An error raised by seqflow itself (as opposed to an error a producer
/// yields).
///
/// Fallible adapters such as `try_with_cancel` and `try_timeout` put it into
/// a sequence's own error type through `E: From<seqflow::Error>`.
///
/// # Examples
///
/// ```
/// use seqflow::Error;
///
/// assert_eq!(Error::Cancelled.to_string(), "sequence cancelled");
/// assert_eq!(Error::Timeout.to_string(), "sequence element timed out");
/// assert_eq!(Error::Lagged(3).to_string(), "subscription lagged behind by 3 elements");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sequence's cancellation token was cancelled.
    #[error("sequence cancelled")]
    Cancelled,
    /// An element did not arrive within the per-element timeout.
    #[error("sequence element timed out")]
    Timeout,
    /// A bounded collection ([`Seq::collect_at_most`](crate::Seq::collect_at_most))
    /// met more elements than its limit.
    #[error("sequence has more than {max} elements")]
    TooMany {
        /// The limit that was exceeded.
        max: usize,
    },
    /// A subscription of a [`share_lagging`](crate::Seq::share_lagging)
    /// sequence fell more than its capacity behind: this many elements were
    /// skipped, and it goes on with the oldest element still kept.
    #[error("subscription lagged behind by {0} elements")]
    Lagged(u64),
}

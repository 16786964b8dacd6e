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
}

//! Remote sources: the retry policy and the page-at-a-time [`Pager`] that
//! go with [`seq::paginate`](crate::seq::paginate) and
//! [`seq::resume`](crate::seq::resume).

mod pager;
pub(crate) mod paginate;
pub(crate) mod resume;
pub(crate) mod retry;

pub use self::pager::Pager;
pub use self::retry::{RetryError, RetryPolicy};

//! The fallible adapters: the provided methods of [`Seq`](crate::Seq) for sequences of `Result`s.

pub(crate) mod and_then;
pub(crate) mod inspect_err;
pub(crate) mod inspect_ok;
pub(crate) mod map_err;
pub(crate) mod map_ok;
pub(crate) mod or_else;
pub(crate) mod try_batched;
pub(crate) mod try_batched_timeout;
pub(crate) mod try_filter;
pub(crate) mod try_filter_map;
pub(crate) mod try_skip_while;
pub(crate) mod try_take_while;
pub(crate) mod try_timeout;
pub(crate) mod try_with_cancel;

pub use self::and_then::AndThen;
pub use self::inspect_err::InspectErr;
pub use self::inspect_ok::InspectOk;
pub use self::map_err::MapErr;
pub use self::map_ok::MapOk;
pub use self::or_else::OrElse;
pub use self::try_batched::TryBatched;
pub use self::try_batched_timeout::TryBatchedTimeout;
pub use self::try_filter::TryFilter;
pub use self::try_filter_map::TryFilterMap;
pub use self::try_skip_while::TrySkipWhile;
pub use self::try_take_while::TryTakeWhile;
pub use self::try_timeout::TryTimeout;
pub use self::try_with_cancel::TryWithCancel;

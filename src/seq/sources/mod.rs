//! The sources: the free functions of [`seq`](crate::seq) that build a sequence.

pub(crate) mod empty;
pub(crate) mod from_blocking;
pub(crate) mod from_fn;
pub(crate) mod from_stream;
pub(crate) mod iter;
pub(crate) mod merge_all;
pub(crate) mod merge_sorted;
pub(crate) mod merge_sorted_by;
pub(crate) mod once;
pub(crate) mod repeat_with;
pub(crate) mod seq_map;
pub(crate) mod try_from_fn;
pub(crate) mod unfold;

pub use self::empty::{Empty, empty};
pub use self::from_blocking::{BlockingYield, FromBlocking, from_blocking, from_blocking_buffered};
pub use self::from_fn::{FromFn, from_fn};
pub use self::from_stream::{FromStream, from_stream};
pub use self::iter::{Iter, iter};
pub use self::merge_all::{MergeAll, merge_all};
pub use self::merge_sorted::{MergeSorted, merge_sorted};
pub use self::merge_sorted_by::{MergeSortedBy, merge_sorted_by};
pub use self::once::{Once, once};
pub use self::repeat_with::{RepeatWith, repeat_with};
pub use self::seq_map::{KeyEvent, SeqMap};
pub use self::try_from_fn::{TryFromFn, try_from_fn};
pub use self::unfold::{Unfold, unfold};

//! The terminal futures: the provided methods of [`Seq`](crate::Seq) that consume a sequence.

pub(crate) mod all;
pub(crate) mod any;
pub(crate) mod collect;
pub(crate) mod collect_at_most;
pub(crate) mod count;
pub(crate) mod find;
pub(crate) mod first;
pub(crate) mod fold;
pub(crate) mod for_each;
pub(crate) mod for_each_concurrent;
pub(crate) mod last;
pub(crate) mod max;
pub(crate) mod min;
pub(crate) mod try_collect;
pub(crate) mod try_fold;
pub(crate) mod try_for_each;
pub(crate) mod try_for_each_concurrent;

pub use self::all::All;
pub use self::any::Any;
pub use self::collect::Collect;
pub use self::collect_at_most::CollectAtMost;
pub use self::count::Count;
pub use self::find::Find;
pub use self::first::First;
pub use self::fold::Fold;
pub use self::for_each::ForEach;
pub use self::for_each_concurrent::ForEachConcurrent;
pub use self::last::Last;
pub use self::max::Max;
pub use self::min::Min;
pub use self::try_collect::TryCollect;
pub use self::try_fold::TryFold;
pub use self::try_for_each::TryForEach;
pub use self::try_for_each_concurrent::TryForEachConcurrent;

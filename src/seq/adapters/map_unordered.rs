//! [`Seq::map_unordered`](crate::seq::Seq::map_unordered): up to `limit`
//! futures in flight, outputs in completion order.

use futures_util::stream::FuturesUnordered;
use pin_project_lite::pin_project;

use crate::seq::engine::concurrent::{Concurrent, Guarded, delegate_concurrent};

pin_project! {
    /// Sequence returned by [`Seq::map_unordered`](crate::seq::Seq::map_unordered).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapUnordered<S, F, Fut: Future> {
        #[pin]
        inner: Concurrent<S, F, FuturesUnordered<Guarded<Fut>>>,
    }
}

// `new`, `Seq` (delegated to `inner`) and `Debug`.
delegate_concurrent!(MapUnordered);

//! [`Seq::map_concurrent`](crate::seq::Seq::map_concurrent): up to `limit`
//! futures in flight, outputs in source order.

use futures_util::stream::FuturesOrdered;
use pin_project_lite::pin_project;

use crate::seq::engine::concurrent::{Concurrent, Guarded, delegate_concurrent};

pin_project! {
    /// Sequence returned by [`Seq::map_concurrent`](crate::seq::Seq::map_concurrent).
    #[must_use = "sequences do nothing unless consumed"]
    pub struct MapConcurrent<S, F, Fut: Future> {
        #[pin]
        inner: Concurrent<S, F, FuturesOrdered<Guarded<Fut>>>,
    }
}

// `new`, `Seq` (delegated to `inner`) and `Debug`.
delegate_concurrent!(MapConcurrent);

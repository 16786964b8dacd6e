//! The boxed, type-erased sequences for API boundaries.

use std::pin::Pin;

use crate::seq::Seq;

/// A boxed, type-erased [`Seq`] that is `Send`, for API boundaries.
///
/// Built with [`Seq::boxed`]. It is a `Seq` itself (through the impl for
/// `Pin<P>`), so every adapter applies to it.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, BoxSeq, Seq};
///
/// fn numbers(small: bool) -> BoxSeq<'static, u32> {
///     if small { seq::iter(0..3).boxed() } else { seq::iter(100..103).boxed() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(numbers(true).collect::<Vec<_>>().await, [0, 1, 2]);
/// # }
/// ```
pub type BoxSeq<'a, T> = Pin<Box<dyn Seq<Item = T> + Send + 'a>>;

/// A boxed, type-erased [`Seq`] that need not be `Send`.
///
/// Built with [`Seq::boxed_local`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use seqflow::{seq, LocalBoxSeq, Seq};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let s: LocalBoxSeq<'_, Rc<u8>> = seq::once(Rc::new(7)).boxed_local();
/// assert_eq!(*s.first().await.unwrap(), 7);
/// # }
/// ```
pub type LocalBoxSeq<'a, T> = Pin<Box<dyn Seq<Item = T> + 'a>>;

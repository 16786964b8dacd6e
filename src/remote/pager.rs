//! [`Pager`]: page-at-a-time access with a fixed page size, after the
//! Google Cloud Go iterator guidelines.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;

use crate::Seq;
use crate::seq::{Page, PageRequest, Pages};

/// A walk over a paginated API, one page per call, with a fixed page size:
/// the Google Cloud Go `iterator.Pager`.
///
/// Built with [`Paginate::pager`](crate::seq::Paginate::pager). Each
/// [`next_page`](Pager::next_page) makes one request (plus its retries, if
/// the walk has a [`RetryPolicy`](crate::RetryPolicy)) and returns the page's
/// items with the token of the next page. That token is a plain value: a
/// web handler hands it to its client, which sends it back later, possibly
/// to another process, which resumes with
/// `seq::paginate(fetch).start_at(token).pager(size)`.
///
/// After the last page (whose token is `None`), `next_page` returns an
/// empty page and `None` again, without a request. After an error, the
/// pager stays on the failed page: the next call asks for it again, with a
/// fresh attempt budget.
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Page, PageRequest};
///
/// /// Stands for `GET /users?page_token=..&page_size=..`.
/// async fn list_users(req: PageRequest<String>) -> Result<Page<String, String>, String> {
///     let users = ["ann", "bob", "cid", "dee", "eve"];
///     let start: usize = req.token.map_or(0, |t| t.parse().unwrap());
///     let end = (start + req.page_size.unwrap_or(2)).min(users.len());
///     let next = (end < users.len()).then(|| end.to_string());
///     Ok(Page::new(users[start..end].iter().map(|u| u.to_string()).collect(), next))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // First request: page 1, and a token for the client.
/// let mut pager = seq::paginate(list_users).pager(2);
/// let (users, token) = pager.next_page().await.unwrap();
/// assert_eq!(users, ["ann", "bob"]);
/// let token = token.unwrap(); // sent to the client, which sends it back
///
/// // A later request, maybe in another process: resume from the token.
/// let mut pager = seq::paginate(list_users).start_at(token).pager(2);
/// assert_eq!(pager.next_page().await.unwrap(), (vec!["cid".into(), "dee".into()], Some("4".into())));
/// assert_eq!(pager.next_page().await.unwrap(), (vec!["eve".into()], None));
/// assert_eq!(pager.next_page().await.unwrap(), (vec![], None)); // done
/// # }
/// ```
pub struct Pager<F, Fut, T, Tok, E, Err, H, HFut> {
    pages: PinnedPages<F, Fut, T, Tok, E, Err, H, HFut>,
}

/// The walk, boxed so that the pager is `Unpin` and `next_page` can take
/// `&mut self`.
type PinnedPages<F, Fut, T, Tok, E, Err, H, HFut> =
    Pin<Box<Pages<F, Fut, T, Tok, E, Err, H, HFut>>>;

impl<F, Fut, T, Tok, E, Err, H, HFut> Pager<F, Fut, T, Tok, E, Err, H, HFut> {
    pub(crate) fn new(pages: Pages<F, Fut, T, Tok, E, Err, H, HFut>) -> Self {
        Pager {
            pages: Box::pin(pages),
        }
    }

    /// The fixed page size.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// let pager = seq::paginate(|_: PageRequest<()>| async { Ok::<_, ()>(Page::new(vec![0], None)) })
    ///     .pager(25);
    /// assert_eq!(pager.page_size(), 25);
    /// ```
    pub fn page_size(&self) -> usize {
        self.pages
            .requested_page_size()
            .expect("a pager always has a page size")
    }

    /// The token of the next page: where a later walk resumes. `None` before
    /// the first page (unless the walk was started at a token) and after the
    /// last.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut pager = seq::paginate(|req: PageRequest<u8>| async move {
    ///     Ok::<_, ()>(Page::new(vec![0], req.token.is_none().then_some(1)))
    /// })
    /// .pager(1);
    /// assert_eq!(pager.next_token(), None);
    /// pager.next_page().await.unwrap();
    /// assert_eq!(pager.next_token(), Some(&1));
    /// # }
    /// ```
    pub fn next_token(&self) -> Option<&Tok> {
        self.pages.next_token()
    }

    /// Whether the last page has been returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut pager = seq::paginate(|_: PageRequest<()>| async { Ok::<_, ()>(Page::new(vec![1], None)) })
    ///     .pager(10);
    /// assert!(!pager.is_done());
    /// assert_eq!(pager.next_page().await, Ok((vec![1], None)));
    /// assert!(pager.is_done());
    /// # }
    /// ```
    pub fn is_done(&self) -> bool {
        self.pages.is_finished() && !self.pages.has_failed()
    }
}

impl<F, Fut, T, Tok, E, Err, H, HFut> Pager<F, Fut, T, Tok, E, Err, H, HFut>
where
    F: FnMut(PageRequest<Tok>) -> Fut,
    Fut: Future<Output = Result<Page<T, Tok>, E>>,
    Tok: Clone,
    H: FnMut(Option<Tok>) -> HFut,
    HFut: Future<Output = ()>,
{
    /// Fetches the next page: its items and the token of the page after it
    /// (`None` on the last page).
    ///
    /// A page may hold fewer items than the page size (the API decides),
    /// even none, and still not be the last. After the last page, returns
    /// `Ok((vec![], None))` at once.
    ///
    /// # Errors
    ///
    /// The request's error (a [`RetryError`](crate::RetryError) with a
    /// retry policy). The pager stays on the failed page: the next call
    /// asks for it again.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `next_page` is used as a branch in
    /// `tokio::select!` and another branch completes first, it is guaranteed
    /// that no page was lost: the request in flight is kept, and the next
    /// call resumes it and returns its page.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut fail_once = true;
    /// let mut pager = seq::paginate(move |_: PageRequest<()>| {
    ///     let fail = std::mem::take(&mut fail_once);
    ///     async move { if fail { Err("timeout") } else { Ok(Page::new(vec![7], None)) } }
    /// })
    /// .pager(10);
    /// assert_eq!(pager.next_page().await, Err("timeout"));
    /// assert_eq!(pager.next_page().await, Ok((vec![7], None))); // the same page, asked again
    /// # }
    /// ```
    pub async fn next_page(&mut self) -> Result<(Vec<T>, Option<Tok>), Err> {
        if self.pages.has_failed() {
            self.pages.as_mut().rearm();
        }
        match poll_fn(|cx| self.pages.as_mut().poll_next(cx)).await {
            Some(Ok(page)) => Ok((page.items, page.next_token)),
            Some(Err(e)) => Err(e),
            None => Ok((Vec::new(), None)),
        }
    }
}

impl<F, Fut, T, Tok: fmt::Debug, E, Err, H, HFut> fmt::Debug
    for Pager<F, Fut, T, Tok, E, Err, H, HFut>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("page_size", &self.pages.requested_page_size())
            .field("next_token", &self.pages.next_token())
            .field("done", &self.is_done())
            .finish()
    }
}

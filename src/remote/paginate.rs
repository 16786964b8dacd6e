//! [`paginate`]: a lazy walk over a paginated remote API, item by item
//! ([`Paginate`]) or page by page ([`Pages`]).

use std::fmt;
use std::future::{Future, Ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::Pager;
use crate::remote::retry::{Backoff, BackoffSleep, Decision, RetryError, RetryPolicy};
use crate::seq::Seq;

/// The default checkpoint hook of a walk: none.
type NoHook<Tok> = fn(Option<Tok>) -> Ready<()>;

/// Walks a paginated API lazily, yielding its items one by one: the
/// paginated REST client, cursor tokens and AWS-style paginators as one
/// sequence.
///
/// `fetch` is called with a [`PageRequest`] (the page token, `None` for the
/// first page, and the page size if one was set with
/// [`page_size`](Paginate::page_size)) and resolves to a [`Page`]: its items
/// and the token of the next page, `None` on the last page. The walk:
///
/// 1. makes no request before the first element is wanted (it is cold, like
///    every sequence);
/// 2. has at most one request in flight, and asks for the next page only
///    when the consumer wants an element past the current page;
/// 3. stops after the page whose `next_token` is `None`;
/// 4. makes no further request once the consumer stops (a request in
///    flight at that moment is dropped, that is cancelled);
/// 5. yields a failed request's error as its last element, `Err(e)`, and
///    ends. With [`retry`](Paginate::retry), the request is retried first,
///    and the error says how many attempts were made and which token failed.
///
/// Item type is `Result<T, E>` (`Result<T, RetryError<E, Tok>>` with
/// [`retry`](Paginate::retry)). This sequence is *fused*.
///
/// Tokens are plain values (`Tok: Clone`) that a caller can persist: a
/// walk resumes from one with [`start_at`](Paginate::start_at), possibly in
/// another process, and [`on_page`](Paginate::on_page) reports each resume
/// point as soon as the page before it has been consumed. A resumed job
/// reads at most the one page it was working on again.
///
/// # Snapshot semantics
///
/// A walk is a series of independent requests, not a snapshot: what it
/// yields when the collection changes between two requests depends on what
/// the token means, which is the API's business.
///
/// - **Offset tokens** (`?offset=40`, `?page=3`): an insert before the
///   current offset shifts every later item one place back, so the walk
///   yields the item at the page boundary **twice**; a delete before it
///   shifts them forward, so the walk **misses** one item. Neither is
///   reported.
/// - **Cursor tokens** (`?after=id_1234`, keyset pagination on a unique,
///   ordered key): every item that exists for the whole walk is yielded
///   exactly once, in key order. Items inserted after the cursor appear,
///   items inserted before it do not, and deleted items simply do not
///   appear. This is the kind to prefer.
/// - **Snapshot tokens** (a token that pins a read revision, as etcd's and
///   Kubernetes' lists do): the walk sees one consistent snapshot, exactly
///   once, until the server forgets that revision (compaction), after which
///   the request fails; restart from scratch and resynchronise (see
///   [`resume`](crate::seq::resume)).
///
/// In every case `paginate` itself never duplicates, reorders or drops an
/// item of the pages it receives, and a page that fails and is retried is
/// requested again with the same token and page size.
///
/// # Errors
///
/// A failed request ends the walk with its error as the last element. The
/// walk can be resumed from the failed page's token (see
/// [`RetryError::token`]).
///
/// # Examples
///
/// ```
/// use seqflow::{seq, Page, PageRequest, Seq};
///
/// /// Stands for `GET /items?after=<token>&limit=<page_size>`.
/// async fn get_items(req: PageRequest<u32>) -> Result<Page<u32, u32>, String> {
///     let start = req.token.unwrap_or(0);
///     let end = (start + req.page_size.unwrap_or(10) as u32).min(25);
///     let next = (end < 25).then_some(end);
///     Ok(Page { items: (start..end).collect(), next_token: next })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let all = seq::paginate(get_items).page_size(10);
/// let items: Vec<u32> = all.try_collect().await.unwrap();
/// assert_eq!(items, (0..25).collect::<Vec<_>>());
///
/// // Only the pages needed are requested: the first 3 items need 1 page.
/// let first = seq::paginate(get_items).page_size(10).take(3);
/// assert_eq!(first.try_collect::<Vec<_>>().await.unwrap(), [0, 1, 2]);
/// # }
/// ```
pub fn paginate<T, Tok, E, F, Fut>(
    fetch: F,
) -> Paginate<F, Fut, T, Tok, E, E, NoHook<Tok>, Ready<()>>
where
    F: FnMut(PageRequest<Tok>) -> Fut,
    Fut: Future<Output = Result<Page<T, Tok>, E>>,
    Tok: Clone,
{
    Paginate {
        pages: Pages {
            fetch,
            page_size: None,
            token: None,
            last: false,
            checkpoint: false,
            failed: false,
            hook: None,
            policy: None,
            wrap: RetryError::into_error,
            backoff: Backoff::new(),
            error: None,
            state: State::Idle,
            _item: PhantomData,
        },
        items: Vec::new().into_iter(),
    }
}

// ===== impl PageRequest, Page =====

/// What [`paginate`]'s `fetch` is asked for: one page.
///
/// # Examples
///
/// ```
/// use seqflow::PageRequest;
///
/// fn url(req: &PageRequest<String>) -> String {
///     let mut url = "/items?".to_owned();
///     if let Some(size) = req.page_size {
///         url += &format!("limit={size}&");
///     }
///     if let Some(token) = &req.token {
///         url += &format!("after={token}");
///     }
///     url
/// }
///
/// let req = PageRequest { token: Some("k7".to_owned()), page_size: Some(50) };
/// assert_eq!(url(&req), "/items?limit=50&after=k7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<Tok> {
    /// The token of the page: `None` for the first page, else the
    /// `next_token` of the page before (or the token a walk was started
    /// at).
    pub token: Option<Tok>,
    /// The number of items wanted per page, if one was set; the API may
    /// return fewer.
    pub page_size: Option<usize>,
}

/// One page of a paginated API: its items and the token of the next page.
///
/// # Examples
///
/// ```
/// use seqflow::Page;
///
/// let last: Page<&str, u32> = Page::new(vec!["x", "y"], None);
/// assert_eq!(last, Page { items: vec!["x", "y"], next_token: None });
/// assert!(last.is_last());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page<T, Tok> {
    /// The items of the page, in order. A page may be empty and still have
    /// a next page.
    pub items: Vec<T>,
    /// The token of the next page; `None` on the last page.
    pub next_token: Option<Tok>,
}

impl<T, Tok> Page<T, Tok> {
    /// Creates a page.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::Page;
    ///
    /// let p = Page::new(vec![1, 2], Some("next"));
    /// assert_eq!(p.next_token, Some("next"));
    /// ```
    pub fn new(items: Vec<T>, next_token: Option<Tok>) -> Self {
        Page { items, next_token }
    }

    /// Whether this is the last page (it has no next token).
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::Page;
    ///
    /// assert!(!Page::new(vec![1], Some(2)).is_last());
    /// ```
    pub fn is_last(&self) -> bool {
        self.next_token.is_none()
    }
}

// ===== impl Paginate =====

pin_project! {
    /// Sequence returned by [`paginate`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Paginate<F, Fut, T, Tok, E, Err, H, HFut> {
        #[pin]
        pages: Pages<F, Fut, T, Tok, E, Err, H, HFut>,
        // The rest of the current page.
        items: std::vec::IntoIter<T>,
    }
}

impl<F, Fut, T, Tok, E, Err, H, HFut> Paginate<F, Fut, T, Tok, E, Err, H, HFut> {
    /// Asks for `size` items per page: `fetch` receives it as
    /// [`PageRequest::page_size`]. Without it, `page_size` is `None` and the
    /// API picks.
    ///
    /// # Panics
    ///
    /// Panics if `size` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sizes = seq::paginate(|req: PageRequest<()>| async move {
    ///     Ok::<_, ()>(Page::new(vec![req.page_size], None))
    /// })
    /// .page_size(50);
    /// assert_eq!(sizes.try_collect::<Vec<_>>().await, Ok(vec![Some(50)]));
    /// # }
    /// ```
    ///
    /// ```should_panic
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// let _ = seq::paginate(|_: PageRequest<()>| async { Ok::<_, ()>(Page::new(vec![1], None)) })
    ///     .page_size(0);
    /// ```
    #[track_caller]
    pub fn page_size(mut self, size: usize) -> Self {
        assert!(size > 0, "`page_size` size must be non-zero");
        self.pages.page_size = Some(size);
        self
    }

    /// Starts the walk at the page of `token` instead of the first page: a
    /// resume point saved by [`on_page`](Paginate::on_page), taken from a
    /// [`RetryError::token`], or handed back by a [`Pager`].
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pages = |req: PageRequest<usize>| async move {
    ///     let p = req.token.unwrap_or(0);
    ///     Ok::<_, ()>(Page::new(vec![p * 10, p * 10 + 1], (p < 2).then_some(p + 1)))
    /// };
    /// let rest = seq::paginate(pages).start_at(1);
    /// assert_eq!(rest.try_collect::<Vec<_>>().await, Ok(vec![10, 11, 20, 21]));
    /// # }
    /// ```
    pub fn start_at(mut self, token: Tok) -> Self {
        self.pages.token = Some(token);
        self
    }

    /// Calls the async `checkpoint` hook with the resume point each time a
    /// page has been consumed: once every item of a page has been delivered
    /// and the consumer asks for more, before the next page is requested.
    ///
    /// The hook receives the token of the next page, `None` after the last
    /// page. A job that persists it and restarts with
    /// [`start_at`](Paginate::start_at) reads at most one page again: the
    /// one it was working on. An item counts as consumed only when the
    /// consumer asks for the element after it, so a consumer that fails on
    /// the last item of a page (and stops) does not move the checkpoint past
    /// that item.
    ///
    /// The walk waits for the hook before it requests the next page. If the
    /// consumer stops while the hook runs, the hook still runs to its end.
    /// The hook returns `()`: a hook whose write can fail should handle or
    /// report the failure itself (the walk can go on; the next checkpoint
    /// supersedes it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use seqflow::{seq, Page, PageRequest, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let saved = Arc::new(Mutex::new(Vec::new()));
    /// let walk = seq::paginate(|req: PageRequest<u8>| async move {
    ///     let p = req.token.unwrap_or(0);
    ///     Ok::<_, ()>(Page::new(vec![p; 2], (p < 2).then_some(p + 1)))
    /// })
    /// .on_page({
    ///     let saved = saved.clone();
    ///     move |token| {
    ///         saved.lock().unwrap().push(token); // e.g. write to a database
    ///         async {}
    ///     }
    /// });
    /// // Stop in the middle of page 1: page 0 is checkpointed, page 1 is not.
    /// assert_eq!(walk.take(3).try_collect::<Vec<_>>().await, Ok(vec![0, 0, 1]));
    /// assert_eq!(*saved.lock().unwrap(), [Some(1)]);
    /// # }
    /// ```
    pub fn on_page<H2, HFut2>(self, checkpoint: H2) -> Paginate<F, Fut, T, Tok, E, Err, H2, HFut2>
    where
        H2: FnMut(Option<Tok>) -> HFut2,
        HFut2: Future<Output = ()>,
    {
        Paginate {
            pages: self.pages.with_hook(Some(checkpoint)),
            items: self.items,
        }
    }

    /// Retries failed page requests by `policy`; the items become
    /// `Result<T, RetryError<E, Tok>>`.
    ///
    /// A failed request is sent again, with the same token and page size,
    /// after the policy's backoff, until it succeeds, the error is not
    /// retryable, the policy's attempts for that page are spent (the count
    /// starts over for every page), or the policy's token is cancelled. The
    /// walk then ends with a [`RetryError`] carrying the last error, the
    /// number of attempts and the failed page's token.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use seqflow::{seq, Page, PageRequest, RetryError, RetryPolicy, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // Page 1 fails twice before it succeeds; page 2 never does.
    /// let mut calls = Vec::new();
    /// let walk = seq::paginate(move |req: PageRequest<u8>| {
    ///     let p = req.token.unwrap_or(0);
    ///     calls.push(p);
    ///     let fails = calls.iter().filter(|&&c| c == p).count() <= 2;
    ///     async move {
    ///         match p {
    ///             0 => Ok(Page::new(vec![0], Some(1))),
    ///             1 if !fails => Ok(Page::new(vec![1], Some(2))),
    ///             _ => Err("503"),
    ///         }
    ///     }
    /// })
    /// .retry(RetryPolicy::new().max_attempts(3).initial_delay(Duration::from_secs(1)));
    ///
    /// let got = walk.collect::<Vec<_>>().await;
    /// assert_eq!(got[..2], [Ok(0), Ok(1)]);
    /// assert_eq!(got[2], Err(RetryError::Exhausted { error: "503", attempts: 3, token: Some(2) }));
    /// # }
    /// ```
    pub fn retry(
        self,
        policy: RetryPolicy<E>,
    ) -> Paginate<F, Fut, T, Tok, E, RetryError<E, Tok>, H, HFut> {
        Paginate {
            pages: self.pages.with_policy(policy),
            items: self.items,
        }
    }

    /// Walks page by page instead of item by item: the sequence yields each
    /// [`Page`] whole, with its `next_token`.
    ///
    /// Every option set before (`page_size`, `start_at`, `on_page`,
    /// `retry`) applies.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest, Seq};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pages = seq::paginate(|req: PageRequest<u8>| async move {
    ///     let p = req.token.unwrap_or(0);
    ///     Ok::<_, ()>(Page::new(vec![p, p], (p < 1).then_some(p + 1)))
    /// })
    /// .pages();
    /// assert_eq!(
    ///     pages.try_collect::<Vec<_>>().await,
    ///     Ok(vec![Page::new(vec![0, 0], Some(1)), Page::new(vec![1, 1], None)])
    /// );
    /// # }
    /// ```
    pub fn pages(self) -> Pages<F, Fut, T, Tok, E, Err, H, HFut> {
        self.pages
    }

    /// Turns the walk into a [`Pager`] with a fixed page size: the Google
    /// Cloud Go `iterator.Pager`, whose
    /// [`next_page`](Pager::next_page) hands out one page and the token to
    /// resume from.
    ///
    /// Every option set before applies; `page_size` replaces a size set
    /// with [`page_size`](Paginate::page_size).
    ///
    /// # Panics
    ///
    /// Panics if `page_size` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut pager = seq::paginate(|req: PageRequest<usize>| async move {
    ///     let start = req.token.unwrap_or(0);
    ///     let end = (start + req.page_size.unwrap()).min(5);
    ///     Ok::<_, ()>(Page::new((start..end).collect(), (end < 5).then_some(end)))
    /// })
    /// .pager(2);
    /// assert_eq!(pager.next_page().await, Ok((vec![0, 1], Some(2))));
    /// assert_eq!(pager.next_page().await, Ok((vec![2, 3], Some(4))));
    /// assert_eq!(pager.next_page().await, Ok((vec![4], None)));
    /// # }
    /// ```
    ///
    /// ```should_panic
    /// use seqflow::{seq, Page, PageRequest};
    ///
    /// let _ = seq::paginate(|_: PageRequest<()>| async { Ok::<_, ()>(Page::new(vec![1], None)) })
    ///     .pager(0);
    /// ```
    #[track_caller]
    pub fn pager(self, page_size: usize) -> Pager<F, Fut, T, Tok, E, Err, H, HFut> {
        assert!(page_size > 0, "`pager` page_size must be non-zero");
        Pager::new(self.page_size(page_size).pages)
    }
}

impl<F, Fut, T, Tok, E, Err, H, HFut> Seq for Paginate<F, Fut, T, Tok, E, Err, H, HFut>
where
    F: FnMut(PageRequest<Tok>) -> Fut,
    Fut: Future<Output = Result<Page<T, Tok>, E>>,
    Tok: Clone,
    H: FnMut(Option<Tok>) -> HFut,
    HFut: Future<Output = ()>,
{
    type Item = Result<T, Err>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if let Some(item) = this.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(this.pages.as_mut().poll_next(cx)) {
                Some(Ok(page)) => *this.items = page.items.into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        *this.items = Vec::new().into_iter();
        this.pages.poll_stop(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.items.len();
        if self.pages.is_finished() {
            (buffered, Some(buffered))
        } else {
            (buffered, None)
        }
    }
}

impl<F, Fut, T, Tok: fmt::Debug, E, Err, H, HFut> fmt::Debug
    for Paginate<F, Fut, T, Tok, E, Err, H, HFut>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginate")
            .field("pages", &self.pages)
            .field("buffered", &self.items.len())
            .finish()
    }
}

// ===== impl Pages =====

pin_project! {
    #[project = StateProj]
    enum State<Fut, HFut> {
        // Between requests.
        Idle,
        // A page request in flight.
        Fetching { #[pin] fut: Fut },
        // Waiting to retry a failed request.
        Sleeping { sleep: BackoffSleep },
        // The checkpoint hook runs.
        Checkpoint { #[pin] fut: HFut },
        // Ended: last page delivered, error delivered, or stopped.
        Done,
    }
}

pin_project! {
    /// Sequence returned by [`Paginate::pages`].
    #[must_use = "sequences do nothing unless consumed"]
    pub struct Pages<F, Fut, T, Tok, E, Err, H, HFut> {
        fetch: F,
        page_size: Option<usize>,
        // The token of the next request (of the failed one, after an error).
        token: Option<Tok>,
        // The last page has been delivered.
        last: bool,
        // A page was delivered and its checkpoint is still to run.
        checkpoint: bool,
        // The walk gave up on a request.
        failed: bool,
        hook: Option<H>,
        policy: Option<RetryPolicy<E>>,
        wrap: fn(RetryError<E, Tok>) -> Err,
        backoff: Backoff,
        // The error of the failed attempt while its retry waits.
        error: Option<E>,
        #[pin]
        state: State<Fut, HFut>,
        _item: PhantomData<fn() -> T>,
    }
}

impl<F, Fut, T, Tok, E, Err, H, HFut> Pages<F, Fut, T, Tok, E, Err, H, HFut> {
    fn with_hook<H2, HFut2>(self, hook: Option<H2>) -> Pages<F, Fut, T, Tok, E, Err, H2, HFut2> {
        Pages {
            fetch: self.fetch,
            page_size: self.page_size,
            token: self.token,
            last: self.last,
            checkpoint: self.checkpoint,
            failed: self.failed,
            hook,
            policy: self.policy,
            wrap: self.wrap,
            backoff: self.backoff,
            error: self.error,
            state: State::Idle,
            _item: PhantomData,
        }
    }

    fn with_policy(
        self,
        policy: RetryPolicy<E>,
    ) -> Pages<F, Fut, T, Tok, E, RetryError<E, Tok>, H, HFut> {
        Pages {
            fetch: self.fetch,
            page_size: self.page_size,
            token: self.token,
            last: self.last,
            checkpoint: self.checkpoint,
            failed: self.failed,
            hook: self.hook,
            policy: Some(policy),
            wrap: std::convert::identity,
            backoff: self.backoff,
            error: self.error,
            state: State::Idle,
            _item: PhantomData,
        }
    }

    /// The token of the next request: the resume point.
    pub(crate) fn next_token(&self) -> Option<&Tok> {
        self.token.as_ref()
    }

    /// The page size asked for.
    pub(crate) fn requested_page_size(&self) -> Option<usize> {
        self.page_size
    }

    /// No page is left to deliver.
    pub(crate) fn is_finished(&self) -> bool {
        self.last || matches!(self.state, State::Done)
    }

    /// The walk gave up on a request (and has not been re-armed).
    pub(crate) fn has_failed(&self) -> bool {
        self.failed
    }

    /// After a failure: ask for the failed page again on the next poll,
    /// with a fresh attempt budget.
    pub(crate) fn rearm(self: Pin<&mut Self>) {
        let mut this = self.project();
        if *this.failed {
            *this.failed = false;
            this.backoff.reset();
            this.state.set(State::Idle);
        }
    }
}

impl<F, Fut, T, Tok, E, Err, H, HFut> Seq for Pages<F, Fut, T, Tok, E, Err, H, HFut>
where
    F: FnMut(PageRequest<Tok>) -> Fut,
    Fut: Future<Output = Result<Page<T, Tok>, E>>,
    Tok: Clone,
    H: FnMut(Option<Tok>) -> HFut,
    HFut: Future<Output = ()>,
{
    type Item = Result<Page<T, Tok>, Err>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Idle => {
                    // The consumer wants more: the page delivered before is
                    // consumed, so its checkpoint runs first.
                    if std::mem::take(this.checkpoint) {
                        if let Some(hook) = this.hook.as_mut() {
                            let fut = hook(this.token.clone());
                            this.state.set(State::Checkpoint { fut });
                            continue;
                        }
                    }
                    if *this.last {
                        this.state.set(State::Done);
                        return Poll::Ready(None);
                    }
                    let request = PageRequest {
                        token: this.token.clone(),
                        page_size: *this.page_size,
                    };
                    this.backoff.attempts += 1;
                    let fut = (this.fetch)(request);
                    this.state.set(State::Fetching { fut });
                }
                StateProj::Fetching { fut } => match ready!(fut.poll(cx)) {
                    Ok(page) => {
                        this.backoff.reset();
                        this.state.set(State::Idle);
                        this.token.clone_from(&page.next_token);
                        *this.last = page.next_token.is_none();
                        *this.checkpoint = true;
                        return Poll::Ready(Some(Ok(page)));
                    }
                    Err(error) => {
                        let decision = match this.policy.as_ref() {
                            Some(policy) => policy.decide(this.backoff, &error),
                            None => Decision::Rejected,
                        };
                        if let (Decision::Retry(delay), Some(policy)) = (&decision, &this.policy) {
                            let sleep = policy.sleep(*delay);
                            *this.error = Some(error);
                            this.state.set(State::Sleeping { sleep });
                            continue;
                        }
                        let attempts = this.backoff.attempts;
                        let e = RetryError::new(&decision, error, attempts, this.token.clone());
                        *this.failed = true;
                        this.state.set(State::Done);
                        return Poll::Ready(Some(Err((this.wrap)(e))));
                    }
                },
                StateProj::Sleeping { sleep } => {
                    if ready!(sleep.as_mut().poll(cx)) {
                        this.state.set(State::Idle);
                        continue;
                    }
                    let error = this.error.take().expect("a retry waits with its error");
                    let attempts = this.backoff.attempts;
                    let e =
                        RetryError::new(&Decision::Cancelled, error, attempts, this.token.clone());
                    *this.failed = true;
                    this.state.set(State::Done);
                    return Poll::Ready(Some(Err((this.wrap)(e))));
                }
                StateProj::Checkpoint { fut } => {
                    ready!(fut.poll(cx));
                    this.state.set(State::Idle);
                }
                StateProj::Done => return Poll::Ready(None),
            }
        }
    }

    fn poll_stop(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // A checkpoint already under way is finished; a request in flight
        // or a retry waiting is dropped: no further request.
        if let StateProj::Checkpoint { fut } = this.state.as_mut().project() {
            ready!(fut.poll(cx));
        }
        *this.checkpoint = false;
        *this.error = None;
        this.state.set(State::Done);
        Poll::Ready(())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.is_finished() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<F, Fut, T, Tok: fmt::Debug, E, Err, H, HFut> fmt::Debug
    for Pages<F, Fut, T, Tok, E, Err, H, HFut>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle => "idle",
            State::Fetching { .. } => "fetching",
            State::Sleeping { .. } => "waiting to retry",
            State::Checkpoint { .. } => "checkpointing",
            State::Done => "done",
        };
        f.debug_struct("Pages")
            .field("state", &state)
            .field("next_token", &self.token)
            .field("page_size", &self.page_size)
            .field("last_page_seen", &self.last)
            .field("attempts", &self.backoff.attempts)
            .field("policy", &self.policy)
            .finish()
    }
}

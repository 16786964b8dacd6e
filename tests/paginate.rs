//! `seq::paginate`, `Pages` and `Pager` over an in-memory API: the walk's
//! protocol, step by step. (`integration/tests/paginate_http.rs` runs the same walks
//! against a real HTTP server.)

mod support;

use std::future::{Future, pending};
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use seqflow::{Page, PageRequest, Seq, seq};
use support::panics::panic_message;
use support::{DropFlag, Log, collect_checking_size_hint};
use tokio::sync::Notify;
use tokio_test::{assert_pending, assert_ready};

type Fetched = Pin<Box<dyn Future<Output = Result<Page<u32, usize>, String>> + Send>>;

/// An in-memory API over `items` with offset tokens; logs each request as
/// `fetch <offset>`.
fn api(
    items: Vec<u32>,
    log: &Log,
) -> impl FnMut(PageRequest<usize>) -> Fetched + Send + 'static + use<> {
    let log = log.clone();
    move |req: PageRequest<usize>| {
        let start = req.token.unwrap_or(0);
        log.push(format!("fetch {start}"));
        let end = (start + req.page_size.unwrap_or(10)).min(items.len());
        let page = Page::new(
            items[start..end].to_vec(),
            (end < items.len()).then_some(end),
        );
        Box::pin(async move {
            tokio::task::yield_now().await; // a real await, like a request
            Ok(page)
        })
    }
}

fn fetches(log: &Log) -> usize {
    log.events()
        .iter()
        .filter(|e| e.starts_with("fetch"))
        .count()
}

// ── laziness and stopping ──

#[tokio::test]
async fn no_request_before_the_first_element_is_wanted() {
    let log = Log::new();
    let walk = seq::paginate(api((0..30).collect(), &log)).page_size(10);
    tokio::task::yield_now().await;
    assert_eq!(walk.size_hint(), (0, None));
    assert!(log.events().is_empty(), "building a walk sent a request");
    drop(walk);
    assert!(log.events().is_empty());
}

#[tokio::test]
async fn the_walk_stops_after_the_page_without_a_next_token() {
    let log = Log::new();
    let walk = seq::paginate(api((0..25).collect(), &log)).page_size(10);
    let mut st = pin!(walk.stream());
    let mut got = Vec::new();
    while let Some(item) = futures::StreamExt::next(&mut st).await {
        got.push(item.unwrap());
    }
    assert_eq!(got, (0..25).collect::<Vec<_>>());
    assert_eq!(log.events(), ["fetch 0", "fetch 10", "fetch 20"]);
    // Fused: asking again sends nothing.
    assert!(futures::StreamExt::next(&mut st).await.is_none());
    assert_eq!(fetches(&log), 3);
}

#[tokio::test]
async fn take_never_requests_the_page_after_its_last_element() {
    for (n, pages) in [(0, 0), (1, 1), (10, 1), (11, 2), (20, 2), (21, 3)] {
        let log = Log::new();
        let got: Vec<u32> = seq::paginate(api((0..100).collect(), &log))
            .page_size(10)
            .take(n)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), n);
        assert_eq!(fetches(&log), pages, "take({n})");
    }
}

#[tokio::test]
async fn stopping_during_a_request_drops_it_and_sends_no_other() {
    let dropped = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(Mutex::new(0));
    let walk = seq::paginate({
        let dropped = dropped.clone();
        let requests = requests.clone();
        move |req: PageRequest<u32>| {
            *requests.lock().unwrap() += 1;
            // Only the second request carries the flag.
            let flag = req.token.map(|_| DropFlag(dropped.clone()));
            async move {
                if let Some(_in_flight) = flag {
                    pending::<()>().await; // the second page never comes
                }
                Ok::<_, ()>(Page::new(vec![1, 2], Some(1)))
            }
        }
    });
    let mut task = tokio_test::task::spawn(walk);
    macro_rules! next {
        () => {
            task.enter(|cx, s| s.poll_next(cx))
        };
    }
    assert_eq!(assert_ready!(next!()), Some(Ok(1)));
    assert_eq!(assert_ready!(next!()), Some(Ok(2)));
    assert_pending!(next!()); // page 2 in flight
    assert!(!dropped.load(Ordering::SeqCst));
    assert_ready!(task.enter(|cx, s| s.poll_stop(cx)));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the request in flight was not dropped"
    );
    assert_eq!(assert_ready!(next!()), None);
    assert_eq!(*requests.lock().unwrap(), 2);
}

#[tokio::test]
async fn stop_before_the_first_element_never_sends_a_request() {
    let log = Log::new();
    let mut task = tokio_test::task::spawn(seq::paginate(api(vec![1, 2, 3], &log)));
    assert_ready!(task.enter(|cx, s| s.poll_stop(cx)));
    assert_eq!(assert_ready!(task.enter(|cx, s| s.poll_next(cx))), None);
    assert!(log.events().is_empty());
}

// ── pages and tokens ──

#[tokio::test]
async fn empty_pages_with_a_next_token_are_walked_through() {
    let walk = seq::paginate(|req: PageRequest<u8>| async move {
        let p = req.token.unwrap_or(0);
        let items = if p % 2 == 0 { vec![] } else { vec![p] };
        Ok::<_, ()>(Page::new(items, (p < 5).then_some(p + 1)))
    });
    assert_eq!(walk.try_collect::<Vec<_>>().await, Ok(vec![1, 3, 5]));
}

#[tokio::test]
async fn page_size_and_start_at_reach_fetch() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let walk = seq::paginate({
        let seen = seen.clone();
        move |req: PageRequest<String>| {
            seen.lock().unwrap().push(req.clone());
            async move { Ok::<_, ()>(Page::new(vec![0], None)) }
        }
    })
    .page_size(33)
    .start_at("cursor-9".to_owned());
    assert_eq!(walk.count().await, 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [PageRequest {
            token: Some("cursor-9".to_owned()),
            page_size: Some(33),
        }]
    );
}

#[tokio::test]
async fn pages_yields_each_page_whole_with_its_token() {
    let log = Log::new();
    let pages: Vec<Page<u32, usize>> = seq::paginate(api((0..5).collect(), &log))
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages,
        [
            Page::new(vec![0, 1], Some(2)),
            Page::new(vec![2, 3], Some(4)),
            Page::new(vec![4], None),
        ]
    );
}

#[tokio::test]
async fn a_failed_request_is_the_last_element_without_a_policy() {
    let walk = seq::paginate(|req: PageRequest<u8>| async move {
        match req.token {
            None => Ok(Page::new(vec![1], Some(1))),
            Some(_) => Err("502 bad gateway"),
        }
    });
    let mut st = pin!(walk.stream());
    assert_eq!(futures::StreamExt::next(&mut st).await, Some(Ok(1)));
    assert_eq!(
        futures::StreamExt::next(&mut st).await,
        Some(Err("502 bad gateway"))
    );
    assert_eq!(futures::Stream::size_hint(&*st), (0, Some(0)));
    assert_eq!(futures::StreamExt::next(&mut st).await, None);
}

#[tokio::test]
async fn size_hint_counts_the_buffered_page_and_is_exact_at_the_end() {
    let log = Log::new();
    let walk = seq::paginate(api((0..23).collect(), &log)).page_size(5);
    let got = collect_checking_size_hint(walk.stream()).await;
    assert_eq!(got.len(), 23);
}

// ── checkpoints ──

fn checkpointing(log: &Log, items: u32) -> impl Seq<Item = Result<u32, String>> + Send + use<> {
    let hook_log = log.clone();
    seq::paginate(api((0..items).collect(), log))
        .page_size(10)
        .on_page(move |token: Option<usize>| {
            let log = hook_log.clone();
            async move {
                tokio::task::yield_now().await;
                log.push(format!("checkpoint {token:?}"));
            }
        })
}

#[tokio::test]
async fn on_page_runs_after_a_page_is_consumed_and_before_the_next_request() {
    let log = Log::new();
    assert_eq!(checkpointing(&log, 25).count().await, 25);
    assert_eq!(
        log.events(),
        [
            "fetch 0",
            "checkpoint Some(10)",
            "fetch 10",
            "checkpoint Some(20)",
            "fetch 20",
            "checkpoint None",
        ]
    );
}

#[tokio::test]
async fn on_page_does_not_move_past_an_item_the_consumer_failed_on() {
    // The consumer fails on item 19, the last of page 2: that page must not
    // be checkpointed, so a restart reads it again.
    let log = Log::new();
    let res = checkpointing(&log, 40)
        .try_for_each(|item| async move {
            if item == 19 {
                Err("could not store 19".to_owned())
            } else {
                Ok(())
            }
        })
        .await;
    assert_eq!(res, Err("could not store 19".to_owned()));
    assert_eq!(log.events(), ["fetch 0", "checkpoint Some(10)", "fetch 10"]);
}

#[tokio::test]
async fn a_checkpoint_under_way_when_the_consumer_stops_runs_to_its_end() {
    let release = Arc::new(Notify::new());
    let saved = Arc::new(Mutex::new(Vec::new()));
    let walk = seq::paginate(|req: PageRequest<u8>| async move {
        let p = req.token.unwrap_or(0);
        Ok::<_, ()>(Page::new(vec![p], Some(p + 1)))
    })
    .on_page({
        let release = release.clone();
        let saved = saved.clone();
        move |token| {
            let release = release.clone();
            let saved = saved.clone();
            async move {
                release.notified().await; // a slow write
                saved.lock().unwrap().push(token);
            }
        }
    });
    let mut task = tokio_test::task::spawn(walk);
    assert_eq!(
        assert_ready!(task.enter(|cx, s| s.poll_next(cx))),
        Some(Ok(0))
    );
    assert_pending!(task.enter(|cx, s| s.poll_next(cx))); // the checkpoint waits
    assert_pending!(task.enter(|cx, s| s.poll_stop(cx)));
    release.notify_one();
    assert!(task.is_woken());
    assert_ready!(task.enter(|cx, s| s.poll_stop(cx)));
    assert_eq!(*saved.lock().unwrap(), [Some(1)]);
    assert_eq!(assert_ready!(task.enter(|cx, s| s.poll_next(cx))), None);
}

// ── Pager ──

#[tokio::test(start_paused = true)]
async fn pager_next_page_is_cancel_safe() {
    let requests = Arc::new(Mutex::new(0));
    let mut pager = seq::paginate({
        let requests = requests.clone();
        move |req: PageRequest<u32>| {
            *requests.lock().unwrap() += 1;
            async move {
                tokio::time::sleep(Duration::from_secs(10)).await; // a slow server
                let p = req.token.unwrap_or(0);
                Ok::<_, ()>(Page::new(vec![p], (p < 1).then_some(p + 1)))
            }
        }
    })
    .pager(5);
    tokio::select! {
        _ = pager.next_page() => panic!("the page came before the timeout"),
        () = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
    // The request in flight was kept: the next call finishes it.
    assert_eq!(pager.next_page().await, Ok((vec![0], Some(1))));
    assert_eq!(*requests.lock().unwrap(), 1);
    assert_eq!(pager.next_page().await, Ok((vec![1], None)));
    assert_eq!(pager.next_page().await, Ok((vec![], None)));
    assert_eq!(*requests.lock().unwrap(), 2);
}

// ── panics, Debug, Send ──

#[tokio::test]
async fn a_panic_in_fetch_reaches_the_consumer() {
    let walk = seq::paginate(|req: PageRequest<u8>| async move {
        assert!(
            req.token.is_none(),
            "fetch exploded on page {:?}",
            req.token
        );
        Ok::<_, ()>(Page::new(vec![1], Some(1)))
    });
    let res = AssertUnwindSafe(walk.collect::<Vec<_>>())
        .catch_unwind()
        .await;
    let payload = res.expect_err("the panic was swallowed");
    assert_eq!(panic_message(&*payload), "fetch exploded on page Some(1)");
}

#[test]
fn walks_are_send_when_their_parts_are_and_debug_shows_state() {
    fn assert_send<T: Send>(_: &T) {}
    let log = Log::new();
    let walk = seq::paginate(api(vec![1], &log)).page_size(3).start_at(6);
    assert_send(&walk);
    let shown = format!("{walk:?}");
    assert!(shown.contains("Paginate"), "{shown}");
    assert!(shown.contains("next_token: Some(6)"), "{shown}");
    assert!(shown.contains("page_size: Some(3)"), "{shown}");
    let pager = seq::paginate(api(vec![1], &log)).pager(4);
    assert_send(&pager);
    assert_eq!(
        format!("{pager:?}"),
        "Pager { page_size: Some(4), next_token: None, done: false }"
    );
}

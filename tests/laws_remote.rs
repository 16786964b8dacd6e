//! Property tests: a paginated walk agrees with its `std` twin (the items
//! of `slice::chunks`, concatenated), whatever the page size, the
//! transient failures and the point where the consumer stops; a resumed
//! source delivers its log exactly once whatever the breaks.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::executor::block_on;
use proptest::prelude::*;
use seqflow::{Page, PageRequest, RetryPolicy, Seq, seq};

/// A policy that retries at once (no timer: runs on any executor).
fn immediate<E>() -> RetryPolicy<E> {
    RetryPolicy::new()
        .max_attempts(3)
        .sleep_with(|_| std::future::ready(()))
}

/// Counters of an in-memory walk.
#[derive(Default)]
struct Probe {
    /// Successful requests (offset of each page served).
    served: Vec<usize>,
    /// Checkpoints, in order.
    checkpoints: Vec<Option<usize>>,
}

/// A walk over `v` with offset tokens; page `i` fails `faults[i]` times
/// (at most 2, within the policy's budget of 3) before it is served.
fn walk(
    v: Vec<i32>,
    size: usize,
    faults: Vec<u32>,
    probe: &Arc<Mutex<Probe>>,
) -> impl Seq<Item = Result<i32, seqflow::RetryError<String, usize>>> + use<> {
    let fetch_probe = probe.clone();
    let hook_probe = probe.clone();
    let mut failed = vec![0u32; v.len() / size + 1];
    seq::paginate(move |req: PageRequest<usize>| {
        let start = req.token.unwrap_or(0);
        let page = start / size;
        let res = if failed[page] < faults.get(page).copied().unwrap_or(0) {
            failed[page] += 1;
            Err(format!("transient failure on page {page}"))
        } else {
            fetch_probe.lock().unwrap().served.push(start);
            let end = (start + req.page_size.unwrap()).min(v.len());
            Ok(Page::new(
                v[start..end].to_vec(),
                (end < v.len()).then_some(end),
            ))
        };
        std::future::ready(res)
    })
    .page_size(size)
    .on_page(move |token| {
        hook_probe.lock().unwrap().checkpoints.push(token);
        std::future::ready(())
    })
    .retry(immediate())
}

fn pages_needed(len: usize, size: usize, taken: usize) -> usize {
    if taken == 0 {
        0
    } else if taken > len {
        len.div_ceil(size).max(1)
    } else {
        taken.div_ceil(size)
    }
}

proptest! {
    #[test]
    fn paginate_agrees_with_chunks_and_stops_where_the_consumer_stops(
        v in prop::collection::vec(-100i32..100, 0..60),
        size in 1usize..9,
        faults in prop::collection::vec(0u32..3, 0..20),
        take in 0usize..70,
    ) {
        let probe = Arc::new(Mutex::new(Probe::default()));
        let got: Result<Vec<i32>, _> = block_on(walk(v.clone(), size, faults, &probe).take(take).try_collect());
        let expect: Vec<i32> = v.chunks(size).flatten().copied().take(take).collect();
        prop_assert_eq!(got.unwrap(), expect);

        let probe = probe.lock().unwrap();
        let pages = pages_needed(v.len(), size, take);
        let offsets: Vec<usize> = (0..pages).map(|p| p * size).collect();
        prop_assert_eq!(&probe.served, &offsets, "each needed page served once, in order, nothing more");
        // A page is checkpointed once the consumer asked past its end.
        let expect_checkpoints: Vec<Option<usize>> = if take > v.len() {
            (1..=pages).map(|p| (p * size < v.len()).then_some(p * size)).collect()
        } else {
            (1..=pages).map(|p| p * size).filter(|end| *end < take).map(Some).collect()
        };
        prop_assert_eq!(&probe.checkpoints, &expect_checkpoints);
    }

    #[test]
    fn pages_agree_with_chunks(
        v in prop::collection::vec(-100i32..100, 0..60),
        size in 1usize..9,
        faults in prop::collection::vec(0u32..3, 0..20),
    ) {
        let mut failed = vec![0u32; v.len() / size + 1];
        let src = v.clone();
        let pages: Vec<Vec<i32>> = block_on(
            seq::paginate(move |req: PageRequest<usize>| {
                let start = req.token.unwrap_or(0);
                let page = start / size;
                let res = if failed[page] < faults.get(page).copied().unwrap_or(0) {
                    failed[page] += 1;
                    Err("transient".to_owned())
                } else {
                    let end = (start + size).min(src.len());
                    Ok(Page::new(src[start..end].to_vec(), (end < src.len()).then_some(end)))
                };
                std::future::ready(res)
            })
            .retry(immediate())
            .pages()
            .try_collect::<Vec<_>>(),
        )
        .unwrap()
        .into_iter()
        .map(|p| p.items)
        .collect();
        let mut expect: Vec<Vec<i32>> = v.chunks(size).map(<[i32]>::to_vec).collect();
        if expect.is_empty() {
            expect.push(Vec::new()); // an empty collection is one empty page
        }
        prop_assert_eq!(pages, expect);
    }

    #[test]
    fn resume_delivers_the_log_exactly_once_whatever_the_breaks(
        len in 0u64..40,
        breaks in prop::collection::vec(0usize..6, 0..12),
        take in 0usize..80,
    ) {
        let plan = Arc::new(Mutex::new(breaks.into_iter().collect::<VecDeque<_>>()));
        let make = move |from: Option<u64>| {
            let start = from.map_or(1, |r| r + 1);
            let mut items: Vec<Result<u64, String>> = (start..=len).map(Ok).collect();
            if let Some(k) = plan.lock().unwrap().pop_front() {
                if k < items.len() {
                    items.truncate(k);
                    items.push(Err(format!("broken after {k}")));
                }
            }
            seq::iter(items)
        };
        let policy = RetryPolicy::new()
            .unlimited_attempts()
            .sleep_with(|_| std::future::ready(()));
        let got: Vec<Result<u64, String>> =
            block_on(seq::resume(make, |r: &u64| Some(*r), policy).take(take).collect());
        let ok: Vec<u64> = got.iter().filter_map(|g| g.as_ref().ok().copied()).collect();
        let expect: Vec<u64> = (1..=len).take(ok.len()).collect();
        prop_assert_eq!(&ok, &expect, "no loss, no duplicate, in order");
        if take > got.len() {
            prop_assert_eq!(ok.len() as u64, len, "the whole log arrived");
        }
    }
}

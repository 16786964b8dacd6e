//! The pull handles with `futures::StreamExt` in scope next to `Seq` and
//! `TrySeq`, as protocol code imports them: `collect`, `map`, `take`,
//! `filter` and friends on a `Pull`, `Pull2` or `LocalPull` are
//! `StreamExt`'s, never ambiguous (E0034) — the handles are streams, not
//! sequences. This file compiling is the main test.

use futures::StreamExt;
use seqflow::{Seq, TrySeq, pull, pull_local, pull2, seq};

#[tokio::test]
async fn contract_11_pull_takes_stream_ext_methods_with_seq_in_scope() {
    let evens: Vec<u32> = pull(seq::iter(1..=6))
        .filter(|x| std::future::ready(x % 2 == 0))
        .map(|x| x * 10)
        .take(2)
        .collect()
        .await;
    assert_eq!(evens, [20, 40]);

    let mut p = pull(seq::iter(["a", "b", "c"]));
    assert_eq!(p.next().await, Some("a")); // the inherent, cancel-safe `next`
    let rest: Vec<&str> = p.collect().await;
    assert_eq!(rest, ["b", "c"]);

    let mut p = pull(seq::iter([1, 2, 3]));
    let firsts: Vec<i32> = p.by_ref().take(2).collect().await;
    assert_eq!(firsts, [1, 2]);
    assert_eq!(p.next().await, Some(3));
}

#[tokio::test]
async fn contract_11_pull2_takes_stream_ext_methods_with_seq_in_scope() {
    let keys: Vec<&str> = pull2(seq::iter([("a", 1), ("b", 2), ("c", 3)]))
        .filter(|(_, v)| std::future::ready(*v != 2))
        .map(|(k, _)| k)
        .take(5)
        .collect()
        .await;
    assert_eq!(keys, ["a", "c"]);
}

#[tokio::test(flavor = "current_thread")]
async fn contract_11_local_pull_takes_stream_ext_methods_with_seq_in_scope() {
    let words: Vec<String> = pull_local(seq::iter(["x", "yy", "zzz"]))
        .map(str::to_owned)
        .filter(|w| std::future::ready(w.len() > 1))
        .take(1)
        .collect()
        .await;
    assert_eq!(words, ["yy"]);
}

#[tokio::test]
async fn into_seq_gives_the_seq_methods_back() {
    let firsts: Vec<u32> = pull(seq::iter(1..=6))
        .into_seq()
        .filter(|x| x % 2 == 1)
        .take(2)
        .collect()
        .await;
    assert_eq!(firsts, [1, 3]);
    let fallible = pull(seq::iter(vec![Ok::<u8, &str>(1), Err("bad"), Ok(3)])).into_seq();
    fn total(
        s: impl TrySeq<Ok = u8, Error = &'static str>,
    ) -> impl std::future::Future<Output = Result<u8, &'static str>> {
        s.try_fold(0, |a, x| Ok(a + x))
    }
    assert_eq!(total(fallible).await, Err("bad"));
}

#[tokio::test]
async fn sequences_keep_their_seq_methods_with_stream_ext_in_scope() {
    // No seqflow sequence is a `Stream`: `Seq` methods stay unambiguous on
    // them, and `stream()` is the explicit way over.
    let v: Vec<u32> = seq::iter(1..=3).map(|x| x + 1).take(2).collect().await;
    assert_eq!(v, [2, 3]);
    let v: Vec<u32> = seq::iter(1..=3).stream().map(|x| x * 2).collect().await;
    assert_eq!(v, [2, 4, 6]);
}

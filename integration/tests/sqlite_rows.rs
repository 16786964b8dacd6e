//! A real database through `seq::from_blocking` (contract 24): a SQLite
//! file written by rusqlite, its rows streamed by a sequence that owns the
//! connection and the statement (Go's `database/sql.Rows`). An early stop
//! finalizes the statement and closes the connection before the consumer
//! resumes; errors are elements; a panic in the row mapper surfaces. Both
//! runtime flavours.
//!
//! Self-contained: no shared test support, so the file can move to another
//! package as it is.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::FutureExt;
use rusqlite::{Connection, Row};
use seqflow::{BlockingYield, Seq, pull, seq};

const ROWS: i64 = 3_000;
/// The row whose `name` is NULL: mapping it to a `String` fails.
const NULL_ROW: i64 = 1_234;
const ALL: &str = "SELECT id, name FROM items ORDER BY id";

/// Runs one async test body on a `current_thread` runtime and on a
/// two-worker `multi_thread` runtime.
macro_rules! both_flavours {
    ($($name:ident => $body:expr;)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "current_thread")]
            async fn current_thread() {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn multi_thread() {
                $body.await
            }
        }
    )*};
}

/// A database file in a directory of its own, removed on drop.
struct Db {
    dir: PathBuf,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "seqflow-sqlite-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("items.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx.prepare("INSERT INTO items VALUES (?1, ?2)").unwrap();
            for id in 1..=ROWS {
                let name = (id != NULL_ROW).then(|| format!("item-{id}"));
                insert.execute(rusqlite::params![id, name]).unwrap();
            }
        }
        tx.commit().unwrap();
        conn.close().unwrap();
        Db { dir, path }
    }

    /// Whether another connection can take the exclusive lock: not while a
    /// statement of ours still reads the file.
    fn exclusive_lock_free(&self) -> bool {
        let conn = Connection::open(&self.path).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").is_ok()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn item(row: &Row<'_>) -> rusqlite::Result<(i64, String)> {
    Ok((row.get(0)?, row.get(1)?))
}

/// The rows of `sql` from the file at `path`, mapped by `map`; `closed` is
/// set once the connection was closed.
fn rows<T, M>(
    path: &Path,
    sql: &'static str,
    mut map: M,
    closed: &Arc<AtomicBool>,
) -> impl Seq<Item = Result<T, rusqlite::Error>> + Send + 'static + use<T, M>
where
    T: Send + 'static,
    M: FnMut(&Row<'_>) -> rusqlite::Result<T> + Send + 'static,
{
    let path = path.to_owned();
    let closed = closed.clone();
    seq::from_blocking(move |mut y: BlockingYield<Result<T, rusqlite::Error>>| {
        let conn = match Connection::open(&path) {
            Ok(conn) => conn,
            Err(e) => {
                y.yield_(Err(e));
                return;
            }
        };
        let stopped = 'rows: {
            let mut stmt = match conn.prepare(sql) {
                Ok(stmt) => stmt,
                Err(e) => break 'rows !y.yield_(Err(e)),
            };
            let mut cursor = match stmt.query([]) {
                Ok(cursor) => cursor,
                Err(e) => break 'rows !y.yield_(Err(e)),
            };
            loop {
                match cursor.next() {
                    Ok(Some(row)) => {
                        if !y.yield_(map(row)) {
                            break 'rows true;
                        }
                    }
                    Ok(None) => break 'rows false,
                    Err(e) => break 'rows !y.yield_(Err(e)),
                }
            }
        }; // the cursor and the statement are finalized here
        let closing = conn.close();
        closed.store(true, Ordering::SeqCst);
        if let Err((_, e)) = closing {
            if !stopped {
                y.yield_(Err(e));
            }
        }
    })
}

// ── every row, errors as elements ──

async fn all_rows_in_order_with_the_error_in_place() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let got: Vec<_> = rows(&db.path, ALL, item, &closed).collect().await;
    assert_eq!(got.len(), ROWS as usize);
    for (i, row) in got.iter().enumerate() {
        let id = i as i64 + 1;
        match row {
            Ok((got_id, name)) => {
                assert_eq!(
                    (*got_id, name.as_str()),
                    (id, format!("item-{id}").as_str())
                )
            }
            Err(rusqlite::Error::InvalidColumnType(1, _, _)) => assert_eq!(id, NULL_ROW),
            Err(e) => panic!("unexpected error at {id}: {e}"),
        }
    }
    assert!(closed.load(Ordering::SeqCst));
    assert!(db.exclusive_lock_free());
}

async fn try_collect_ends_at_the_error_and_closes() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let got = rows(&db.path, ALL, item, &closed)
        .try_collect::<Vec<_>>()
        .await;
    assert!(matches!(
        got,
        Err(rusqlite::Error::InvalidColumnType(1, _, _))
    ));
    assert!(
        closed.load(Ordering::SeqCst),
        "closed before try_collect returned"
    );
    assert!(db.exclusive_lock_free());
}

async fn a_bad_query_is_an_error_element() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let got: Vec<_> = rows(&db.path, "SELECT nope FROM items", item, &closed)
        .collect()
        .await;
    assert_eq!(got.len(), 1);
    assert!(
        matches!(got[0], Err(rusqlite::Error::SqlInputError { .. })),
        "{:?}",
        got[0]
    );
}

both_flavours! {
    contract_24_sqlite_streams_every_row_in_order_errors_as_elements => all_rows_in_order_with_the_error_in_place();
    contract_24_sqlite_try_collect_ends_at_the_error_and_closes => try_collect_ends_at_the_error_and_closes();
    contract_24_sqlite_a_bad_query_is_an_error_element => a_bad_query_is_an_error_element();
}

// ── early stop: finalized and closed before the consumer resumes ──

async fn take_closes_before_the_consumer_resumes() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let got: Vec<_> = rows(&db.path, ALL, item, &closed)
        .take(10)
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(got.len(), 10);
    assert_eq!(got[9], (10, "item-10".to_owned()));
    assert!(
        closed.load(Ordering::SeqCst),
        "the connection was closed before collect returned"
    );
    assert!(db.exclusive_lock_free(), "the statement was finalized");
}

async fn for_each_break_closes_before_it_returns() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let mut seen = 0;
    rows(&db.path, ALL, item, &closed)
        .for_each(|row| {
            seen += 1;
            std::future::ready(row.unwrap().0 < 100)
        })
        .await;
    assert_eq!(seen, 100);
    assert!(closed.load(Ordering::SeqCst));
    assert!(db.exclusive_lock_free());
}

async fn the_lock_is_held_while_rows_are_pending() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let mut p = pull(rows(&db.path, ALL, item, &closed));
    assert_eq!(p.next().await.unwrap().unwrap().0, 1);
    // The statement is mid-query: its read lock keeps others from the
    // exclusive lock (the control for the assertions above).
    assert!(!db.exclusive_lock_free());
    assert!(!closed.load(Ordering::SeqCst));
    p.stop().await;
    assert!(closed.load(Ordering::SeqCst));
    assert!(db.exclusive_lock_free());
}

both_flavours! {
    contract_24_sqlite_take_closes_the_connection_before_the_consumer_resumes => take_closes_before_the_consumer_resumes();
    contract_24_sqlite_for_each_break_closes_the_connection_before_it_returns => for_each_break_closes_before_it_returns();
    contract_24_sqlite_the_read_lock_is_held_until_the_stop => the_lock_is_held_while_rows_are_pending();
}

// ── a panic in the row mapper ──

async fn mapper_panic_surfaces() {
    let db = Db::new();
    let closed = Arc::new(AtomicBool::new(false));
    let mapper = |row: &Row<'_>| {
        let id: i64 = row.get(0)?;
        assert!(id != 500, "the mapper cannot map row {id}");
        Ok(id)
    };
    let mut delivered = 0;
    let caught = AssertUnwindSafe(rows(&db.path, ALL, mapper, &closed).for_each(|row| {
        delivered = row.unwrap();
        std::future::ready(true)
    }))
    .catch_unwind()
    .await;
    let payload = caught.expect_err("the mapper's panic surfaced");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_eq!(msg, "the mapper cannot map row 500");
    assert_eq!(delivered, 499, "every row before it was delivered");
    // The unwinding dropped the statement and the connection (no `close`).
    assert!(!closed.load(Ordering::SeqCst));
    assert!(db.exclusive_lock_free());
}

both_flavours! {
    contract_24_sqlite_a_panic_in_the_row_mapper_surfaces => mapper_panic_surfaces();
}

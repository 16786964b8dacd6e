//! A real database as a sequence: the rows of a SQLite query (rusqlite, a
//! blocking driver) streamed through `seq::from_blocking`.
//!
//! This is Go's `database/sql.Rows` loop turned inside out. The connection
//! and the prepared statement belong to the sequence: they are opened on a
//! thread of tokio's blocking pool when the first row is wanted, and when the
//! consumer stops early (`take`, a `for_each` body returning `false`) the
//! statement is finalized and the connection closed *before* the consumer
//! goes on, just as `defer rows.Close()` runs before Go's range loop exits.
//! Errors are elements (`Result<T, rusqlite::Error>`), like Go's
//! `iter.Seq2[T, error]`.
//!
//! The producer steps the cursor up to 256 rows ahead of the consumer (the
//! default bound of `from_blocking`), so the two threads rarely wait for
//! each other; rows read ahead and never delivered are dropped when the
//! consumer stops. `seq::from_blocking_buffered(0, f)` would step one row
//! at a time, each only once the previous one was taken.
//!
//! Run with `cargo run -p seqflow-integration --example sqlite_rows`.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, Row};
use seqflow::{BlockingYield, Seq, seq};

#[derive(Debug, Clone, PartialEq)]
struct Order {
    id: i64,
    customer: String,
    cents: i64,
}

impl Order {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Order> {
        Ok(Order {
            id: row.get(0)?,
            customer: row.get(1)?,
            cents: row.get(2)?,
        })
    }
}

/// The rows of `sql`, mapped by `map`, from the database file at `path`.
///
/// Opening, preparing and stepping all happen on the producer's thread, at
/// the first poll. A failure to open or prepare is the only element; an
/// error while stepping ends the rows after it.
fn rows<T, M>(
    path: PathBuf,
    sql: &'static str,
    mut map: M,
) -> impl Seq<Item = Result<T, rusqlite::Error>> + Send + 'static
where
    T: Send + 'static,
    M: FnMut(&Row<'_>) -> rusqlite::Result<T> + Send + 'static,
{
    seq::from_blocking(move |mut y: BlockingYield<Result<T, rusqlite::Error>>| {
        let conn = match Connection::open(&path) {
            Ok(conn) => conn,
            Err(e) => {
                y.yield_(Err(e));
                return;
            }
        };
        let stopped = stream_rows(&conn, sql, &mut map, &mut y);
        // The statement is finalized (dropped in `stream_rows`); now the
        // connection. Only then does the consumer's stop complete.
        if let Err((_conn, e)) = conn.close() {
            if !stopped {
                y.yield_(Err(e));
            }
        }
    })
}

/// Steps the query, yielding each mapped row. Returns whether the consumer
/// stopped. The statement and its cursor borrow `conn`; both are dropped
/// (finalized) when this returns.
fn stream_rows<T>(
    conn: &Connection,
    sql: &str,
    map: &mut impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    y: &mut BlockingYield<Result<T, rusqlite::Error>>,
) -> bool {
    let mut stmt = match conn.prepare(sql) {
        Ok(stmt) => stmt,
        Err(e) => return !y.yield_(Err(e)),
    };
    let mut cursor = match stmt.query([]) {
        Ok(cursor) => cursor,
        Err(e) => return !y.yield_(Err(e)),
    };
    loop {
        match cursor.next() {
            Ok(Some(row)) => {
                if !y.yield_(map(row)) {
                    return true;
                }
            }
            Ok(None) => return false,
            Err(e) => return !y.yield_(Err(e)),
        }
    }
}

/// Creates the database with `n` orders; order 13's customer is NULL.
fn create(path: &Path, n: i64) -> rusqlite::Result<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, cents INTEGER NOT NULL)",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO orders VALUES (?1, ?2, ?3)")?;
        for id in 1..=n {
            let customer = (id != 13).then(|| format!("customer-{}", id % 7));
            insert.execute(rusqlite::params![id, customer, id * 10])?;
        }
    }
    tx.commit()
}

/// Whether another connection can take the database's exclusive lock: not
/// while a statement of ours still reads it.
fn exclusive_lock_free(path: &Path) -> bool {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").is_ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("seqflow-sqlite-rows-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("orders.db");
    let _ = std::fs::remove_file(&path);
    create(&path, 5_000)?;

    // Every row; the NULL customer of order 13 is an error element.
    let all = "SELECT id, customer, cents FROM orders ORDER BY id";
    println!(
        "=== 1. from_blocking: every row of a SQLite query; a NULL customer is an error element, not a crash ==="
    );
    let (mut total, mut errors) = (0, Vec::new());
    rows(path.clone(), all, Order::from_row)
        .for_each(|row| {
            match row {
                Ok(order) => total += order.cents,
                Err(e) => errors.push(e.to_string()),
            }
            async { true }
        })
        .await;
    println!("total {total} cents, {} error(s): {errors:?}", errors.len());
    assert_eq!(total, (1..=5_000).sum::<i64>() * 10 - 130);
    assert_eq!(errors.len(), 1);

    // Early stop: the first three orders. When `collect` returns, the
    // statement is finalized and the connection closed, so the exclusive
    // lock is free at once.
    println!(
        "\n=== 2. take(3): an early stop finalizes the statement and closes the connection before collect returns ==="
    );
    let first: Vec<Order> = rows(path.clone(), all, Order::from_row)
        .take(3)
        .map(Result::unwrap)
        .collect()
        .await;
    println!("first three: {first:?}");
    assert_eq!(first.iter().map(|o| o.id).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(
        exclusive_lock_free(&path),
        "the connection was closed before `collect` returned"
    );

    // `try_collect` stops at the first error, and closes all the same.
    println!(
        "\n=== 3. try_collect: stops at the first error, and closes the connection all the same ==="
    );
    let failed = rows(path.clone(), all, Order::from_row)
        .try_collect::<Vec<_>>()
        .await;
    println!("try_collect: {:?}", failed.as_ref().map(Vec::len));
    assert!(failed.is_err());
    assert!(exclusive_lock_free(&path));

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

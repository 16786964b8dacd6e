//! A lazy log pipeline: read records from a "file" one at a time, count the
//! errors per service, and stop reading at the first fatal record. The
//! producer owns its file handle and closes it however the consumer stops.
//! Unparsable lines are `Err` elements, and they stay elements to the end:
//! every step passes them through, and the consumer reports them.
//!
//! Run with `cargo run --example pipeline`.

use std::collections::BTreeMap;
use std::time::Duration;

use seqflow::{Seq, Yield, seq};

/// One parsed log record.
#[derive(Debug, Clone)]
struct Record {
    line: usize,
    level: Level,
    service: &'static str,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Info,
    Error,
    Fatal,
}

/// A parse failure, reported as an element rather than a panic.
#[derive(Debug)]
struct BadRecord {
    line: usize,
}

/// Stands in for an open file: it reports when it is closed.
struct LogFile {
    name: &'static str,
    next_line: usize,
}

impl LogFile {
    async fn open(name: &'static str) -> LogFile {
        println!("open  {name}");
        LogFile { name, next_line: 0 }
    }

    /// Reads the next raw line. The "file" is generated: a deterministic mix
    /// of levels and services with planted errors, one planted fatal record
    /// and one unparsable line; every 512 lines a buffer refill waits on I/O.
    async fn read_line(&mut self) -> Option<String> {
        if self.next_line % 512 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        self.next_line += 1;
        let n = self.next_line;
        if n > 10_000 {
            return None;
        }
        // The error, fatal and garbage records are planted, and say so.
        let service = ["auth", "billing", "search"][n % 3];
        Some(match n {
            7_321 => format!("FATAL {service} [injected fatal] disk full"),
            _ if n % 97 == 0 => format!("ERROR {service} [injected error] request {n} failed"),
            9_999 => "[injected garbage]".to_owned(),
            _ => format!("INFO {service} request {n} done"),
        })
    }

    async fn close(self) {
        tokio::time::sleep(Duration::from_millis(1)).await; // flush, release
        println!("close {} after {} lines", self.name, self.next_line);
    }
}

/// The library side: a lazy, resource-owning, fallible sequence of records.
/// Nothing is opened until the caller starts consuming.
fn records(name: &'static str) -> impl Seq<Item = Result<Record, BadRecord>> + Send + 'static {
    seq::try_from_fn(move |mut y: Yield<Record>| async move {
        let mut file = LogFile::open(name).await;
        let mut result = Ok(());
        while let Some(raw) = file.read_line().await {
            let line = file.next_line;
            let record = match parse(line, &raw) {
                Ok(record) => record,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if !y.yield_(record).await {
                break; // the consumer stopped
            }
        }
        file.close().await; // runs however the loop ended
        result
    })
}

fn parse(line: usize, raw: &str) -> Result<Record, BadRecord> {
    let mut parts = raw.splitn(3, ' ');
    let level = match parts.next() {
        Some("INFO") => Level::Info,
        Some("ERROR") => Level::Error,
        Some("FATAL") => Level::Fatal,
        _ => return Err(BadRecord { line }),
    };
    let service = match parts.next() {
        Some("auth") => "auth",
        Some("billing") => "billing",
        Some("search") => "search",
        _ => return Err(BadRecord { line }),
    };
    let message = parts.next().unwrap_or_default().to_owned();
    Ok(Record {
        line,
        level,
        service,
        message,
    })
}

#[tokio::main]
async fn main() {
    // 1. Count errors per service, stopping at the first fatal record: the
    //    whole loop in one `for_each`, whose body breaks by returning false.
    println!(
        "=== 1. for_each: count errors per service, break at the first fatal record (the file is closed before for_each returns) ==="
    );
    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    let mut fatal = None;
    records("app.log")
        .for_each(|record| {
            let go_on = match record {
                Ok(r) if r.level == Level::Fatal => {
                    fatal = Some(r);
                    false // break: the producer closes the file, then we go on
                }
                Ok(r) => {
                    if r.level == Level::Error {
                        *errors.entry(r.service).or_default() += 1;
                    }
                    true
                }
                Err(bad) => {
                    println!("unparsable line {}", bad.line);
                    false // a fallible producer ends at its first error
                }
            };
            async move { go_on }
        })
        .await;
    println!("errors per service: {errors:?}");
    match &fatal {
        Some(r) => println!("stopped at fatal record, line {}: {}", r.line, r.message),
        None => println!("no fatal record"),
    }

    // 2. The same source as a pipeline of adapters: the first five billing
    //    errors, as line numbers. Errors stay elements to the end:
    //    `try_filter` and `map_ok` shape the `Ok` records and let a
    //    `BadRecord` through, and the consumer reports it. (Never
    //    `filter_map(Result::ok)`: it makes the errors vanish.) Reading
    //    stops after the fifth element.
    println!(
        "\n=== 2. try_filter + map_ok + take(5): the first five billing errors; reading stops after the fifth ==="
    );
    let firsts: Vec<Result<usize, BadRecord>> = records("app.log")
        .try_filter(|r| r.level == Level::Error && r.service == "billing")
        .map_ok(|r| r.line)
        .take(5)
        .collect()
        .await;
    let (billing_errors, unparsable): (Vec<_>, Vec<_>) =
        firsts.into_iter().partition(Result::is_ok);
    let billing_errors: Vec<usize> = billing_errors.into_iter().flatten().collect();
    println!(
        "first billing errors at lines {billing_errors:?}, {} unparsable",
        unparsable.len()
    );
    assert_eq!(billing_errors.len(), 5);

    // 3. Counting with a bound: how many records before the fatal one, with
    //    `try_take_while` ending the read there (an unparsable line before
    //    it would be counted too, not lost).
    println!("\n=== 3. try_take_while + count: how many records come before the fatal one ===");
    let before_fatal = records("app.log")
        .try_take_while(|r| r.level != Level::Fatal)
        .count()
        .await;
    println!("{before_fatal} records before the fatal one");
    assert_eq!(Some(before_fatal + 1), fatal.map(|r| r.line));

    // 4. The whole file, errors reported as they pass and counted at the
    //    end: records in batches of 1000 (say, for a bulk insert), with a
    //    parse failure flushing the batch before it and arriving on its own.
    println!(
        "\n=== 4. try_batched(1000): the whole file in batches for a bulk insert; a parse error arrives on its own ==="
    );
    let mut inserted = 0;
    let mut failures = Vec::new();
    records("app.log")
        .inspect_err(|bad| println!("unparsable line {}", bad.line))
        .try_batched(1000)
        .for_each(|batch| {
            match batch {
                Ok(batch) => inserted += batch.len(), // `INSERT ... VALUES` here
                Err(bad) => failures.push(bad.line),
            }
            async { true }
        })
        .await;
    println!(
        "inserted {inserted} records, {} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(failures, [9_999]);
    assert_eq!(inserted, 9_998);
}

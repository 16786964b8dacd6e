//! Push to pull in protocol code: two TCP sources of length-delimited
//! frames, parsed by producers and pulled one frame per request.
//!
//! A server on `127.0.0.1:0` sends frames with tokio-util's
//! `LengthDelimitedCodec`. A producer (`seq::from_fn`) reads them with
//! `FramedRead`, parses each and yields it. The consumer turns each source
//! into a [`Pull`] handle and asks for exactly one frame per request, inside
//! `tokio::select!` with a per-request timeout:
//!
//! - `Pull::next` is cancel safe, so a request that times out in the middle
//!   of a frame loses nothing: the partial frame stays in the producer's
//!   `FramedRead`, and the next request returns the whole frame.
//! - Two sources interleave: a frame from `a`, then one from `b`, ...
//! - `stop()` makes the producer's pending `yield_` return `false`; the
//!   producer then sends a goodbye frame (async cleanup), and `stop()`
//!   returns only after it did. The producer reads inside
//!   `y.until_stopped(..)`, so a stop that comes while it waits for a frame
//!   is heard there too, and the goodbye still goes out (a producer waiting
//!   anywhere else would be dropped at the stop). The server prints what it
//!   received.
//! - A CPU-heavy parser, inline and behind `prefetch(0)`: inline, each parse
//!   runs inside `next()` on the consumer's task and stalls the other
//!   branches of its `select!`; `pull(seq.prefetch(0))` runs the producer on
//!   a task of its own (Go's goroutine-backed `iter.Pull`), so a ticker in
//!   the same loop keeps time on a multi-thread runtime.
//!
//! Run with `cargo run --example protocol_frames`.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use seqflow::{Pull, Seq, Yield, pull, seq};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

pub(crate) const GOODBYE: &[u8] = b"goodbye";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub(crate) source: String,
    pub(crate) n: u32,
    pub(crate) body: String,
}

/// Parses `source:n:body`.
pub(crate) fn parse(bytes: &[u8]) -> io::Result<Frame> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let mut parts = text.splitn(3, ':');
    let (Some(source), Some(n), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not source:n:body"));
    };
    Ok(Frame {
        source: source.to_owned(),
        n: n.parse().map_err(|_| bad("bad frame number"))?,
        body: body.to_owned(),
    })
}

/// The parsed frames of the server at `addr`; errors are elements. When the
/// consumer stops, the producer says goodbye, then reads on to the server's
/// close so that its own close is clean.
pub(crate) fn frames(addr: SocketAddr) -> impl Seq<Item = io::Result<Frame>> + Send + 'static {
    frames_parsed_by(addr, parse)
}

/// A parser that also verifies a (deliberately slow) checksum of the body:
/// a few milliseconds of CPU per frame.
fn heavy_parse(bytes: &[u8]) -> io::Result<Frame> {
    let start = Instant::now();
    let mut sum = 0u64;
    while start.elapsed() < Duration::from_millis(8) {
        for b in bytes {
            sum = sum.wrapping_mul(31).wrapping_add(u64::from(*b));
        }
    }
    std::hint::black_box(sum);
    parse(bytes)
}

/// [`frames`] with the parser of your choice.
fn frames_parsed_by(
    addr: SocketAddr,
    parser: fn(&[u8]) -> io::Result<Frame>,
) -> impl Seq<Item = io::Result<Frame>> + Send + 'static {
    seq::from_fn(move |mut y: Yield<io::Result<Frame>>| async move {
        let stream = match TcpStream::connect(addr).await {
            Ok(stream) => stream,
            Err(e) => {
                y.yield_(Err(e)).await;
                return;
            }
        };
        let (rd, wr) = stream.into_split();
        let mut rd = FramedRead::new(rd, LengthDelimitedCodec::new());
        let mut wr = FramedWrite::new(wr, LengthDelimitedCodec::new());
        loop {
            // Waiting for a frame is where this producer spends its time: a
            // stop that comes meanwhile is heard here (`None`), so the
            // goodbye below is still sent.
            let read = match y.until_stopped(rd.next()).await {
                None => break,        // the consumer stopped
                Some(None) => return, // the server closed
                Some(Some(read)) => read,
            };
            let failed = read.is_err();
            if !y.yield_(read.and_then(|bytes| parser(&bytes))).await || failed {
                break;
            }
        }
        // The consumer stopped: say goodbye before the stop completes.
        if wr.send(Bytes::from_static(GOODBYE)).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(Ok(_)) = rd.next().await {}
            })
            .await;
        }
    })
}

/// A server that sends `count` frames of `source`; frame `slow` arrives in
/// two halves, `pause` apart. Returns what the client sent, once it said
/// goodbye (or left); closes its side only then.
async fn serve(
    source: &'static str,
    count: u32,
    slow: u32,
    pause: Duration,
) -> io::Result<(SocketAddr, JoinHandle<Vec<Bytes>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("a client");
        let (rd, mut wr) = socket.into_split();
        let reader = tokio::spawn(async move {
            let mut rd = FramedRead::new(rd, LengthDelimitedCodec::new());
            let mut got = Vec::new();
            while let Some(Ok(frame)) = rd.next().await {
                let bye = frame.as_ref() == GOODBYE;
                got.push(frame.freeze());
                if bye {
                    break;
                }
            }
            got
        });
        for n in 0..count {
            let body = format!("{source}:{n}:{}", "payload ".repeat(n as usize % 5));
            let mut wire = (body.len() as u32).to_be_bytes().to_vec();
            wire.extend_from_slice(body.as_bytes());
            let half = if n == slow {
                4 + body.len() / 2
            } else {
                wire.len()
            };
            if wr.write_all(&wire[..half]).await.is_err() {
                break;
            }
            if half < wire.len() {
                tokio::time::sleep(pause).await;
                if wr.write_all(&wire[half..]).await.is_err() {
                    break;
                }
            }
        }
        let got = reader.await.expect("the reader");
        drop(wr);
        got
    });
    Ok((addr, server))
}

/// One request: the next frame, or `None` if none came within `within`.
async fn request(p: &mut Pull<io::Result<Frame>>, within: Duration) -> Option<io::Result<Frame>> {
    tokio::select! {
        frame = p.next() => frame,
        () = tokio::time::sleep(within) => None,
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let per_request = Duration::from_millis(100);
    // Source `a` pauses 350 ms in the middle of its frame 2.
    let (addr_a, server_a) = serve("a", 100, 2, Duration::from_millis(350)).await?;
    let (addr_b, server_b) = serve("b", 100, u32::MAX, Duration::ZERO).await?;
    let mut a = pull(frames(addr_a));
    let mut b = pull(frames(addr_b));

    println!(
        "=== 1. two TCP sources pulled one frame per request, with a timeout; a frame late mid-way is not lost ==="
    );
    let mut got = Vec::new();
    let mut timeouts = 0;
    while got.len() < 8 {
        // Alternate: one frame from `a`, one from `b`.
        let (name, p) = if got.len() % 2 == 0 {
            ("a", &mut a)
        } else {
            ("b", &mut b)
        };
        match request(p, per_request).await {
            Some(frame) => {
                let frame = frame?;
                println!(
                    "{name}: frame {} ({} bytes of body)",
                    frame.n,
                    frame.body.len()
                );
                got.push(format!("{}{}", frame.source, frame.n));
            }
            None => {
                // Mid-frame: nothing is lost, the next request gets it whole.
                timeouts += 1;
                println!("{name}: no frame within {per_request:?}, asking again");
            }
        }
    }
    assert_eq!(got, ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]);
    assert!(timeouts >= 1, "frame a2 was late");

    // Stop both mid-stream: each producer sends its goodbye before `stop`
    // returns.
    println!(
        "\n=== 2. stop() mid-stream: each producer sends its goodbye frame before stop returns ==="
    );
    a.stop().await;
    b.stop().await;
    for (name, server) in [("a", server_a), ("b", server_b)] {
        let received = server.await.expect("the server");
        println!("server {name} received {received:?}");
        assert_eq!(received, [Bytes::from_static(GOODBYE)]);
    }

    // A CPU-heavy parser. Inline (`pull(s)`), it runs on the consumer's
    // task inside `next()`, so the ticker of the same `select!` loop stalls
    // for each parse. With `pull(s.prefetch(0))` the producer runs on a task
    // of its own (still only while the consumer waits for a frame, at most
    // one frame ahead), and on a multi-thread runtime the ticker keeps time.
    println!(
        "\n=== 3. a CPU-heavy parser inline vs behind prefetch(0): how long a 2 ms ticker in the same select! loop stalls ==="
    );
    for variant in ["inline", "prefetch(0)"] {
        let (addr, server) = serve("c", 100, u32::MAX, Duration::ZERO).await?;
        let heavy = frames_parsed_by(addr, heavy_parse);
        let mut p = if variant == "inline" {
            pull(heavy.boxed())
        } else {
            pull(heavy.prefetch(0).boxed())
        };
        let mut ticker = tokio::time::interval(Duration::from_millis(2));
        let (mut last_tick, mut worst_gap, mut got) = (Instant::now(), Duration::ZERO, 0);
        while got < 10 {
            tokio::select! {
                frame = p.next() => {
                    assert_eq!(frame.expect("a frame")?.n, got);
                    got += 1;
                }
                _ = ticker.tick() => {
                    worst_gap = worst_gap.max(last_tick.elapsed());
                    last_tick = Instant::now();
                }
            }
        }
        p.stop().await;
        assert_eq!(
            server.await.expect("the server"),
            [Bytes::from_static(GOODBYE)]
        );
        println!("{variant:>11}: 10 heavy frames; the 2 ms ticker's longest gap was {worst_gap:?}");
    }
    Ok(())
}

//! Real protocol code: a TCP server on loopback sends length-delimited
//! frames (tokio-util's `LengthDelimitedCodec`), a producer parses them from
//! the socket and yields them, and the consumer `pull`s one frame per
//! request inside `tokio::select!` with a per-request timeout. A timeout in
//! the middle of a frame loses nothing (contract 10), two sources
//! interleave, and a stop makes the producer send a goodbye frame, which the
//! server receives (contract 2 and 8: the stop waits for the async cleanup),
//! even when it comes while the producer waits for a frame: the read is
//! inside `y.until_stopped(..)` (contract 20). The timeout and stop cases
//! run again on `pull(frames.prefetch(0))`, the rendezvous on a task of its
//! own (contract 23).
//! Both runtime flavours; bounded loops, loopback only.
//!
//! The protocol (frames, the parser, the producer that says goodbye) is the
//! one of `examples/protocol_frames.rs`, compiled in here, so these tests
//! prove the example's own code; the servers are the tests' own.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use seqflow::{Pull, Seq, pull};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

#[path = "../examples/protocol_frames.rs"]
#[allow(dead_code)] // the example's `main` and its demo helpers
mod example;

use example::{Frame, GOODBYE, frames, parse};

/// Bounds every wait of the tests; never reached when they pass.
const PATIENCE: Duration = Duration::from_secs(10);

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

// ── the protocol ──

fn encode(source: &str, n: u32) -> String {
    // Bodies of varied length, some longer than one read.
    format!("{source}:{n}:{}", "x".repeat((n as usize * 37) % 300))
}

/// One request: the next frame, or `None` if none came within `within`.
async fn request(p: &mut Pull<io::Result<Frame>>, within: Duration) -> Option<Option<Frame>> {
    tokio::select! {
        frame = p.next() => Some(frame.map(|f| f.expect("a well-formed frame"))),
        () = tokio::time::sleep(within) => None,
    }
}

// ── the server ──

/// Holds frame `at` back after its first half until `go`; `half_sent`
/// reports that the half is on the wire.
struct Gate {
    at: u32,
    half_sent: oneshot::Sender<()>,
    go: oneshot::Receiver<()>,
}

/// A server on `127.0.0.1:0` that accepts one connection, writes `count`
/// frames of `source` in small pieces, and returns the frames the client
/// sent until it closed (or sent goodbye). It closes its side only after
/// that, so a client that stops early can still say goodbye.
async fn serve(
    source: &'static str,
    count: u32,
    gate: Option<Gate>,
) -> (SocketAddr, JoinHandle<Vec<Bytes>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = socket.into_split();
        let (bye_tx, mut bye_rx) = oneshot::channel();
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
            let _ = bye_tx.send(());
            got
        });
        let mut gate = gate;
        'write: for n in 0..count {
            let body = encode(source, n);
            let mut wire = (body.len() as u32).to_be_bytes().to_vec();
            wire.extend_from_slice(body.as_bytes());
            let mut held = gate.take_if(|g| g.at == n);
            // The header and half the body, then (if held) a pause, then the rest.
            let (first, rest) = wire.split_at(if held.is_some() {
                4 + body.len() / 2
            } else {
                wire.len()
            });
            for (i, part) in [first, rest].into_iter().enumerate() {
                for piece in part.chunks(7) {
                    if wr.write_all(piece).await.is_err() {
                        break 'write; // the client left
                    }
                    tokio::task::yield_now().await;
                }
                if let Some(g) = held.take_if(|_| i == 0) {
                    let _ = g.half_sent.send(());
                    // Hold the rest back until told, or until the client left.
                    tokio::select! {
                        _ = g.go => {}
                        _ = &mut bye_rx => break 'write,
                    }
                }
            }
        }
        let got = reader.await.unwrap();
        drop(wr);
        got
    });
    (addr, handle)
}

// ── one frame per request, a timeout mid-frame ──

/// `pull(frames)`, or with `on_task` the rendezvous on a task of its own,
/// `pull(frames.prefetch(0))` (contract 23).
fn pull_frames(addr: SocketAddr, on_task: bool) -> Pull<io::Result<Frame>> {
    if on_task {
        pull(frames(addr).prefetch(0))
    } else {
        pull(frames(addr))
    }
}

async fn timeout_mid_frame_loses_nothing(on_task: bool) {
    let (half_tx, half_rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel();
    let gate = Gate {
        at: 1,
        half_sent: half_tx,
        go: go_rx,
    };
    let (addr, server) = serve("a", 3, Some(gate)).await;
    let mut p = pull_frames(addr, on_task);

    let f0 = request(&mut p, PATIENCE)
        .await
        .expect("in time")
        .expect("a frame");
    assert_eq!(f0, parse(encode("a", 0).as_bytes()).unwrap());

    // Frame 1 is half on the wire: a short request times out in the middle
    // of it, with the producer holding the partial frame.
    half_rx.await.unwrap();
    assert_eq!(
        request(&mut p, Duration::from_millis(50)).await,
        None,
        "timed out"
    );
    assert_eq!(
        request(&mut p, Duration::from_millis(10)).await,
        None,
        "again"
    );
    go_tx.send(()).unwrap();

    let f1 = request(&mut p, PATIENCE)
        .await
        .expect("in time")
        .expect("a frame");
    assert_eq!(
        f1,
        parse(encode("a", 1).as_bytes()).unwrap(),
        "nothing was lost"
    );
    let f2 = request(&mut p, PATIENCE)
        .await
        .expect("in time")
        .expect("a frame");
    assert_eq!(f2.n, 2);

    tokio::time::timeout(PATIENCE, p.stop())
        .await
        .expect("the stop completes");
    let got = tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got,
        [Bytes::from_static(GOODBYE)],
        "the server got the goodbye"
    );
}

async fn stop_while_waiting_mid_frame_says_goodbye(on_task: bool) {
    let (half_tx, half_rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let gate = Gate {
        at: 1,
        half_sent: half_tx,
        go: go_rx,
    };
    let (addr, server) = serve("a", 3, Some(gate)).await;
    let mut p = pull_frames(addr, on_task);
    assert_eq!(p.next().await.unwrap().unwrap().n, 0);
    half_rx.await.unwrap();
    assert_eq!(
        request(&mut p, Duration::from_millis(50)).await,
        None,
        "timed out"
    );
    // The producer waits inside `until_stopped(rd.next())` with half a frame
    // read: the stop is heard there, and the goodbye goes out.
    tokio::time::timeout(PATIENCE, p.stop())
        .await
        .expect("the stop completes");
    let got = tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got,
        [Bytes::from_static(GOODBYE)],
        "the server got the goodbye"
    );
    drop(go_tx);
}

both_flavours! {
    contract_10_protocol_timeout_mid_frame_loses_nothing => timeout_mid_frame_loses_nothing(false);
    contract_20_protocol_stop_while_waiting_for_a_frame_still_says_goodbye => stop_while_waiting_mid_frame_says_goodbye(false);
    contract_23_protocol_prefetch0_timeout_mid_frame_loses_nothing => timeout_mid_frame_loses_nothing(true);
    contract_23_protocol_prefetch0_stop_while_waiting_for_a_frame_still_says_goodbye => stop_while_waiting_mid_frame_says_goodbye(true);
}

// ── two sources, interleaved ──

async fn two_sources_interleave() {
    let (addr_a, server_a) = serve("a", 40, None).await;
    let (addr_b, server_b) = serve("b", 40, None).await;
    let mut a = pull(frames(addr_a));
    let mut b = pull(frames(addr_b));
    let mut got = Vec::new();
    for _ in 0..25 {
        for p in [&mut a, &mut b] {
            let frame = request(p, PATIENCE)
                .await
                .expect("in time")
                .expect("a frame");
            got.push(format!("{}{}", frame.source, frame.n));
        }
    }
    let want: Vec<String> = (0..25)
        .flat_map(|n| [format!("a{n}"), format!("b{n}")])
        .collect();
    assert_eq!(got, want);
    // Both stopped mid-stream: each sends its goodbye before `stop` returns.
    a.stop().await;
    b.stop().await;
    for server in [server_a, server_b] {
        let got = tokio::time::timeout(PATIENCE, server)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, [Bytes::from_static(GOODBYE)]);
    }
}

both_flavours! {
    contract_06_protocol_two_sources_interleave_one_frame_per_request => two_sources_interleave();
}

// ── stop and drop say goodbye ──

async fn stop_sends_goodbye() {
    let (addr, server) = serve("a", 200, None).await;
    let mut p = pull(frames(addr));
    for n in 0..3 {
        assert_eq!(p.next().await.unwrap().unwrap().n, n);
    }
    tokio::time::timeout(PATIENCE, p.stop())
        .await
        .expect("the stop completes");
    assert_eq!(p.next().await.map(|f| f.is_ok()), None);
    let got = tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, [Bytes::from_static(GOODBYE)]);
}

async fn drop_sends_goodbye_in_the_background() {
    let (addr, server) = serve("a", 200, None).await;
    let mut p = pull(frames(addr));
    assert_eq!(p.next().await.unwrap().unwrap().n, 0);
    drop(p);
    let got = tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, [Bytes::from_static(GOODBYE)]);
}

async fn take_sends_goodbye_before_collect_returns() {
    let (addr, server) = serve("a", 200, None).await;
    let got: Vec<u32> = frames(addr).take(5).map(|f| f.unwrap().n).collect().await;
    assert_eq!(got, [0, 1, 2, 3, 4]);
    let got = tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, [Bytes::from_static(GOODBYE)]);
}

async fn server_close_ends_the_sequence() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut wr = FramedWrite::new(socket, LengthDelimitedCodec::new());
        for n in 0..3 {
            wr.send(Bytes::from(encode("s", n))).await.unwrap();
        }
        // A frame that does not parse: an error element.
        wr.send(Bytes::from_static(b"garbage")).await.unwrap();
    });
    let got: Vec<io::Result<Frame>> = frames(addr).collect().await;
    server.await.unwrap();
    assert_eq!(got.len(), 4);
    assert!(got[..3].iter().all(Result::is_ok));
    assert_eq!(
        got[3].as_ref().unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
}

both_flavours! {
    contract_08_protocol_stop_sends_the_goodbye_before_it_returns => stop_sends_goodbye();
    contract_09_protocol_drop_sends_the_goodbye_in_the_background => drop_sends_goodbye_in_the_background();
    contract_02_protocol_take_sends_the_goodbye_before_collect_returns => take_sends_goodbye_before_collect_returns();
    contract_22_protocol_a_bad_frame_is_an_error_element => server_close_ends_the_sequence();
}

//! Watch a sensor feed that stalls: a heartbeat reports the silence while it
//! lasts, so the consumer can send keep-alives and raise an alert without
//! waiting for the next reading.
//!
//! Run with `cargo run --example heartbeat`.

use std::time::Duration;

use seqflow::{Beat, Seq, Yield, seq};
use tokio::time::sleep;

/// How often the consumer wants a sign of life.
const EVERY: Duration = Duration::from_millis(25);
/// How much silence is worth an alert.
const ALERT_AFTER: Duration = Duration::from_millis(50);

/// A sensor that reads every 10 ms but stalls for `stall_ms` after its
/// fourth reading (a congested link, say). It owns its connection and
/// closes it however its consumer stops: it reads inside `until_stopped`,
/// so a consumer that gives up during a stall is heard mid-read, and the
/// close still runs (a producer stopped in a plain `.await` would be
/// dropped there, without its async cleanup).
fn sensor(readings: u32, stall_ms: u64) -> impl Seq<Item = f64> {
    seq::from_fn(move |mut y: Yield<f64>| async move {
        println!("sensor: connected");
        for i in 0..readings {
            let wait = if i == 4 {
                println!("sensor: [injected stall] the next reading comes {stall_ms} ms late");
                stall_ms
            } else {
                10
            };
            let read = async move {
                sleep(Duration::from_millis(wait)).await;
                20.0 + f64::from(i) / 10.0
            };
            let Some(celsius) = y.until_stopped(read).await else {
                println!("sensor: stopped in the middle of a read");
                break;
            };
            if !y.yield_(celsius).await {
                break;
            }
        }
        sleep(Duration::from_millis(1)).await; // closing takes a round trip
        println!("sensor: connection closed");
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!(
        "=== 1. heartbeat: a sensor stalls once; Idle beats report the silence while it lasts ==="
    );
    let mut readings = Vec::new();
    let mut keep_alives = 0;
    let mut alerts = 0;
    sensor(8, 120)
        .heartbeat(EVERY)
        .for_each(|beat| {
            match beat {
                Beat::Item(celsius) => {
                    println!("reading: {celsius:.1} °C");
                    readings.push(celsius);
                }
                Beat::Idle(quiet) => {
                    keep_alives += 1;
                    if quiet >= ALERT_AFTER {
                        alerts += 1;
                        println!("ALERT: sensor quiet for {} ms", quiet.as_millis());
                    } else {
                        println!(
                            "sensor quiet for {} ms: sending a keep-alive",
                            quiet.as_millis()
                        );
                    }
                }
            }
            async { true }
        })
        .await;
    println!(
        "{} readings, {keep_alives} keep-alives, {alerts} alerts",
        readings.len()
    );
    assert_eq!(readings.len(), 8, "every reading arrives between the beats");
    assert!(alerts >= 1, "the stall was noticed while it lasted");

    // A sensor whose link dies for good after four readings: the consumer
    // gives up after three alerts. The sensor hears the stop inside its
    // read and closes its connection before `for_each` returns.
    println!(
        "\n=== 2. heartbeat: a sensor that never recovers; the consumer gives up after three alerts and the sensor still closes its connection ==="
    );
    let mut alerts = 0;
    sensor(8, u64::MAX) // stalls for ever
        .heartbeat(EVERY)
        .for_each(|beat| {
            if let Beat::Idle(quiet) = beat {
                if quiet >= ALERT_AFTER {
                    alerts += 1;
                    println!("ALERT {alerts}: sensor quiet for {} ms", quiet.as_millis());
                }
            }
            let go_on = alerts < 3;
            if !go_on {
                println!("giving up on the sensor");
            }
            async move { go_on }
        })
        .await;
    assert_eq!(alerts, 3);
}

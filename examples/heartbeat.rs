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

/// A sensor that reads every 10 ms but stalls for 120 ms after its fourth
/// reading (a congested link, say), then recovers. It owns its connection
/// and closes it however its consumer stops.
fn sensor(readings: u32) -> impl Seq<Item = f64> {
    seq::from_fn(move |mut y: Yield<f64>| async move {
        println!("sensor: connected");
        for i in 0..readings {
            let wait = if i == 4 {
                println!("sensor: [injected stall] the next reading comes 120 ms late");
                120
            } else {
                10
            };
            sleep(Duration::from_millis(wait)).await;
            let celsius = 20.0 + f64::from(i) / 10.0;
            if !y.yield_(celsius).await {
                break;
            }
        }
        println!("sensor: connection closed");
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut readings = Vec::new();
    let mut keep_alives = 0;
    let mut alerts = 0;
    sensor(8)
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
}

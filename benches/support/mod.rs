//! Shared by the criterion benchmarks: sizes and the runtime they run on.
#![allow(dead_code)] // each bench binary uses its own subset

use criterion::Throughput;

/// Elements per benchmark iteration: enough that per-iteration overhead
/// (`block_on`, setup) is noise next to the per-element cost.
pub const N: u64 = 10_000;

pub fn throughput() -> Throughput {
    Throughput::Elements(N)
}

pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

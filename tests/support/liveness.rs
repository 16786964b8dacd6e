//! Running a liveness case: within a bound, on both runtime flavours, and
//! checking that no task outlived it.

use std::future::Future;
use std::time::Duration;

use super::{alive_tasks, settle_tasks_patiently};

/// Runs one case within a bound, then checks that no task outlived it.
pub async fn bounded<F: Future<Output = ()>>(case: F) {
    let before = alive_tasks();
    tokio::time::timeout(Duration::from_secs(600), case)
        .await
        .expect("a stop hung");
    assert_eq!(
        settle_tasks_patiently(before).await,
        before,
        "a task outlived its producer"
    );
}

/// Declares `$name::current_thread` (on a paused clock, where a hang shows
/// up as the 600 s bound firing at once) and `$name::multi_thread` (two
/// workers, real time), each running the async fn `$case` of the invoking
/// module under [`bounded`].
#[allow(unused_macros)] // each test binary uses its own subset of `support`
macro_rules! both_flavours {
    ($($name:ident => $case:ident;)*) => {$(
        mod $name {
            #[tokio::test(start_paused = true)]
            async fn current_thread() {
                $crate::support::liveness::bounded(super::$case()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn multi_thread() {
                $crate::support::liveness::bounded(super::$case()).await;
            }
        }
    )*};
}

#[allow(unused_imports)] // each test binary uses its own subset of `support`
pub(crate) use both_flavours;

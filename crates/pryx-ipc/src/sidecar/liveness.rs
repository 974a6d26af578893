//! Liveness: while the runtime is `ready`, the supervisor pings it. A runtime whose process is
//! alive but that stopped answering (a deadlock, a blocked event loop) is caught here; one that
//! exits is caught by the supervisor's wait on the process.

use std::time::{Duration, Instant};

use pryx_core_api::Value;
use tokio::time::MissedTickBehavior;

use crate::error::IpcError;
use crate::peer::Peer;
use crate::protocol::methods;

/// Pings `peer` every `interval`, each ping allowed `interval` to be answered. Returns a
/// sentence for health once `misses` pings in a row went unanswered; never returns while the
/// runtime answers, or when `interval` is zero (liveness off).
///
/// Any answer counts, errors included: a runtime that predates `ping` answers -32601 (method
/// not found), which proves it is alive just as well. A closed connection is not a miss: the
/// supervisor sees it through the peer and the process, so this keeps waiting.
pub(crate) async fn unresponsive(peer: &Peer, interval: Duration, misses: u32) -> String {
    if interval.is_zero() {
        return std::future::pending().await;
    }
    let misses = misses.max(1);
    let mut last_answer = Instant::now();
    let mut missed = 0u32;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    // After a ping that timed out (it took a whole interval), the next one goes out at once.
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let answer = peer
            .call::<_, Value>(methods::PING, &serde_json::json!({}), interval)
            .await;
        match answer {
            Ok(_) | Err(IpcError::Rpc { .. } | IpcError::BadResult { .. }) => {
                missed = 0;
                last_answer = Instant::now();
            }
            Err(IpcError::Timeout { .. }) => {
                missed += 1;
                if missed >= misses {
                    return format!(
                        "no answer to {missed} pings in a row; the last answer came {:.1} s ago",
                        last_answer.elapsed().as_secs_f64()
                    );
                }
            }
            // Closed, or stuck so badly the peer gave up: the supervisor handles those.
            Err(_) => return std::future::pending().await,
        }
    }
}

//! How the supervisor ends a run of the runtime: after it exited by itself, killed at once,
//! stopped before its handshake finished, asked to stop (`shutdown`, then signals), or
//! terminated with signals (SIGTERM, then SIGKILL).

use std::time::Duration;

use pryx_core_api::Value;

use super::process::{SIGKILL, SIGTERM, signal_group};
use super::supervisor::{Running, STDERR_DRAIN, Supervisor};
use crate::error::IpcError;
use crate::protocol::methods;

/// While stopping, how often to look whether the calls in flight have finished.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(5);

impl Supervisor {
    /// The child exited by itself: fail its calls, clean up its group, keep its last words.
    pub(super) async fn after_exit(&self, run: Running, detail: &str) {
        run.peer.close(format!("the runtime exited ({detail})"));
        // Nobody is left to act on its approval requests: they end now, not at their timeout.
        self.handler.deny_waiting("the runtime exited");
        signal_group(run.pid, SIGKILL);
        let _ = tokio::time::timeout(STDERR_DRAIN, run.stderr).await;
    }

    /// Kills the child's group at once and reaps it.
    pub(super) async fn kill(&self, mut run: Running, reason: &str) {
        run.peer.close(reason.to_owned());
        signal_group(run.pid, SIGKILL);
        let _ = run.child.start_kill();
        let _ = run.child.wait().await;
        let _ = tokio::time::timeout(STDERR_DRAIN, run.stderr).await;
    }

    /// Stops a runtime whose handshake is still running, without sending it anything more:
    /// its input is closed (end of file, which it MUST exit on), then SIGTERM after
    /// `shutdown_grace` and SIGKILL after `kill_grace`.
    pub(super) async fn stop_before_handshake(&self, mut run: Running) {
        run.peer
            .close("the host stopped the runtime before the handshake finished");
        if tokio::time::timeout(self.config.shutdown_grace, run.child.wait())
            .await
            .is_ok()
        {
            signal_group(run.pid, SIGKILL);
            let _ = tokio::time::timeout(STDERR_DRAIN, run.stderr).await;
            return;
        }
        self.terminate(run).await;
    }

    /// Denies the runtime's approval requests still waiting (with `why`), lets the calls in
    /// flight both ways finish, asks the runtime to exit, all within `shutdown_grace`; then
    /// SIGTERM, and SIGKILL after `kill_grace`. A hung runtime therefore costs at most
    /// `shutdown_grace + kill_grace` (plus the stderr drain); one that exits when asked, no wait.
    /// A legacy runtime has no `shutdown`: it gets SIGTERM as soon as its calls are done.
    pub(super) async fn stop_gracefully(&self, mut run: Running, legacy: bool, why: &str) {
        let deadline = tokio::time::Instant::now() + self.config.shutdown_grace;
        let denied = self.handler.deny_waiting(why);
        if denied > 0 {
            tracing::info!(target: "pryx_ipc", pid = run.pid, denied, "denied the runtime's waiting approval requests: {why}");
        }
        while (run.peer.pending_calls() > 0 || run.peer.answers_pending())
            && !run.peer.is_closed()
            && tokio::time::Instant::now() < deadline
        {
            // A request that arrived after the first pass is denied too.
            self.handler.deny_waiting(why);
            tokio::time::sleep(IN_FLIGHT_POLL).await;
        }
        if legacy {
            self.terminate(run).await;
            return;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let exited = !left.is_zero() && {
            let asked = run
                .peer
                .call::<_, Value>(methods::SHUTDOWN, &serde_json::json!({}), left)
                .await;
            matches!(asked, Ok(_) | Err(IpcError::Closed { .. }))
                && tokio::time::timeout_at(deadline, run.child.wait())
                    .await
                    .is_ok()
        };
        if !exited {
            tracing::warn!(target: "pryx_ipc", pid = run.pid, "runtime did not exit when asked; sending SIGTERM");
            run.peer
                .abandon_calls("the runtime did not stop when asked; the host is terminating it");
            self.terminate(run).await;
            return;
        }
        // Whatever it started in its group goes with it.
        signal_group(run.pid, SIGKILL);
        run.peer.close("the host shut the runtime down");
        let _ = tokio::time::timeout(STDERR_DRAIN, run.stderr).await;
    }

    /// SIGTERM to the group, SIGKILL after `kill_grace`, then reap and drain stderr. The pipes
    /// stay open until it is dead, so a runtime that ignores SIGTERM does not get away with
    /// an end of input instead.
    pub(super) async fn terminate(&self, mut run: Running) {
        signal_group(run.pid, SIGTERM);
        if tokio::time::timeout(self.config.kill_grace, run.child.wait())
            .await
            .is_err()
        {
            tracing::warn!(target: "pryx_ipc", pid = run.pid, "runtime ignored SIGTERM; sending SIGKILL");
            signal_group(run.pid, SIGKILL);
            let _ = run.child.start_kill();
            let _ = run.child.wait().await;
        }
        // Whatever it started in its group goes with it.
        signal_group(run.pid, SIGKILL);
        run.peer.close("the host terminated the runtime");
        let _ = tokio::time::timeout(STDERR_DRAIN, run.stderr).await;
    }
}

//! The host's shutdown signal as the `/ws` tasks see it, and the tracker that lets the host
//! wait, after the HTTP server has stopped, until every client was told it is going away.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TrackedFuture;

/// The host's cancellation token plus a tracker of the long-lived tasks that must end with it
/// (WebSocket connections, the health watcher).
#[derive(Clone, Default)]
pub(crate) struct Lifecycle {
    token: CancellationToken,
    tasks: TaskTracker,
}

impl Lifecycle {
    /// The host's shutdown token: cancelling it stops the server and every connection.
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Runs `task` on the runtime, counted until it ends.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Tracks `task` (already being driven elsewhere, e.g. by axum's upgrade).
    pub(crate) fn track<F: Future>(&self, task: F) -> TrackedFuture<F> {
        self.tasks.track_future(task)
    }

    /// After the token was cancelled: waits up to `grace` for the tracked tasks to end.
    pub(crate) async fn drain(&self, grace: Duration) {
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                remaining = self.tasks.len(),
                "some WebSocket tasks did not end in time"
            );
        }
    }
}

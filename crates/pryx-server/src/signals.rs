//! Stopping a host from the outside: SIGINT and SIGTERM (Ctrl-C elsewhere). For binaries; an
//! embedding app that has its own shutdown (a tray menu, a window) uses [`ShutdownHandle`] alone.

use crate::host::ShutdownHandle;

/// SIGINT and SIGTERM, registered up front: install before announcing the address, so a signal
/// sent right after start is handled rather than fatal.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Registers the handlers.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the next signal and names it.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }

    /// Stops the host gracefully on the first signal; exits the process at once (code 1) on the
    /// second, for a user who does not want to wait.
    pub async fn stop_on_signal(mut self, handle: ShutdownHandle) {
        let name = self.next().await;
        tracing::info!("{name} received: shutting down (send it again to exit at once)");
        handle.shutdown();
        let name = self.next().await;
        tracing::warn!("{name} received again: exiting without waiting");
        std::process::exit(1);
    }
}

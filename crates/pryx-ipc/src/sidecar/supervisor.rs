//! The supervisor task: spawn, handshake, watch (the process and its answers to `ping`); on exit
//! or silence restart with backoff or give up; on a restart request start afresh with a new
//! budget; on shutdown ask, wait, SIGTERM, SIGKILL. It owns the child process; nothing else
//! touches it.

use std::io;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pryx_core_api::{RuntimeState, RuntimeStatus};
use tokio::process::Child;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::config::{RestartBudget, SidecarConfig};
use super::legacy::Legacy;
use super::liveness;
use super::process::{self, SIGKILL, signal_group};
use super::status::StatusCell;
use super::stderr::{self, StderrTail};
use crate::error::IpcError;
use crate::host::HostHandler;
use crate::peer::{Peer, PeerConfig};
use crate::protocol::{
    self, Handshake, HostCapabilities, InitializeParams, LEGACY_PROTOCOL, PROTOCOL_VERSION,
    PeerInfo, methods,
};

/// How long to wait for the last stderr lines after the runtime exits.
pub(super) const STDERR_DRAIN: Duration = Duration::from_millis(300);
/// After stdout closes, how long to wait for the process to exit on its own.
const EXIT_AFTER_EOF: Duration = Duration::from_millis(200);
/// How long the legacy-mode probe (`admin.providers.list`) may delay readiness at most.
const LEGACY_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Everything the supervisor task needs.
pub(crate) struct Supervisor {
    pub(crate) config: Arc<SidecarConfig>,
    pub(crate) cell: Arc<StatusCell>,
    pub(crate) handler: Arc<HostHandler>,
    pub(crate) tail: StderrTail,
    pub(crate) stop: CancellationToken,
    /// Fired by [`RuntimeBridge::restart`](pryx_core_api::RuntimeBridge::restart).
    pub(crate) restart: Arc<Notify>,
    /// The config revision to name in `initialize`.
    pub(crate) revision: Arc<Mutex<Option<String>>>,
}

/// How one run of the runtime ended.
enum Ended {
    /// The host asked it to stop, and it did.
    Stopped,
    /// The host asked for a restart; the run was stopped for it.
    RestartAsked,
    /// It exited, crashed, or failed to start or to shake hands; a restart may help.
    Crashed(String),
    /// It speaks another protocol; a restart will not help.
    Incompatible(String),
}

/// One running child and what belongs to it.
pub(super) struct Running {
    pub(super) child: Child,
    pub(super) pid: u32,
    pub(super) peer: Peer,
    pub(super) stderr: JoinHandle<()>,
}

impl Supervisor {
    /// Runs until shutdown; the last state it sets is `stopped`.
    pub(crate) async fn run(self) {
        let fresh_budget = || RestartBudget::new(self.config.restart.clone());
        let mut budget = fresh_budget();
        let mut restarts = 0u32;
        loop {
            let detail = match self.run_once(restarts).await {
                Ended::Stopped => break,
                Ended::RestartAsked => {
                    budget = fresh_budget();
                    restarts += 1;
                    continue;
                }
                Ended::Incompatible(reason) => {
                    self.fail(reason);
                    if !self.restart_asked().await {
                        break;
                    }
                    budget = fresh_budget();
                    restarts += 1;
                    continue;
                }
                Ended::Crashed(detail) => detail,
            };
            if self.stop.is_cancelled() {
                break;
            }
            let Some((attempt, delay)) = budget.next_delay(Instant::now()) else {
                let policy = budget.policy();
                self.fail(format!(
                    "gave up after {} restarts within {} s; last failure: {detail}",
                    policy.max_restarts,
                    policy.window.as_secs()
                ));
                if !self.restart_asked().await {
                    break;
                }
                budget = fresh_budget();
                restarts += 1;
                continue;
            };
            let last_stderr = self.tail.snapshot();
            let max = budget.policy().max_restarts;
            self.cell.update(|s| {
                s.peer = None;
                s.retry_at = Some(Instant::now() + delay);
                s.status.state = RuntimeState::Restarting;
                s.status.detail = Some(format!(
                    "{detail}; restart {} of {max} in {} ms",
                    attempt + 1,
                    delay.as_millis()
                ));
                s.status.pid = None;
                s.status.last_stderr = last_stderr;
            });
            tokio::select! {
                biased;
                _ = self.stop.cancelled() => break,
                _ = self.restart.notified() => budget = fresh_budget(),
                _ = tokio::time::sleep(delay) => {}
            }
            restarts += 1;
        }
        self.cell.update(|s| {
            s.peer = None;
            s.retry_at = None;
            s.status.state = RuntimeState::Stopped;
            s.status.detail = Some("stopped by the host".to_owned());
            s.status.pid = None;
        });
    }

    /// Waits in `failed` for a restart request (`true`) or the host's shutdown (`false`).
    async fn restart_asked(&self) -> bool {
        tokio::select! {
            biased;
            _ = self.stop.cancelled() => false,
            _ = self.restart.notified() => true,
        }
    }

    fn fail(&self, detail: String) {
        let last_stderr = self.tail.snapshot();
        self.cell.update(|s| {
            s.peer = None;
            s.retry_at = None;
            s.status.state = RuntimeState::Failed;
            s.status.detail = Some(detail);
            s.status.pid = None;
            s.status.last_stderr = last_stderr;
        });
    }

    async fn run_once(&self, restarts: u32) -> Ended {
        let program = self.config.program.display().to_string();
        self.handler.reopen();
        self.cell.update(|s| {
            s.peer = None;
            s.retry_at = None;
            s.legacy = None;
            s.status = RuntimeStatus {
                state: RuntimeState::Starting,
                detail: Some(format!("starting {program}")),
                version: None,
                protocol_version: None,
                pid: None,
                restarts,
                last_stderr: Vec::new(),
                missing_features: Vec::new(),
            };
        });
        let mut run = match self.spawn().await {
            Ok(run) => run,
            Err(e) => return Ended::Crashed(e.to_string()),
        };
        let pid = run.pid;
        self.cell.update(|s| s.status.pid = Some(pid));

        let params = self.init_params();
        let handshake = tokio::select! {
            result = protocol::initialize(&run.peer, &params, self.config.handshake_timeout) => result,
            status = run.child.wait() => {
                let detail = exit_detail(&status);
                self.after_exit(run, &detail).await;
                return Ended::Crashed(format!("the runtime exited during the handshake ({detail})"));
            }
            // No `shutdown` before the handshake is done (§5.5): end of input instead.
            _ = self.stop.cancelled() => {
                self.stop_before_handshake(run).await;
                return Ended::Stopped;
            }
            _ = self.restart.notified() => {
                self.stop_before_handshake(run).await;
                return Ended::RestartAsked;
            }
        };
        let handshake = match handshake {
            Ok(handshake) => handshake,
            Err(IpcError::Incompatible { reason }) => {
                self.kill(run, "the runtime is incompatible").await;
                return Ended::Incompatible(reason);
            }
            Err(e) => {
                self.kill(run, "the handshake failed").await;
                return Ended::Crashed(format!("the handshake failed: {e}"));
            }
        };
        let legacy = match handshake {
            Handshake::Agreed(init) => {
                tracing::info!(
                    target: "pryx_ipc",
                    pid,
                    runtime = %init.runtime.name,
                    version = %init.runtime.version,
                    protocol = %init.protocol_version,
                    methods = ?init.capabilities.methods,
                    "runtime handshake done"
                );
                self.cell.update(|s| {
                    s.peer = Some(run.peer.clone());
                    s.status.state = RuntimeState::Ready;
                    s.status.detail = None;
                    s.status.version = Some(init.runtime.version.clone());
                    s.status.protocol_version = Some(init.protocol_version.clone());
                });
                None
            }
            Handshake::Legacy { message } => {
                let probe_timeout = self.config.call_timeout.min(LEGACY_PROBE_TIMEOUT);
                let legacy = Legacy::probe(&run.peer, probe_timeout).await;
                tracing::warn!(
                    target: "pryx_ipc",
                    pid,
                    answer = %message,
                    missing = ?legacy.missing_features(),
                    "the runtime does not implement `initialize`; serving it in legacy mode"
                );
                self.cell.update(|s| {
                    s.peer = Some(run.peer.clone());
                    s.legacy = Some(legacy);
                    s.status.state = RuntimeState::Ready;
                    s.status.detail = Some(legacy.detail());
                    s.status.protocol_version = Some(LEGACY_PROTOCOL.to_owned());
                    s.status.missing_features = legacy.missing_features();
                });
                Some(legacy)
            }
        };

        let peer = run.peer.clone();
        let (interval, misses) = (self.config.ping_interval, self.config.ping_misses);
        tokio::select! {
            biased;
            _ = self.stop.cancelled() => {
                self.cell.update(|s| s.peer = None);
                self.stop_gracefully(run, legacy.is_some(), "the host is shutting down").await;
                Ended::Stopped
            }
            _ = self.restart.notified() => {
                self.cell.update(|s| s.peer = None);
                self.stop_gracefully(run, legacy.is_some(), "the runtime is being restarted").await;
                Ended::RestartAsked
            }
            status = run.child.wait() => {
                self.cell.update(|s| s.peer = None);
                let detail = exit_detail(&status);
                self.after_exit(run, &detail).await;
                Ended::Crashed(format!("the runtime exited ({detail})"))
            }
            reason = peer.closed() => {
                self.cell.update(|s| s.peer = None);
                // Usually the process is exiting; prefer its exit status as the reason.
                match tokio::time::timeout(EXIT_AFTER_EOF, run.child.wait()).await {
                    Ok(status) => {
                        let detail = exit_detail(&status);
                        self.after_exit(run, &detail).await;
                        Ended::Crashed(format!("the runtime exited ({detail})"))
                    }
                    Err(_) => {
                        self.kill(run, &reason).await;
                        Ended::Crashed(format!("lost the connection to the runtime: {reason}"))
                    }
                }
            }
            detail = liveness::unresponsive(&peer, interval, misses) => {
                let kill_grace = self.config.kill_grace;
                self.cell.update(|s| {
                    s.peer = None;
                    s.retry_at = Some(Instant::now() + kill_grace);
                    s.status.state = RuntimeState::Unresponsive;
                    s.status.detail = Some(detail.clone());
                });
                // Its calls in flight fail now, not at their timeouts.
                run.peer.abandon_calls(format!("the runtime stopped answering ({detail})"));
                self.handler.deny_waiting("the runtime stopped answering");
                self.terminate(run).await;
                Ended::Crashed(format!("the runtime stopped answering ({detail})"))
            }
        }
    }

    async fn spawn(&self) -> Result<Running, IpcError> {
        let spawn_error = |source| IpcError::Spawn {
            program: self.config.program.display().to_string(),
            source,
        };
        let mut child = process::spawn(&self.config).await.map_err(spawn_error)?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            signal_group(pid, SIGKILL);
            return Err(spawn_error(io::Error::other("stdio was not piped")));
        };
        let stderr = tokio::spawn(stderr::pump(stderr, self.tail.clone(), pid));
        let peer = Peer::spawn(
            stdout,
            stdin,
            self.handler.clone() as Arc<dyn crate::peer::Handler>,
            PeerConfig {
                max_frame_bytes: self.config.max_frame_bytes,
                label: format!("runtime (pid {pid})"),
                ..PeerConfig::default()
            },
        );
        Ok(Running {
            child,
            pid,
            peer,
            stderr,
        })
    }

    fn init_params(&self) -> InitializeParams {
        InitializeParams {
            protocol_version: PROTOCOL_VERSION.to_owned(),
            host: PeerInfo {
                name: self.config.host_name.clone(),
                version: self.config.host_version.clone(),
            },
            capabilities: HostCapabilities {
                methods: methods::HOST_SERVED
                    .iter()
                    .map(|m| (*m).to_owned())
                    .collect(),
                max_frame_bytes: self.config.max_frame_bytes as u64,
            },
            data_dir: self
                .config
                .data_dir
                .as_ref()
                .map(|p| p.display().to_string()),
            config_path: self
                .config
                .config_path
                .as_ref()
                .map(|p| p.display().to_string()),
            config_revision: self
                .revision
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

fn exit_detail(status: &io::Result<ExitStatus>) -> String {
    match status {
        Ok(status) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(signal) = status.signal() {
                    return format!("killed by signal {signal}");
                }
            }
            match status.code() {
                Some(code) => format!("exit status {code}"),
                None => status.to_string(),
            }
        }
        Err(e) => format!("cannot wait for it: {e}"),
    }
}

//! The runtime as a supervised child process: [`SidecarBridge`] implements the
//! [`RuntimeBridge`] port over a [`Peer`] connected to the child's stdio.
//!
//! Life cycle: `starting` (spawned, handshake running) → `ready` → on exit `restarting`
//! (exponential backoff with jitter) → `ready` again, or `failed` once the restart budget is
//! spent or the runtime turns out incompatible; `stopped` after [`RuntimeBridge::shutdown`].
//! While `ready` it is pinged; after too many missed pings it is `unresponsive`, killed and
//! restarted like a crash. [`RuntimeBridge::restart`] starts it afresh with a new budget.
//! Every change is published as a `runtime.status` event. Calls made while not `ready` fail at
//! once with `runtime_unavailable`, with a retry hint only when it is coming back.

mod config;
pub mod legacy;
mod liveness;
mod process;
mod status;
mod stderr;
mod stopping;
mod supervisor;

pub use config::{RestartPolicy, SidecarConfig};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use pryx_core_api::{
    ChangeNotice, CoreError, McpTool, Model, Provider, RuntimeBridge, RuntimeState, RuntimeStatus,
    Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use self::legacy::Legacy;
use self::status::StatusCell;
use self::stderr::StderrTail;
use self::supervisor::Supervisor;
use crate::error::IpcError;
use crate::host::{HostHandler, HostHandles};
use crate::message::codes;
use crate::peer::Peer;
use crate::protocol::{
    ConfigChangedParams, McpToolsResult, ModelsParams, ModelsResult, ProvidersResult,
    SkillsChangedParams, methods,
};

/// The agent runtime as a supervised sidecar process, speaking JSON-RPC over its stdio.
pub struct SidecarBridge {
    config: Arc<SidecarConfig>,
    cell: Arc<StatusCell>,
    stop: CancellationToken,
    restart: Arc<Notify>,
    /// The config revision last announced, sent in the next `initialize`.
    revision: Arc<Mutex<Option<String>>>,
}

#[derive(Serialize)]
struct NoParams {}

impl SidecarBridge {
    /// Starts supervising the runtime described by `config`, serving its calls to the host with
    /// `host`. Returns at once, with status `starting`; must be called inside a Tokio runtime.
    pub fn start(config: SidecarConfig, host: HostHandles) -> Arc<SidecarBridge> {
        let config = Arc::new(config);
        let cell = Arc::new(StatusCell::new(
            host.events.clone(),
            format!("starting {}", config.program.display()),
        ));
        let stop = CancellationToken::new();
        let restart = Arc::new(Notify::new());
        let handler = Arc::new(HostHandler::new(host, config.approval_timeout));
        let revision = Arc::new(Mutex::new(config.config_revision.clone()));
        let supervisor = Supervisor {
            config: config.clone(),
            cell: cell.clone(),
            handler,
            tail: StderrTail::new(config.stderr_lines),
            stop: stop.clone(),
            restart: restart.clone(),
            revision: revision.clone(),
        };
        tokio::spawn(supervisor.run());
        Arc::new(SidecarBridge {
            config,
            cell,
            stop,
            restart,
            revision,
        })
    }

    /// The config it runs with.
    pub fn config(&self) -> &SidecarConfig {
        &self.config
    }

    /// Waits up to `timeout` for a status that satisfies `pred`; returns it, or `None` when
    /// the time passed first.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&RuntimeStatus) -> bool,
    ) -> Option<RuntimeStatus> {
        let mut rx = self.cell.subscribe();
        let found = tokio::time::timeout(timeout, rx.wait_for(|s| pred(&s.status))).await;
        match found {
            Ok(Ok(snapshot)) => Some(snapshot.status.clone()),
            _ => None,
        }
    }

    /// Calls `method` on the runtime with the call timeout and decodes the result as `T`.
    pub async fn request<P, T>(&self, method: &str, params: &P) -> Result<T, CoreError>
    where
        P: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let peer = self.ready_peer()?;
        Ok(peer.call(method, params, self.config.call_timeout).await?)
    }

    /// The connection and, for a runtime served in legacy mode, what it implements.
    fn ready(&self) -> Result<(Peer, Option<Legacy>), IpcError> {
        let peer = self.ready_peer()?;
        Ok((peer, self.cell.read(|s| s.legacy)))
    }

    /// The connection, if the runtime is ready; otherwise why not, with a retry hint.
    fn ready_peer(&self) -> Result<Peer, IpcError> {
        if self.stop.is_cancelled() {
            return Err(IpcError::NotReady {
                reason: "the host is shutting down".to_owned(),
                retry_after: None,
            });
        }
        self.cell.read(|s| {
            if let (RuntimeState::Ready, Some(peer)) = (s.status.state, &s.peer) {
                return Ok(peer.clone());
            }
            let detail = s.status.detail.as_deref().unwrap_or("no detail");
            let (reason, retry_after) = match s.status.state {
                RuntimeState::Restarting => {
                    let wait = s
                        .retry_at
                        .map(|at| at.saturating_duration_since(Instant::now()))
                        .unwrap_or_default();
                    (
                        format!("it is restarting ({detail})"),
                        Some(wait + Duration::from_secs(1)),
                    )
                }
                RuntimeState::Starting | RuntimeState::Ready => {
                    ("it is starting".to_owned(), Some(Duration::from_secs(1)))
                }
                RuntimeState::Unresponsive => (
                    format!("it stopped answering and is being restarted ({detail})"),
                    Some(self.config.kill_grace + Duration::from_secs(1)),
                ),
                RuntimeState::Failed => (
                    format!("it failed ({detail}); POST /api/v1/runtime/restart starts it again"),
                    None,
                ),
                RuntimeState::Stopped => ("it was stopped".to_owned(), None),
                RuntimeState::Unavailable => (detail.to_owned(), None),
            };
            Err(IpcError::NotReady {
                reason,
                retry_after,
            })
        })
    }
}

#[async_trait]
impl RuntimeBridge for SidecarBridge {
    fn status(&self) -> RuntimeStatus {
        self.cell.status()
    }

    async fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        if let (peer, Some(legacy)) = self.ready()? {
            return Ok(legacy.providers(&peer, self.config.call_timeout).await?);
        }
        let result: ProvidersResult = self
            .request(methods::ADMIN_PROVIDERS_LIST, &NoParams {})
            .await?;
        Ok(result.providers)
    }

    async fn provider_models(&self, provider_id: &str) -> Result<Vec<Model>, CoreError> {
        if let (peer, Some(legacy)) = self.ready()? {
            let timeout = self.config.call_timeout;
            return legacy
                .models(&peer, timeout, provider_id)
                .await?
                .ok_or_else(|| CoreError::ProviderNotFound {
                    id: provider_id.to_owned(),
                });
        }
        let params = ModelsParams {
            provider_id: provider_id.to_owned(),
        };
        let result: Result<ModelsResult, CoreError> =
            self.request(methods::ADMIN_PROVIDERS_MODELS, &params).await;
        match result {
            Ok(result) => Ok(result.models),
            // The protocol's "not found" for this call means: no such provider.
            Err(CoreError::RuntimeFailed { code, .. }) if code == codes::NOT_FOUND => {
                Err(CoreError::ProviderNotFound {
                    id: provider_id.to_owned(),
                })
            }
            Err(err) => Err(err),
        }
    }

    async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError> {
        let result: McpToolsResult = self.request(methods::ADMIN_MCP_LIST, &NoParams {}).await?;
        Ok(result.tools)
    }

    async fn notify(&self, change: ChangeNotice) -> Result<(), CoreError> {
        if let ChangeNotice::ConfigChanged { revision, .. } = &change {
            // Remembered even while the runtime is down: the next `initialize` names it.
            *self.revision.lock().unwrap_or_else(|p| p.into_inner()) = Some(revision.0.clone());
        }
        let (peer, legacy) = self.ready()?;
        if legacy.is_some() {
            // A legacy runtime has no notifications (it would answer them as calls with id 0).
            return Ok(());
        }
        let sent = match change {
            ChangeNotice::ConfigChanged { revision, changed } => peer.notify(
                methods::CONFIG_CHANGED,
                &ConfigChangedParams {
                    revision: revision.0,
                    changed,
                },
            ),
            ChangeNotice::SkillToggled { id, enabled } => peer.notify(
                methods::SKILLS_CHANGED,
                &SkillsChangedParams { id, enabled },
            ),
        };
        Ok(sent?)
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError> {
        if methods::HOST_RESERVED.contains(&method) {
            return Err(CoreError::RuntimeFailed {
                method: method.to_owned(),
                code: codes::INVALID_REQUEST,
                message: format!("{method} is reserved for the host and cannot be forwarded"),
                data: None,
            });
        }
        // Params are always an object: absent params travel as `{}`, and anything else (a
        // list, a string, a number) is refused here rather than sent to a runtime that
        // cannot read it.
        let params = match params {
            Value::Null => Value::Map(Default::default()),
            map @ Value::Map(_) => map,
            other => {
                return Err(CoreError::RuntimeFailed {
                    method: method.to_owned(),
                    code: codes::INVALID_PARAMS,
                    message: format!(
                        "params of {method} must be an object (named params), not {}",
                        kind(&other)
                    ),
                    data: None,
                });
            }
        };
        self.request(method, &params).await
    }

    async fn shutdown(&self) {
        self.stop.cancel();
        let _ = self
            .wait_for(Duration::MAX, |s| s.state == RuntimeState::Stopped)
            .await;
    }

    async fn restart(&self) -> Result<RuntimeStatus, CoreError> {
        if self.stop.is_cancelled() {
            return Err(IpcError::NotReady {
                reason: "the host is shutting down".to_owned(),
                retry_after: None,
            }
            .into());
        }
        let before = self.cell.status().restarts;
        self.restart.notify_one();
        // Stopping the current run, then the handshake of the new one.
        let config = &self.config;
        let wait = config.shutdown_grace
            + config.kill_grace
            + config.handshake_timeout
            + Duration::from_secs(1);
        let reached = self
            .wait_for(wait, |s| {
                s.restarts > before
                    && matches!(
                        s.state,
                        RuntimeState::Ready
                            | RuntimeState::Failed
                            | RuntimeState::Restarting
                            | RuntimeState::Stopped
                    )
            })
            .await;
        Ok(reached.unwrap_or_else(|| self.cell.status()))
    }
}

/// The JSON kind of a value, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "an object",
    }
}

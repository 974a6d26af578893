//! The supervisor's published state: what `status()` reads (no I/O, one `watch` borrow) and
//! what every change announces as a `runtime.status` event.

use std::sync::Arc;
use std::time::Instant;

use pryx_core_api::{Event, EventPublisher, RuntimeState, RuntimeStatus, Value};
use tokio::sync::watch;

use super::legacy::Legacy;
use crate::peer::Peer;

/// The status plus what the bridge needs to route calls.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// What health shows.
    pub(crate) status: RuntimeStatus,
    /// The connection, present only while `ready`.
    pub(crate) peer: Option<Peer>,
    /// When the next restart is due, while `restarting`.
    pub(crate) retry_at: Option<Instant>,
    /// Set while a runtime without `initialize` is served in legacy mode.
    pub(crate) legacy: Option<Legacy>,
}

/// The single source of truth for the runtime's status.
pub(crate) struct StatusCell {
    tx: watch::Sender<Snapshot>,
    events: Arc<dyn EventPublisher>,
}

impl StatusCell {
    pub(crate) fn new(events: Arc<dyn EventPublisher>, detail: String) -> Self {
        let status = RuntimeStatus {
            state: RuntimeState::Starting,
            detail: Some(detail),
            version: None,
            protocol_version: None,
            pid: None,
            restarts: 0,
            last_stderr: Vec::new(),
            missing_features: Vec::new(),
        };
        let (tx, _) = watch::channel(Snapshot {
            status,
            peer: None,
            retry_at: None,
            legacy: None,
        });
        let cell = Self { tx, events };
        cell.announce(&cell.tx.borrow().status.clone());
        cell
    }

    /// Reads the current snapshot without copying it.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> R {
        f(&self.tx.borrow())
    }

    /// Just the status.
    pub(crate) fn status(&self) -> RuntimeStatus {
        self.tx.borrow().status.clone()
    }

    /// A receiver that sees every change.
    pub(crate) fn subscribe(&self) -> watch::Receiver<Snapshot> {
        self.tx.subscribe()
    }

    /// Applies `change`; logs and announces the new status when it differs.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        let mut changed = None;
        self.tx.send_modify(|snapshot| {
            let before = snapshot.status.clone();
            change(snapshot);
            if snapshot.status != before {
                changed = Some(snapshot.status.clone());
            }
        });
        if let Some(status) = changed {
            self.announce(&status);
        }
    }

    fn announce(&self, status: &RuntimeStatus) {
        let detail = status.detail.as_deref().unwrap_or("");
        match status.state {
            RuntimeState::Failed => tracing::error!(
                target: "pryx_ipc",
                state = ?status.state,
                pid = status.pid,
                restarts = status.restarts,
                last_stderr = ?status.last_stderr,
                "runtime failed: {detail}"
            ),
            RuntimeState::Restarting => tracing::warn!(
                target: "pryx_ipc",
                state = ?status.state,
                restarts = status.restarts,
                "runtime restarting: {detail}"
            ),
            _ => tracing::info!(
                target: "pryx_ipc",
                state = ?status.state,
                pid = status.pid,
                version = status.version.as_deref(),
                "runtime {}{}{detail}",
                status.state.as_str(),
                if detail.is_empty() { "" } else { ": " },
            ),
        }
        self.events
            .publish(Event::new("runtime.status", status_value(status)));
    }
}

/// The `runtime.status` event payload: the status as health shows it.
pub(crate) fn status_value(status: &RuntimeStatus) -> Value {
    let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::from);
    Value::map([
        ("state", Value::from(status.state.as_str())),
        ("detail", opt(&status.detail)),
        ("version", opt(&status.version)),
        ("protocol_version", opt(&status.protocol_version)),
        (
            "pid",
            status.pid.map_or(Value::Null, |p| Value::Int(i64::from(p))),
        ),
        ("restarts", Value::Int(i64::from(status.restarts))),
        ("last_stderr", Value::from(status.last_stderr.clone())),
        (
            "missing_features",
            Value::from(status.missing_features.clone()),
        ),
    ])
}

//! The host's health report: what `GET /api/v1/health` returns.

use crate::runtime::RuntimeStatus;

/// The state of one port's adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortState {
    /// Working.
    Ok,
    /// Working with a problem worth showing (e.g. a malformed skill).
    Degraded,
    /// Not working.
    Error,
}

/// The health of one port's adapter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortHealth {
    /// The state.
    pub status: PortState,
    /// Which adapter serves the port (e.g. `file`, `memory`, `noop`).
    pub adapter: String,
    /// A sentence on the problem, when there is one.
    pub detail: Option<String>,
}

impl PortHealth {
    /// A working adapter.
    pub fn ok(adapter: impl Into<String>) -> Self {
        Self {
            status: PortState::Ok,
            adapter: adapter.into(),
            detail: None,
        }
    }
    /// An adapter in `status` for the reason given.
    pub fn with(status: PortState, adapter: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            adapter: adapter.into(),
            detail: Some(detail.into()),
        }
    }
}

/// The overall state of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    /// Every port works (a runtime that is simply not configured counts as working).
    Ok,
    /// The host serves, but some port has a problem.
    Degraded,
}

/// The health of every port.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortsHealth {
    /// The config store.
    pub config: PortHealth,
    /// The skill registry.
    pub skills: PortHealth,
    /// The telemetry sink.
    pub telemetry: PortHealth,
    /// The agent runtime.
    pub runtime: RuntimeStatus,
    /// Where telemetry export stands (the telemetry sink's status).
    pub telemetry_export: crate::telemetry::TelemetryStatus,
}

/// The host's health report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: HostState,
    /// The host's version.
    pub version: String,
    /// Milliseconds since the host started.
    pub uptime_ms: u64,
    /// Each port's health.
    pub ports: PortsHealth,
}

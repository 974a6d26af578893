//! Telemetry records: what the host (and, through it, the runtime) reports about itself.

use crate::value::{Map, Value};

/// The kind of a telemetry record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelemetryKind {
    /// A counter or gauge sample.
    Metric,
    /// A notable occurrence (an error, a restart).
    Log,
}

/// One telemetry record. Attributes never hold secrets: sinks redact by key name too.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryRecord {
    /// Its kind.
    pub kind: TelemetryKind,
    /// Dotted name, e.g. `config.write`.
    pub name: String,
    /// The measured value (metrics) or message (logs).
    pub value: Value,
    /// Extra attributes.
    pub attributes: Map,
}

impl TelemetryRecord {
    /// A metric sample.
    pub fn metric(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            kind: TelemetryKind::Metric,
            name: name.into(),
            value: value.into(),
            attributes: Map::new(),
        }
    }
    /// A log record.
    pub fn log(name: impl Into<String>, message: impl Into<Value>) -> Self {
        Self {
            kind: TelemetryKind::Log,
            name: name.into(),
            value: message.into(),
            attributes: Map::new(),
        }
    }
}

/// Where telemetry export stands, for the health report: on or off, where it goes, and how it
/// is keeping up. Times are RFC 3339 strings.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelemetryStatus {
    /// Whether anything is exported.
    pub enabled: bool,
    /// The OTLP/HTTP base URL exports go to (no credentials), when enabled.
    pub endpoint: Option<String>,
    /// Why export is off, when it is (e.g. `DO_NOT_TRACK=1`, `no endpoint configured`).
    pub disabled_reason: Option<String>,
    /// When an export last succeeded.
    pub last_success: Option<String>,
    /// The last export failure (redacted), until the next success.
    pub last_error: Option<String>,
    /// Spans and log records waiting to be sent.
    pub queued: u64,
    /// Spans, log records and metric batches given up on (queue full, endpoint refused or down).
    pub dropped: u64,
    /// Requests to the endpoint that succeeded.
    pub exports: u64,
}

impl TelemetryStatus {
    /// Export is off for `reason`.
    pub fn disabled(reason: impl Into<String>) -> Self {
        Self {
            disabled_reason: Some(reason.into()),
            ..Self::default()
        }
    }
}

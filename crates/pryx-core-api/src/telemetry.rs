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

//! Telemetry switched off.

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, TelemetryRecord, TelemetrySink, TelemetryStatus};

/// A [`TelemetrySink`] that drops every record. Health reports adapter `noop` and, in the
/// telemetry status, why export is off.
#[derive(Debug, Clone, Default)]
pub struct NoopTelemetry {
    reason: Option<String>,
}

impl NoopTelemetry {
    /// Export off for `reason` (e.g. `DO_NOT_TRACK is set`).
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
        }
    }
}

#[async_trait]
impl TelemetrySink for NoopTelemetry {
    fn record(&self, _record: TelemetryRecord) {}
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("noop")
    }
    fn status(&self) -> TelemetryStatus {
        TelemetryStatus::disabled(
            self.reason
                .clone()
                .unwrap_or_else(|| "telemetry export is not configured".into()),
        )
    }
}

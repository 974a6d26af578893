//! Telemetry switched off.

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, TelemetryRecord, TelemetrySink};

/// A [`TelemetrySink`] that drops every record. Health reports adapter `noop`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopTelemetry;

#[async_trait]
impl TelemetrySink for NoopTelemetry {
    fn record(&self, _record: TelemetryRecord) {}
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("noop")
    }
}

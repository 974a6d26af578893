//! Telemetry switched off.

use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{
    Config, CoreError, PortHealth, TelemetryRecord, TelemetrySink, TelemetryStatus,
};

use crate::otlp::{Resolved, resolve};

/// A [`TelemetrySink`] that drops every record. Health reports adapter `noop` and, in the
/// telemetry status, why export is off.
#[derive(Debug, Default)]
pub struct NoopTelemetry {
    reason: Mutex<Option<String>>,
}

impl NoopTelemetry {
    /// Export off for `reason` (e.g. `DO_NOT_TRACK is set`).
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: Mutex::new(Some(reason.into())),
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
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_else(|| "telemetry export is not configured".into()),
        )
    }

    /// Export cannot start without a restart (its span layer is part of the logger installed
    /// at start); when the config now turns it on, the status says so.
    fn config_changed(&self, config: &Config) {
        if let Resolved::On(settings) = resolve(|k| std::env::var(k).ok(), config) {
            let why = format!(
                "export to {} is configured but starts with the next start of the host",
                settings.display_endpoint()
            );
            tracing::info!("{why}");
            *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
        }
    }
}

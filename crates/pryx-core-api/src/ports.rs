//! The ports: what the core needs from the outside world, as traits. Adapters in other crates
//! implement them (files, the runtime process, OTLP, memory for tests); the core never knows
//! which one it talks to.

use async_trait::async_trait;

use crate::config::{Config, ConfigSnapshot, HistoryEntry, KeptConfig, Revision};
use crate::error::CoreError;
use crate::event::Event;
use crate::health::PortHealth;
use crate::runtime::{ChangeNotice, McpTool, Model, Provider, RuntimeStatus};
use crate::skills::Skill;
use crate::telemetry::TelemetryRecord;
use crate::update::{UpdateApplied, UpdateInfo, UpdateRequest};
use crate::value::Value;

/// Where the config document lives.
///
/// Promises: `save` is atomic (a reader sees the old document or the new one, never a mix, also
/// after a crash) and conditional (it writes only when the stored revision is `expected`, and
/// otherwise fails with [`CoreError::ConfigConflict`] naming the current revision).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConfigStore: Send + Sync + 'static {
    /// The stored document and its revision; the defaults (with `persisted: false`) when
    /// nothing is stored yet; [`CoreError::ConfigUnreadable`] when what is stored is broken.
    async fn load(&self) -> Result<ConfigSnapshot, CoreError>;
    /// Replaces the stored document if its revision is still `expected`; returns the new one.
    async fn save(&self, config: &Config, expected: &Revision) -> Result<Revision, CoreError>;
    /// The versions `save` replaced and kept, newest first. A store that keeps none says so by
    /// returning an empty list.
    async fn history(&self) -> Result<Vec<HistoryEntry>, CoreError>;
    /// The content of one kept version, or [`CoreError::HistoryNotFound`].
    async fn history_entry(&self, id: &str) -> Result<KeptConfig, CoreError>;
    /// This adapter's health, without I/O.
    fn health(&self) -> PortHealth;
}

/// Where skills are found and which of them are enabled.
///
/// Promises: the enabled set persists across restarts; a skill that cannot be read is listed
/// with its `error`, never hidden and never fatal to the listing.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SkillRegistry: Send + Sync + 'static {
    /// Every skill, sorted by id; one entry per id (the highest-precedence source wins).
    async fn list(&self) -> Result<Vec<Skill>, CoreError>;
    /// One skill, or [`CoreError::SkillNotFound`].
    async fn get(&self, id: &str) -> Result<Skill, CoreError>;
    /// Records whether a skill is enabled and returns it as it now is.
    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<Skill, CoreError>;
    /// This adapter's health, without I/O.
    fn health(&self) -> PortHealth;
}

/// The agent runtime, whatever runs it.
///
/// Promises: no call blocks longer than the adapter's timeout; when no runtime is usable, calls
/// fail fast with [`CoreError::RuntimeUnavailable`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RuntimeBridge: Send + Sync + 'static {
    /// Its current status, without I/O.
    fn status(&self) -> RuntimeStatus;
    /// The model providers it offers.
    async fn providers(&self) -> Result<Vec<Provider>, CoreError>;
    /// The models of one provider.
    async fn provider_models(&self, provider_id: &str) -> Result<Vec<Model>, CoreError>;
    /// The MCP tools it can call.
    async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError>;
    /// Tells it something changed so it can reload. Best effort.
    async fn notify(&self, change: ChangeNotice) -> Result<(), CoreError>;
    /// Forwards a call a client made (chat, approvals, sessions) and returns its answer.
    async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError>;
    /// Stops it cleanly (ask, wait, then kill). Idempotent.
    async fn shutdown(&self);
    /// Starts it again with a fresh restart budget — from `failed`, or stopping the current run
    /// first — and returns the status it reached (usually `ready`). Fails with
    /// [`CoreError::RuntimeNotConfigured`] when there is no runtime and with
    /// [`CoreError::RuntimeUnavailable`] while the host is shutting down.
    async fn restart(&self) -> Result<RuntimeStatus, CoreError>;
}

/// Where telemetry goes (an exporter, a log, nowhere).
///
/// Promises: `record` never blocks and never fails the caller; a sink that cannot keep up drops.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TelemetrySink: Send + Sync + 'static {
    /// Queues a record.
    fn record(&self, record: TelemetryRecord);
    /// Sends what is queued, within the sink's own timeout.
    async fn flush(&self) -> Result<(), CoreError>;
    /// This adapter's health, without I/O.
    fn health(&self) -> PortHealth;
    /// Where export stands (enabled, endpoint, last success, queued, dropped, last error),
    /// without I/O. The default says export is off.
    fn status(&self) -> crate::telemetry::TelemetryStatus {
        crate::telemetry::TelemetryStatus::disabled("telemetry export is not configured")
    }
    /// The config was saved with a changed telemetry setting (`telemetry`,
    /// `telemetry_disabled`). A sink applies at once what it can — an opt-out always: nothing
    /// more leaves the machine — and says in [`status`](Self::status) what waits for a restart.
    /// Never blocks. The default ignores it.
    fn config_changed(&self, _config: &Config) {}
}

/// Where events go so live clients see them.
///
/// Promises: `publish` never blocks; a slow subscriber never slows the publisher.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait EventPublisher: Send + Sync + 'static {
    /// Publishes an event.
    fn publish(&self, event: Event);
}

/// Where updates of the host itself come from and how they are installed.
///
/// Promises: nothing unsigned is ever installed — an adapter without a trusted public key
/// fails every call with [`CoreError::UpdateNotConfigured`]; `apply` verifies the artifact's
/// signature before anything else and, when it fails for any reason, leaves the installed
/// binary as it was; a version lower than the running one is refused unless
/// `allow_downgrade` is asked for.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Updater: Send + Sync + 'static {
    /// Asks the update endpoints what they announce for this platform.
    async fn check(&self, request: &UpdateRequest) -> Result<UpdateInfo, CoreError>;
    /// Downloads the announced artifact, verifies it and installs it in place of the running
    /// binary, keeping the previous one. The process keeps running the old code until it is
    /// restarted; the answer says whether that is needed.
    async fn apply(&self, request: &UpdateRequest) -> Result<UpdateApplied, CoreError>;
}

/// Recent log lines, for clients (`GET /api/v1/logs`).
///
/// Promises: bounded in memory; `recent` answers from memory without I/O; every line it
/// returns was redacted before it was kept.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait LogRing: Send + Sync + 'static {
    /// The most recent lines matching `query`, oldest first.
    fn recent(&self, query: &crate::logs::LogQuery) -> crate::logs::LogPage;
}

//! # pryx-core-api
//!
//! The domain of Pryx host, free of any transport, file format or process:
//!
//! - [`value`]: the format-neutral data tree configs and payloads are made of;
//! - [`config`], [`skills`], [`runtime`], [`health`], [`event`], [`telemetry`]: domain types;
//! - [`ports`]: the traits adapters implement — [`ConfigStore`], [`SkillRegistry`],
//!   [`RuntimeBridge`], [`TelemetrySink`] and [`EventPublisher`];
//! - [`services`]: the use cases transports call, built over one set of [`Ports`];
//! - [`error`]: the one error enum, with stable codes.
//!
//! With the `mocks` feature, mockall mocks of every port are exported (`MockConfigStore`, ...).

pub mod config;
pub mod error;
pub mod event;
pub mod health;
pub mod logs;
pub mod ports;
pub mod runtime;
pub mod services;
pub mod skills;
pub mod telemetry;
pub mod value;

pub use config::{
    Config, ConfigSnapshot, ConfigView, FieldError, HistoryEntry, HistoryView, KeptConfig, Revision,
};
pub use error::CoreError;
pub use event::Event;
pub use health::{Health, HostState, PortHealth, PortState, PortsHealth};
pub use logs::{LogLevel, LogLine, LogPage, LogQuery, LogSource, NoLogRing};
pub use ports::LogRing;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockLogRing;
pub use ports::{ConfigStore, EventPublisher, RuntimeBridge, SkillRegistry, TelemetrySink};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{
    MockConfigStore, MockEventPublisher, MockRuntimeBridge, MockSkillRegistry, MockTelemetrySink,
};
pub use runtime::{ChangeNotice, McpTool, Model, Provider, RuntimeState, RuntimeStatus};
pub use services::{
    ApprovalDecision, ApprovalRequest, ApprovalService, ConfigService, HealthService,
    PendingApproval, Ports, RuntimeService, Services, SkillService,
};
pub use skills::{Skill, SkillRequirements, SkillSource};
pub use telemetry::{TelemetryKind, TelemetryRecord, TelemetryStatus};
pub use value::{Map, Value};

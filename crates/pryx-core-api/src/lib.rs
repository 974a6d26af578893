//! # pryx-core-api
//!
//! The domain of Pryx host, free of any transport, file format or process:
//!
//! - [`value`]: the format-neutral data tree configs and payloads are made of;
//! - [`config`], [`skills`], [`runtime`], [`health`], [`event`], [`telemetry`], [`update`]:
//!   domain types;
//! - [`ports`]: the traits adapters implement — [`ConfigStore`], [`SkillRegistry`],
//!   [`RuntimeBridge`], [`TelemetrySink`], [`EventPublisher`] and [`Updater`];
//! - [`services`]: the use cases transports call, built over one set of [`Ports`];
//! - [`error`]: the one error enum, with stable codes.
//!
//! With the `mocks` feature, mockall mocks of every port are exported (`MockConfigStore`, ...).

pub mod agent;
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
pub mod update;
pub mod value;

pub use agent::{Approval, Message, Resolution, SentMessage, Session, SessionDetail};
pub use config::{
    Config, ConfigSnapshot, ConfigView, FieldError, HistoryEntry, HistoryView, KeptConfig, Revision,
};
pub use error::CoreError;
pub use event::Event;
pub use health::{Health, HostState, PortHealth, PortState, PortsHealth};
pub use logs::{LogLevel, LogLine, LogPage, LogQuery, LogSource, NoLogRing};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockLogRing;
pub use ports::{
    ConfigStore, EventPublisher, LogRing, RuntimeBridge, SkillRegistry, TelemetrySink, Updater,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{
    MockConfigStore, MockEventPublisher, MockRuntimeBridge, MockSkillRegistry, MockTelemetrySink,
    MockUpdater,
};
pub use runtime::{ChangeNotice, McpTool, Model, Provider, RuntimeState, RuntimeStatus};
pub use services::{
    AgentService, ApprovalDecision, ApprovalRequest, ApprovalService, ConfigService, HealthService,
    NoUpdater, PendingApproval, Ports, RuntimeService, Services, SkillService, UpdateService,
};
pub use skills::{Skill, SkillRequirements, SkillSource};
pub use telemetry::{TelemetryKind, TelemetryRecord, TelemetryStatus};
pub use update::{UpdateApplied, UpdateInfo, UpdateRequest};
pub use value::{Map, Value};

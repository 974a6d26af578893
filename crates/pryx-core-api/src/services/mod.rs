//! Application services: the use cases a transport calls. Each holds the ports it needs and
//! enforces the domain rules; transports only parse, call one method and map the result.

mod agent;
mod approvals;
mod config;
mod health;
mod runtime;
mod skills;
mod update;

pub use agent::{AgentService, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS};
pub use approvals::{ApprovalDecision, ApprovalRequest, ApprovalService, PendingApproval};
pub use config::ConfigService;
pub use health::HealthService;
pub use runtime::RuntimeService;
pub use skills::SkillService;
pub use update::{NoUpdater, UpdateService};

use std::sync::Arc;

use crate::ports::{
    ConfigStore, EventPublisher, RuntimeBridge, SkillRegistry, TelemetrySink, Updater,
};

/// The adapters a host is composed of, one per port.
#[derive(Clone)]
pub struct Ports {
    /// Where the config lives.
    pub config: Arc<dyn ConfigStore>,
    /// Where skills are found.
    pub skills: Arc<dyn SkillRegistry>,
    /// The agent runtime.
    pub runtime: Arc<dyn RuntimeBridge>,
    /// Where telemetry goes.
    pub telemetry: Arc<dyn TelemetrySink>,
    /// Where events go.
    pub events: Arc<dyn EventPublisher>,
}

/// Every application service, built over one set of ports.
#[derive(Clone)]
pub struct Services {
    /// Read and change the config.
    pub config: ConfigService,
    /// List and toggle skills.
    pub skills: SkillService,
    /// Ask the runtime what it offers.
    pub runtime: RuntimeService,
    /// Report health.
    pub health: HealthService,
    /// Ask a person before the runtime acts.
    pub approvals: ApprovalService,
    /// The ports themselves, for adapters that need to reach one (e.g. shutdown).
    pub ports: Ports,
    /// Check for and apply updates of the host ([`NoUpdater`] unless one is given with
    /// [`Services::with_updater`] or set here).
    pub update: UpdateService,
    /// Talk to the agent: sessions, messages, approvals.
    pub agent: AgentService,
}

impl Services {
    /// Builds the services over `ports`; `version` is the host's version shown in health.
    pub fn new(ports: Ports, version: impl Into<String>) -> Self {
        let approvals = ApprovalService::new(ports.events.clone());
        Self::with_approvals(ports, approvals, version)
    }

    /// Like [`Services::new`], sharing an [`ApprovalService`] the composition root already
    /// handed to a runtime adapter.
    pub fn with_approvals(
        ports: Ports,
        approvals: ApprovalService,
        version: impl Into<String>,
    ) -> Self {
        Self {
            agent: AgentService::new(ports.runtime.clone(), approvals.clone()),
            approvals,
            config: ConfigService::new(ports.clone()),
            skills: SkillService::new(ports.clone()),
            runtime: RuntimeService::new(ports.runtime.clone()),
            health: HealthService::new(ports.clone(), version.into()),
            ports,
            update: UpdateService::default(),
        }
    }

    /// The same services, with updates checked and applied through `updater`.
    pub fn with_updater(mut self, updater: Arc<dyn Updater>) -> Self {
        self.update = UpdateService::new(updater);
        self
    }
}

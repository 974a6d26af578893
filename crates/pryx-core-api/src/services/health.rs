//! The health report. Cheap by contract: every port answers from memory.

use std::time::Instant;

use crate::health::{Health, HostState, PortState, PortsHealth};
use crate::runtime::RuntimeState;
use crate::services::Ports;

/// Report health.
#[derive(Clone)]
pub struct HealthService {
    ports: Ports,
    version: String,
    started: Instant,
}

impl HealthService {
    pub(crate) fn new(ports: Ports, version: String) -> Self {
        Self {
            ports,
            version,
            started: Instant::now(),
        }
    }

    /// The host's health now.
    pub fn health(&self) -> Health {
        let ports = PortsHealth {
            config: self.ports.config.health(),
            skills: self.ports.skills.health(),
            telemetry: self.ports.telemetry.health(),
            runtime: self.ports.runtime.status(),
            telemetry_export: self.ports.telemetry.status(),
        };
        let adapters_ok = [&ports.config, &ports.skills, &ports.telemetry]
            .iter()
            .all(|p| p.status == PortState::Ok);
        let runtime_ok = !matches!(
            ports.runtime.state,
            RuntimeState::Failed | RuntimeState::Restarting | RuntimeState::Unresponsive
        );
        Health {
            status: if adapters_ok && runtime_ok {
                HostState::Ok
            } else {
                HostState::Degraded
            },
            version: self.version.clone(),
            uptime_ms: self.started.elapsed().as_millis() as u64,
            ports,
        }
    }
}

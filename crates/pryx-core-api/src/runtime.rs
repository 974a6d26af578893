//! What the host knows about the agent runtime (the sidecar process) and what it serves from it.

use crate::value::Value;

/// The runtime's life-cycle state as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuntimeState {
    /// No runtime is configured or attached.
    Unavailable,
    /// Spawned; the handshake has not finished.
    Starting,
    /// Handshake done; calls are answered.
    Ready,
    /// It exited; a restart is scheduled.
    Restarting,
    /// It kept failing and the restart budget is spent, or it is incompatible.
    Failed,
    /// It was stopped on purpose.
    Stopped,
    /// Its process is alive but it stopped answering (missed liveness pings); calls fail at
    /// once and the supervisor kills and restarts it.
    Unresponsive,
}

impl RuntimeState {
    /// The state's wire name, as health, events and metrics show it (`ready`, `failed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeState::Unavailable => "unavailable",
            RuntimeState::Starting => "starting",
            RuntimeState::Ready => "ready",
            RuntimeState::Restarting => "restarting",
            RuntimeState::Failed => "failed",
            RuntimeState::Stopped => "stopped",
            RuntimeState::Unresponsive => "unresponsive",
        }
    }
}

/// A snapshot of the runtime's health, cheap to take.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeStatus {
    /// The state.
    pub state: RuntimeState,
    /// A sentence on why it is in this state, when not obvious.
    pub detail: Option<String>,
    /// The runtime's own version, once known.
    pub version: Option<String>,
    /// The protocol version agreed in the handshake.
    pub protocol_version: Option<String>,
    /// Process id of the running runtime.
    pub pid: Option<u32>,
    /// How many times it was restarted since the host started.
    pub restarts: u32,
    /// The last lines it wrote to stderr (most recent last), kept for diagnosis.
    pub last_stderr: Vec<String>,
    /// What this runtime cannot do with this host, as stable ids (e.g. `config_reload`); empty
    /// for a runtime that speaks the protocol. A runtime served in legacy mode
    /// (`protocol_version: "legacy"`) lists what that mode costs.
    #[serde(default)]
    pub missing_features: Vec<String>,
}

impl RuntimeStatus {
    /// The status of a host that has no runtime.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            state: RuntimeState::Unavailable,
            detail: Some(detail.into()),
            version: None,
            protocol_version: None,
            pid: None,
            restarts: 0,
            last_stderr: Vec::new(),
            missing_features: Vec::new(),
        }
    }
}

/// An AI model provider the runtime can use.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provider {
    /// Stable id, e.g. `openai`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether it needs an API key to be used.
    #[serde(default)]
    pub requires_api_key: bool,
    /// Whether it is configured (a key is stored, or none is needed).
    #[serde(default)]
    pub configured: bool,
}

/// A model offered by a provider.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Model {
    /// Stable id, e.g. `gpt-4o`.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A tool offered by an MCP server the runtime is connected to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpTool {
    /// `<server>:<tool>`.
    pub name: String,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// JSON Schema of its input, when declared.
    #[serde(
        default,
        rename = "inputSchema",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub input_schema: Option<Value>,
    /// JSON Schema of its output, when declared.
    #[serde(
        default,
        rename = "outputSchema",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output_schema: Option<Value>,
}

/// A change the runtime should hear about so it can reload.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeNotice {
    /// The config was written; this is its new revision.
    ConfigChanged {
        /// The new revision.
        revision: crate::config::Revision,
        /// The top-level keys added, removed or changed by the write (names only).
        changed: Vec<String>,
    },
    /// A skill was switched on or off.
    SkillToggled {
        /// The skill.
        id: String,
        /// Its new state.
        enabled: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::RuntimeState;

    #[test]
    fn the_wire_name_is_the_serialised_one() {
        for state in [
            RuntimeState::Unavailable,
            RuntimeState::Starting,
            RuntimeState::Ready,
            RuntimeState::Restarting,
            RuntimeState::Failed,
            RuntimeState::Stopped,
            RuntimeState::Unresponsive,
        ] {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::json!(state.as_str())
            );
        }
    }
}

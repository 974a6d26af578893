//! The Pryx runtime protocol on top of JSON-RPC: method names, their params and results, and
//! the `initialize` handshake. `docs/ipc-protocol.md` is the prose version of this module.

use std::time::Duration;

use pryx_core_api::{McpTool, Model, Provider, Value};
use serde::{Deserialize, Serialize};

use crate::error::IpcError;
use crate::message::codes;
use crate::peer::Peer;

/// The protocol version this host speaks, `MAJOR.MINOR`. Peers are compatible when the major
/// numbers are equal; a minor bump only adds optional methods and fields.
pub const PROTOCOL_VERSION: &str = "1.1";

/// What health shows as `protocol_version` for a runtime without `initialize`, served in the
/// compatibility mode of `docs/ipc-protocol.md` §10.
pub const LEGACY_PROTOCOL: &str = "legacy";

/// Method names, both directions.
pub mod methods {
    /// Host → runtime, first message: agree on the protocol.
    pub const INITIALIZE: &str = "initialize";
    /// Host → runtime: finish up and exit.
    pub const SHUTDOWN: &str = "shutdown";
    /// Host → runtime: liveness check; any answer, even an error, means alive.
    pub const PING: &str = "ping";
    /// Host → runtime: the runtime's own health.
    pub const ADMIN_HEALTH: &str = "admin.health";
    /// Host → runtime: the config as the runtime sees it.
    pub const ADMIN_CONFIG_GET: &str = "admin.config.get";
    /// Host → runtime: the skills the runtime has loaded.
    pub const ADMIN_SKILLS_LIST: &str = "admin.skills.list";
    /// Host → runtime: the MCP tools it can call.
    pub const ADMIN_MCP_LIST: &str = "admin.mcp.list";
    /// Host → runtime: the model providers it offers.
    pub const ADMIN_PROVIDERS_LIST: &str = "admin.providers.list";
    /// Host → runtime: the models of one provider.
    pub const ADMIN_PROVIDERS_MODELS: &str = "admin.providers.models";
    /// Host → runtime notification: the config file was written.
    pub const CONFIG_CHANGED: &str = "config.changed";
    /// Host → runtime notification: a skill was switched on or off.
    pub const SKILLS_CHANGED: &str = "skills.changed";
    /// Host → runtime, forwarded from a client: send a chat message.
    pub const CHAT_SEND: &str = "chat.send";
    /// A client's answer to an approval. Answered by the host itself and never forwarded:
    /// every approval is raised with `permission.request` and tracked by the host.
    pub const APPROVAL_RESOLVE: &str = "approval.resolve";
    /// Host → runtime, forwarded from a client: list sessions.
    pub const SESSIONS_LIST: &str = "sessions.list";
    /// Host → runtime, forwarded from a client: resume a session.
    pub const SESSION_RESUME: &str = "session.resume";

    /// Runtime → host: ask a person before a tool runs.
    pub const PERMISSION_REQUEST: &str = "permission.request";
    /// Runtime → host: show a notification to the user.
    pub const NOTIFICATION_SHOW: &str = "notification.show";
    /// Runtime → host: check for an update (not available in this host).
    pub const UPDATER_CHECK: &str = "updater.check";
    /// Runtime → host: install an update (not available in this host).
    pub const UPDATER_INSTALL: &str = "updater.install";
    /// Runtime → host: write the clipboard (not available in this host).
    pub const CLIPBOARD_WRITE_TEXT: &str = "clipboard.writeText";
    /// Runtime → host: read the clipboard (not available in this host).
    pub const CLIPBOARD_READ_TEXT: &str = "clipboard.readText";
    /// Runtime → host: publish a live event to clients.
    pub const EVENT_PUBLISH: &str = "event.publish";
    /// Runtime → host: hand over telemetry records.
    pub const TELEMETRY_EXPORT: &str = "telemetry.export";
    /// Runtime → host: a log record for the host's log.
    pub const LOG: &str = "log";

    /// Every host → runtime request of the protocol.
    pub const HOST_CALLS: &[&str] = &[
        INITIALIZE,
        SHUTDOWN,
        ADMIN_HEALTH,
        ADMIN_CONFIG_GET,
        ADMIN_SKILLS_LIST,
        ADMIN_MCP_LIST,
        ADMIN_PROVIDERS_LIST,
        ADMIN_PROVIDERS_MODELS,
        CHAT_SEND,
        SESSIONS_LIST,
        SESSION_RESUME,
    ];

    /// Every host → runtime notification of the protocol.
    pub const HOST_NOTIFICATIONS: &[&str] = &[CONFIG_CHANGED, SKILLS_CHANGED];

    /// The runtime → host methods this host answers (successfully or with `-32001`).
    pub const HOST_SERVED: &[&str] = &[
        PERMISSION_REQUEST,
        NOTIFICATION_SHOW,
        UPDATER_CHECK,
        UPDATER_INSTALL,
        CLIPBOARD_WRITE_TEXT,
        CLIPBOARD_READ_TEXT,
        EVENT_PUBLISH,
        TELEMETRY_EXPORT,
        LOG,
    ];

    /// Host → runtime methods only the host itself may send; `RuntimeBridge::call` refuses them.
    pub const HOST_RESERVED: &[&str] = &[INITIALIZE, SHUTDOWN, CONFIG_CHANGED, SKILLS_CHANGED];
}

/// A program's name and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// e.g. `pryx-core`.
    pub name: String,
    /// Its version, e.g. `0.1.0`.
    pub version: String,
}

/// What the host offers, sent in `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostCapabilities {
    /// The runtime → host methods the host serves.
    pub methods: Vec<String>,
    /// The longest line the host reads; longer ones are discarded.
    pub max_frame_bytes: u64,
}

/// `initialize` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitializeParams {
    /// The host's [`PROTOCOL_VERSION`].
    pub protocol_version: String,
    /// Who the host is.
    pub host: PeerInfo,
    /// What it offers.
    pub capabilities: HostCapabilities,
    /// *1.1:* the data directory (`~/.pryx`), when the host has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<String>,
    /// *1.1:* the config file the host writes (`<data_dir>/config.yaml`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_path: Option<String>,
    /// *1.1:* the config's current revision (opaque; the one `config.changed` will name next
    /// time it changes), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_revision: Option<String>,
}

/// What the runtime offers, answered to `initialize`. Every field is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RuntimeCapabilities {
    /// The host → runtime methods it implements.
    #[serde(default)]
    pub methods: Vec<String>,
    /// The event names it may publish.
    #[serde(default)]
    pub events: Vec<String>,
}

/// `initialize` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitializeResult {
    /// The runtime's protocol version.
    pub protocol_version: String,
    /// Who the runtime is.
    pub runtime: PeerInfo,
    /// What it offers.
    #[serde(default)]
    pub capabilities: RuntimeCapabilities,
}

/// `admin.providers.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvidersResult {
    /// The providers (`null` reads as none: Go runtimes encode an empty list so).
    #[serde(deserialize_with = "null_as_empty")]
    pub providers: Vec<Provider>,
}

/// `admin.providers.models` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelsParams {
    /// The provider asked about.
    pub provider_id: String,
}

/// `admin.providers.models` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelsResult {
    /// Its models (`null` reads as none).
    #[serde(deserialize_with = "null_as_empty")]
    pub models: Vec<Model>,
}

/// `admin.mcp.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolsResult {
    /// The tools, named `<server>:<tool>` (`null` reads as none: today's Go runtime answers
    /// `{"tools": null}` when no MCP server is connected).
    #[serde(deserialize_with = "null_as_empty")]
    pub tools: Vec<McpTool>,
}

/// `config.changed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigChangedParams {
    /// The config's new revision.
    pub revision: String,
    /// *1.1:* the top-level keys the write added, removed or changed (names only).
    #[serde(default)]
    pub changed: Vec<String>,
}

/// `skills.changed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillsChangedParams {
    /// The skill.
    pub id: String,
    /// Whether it is now enabled.
    pub enabled: bool,
}

/// `permission.request` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionRequestParams {
    /// A sentence for the person deciding.
    pub description: String,
    /// What the agent means to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// The tool, `<server>:<tool>`, when it is a tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The tool's arguments, for display.
    #[serde(default, skip_serializing_if = "is_null")]
    pub args: Value,
    /// The agent session asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// `permission.request` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionResult {
    /// Whether the action may go ahead.
    pub approved: bool,
    /// True when nobody answered in time (then `approved` is false).
    #[serde(default)]
    pub timed_out: bool,
    /// *1.1:* why it was denied without a person deciding (e.g. the host is shutting down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `notification.show` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationShowParams {
    /// Title line.
    pub title: String,
    /// Body text.
    #[serde(default)]
    pub body: String,
}

/// `event.publish` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPublishParams {
    /// Dotted event name, e.g. `session.message`.
    pub event: String,
    /// The session it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Event data.
    #[serde(default)]
    pub payload: Value,
}

/// One record of `telemetry.export`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTelemetryRecord {
    /// `metric` or `log`.
    pub kind: String,
    /// Dotted name.
    pub name: String,
    /// The sample (metric) or message (log).
    #[serde(default)]
    pub value: Value,
    /// Extra attributes.
    #[serde(default)]
    pub attributes: pryx_core_api::Map,
}

/// `telemetry.export` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetryExportParams {
    /// The records.
    pub records: Vec<WireTelemetryRecord>,
}

/// `log` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogParams {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// The message.
    pub message: String,
    /// Structured fields.
    #[serde(default)]
    pub fields: Value,
}

fn is_null(v: &Value) -> bool {
    matches!(v, Value::Null)
}

/// Reads a list that may be `null` (as Go encodes an empty slice) as an empty list.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The major number of a `MAJOR.MINOR` version.
fn major(version: &str) -> Option<u64> {
    version.split('.').next()?.trim().parse().ok()
}

/// Whether a runtime speaking `theirs` can talk to this host; the error says why not.
pub fn check_compatible(theirs: &str) -> Result<(), String> {
    let ours = major(PROTOCOL_VERSION).expect("our version is MAJOR.MINOR");
    match major(theirs) {
        Some(m) if m == ours => Ok(()),
        Some(m) => Err(format!(
            "the runtime speaks protocol {theirs} but this host speaks {PROTOCOL_VERSION}; \
             major versions differ ({m} vs {ours}), so upgrade the {}",
            if m < ours { "runtime" } else { "host" }
        )),
        None => Err(format!(
            "the runtime sent protocol_version {theirs:?}, which is not MAJOR.MINOR"
        )),
    }
}

/// How the handshake ended when the runtime can be served.
#[derive(Debug, Clone, PartialEq)]
pub enum Handshake {
    /// It answered `initialize` with a compatible version.
    Agreed(InitializeResult),
    /// It answered `initialize` with -32601 (method not found): a runtime that predates
    /// protocol 1.0, served in legacy mode over the methods it implements.
    Legacy {
        /// Its error message, for the log.
        message: String,
    },
}

/// Runs the handshake: sends `initialize` and checks the answer.
///
/// A runtime that does not know `initialize` is [`Handshake::Legacy`]. Fails with
/// [`IpcError::Incompatible`] when it speaks another major version or answers nonsense
/// (restarting will not help), and with the transport's error otherwise.
pub async fn initialize(
    peer: &Peer,
    params: &InitializeParams,
    timeout: Duration,
) -> Result<Handshake, IpcError> {
    let result: InitializeResult = match peer.call(methods::INITIALIZE, params, timeout).await {
        Ok(result) => result,
        Err(IpcError::Rpc { error, .. }) if error.code == codes::METHOD_NOT_FOUND => {
            return Ok(Handshake::Legacy {
                message: error.message,
            });
        }
        Err(IpcError::BadResult { reason, .. }) => {
            return Err(IpcError::Incompatible {
                reason: format!("the runtime's answer to `initialize` is not valid: {reason}"),
            });
        }
        Err(e) => return Err(e),
    };
    check_compatible(&result.protocol_version)
        .map_err(|reason| IpcError::Incompatible { reason })?;
    Ok(Handshake::Agreed(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_major_is_compatible_and_others_explain_why_not() {
        assert!(check_compatible("1.0").is_ok());
        assert!(check_compatible("1.7").is_ok());
        let err = check_compatible("2.0").unwrap_err();
        assert!(err.contains("major versions differ"), "{err}");
        assert!(err.contains("upgrade the host"), "{err}");
        assert!(
            check_compatible("0.9")
                .unwrap_err()
                .contains("upgrade the runtime")
        );
        assert!(
            check_compatible("banana")
                .unwrap_err()
                .contains("not MAJOR.MINOR")
        );
    }
}

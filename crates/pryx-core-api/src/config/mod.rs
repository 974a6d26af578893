//! The config document the runtime reads (`config.yaml`), its revisions, and the rules for
//! changing it: merge patches, secret redaction and validation.

#[cfg(feature = "openapi")]
mod openapi;
mod patch;
mod schema;
mod secret_values;
mod secrets;

pub use patch::merge_patch;
pub use schema::validate;
pub use secret_values::{contains_secret, scrub, secret_spans};
pub use secrets::{REDACTED, is_secret_key, redact, redact_outbound, restore_secrets};

use crate::value::{Map, Value};

/// The whole config document: an ordered map of keys to values.
///
/// Keys the host does not know are kept as they are, so a newer runtime's settings survive a
/// write through an older host.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Config(pub Map);

impl Config {
    /// The value at a dotted path (`a.b.c`), if present.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut current = self.0.get(parts.next()?)?;
        for part in parts {
            current = current.as_map()?.get(part)?;
        }
        Some(current)
    }
}

/// An opaque token naming one version of the stored config. Equal revisions mean equal
/// content; the transport sends it as an `ETag`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Revision(pub String);

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The stored config as a store returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigSnapshot {
    /// The document, secrets included.
    pub config: Config,
    /// Its revision.
    pub revision: Revision,
    /// False when nothing is stored yet and `config` holds the defaults.
    pub persisted: bool,
}

/// A version of the config the store replaced and kept, as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// Its id, for reading or restoring it.
    pub id: String,
    /// When it was replaced (RFC 3339, UTC).
    pub replaced_at: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The content of a kept version.
#[derive(Debug, Clone, PartialEq)]
pub enum KeptConfig {
    /// It parses as a config document.
    Parsed(Config),
    /// It does not (for example, a hand edit caught half-written); why.
    Unreadable(String),
}

/// A kept version as a client sees it: secrets redacted like the config itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryView {
    /// Which version.
    pub entry: HistoryEntry,
    /// Its document with every secret replaced by the redaction marker; `null` when it does not
    /// parse.
    pub config: Option<Config>,
    /// Dotted paths of the values that were redacted.
    pub redacted: Vec<String>,
    /// Why it does not parse, when it does not.
    pub error: Option<String>,
}

/// The config as a client sees it: secrets replaced by [`REDACTED`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigView {
    /// The revision to send back as `If-Match` with a write.
    pub revision: Revision,
    /// False when no config file exists yet and these are the defaults.
    pub persisted: bool,
    /// The document with every secret value replaced by the redaction marker.
    pub config: Config,
    /// Dotted paths of the values that were redacted.
    pub redacted: Vec<String>,
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field, e.g. `max_websocket_connections` or `allowed_origins.2`.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    /// A field error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

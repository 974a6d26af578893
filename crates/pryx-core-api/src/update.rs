//! What the host knows about updates of itself: the version it runs, the version its update
//! endpoints announce, and what applying one did.

use crate::value::Value;

/// The answer to "is there an update?".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateInfo {
    /// The version running now.
    pub current: String,
    /// The version the endpoints announce for this platform when it is an update (newer, or
    /// any other version when a downgrade was asked for); `None` when there is nothing to do.
    pub available: Option<String>,
    /// The release notes of `available`, as announced.
    pub notes: Option<String>,
    /// When `available` was published, as announced (RFC 3339).
    pub pub_date: Option<String>,
    /// The platform asked for, as the manifest names it (e.g. `linux-x86_64`).
    pub platform: String,
}

impl UpdateInfo {
    /// The same information as a data tree, for transports that speak [`Value`] (the runtime's
    /// `updater.check`).
    pub fn to_value(&self) -> Value {
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
        Value::map([
            ("current", Value::from(self.current.clone())),
            ("available", opt(&self.available)),
            ("notes", opt(&self.notes)),
            ("pub_date", opt(&self.pub_date)),
            ("platform", Value::from(self.platform.clone())),
        ])
    }
}

/// How to look for or apply an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct UpdateRequest {
    /// Accept an announced version lower than the running one (a rollback on purpose).
    /// Without it such a version is refused.
    pub allow_downgrade: bool,
    /// Apply only if the announced version is exactly this one (what a person saw when they
    /// checked); refused otherwise.
    pub version: Option<String>,
}

/// What applying an update did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateApplied {
    /// The version that was running.
    pub previous: String,
    /// The version now installed in its place.
    pub installed: String,
    /// Whether the process must restart to run `installed` (always true for a swapped binary;
    /// the host restarts itself once the answer is sent).
    pub restart_needed: bool,
    /// Where the previous binary was kept for a rollback, if it was.
    pub previous_kept_as: Option<String>,
}

impl UpdateApplied {
    /// The same information as a data tree, for the runtime's `updater.install`.
    pub fn to_value(&self) -> Value {
        Value::map([
            ("previous", Value::from(self.previous.clone())),
            ("installed", Value::from(self.installed.clone())),
            ("restart_needed", Value::Bool(self.restart_needed)),
            (
                "previous_kept_as",
                self.previous_kept_as
                    .clone()
                    .map_or(Value::Null, Value::from),
            ),
        ])
    }
}

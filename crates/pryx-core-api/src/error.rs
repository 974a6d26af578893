//! The one error type of the core. Every variant has a stable machine-readable code
//! ([`CoreError::code`]); transports map variants to their own status codes in one place.

use crate::config::{FieldError, Revision};

/// Everything that can go wrong in a core service or a port.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    /// A write named a revision that is no longer current.
    #[error("the config changed since revision {expected}; the current revision is {current}")]
    ConfigConflict {
        /// The revision the caller based its write on.
        expected: Revision,
        /// The revision that is current now.
        current: Revision,
    },
    /// A full replacement of the config was attempted without naming the revision it replaces.
    #[error("replacing the whole config needs the revision it replaces (send If-Match)")]
    PreconditionRequired,
    /// The config document failed validation; nothing was written.
    #[error("the config is invalid: {}", summarize(.fields))]
    ConfigInvalid {
        /// Every field that failed, with its path and why.
        fields: Vec<FieldError>,
    },
    /// The stored config cannot be read (for example, the file is not valid YAML). Writes are
    /// refused until it is fixed, so a hand-edited file is never overwritten.
    #[error("the stored config cannot be read: {reason}")]
    ConfigUnreadable {
        /// What is wrong, with a location when known.
        reason: String,
    },
    /// No skill has this id.
    #[error("no skill with id {id:?}")]
    SkillNotFound {
        /// The id asked for.
        id: String,
    },
    /// The skill exists but cannot be used as asked (for example, its SKILL.md is malformed).
    #[error("skill {id:?} cannot be enabled: {reason}")]
    SkillInvalid {
        /// The skill's id.
        id: String,
        /// Why.
        reason: String,
    },
    /// No runtime is connected, or it is restarting.
    #[error("the agent runtime is not available: {reason}")]
    RuntimeUnavailable {
        /// Why (not configured, restarting, failed ...).
        reason: String,
        /// When a retry is worth it, in seconds, if known.
        retry_after_secs: Option<u64>,
    },
    /// The runtime did not answer in time.
    #[error("the agent runtime did not answer {method} within {timeout_ms} ms")]
    RuntimeTimeout {
        /// The call that timed out.
        method: String,
        /// The timeout that passed.
        timeout_ms: u64,
    },
    /// The runtime answered with an error.
    #[error("the agent runtime failed {method}: {message} (code {code})")]
    RuntimeFailed {
        /// The call that failed.
        method: String,
        /// The runtime's error code.
        code: i64,
        /// The runtime's error message.
        message: String,
        /// The runtime's error `data`, when it sent one (redacted before it leaves the host).
        /// Boxed: it is rare, and keeps every `Result<_, CoreError>` small.
        data: Option<Box<crate::value::Value>>,
    },
    /// The runtime has no model provider with this id.
    #[error("no model provider with id {id:?}")]
    ProviderNotFound {
        /// The id asked for.
        id: String,
    },
    /// No approval request with this id is waiting (it was answered, expired or never existed).
    #[error("no pending approval with id {id:?}")]
    ApprovalNotFound {
        /// The id given.
        id: String,
    },
    /// No kept version of the config has this id.
    #[error("no kept version of the config with id {id:?}")]
    HistoryNotFound {
        /// The id asked for.
        id: String,
    },
    /// A storage adapter failed (disk full, permission denied ...). Nothing was half-written.
    #[error("storage failed: {0}")]
    Storage(String),
    /// A bug: an invariant of ours did not hold.
    #[error("internal error: {0}")]
    Internal(String),
    /// The host runs without an agent runtime, so there is none to restart or reach.
    #[error("no agent runtime is configured: {reason}")]
    RuntimeNotConfigured {
        /// How to configure one.
        reason: String,
    },
    /// The host has no usable updater: no public key, no endpoint, or no updater at all. Never
    /// an unsigned update instead.
    #[error("updates are not configured: {reason}")]
    UpdateNotConfigured {
        /// What is missing and how to provide it.
        reason: String,
    },
    /// No update endpoint gave a usable answer (down, an HTTP error, a malformed manifest).
    #[error("no update endpoint answered usably: {reason}")]
    UpdateUnavailable {
        /// What each endpoint did.
        reason: String,
    },
    /// The manifest has no entry for this platform.
    #[error("the update manifest has no entry for platform {platform:?}")]
    UpdatePlatformMissing {
        /// The platform keys looked for, e.g. `linux-x86_64-bin` or `linux-x86_64`.
        platform: String,
    },
    /// The artifact's signature is missing, malformed, made by another key or does not match
    /// the downloaded bytes. Nothing was installed.
    #[error("the update's signature is not valid: {reason}")]
    UpdateSignatureInvalid {
        /// Why.
        reason: String,
    },
    /// The signature is valid but its trusted comment does not name the announced version
    /// (an old, validly signed artifact served as a new one). Nothing was installed.
    #[error("the update announces version {announced} but its signature vouches for {signed}")]
    UpdateVersionMismatch {
        /// The version the manifest announces.
        announced: String,
        /// What the signature's trusted comment names.
        signed: String,
    },
    /// The announced version is lower than the running one and no downgrade was asked for.
    #[error(
        "the update endpoint announces {announced}, older than the running {current}; a downgrade must be asked for explicitly"
    )]
    UpdateDowngradeRefused {
        /// The running version.
        current: String,
        /// The announced version.
        announced: String,
    },
    /// The artifact could not be downloaded whole (truncated, too large, too slow, HTTP error).
    /// Nothing was installed.
    #[error("the update could not be downloaded: {reason}")]
    UpdateDownloadFailed {
        /// Why.
        reason: String,
    },
    /// The verified artifact could not be installed (no binary in the archive, the new binary
    /// does not run, the swap failed). The running binary is unchanged.
    #[error("the update could not be installed: {reason}")]
    UpdateInstallFailed {
        /// Why.
        reason: String,
    },
    /// There is nothing to apply: the running version is the announced one (or newer).
    #[error("no update to apply: {current} is up to date")]
    NoUpdate {
        /// The running version.
        current: String,
    },
    /// The announced version is not the one the caller asked to apply.
    #[error("asked to apply {expected} but the update endpoint now announces {announced}")]
    UpdateChanged {
        /// The version asked for.
        expected: String,
        /// The version announced now (or `none`).
        announced: String,
    },
    /// Another update is being applied right now.
    #[error("an update is already being applied")]
    UpdateInProgress,
    /// The runtime has no agent session with this id.
    #[error("no agent session with id {id:?}")]
    SessionNotFound {
        /// The id asked for.
        id: String,
    },
    /// A request's content breaks a rule of the domain (an empty message, a title too long).
    #[error("invalid request: {reason}")]
    InvalidInput {
        /// Which rule, in a sentence.
        reason: String,
    },
}

impl CoreError {
    /// The stable, machine-readable code of this error, e.g. `config_conflict`.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::ConfigConflict { .. } => "config_conflict",
            CoreError::PreconditionRequired => "precondition_required",
            CoreError::ConfigInvalid { .. } => "config_invalid",
            CoreError::ConfigUnreadable { .. } => "config_unreadable",
            CoreError::SkillNotFound { .. } => "skill_not_found",
            CoreError::SkillInvalid { .. } => "skill_invalid",
            CoreError::RuntimeUnavailable { .. } => "runtime_unavailable",
            CoreError::RuntimeTimeout { .. } => "runtime_timeout",
            CoreError::RuntimeFailed { .. } => "runtime_error",
            CoreError::ApprovalNotFound { .. } => "approval_not_found",
            CoreError::ProviderNotFound { .. } => "provider_not_found",
            CoreError::HistoryNotFound { .. } => "history_not_found",
            CoreError::Storage(_) => "storage_error",
            CoreError::Internal(_) => "internal_error",
            CoreError::RuntimeNotConfigured { .. } => "runtime_not_configured",
            CoreError::UpdateNotConfigured { .. } => "update_not_configured",
            CoreError::UpdateUnavailable { .. } => "update_unavailable",
            CoreError::UpdatePlatformMissing { .. } => "update_platform_missing",
            CoreError::UpdateSignatureInvalid { .. } => "update_signature_invalid",
            CoreError::UpdateVersionMismatch { .. } => "update_version_mismatch",
            CoreError::UpdateDowngradeRefused { .. } => "update_downgrade_refused",
            CoreError::UpdateDownloadFailed { .. } => "update_download_failed",
            CoreError::UpdateInstallFailed { .. } => "update_install_failed",
            CoreError::NoUpdate { .. } => "no_update",
            CoreError::UpdateChanged { .. } => "update_changed",
            CoreError::UpdateInProgress => "update_in_progress",
            CoreError::SessionNotFound { .. } => "session_not_found",
            CoreError::InvalidInput { .. } => "invalid_request",
        }
    }
}

fn summarize(fields: &[FieldError]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&f.path);
        out.push_str(": ");
        out.push_str(&f.message);
    }
    out
}

//! The one error type of this adapter, mapped to [`CoreError`] in one place.

use pryx_core_api::CoreError;

/// Everything that can go wrong while checking for or applying an update.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// No trusted public key, no endpoint, or an endpoint that may not be used.
    #[error("{0}")]
    NotConfigured(String),
    /// The configured public key cannot be read.
    #[error(
        "the update public key cannot be read ({0}); give the contents of the .pub file made by `tauri signer generate` (or minisign's public key)"
    )]
    BadPublicKey(String),
    /// No endpoint gave a usable answer; one line per endpoint.
    #[error("{}", .0.join("; "))]
    Unavailable(Vec<String>),
    /// The manifest has no entry under any of these keys.
    #[error("{}", .0.join(" or "))]
    PlatformMissing(Vec<String>),
    /// The signature is malformed, by another key, or does not match the bytes.
    #[error("{0}")]
    Signature(String),
    /// The trusted comment names another version than the announced one.
    #[error("announced {announced}, signed {signed}")]
    VersionMismatch {
        /// The manifest's version.
        announced: String,
        /// What the trusted comment names.
        signed: String,
    },
    /// A lower version than the running one, not asked for.
    #[error("downgrade from {current} to {announced}")]
    Downgrade {
        /// Running.
        current: String,
        /// Announced.
        announced: String,
    },
    /// The artifact could not be downloaded whole.
    #[error("{0}")]
    Download(String),
    /// The verified artifact could not be installed; nothing changed.
    #[error("{0}")]
    Install(String),
    /// Nothing newer is announced.
    #[error("{current} is up to date")]
    UpToDate {
        /// Running.
        current: String,
    },
    /// An update was installed already and the process has not restarted yet; another swap
    /// would replace the kept rollback copy with the not-yet-run new version.
    #[error("{0} is installed already; it runs once the host restarts")]
    RestartPending(String),
    /// The announced version is not the one asked for.
    #[error("asked for {expected}, announced {announced}")]
    Changed {
        /// Asked for.
        expected: String,
        /// Announced (or `none`).
        announced: String,
    },
}

impl From<UpdateError> for CoreError {
    fn from(err: UpdateError) -> Self {
        match err {
            UpdateError::NotConfigured(reason) => CoreError::UpdateNotConfigured { reason },
            UpdateError::BadPublicKey(_) => CoreError::UpdateNotConfigured {
                reason: err.to_string(),
            },
            UpdateError::Unavailable(_) => CoreError::UpdateUnavailable {
                reason: err.to_string(),
            },
            UpdateError::PlatformMissing(_) => CoreError::UpdatePlatformMissing {
                platform: err.to_string(),
            },
            UpdateError::Signature(reason) => CoreError::UpdateSignatureInvalid { reason },
            UpdateError::VersionMismatch { announced, signed } => {
                CoreError::UpdateVersionMismatch { announced, signed }
            }
            UpdateError::Downgrade { current, announced } => {
                CoreError::UpdateDowngradeRefused { current, announced }
            }
            UpdateError::Download(reason) => CoreError::UpdateDownloadFailed { reason },
            UpdateError::Install(reason) => CoreError::UpdateInstallFailed { reason },
            UpdateError::UpToDate { current } => CoreError::NoUpdate { current },
            UpdateError::RestartPending(_) => CoreError::UpdateInProgress,
            UpdateError::Changed {
                expected,
                announced,
            } => CoreError::UpdateChanged {
                expected,
                announced,
            },
        }
    }
}

//! The crate's own failure type, turned into [`CoreError`] at the port boundary.

use std::io;
use std::path::{Path, PathBuf};

use pryx_core_api::CoreError;

/// A file-system operation that failed, with the path it failed on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// An I/O call failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "create the directory", ...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl StoreError {
    /// An I/O failure of `action` on `path`.
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        CoreError::Storage(e.to_string())
    }
}

/// Runs blocking file work on tokio's blocking pool; a panicked task becomes an internal error.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, CoreError>
where
    F: FnOnce() -> Result<T, CoreError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::Internal(format!("a file task failed: {e}")))?
}

//! The crate's own failure type, turned into [`CoreError`] at the port boundary.

use std::io;
use std::path::{Path, PathBuf};

use pryx_core_api::CoreError;

/// What went wrong with a file or the data directory. Every message names the path and, where a
/// person can do something about it, what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
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
    /// A file is larger than the host reads.
    #[error("{} is larger than {} KiB; the host does not read files that large", path.display(), max_len / 1024)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        max_len: u64,
    },
    /// Something that should be a regular file is not (a directory, a FIFO, a device).
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A path is not safe to use: another user could have planted or changed it.
    #[error("refusing to use {}: {why}. To fix it: {fix}", path.display())]
    Unsafe {
        /// The path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
        /// The command or step that fixes it.
        fix: String,
    },
    /// Another host already runs on this data directory.
    #[error("{}", already_running(.data_dir, .pid, .addr))]
    AlreadyRunning {
        /// The data directory.
        data_dir: PathBuf,
        /// The running host's process id, when it could be read.
        pid: Option<u32>,
        /// Where it listens, when it could be read.
        addr: Option<String>,
    },
}

fn already_running(data_dir: &Path, pid: &Option<u32>, addr: &Option<String>) -> String {
    let who = match pid {
        Some(pid) => format!("another Pryx host (pid {pid})"),
        None => "another Pryx host".to_owned(),
    };
    let reach = match addr {
        Some(addr) => format!(
            " and listens on http://{addr}/; use that one (`pryx` and the TUI find it through runtime.port)"
        ),
        None => " (it is still starting)".to_owned(),
    };
    let stop = match pid {
        Some(pid) => format!("stop it first (kill {pid})"),
        None => "stop it first".to_owned(),
    };
    format!(
        "{who} already uses the data directory {}{reach}, {stop}, or pass another --data-dir",
        data_dir.display()
    )
}

impl StoreError {
    /// An I/O failure of `action` on `path`.
    pub fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
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

//! [`FileConfigStore`]: the [`ConfigStore`] port over `<data_dir>/config.yaml`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{
    Config, ConfigSnapshot, ConfigStore, CoreError, PortHealth, PortState, Revision,
};

use crate::atomic::write_atomic;
use crate::defaults::{default_config, parse, render, revision_of};
use crate::error::{StoreError, blocking};

/// The file name of the config inside the data directory.
pub const CONFIG_FILE_NAME: &str = "config.yaml";
/// The mode a written `config.yaml` gets: it holds channel tokens, so owner-only.
const CONFIG_MODE: u32 = 0o600;
const ADAPTER: &str = "file";

/// The config document stored as YAML in `<data_dir>/config.yaml`, the file the Pryx runtime
/// reads.
///
/// Promises, on top of [`ConfigStore`]'s:
/// - With no file, [`load`](ConfigStore::load) returns [`default_config`] with
///   `persisted: false` and a revision that is the same on every start (the hash of the
///   rendered defaults), so a first write can name it. An empty file is an empty, persisted
///   document.
/// - A revision is the hash of the file's bytes: stable across restarts, changed by any edit,
///   including one made outside the host.
/// - Writes from this process are serialised; each one re-reads the file, compares revisions
///   and replaces the file atomically (temporary file, flush, rename, directory flush), with
///   mode `0600` (or the existing file's stricter mode). The data directory is created with
///   mode `0700` when missing. No temporary file is left behind on any path.
/// - A file that cannot be read as a YAML map makes `load` fail with
///   [`CoreError::ConfigUnreadable`] (the reason names line and column) and is never
///   overwritten: `save` fails the same way until someone fixes it.
/// - Unknown keys and the order of keys survive a write.
///
/// Not kept: **comments, blank lines, quoting style and anchors of a hand-written file are lost
/// on the first write**, because the document is parsed into data and rendered again.
/// Another *process* writing the file is detected by the revision check just before the
/// rename, not locked out, so a write racing it within that instant can still win.
#[derive(Debug)]
pub struct FileConfigStore {
    path: PathBuf,
    defaults: Config,
    defaults_revision: Revision,
    write_lock: tokio::sync::Mutex<()>,
    health: Mutex<PortHealth>,
}

/// What is on disk right now.
enum Stored {
    Missing,
    Present(Vec<u8>),
}

impl FileConfigStore {
    /// A store for `<data_dir>/config.yaml`. Touches nothing on disk until called.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let defaults = default_config(&data_dir);
        // Rendering a map of plain values cannot fail; fall back to an empty render if it did.
        let rendered = render(&defaults).unwrap_or_default();
        Self {
            path: data_dir.join(CONFIG_FILE_NAME),
            defaults_revision: revision_of(&rendered),
            defaults,
            write_lock: tokio::sync::Mutex::new(()),
            health: Mutex::new(PortHealth::ok(ADAPTER)),
        }
    }

    /// The path of the config file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The document `load` returns while no file exists.
    pub fn defaults(&self) -> &Config {
        &self.defaults
    }

    /// The revision `load` reports while no file exists.
    pub fn defaults_revision(&self) -> &Revision {
        &self.defaults_revision
    }

    fn record<T>(&self, result: &Result<T, CoreError>) {
        let health = match result {
            Ok(_) | Err(CoreError::ConfigConflict { .. }) => PortHealth::ok(ADAPTER),
            Err(e) => PortHealth::with(PortState::Error, ADAPTER, e.to_string()),
        };
        *self.health.lock().unwrap_or_else(|e| e.into_inner()) = health;
    }
}

fn read_stored(path: &Path) -> Result<Stored, CoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Stored::Present(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Stored::Missing),
        Err(e) => Err(StoreError::io("read", path, e).into()),
    }
}

fn parse_stored(path: &Path, bytes: &[u8]) -> Result<Config, CoreError> {
    parse(bytes).map_err(|reason| CoreError::ConfigUnreadable {
        reason: format!("{}: {reason}", path.display()),
    })
}

#[async_trait]
impl ConfigStore for FileConfigStore {
    async fn load(&self) -> Result<ConfigSnapshot, CoreError> {
        let path = self.path.clone();
        let result = blocking(move || match read_stored(&path)? {
            Stored::Missing => Ok(None),
            Stored::Present(bytes) => Ok(Some(ConfigSnapshot {
                config: parse_stored(&path, &bytes)?,
                revision: revision_of(&bytes),
                persisted: true,
            })),
        })
        .await
        .map(|found| {
            found.unwrap_or_else(|| ConfigSnapshot {
                config: self.defaults.clone(),
                revision: self.defaults_revision.clone(),
                persisted: false,
            })
        });
        self.record(&result);
        result
    }

    async fn save(&self, config: &Config, expected: &Revision) -> Result<Revision, CoreError> {
        let _guard = self.write_lock.lock().await;
        let path = self.path.clone();
        let defaults_revision = self.defaults_revision.clone();
        let expected = expected.clone();
        let new_bytes = render(config)?;
        let result = blocking(move || {
            let current = match read_stored(&path)? {
                Stored::Missing => defaults_revision,
                Stored::Present(bytes) => {
                    parse_stored(&path, &bytes)?;
                    revision_of(&bytes)
                }
            };
            if current != expected {
                return Err(CoreError::ConfigConflict { expected, current });
            }
            write_atomic(&path, &new_bytes, CONFIG_MODE)?;
            tracing::debug!(path = %path.display(), "config written");
            Ok(revision_of(&new_bytes))
        })
        .await;
        self.record(&result);
        result
    }

    fn health(&self) -> PortHealth {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

//! [`FileConfigStore`]: the [`ConfigStore`] port over `<data_dir>/config.yaml`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use pryx_core_api::{
    Config, ConfigSnapshot, ConfigStore, CoreError, HistoryEntry, KeptConfig, PortHealth,
    PortState, Revision,
};

use crate::defaults::{RevisionKey, default_config, parse, render, revision_of};
use crate::error::{StoreError, blocking};
use crate::history::{DEFAULT_HISTORY_LEN, History};
use crate::read::{MAX_DOCUMENT_LEN, read_capped, read_optional};
use crate::replace::{Replace, ReplaceError};

/// The file name of the config inside the data directory.
pub const CONFIG_FILE_NAME: &str = "config.yaml";
/// The mode a written `config.yaml` gets: it holds channel tokens, so owner-only.
const CONFIG_MODE: u32 = 0o600;
const ADAPTER: &str = "file";
/// A file that does not parse is read again this many times, this far apart, before it is
/// reported: an editor that truncates and rewrites the file leaves it half-written for an
/// instant, and that instant must not become an error (or a base for a write).
/// While the unparsable bytes keep changing between reads (an editor still writing, perhaps
/// slowed down by a busy machine), reading goes on for up to this long.
const SETTLE_RETRIES: u32 = 3;
const SETTLE_DELAY: Duration = Duration::from_millis(25);
const SETTLE_WHILE_CHANGING: Duration = Duration::from_secs(1);

/// The config document stored as YAML in `<data_dir>/config.yaml`, the file the Pryx runtime
/// reads.
///
/// Promises, on top of [`ConfigStore`]'s:
/// - With no file, [`load`](ConfigStore::load) returns [`default_config`] with
///   `persisted: false` and a revision that is the same for the store's life, so a first write
///   can name it. An empty file is an empty, persisted document.
/// - A revision is a keyed hash of the file's bytes ([`RevisionKey`]): it reveals nothing about
///   the content, is changed by any edit (including one made outside the host), and is stable
///   across restarts when the same key is used ([`FileConfigStore::with_revision_key`]).
/// - Writes from this process are serialised. A write replaces the file atomically (a reader
///   sees the old or the new file, also after a crash) and only while the file still holds
///   the version the write was based on: an edit made on disk in the meantime, even in the last
///   instant, makes the write fail with [`CoreError::ConfigConflict`] and stays in place.
/// - Every replaced version is kept in `<data_dir>/history/config.yaml/` (the newest 50, mode
///   `0600`), listed by [`history`](ConfigStore::history). An editor still writing into the
///   replaced file writes into its history entry.
/// - The written file has mode `0600` (or the existing file's stricter mode); the data
///   directory is created `0700` when missing. A symbolic link is followed only to a file in
///   the data directory. Files over 4 MiB, FIFOs and devices are refused, never read.
/// - A file that cannot be read as a YAML map (after a short settle for an editor mid-write)
///   makes `load` fail with [`CoreError::ConfigUnreadable`] (the reason names line and column)
///   and is never overwritten: `save` fails the same way until someone fixes it.
/// - Unknown keys and the order of keys survive a write.
///
/// Not kept: **comments, blank lines, quoting style and anchors of a hand-written file are lost
/// on the first write** (the replaced file, with its comments, is in the history).
#[derive(Debug)]
pub struct FileConfigStore {
    path: PathBuf,
    defaults: Config,
    key: RevisionKey,
    defaults_revision: Revision,
    history: History,
    write_lock: tokio::sync::Mutex<()>,
    health: Mutex<PortHealth>,
}

impl FileConfigStore {
    /// A store for `<data_dir>/config.yaml`, with a fresh random [`RevisionKey`]. Touches
    /// nothing on disk until called.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let defaults = default_config(&data_dir);
        let path = data_dir.join(CONFIG_FILE_NAME);
        let mut store = Self {
            history: History::for_file(&path, DEFAULT_HISTORY_LEN),
            path,
            defaults,
            key: RevisionKey::random(),
            defaults_revision: Revision(String::new()),
            write_lock: tokio::sync::Mutex::new(()),
            health: Mutex::new(PortHealth::ok(ADAPTER)),
        };
        store.defaults_revision = store.revision_of_defaults();
        store
    }

    /// The same store with revisions keyed by `key` (e.g. one derived from the admin token, so
    /// a client's `If-Match` survives a restart).
    pub fn with_revision_key(mut self, key: RevisionKey) -> Self {
        self.key = key;
        self.defaults_revision = self.revision_of_defaults();
        self
    }

    fn revision_of_defaults(&self) -> Revision {
        // Rendering a map of plain values cannot fail; fall back to an empty render if it did.
        revision_of(&self.key, &render(&self.defaults).unwrap_or_default())
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
            Ok(_) | Err(CoreError::ConfigConflict { .. } | CoreError::HistoryNotFound { .. }) => {
                PortHealth::ok(ADAPTER)
            }
            Err(e) => PortHealth::with(PortState::Error, ADAPTER, e.to_string()),
        };
        *self.health.lock().unwrap_or_else(|e| e.into_inner()) = health;
    }
}

/// What is on disk now: its bytes and parsed document, or nothing.
fn read_settled(path: &Path) -> Result<Option<(Vec<u8>, Config)>, CoreError> {
    let started = std::time::Instant::now();
    let mut attempt = 0;
    let mut previous: Option<Vec<u8>> = None;
    loop {
        let Some(bytes) = read_optional(path, MAX_DOCUMENT_LEN).map_err(unreadable_or_storage)?
        else {
            return Ok(None);
        };
        let changing = previous.as_ref().is_some_and(|p| *p != bytes);
        match parse(&bytes) {
            Ok(config) => return Ok(Some((bytes, config))),
            Err(_)
                if attempt < SETTLE_RETRIES
                    || (changing && started.elapsed() < SETTLE_WHILE_CHANGING) =>
            {
                attempt += 1;
                previous = Some(bytes);
                std::thread::sleep(SETTLE_DELAY);
            }
            Err(reason) => {
                return Err(CoreError::ConfigUnreadable {
                    reason: format!("{}: {reason}", path.display()),
                });
            }
        }
    }
}

/// A file too large or not a file is an unreadable config (a person must fix it), not a disk
/// failure.
fn unreadable_or_storage(e: StoreError) -> CoreError {
    match e {
        StoreError::TooLarge { .. } | StoreError::NotAFile { .. } => CoreError::ConfigUnreadable {
            reason: e.to_string(),
        },
        other => other.into(),
    }
}

fn format_time(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[async_trait]
impl ConfigStore for FileConfigStore {
    async fn load(&self) -> Result<ConfigSnapshot, CoreError> {
        let path = self.path.clone();
        let key = self.key.clone();
        let result = blocking(move || {
            Ok(read_settled(&path)?.map(|(bytes, config)| ConfigSnapshot {
                config,
                revision: revision_of(&key, &bytes),
                persisted: true,
            }))
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
        let key = self.key.clone();
        let history = self.history.clone();
        let defaults_revision = self.defaults_revision.clone();
        let expected = expected.clone();
        let new_bytes = render(config)?;
        let result = blocking(move || {
            let current = read_settled(&path)?.map(|(bytes, _)| bytes);
            let current_revision = |bytes: &Option<Vec<u8>>| match bytes {
                None => defaults_revision.clone(),
                Some(bytes) => revision_of(&key, bytes),
            };
            let revision = current_revision(&current);
            if revision != expected {
                return Err(CoreError::ConfigConflict {
                    expected,
                    current: revision,
                });
            }
            let replace = Replace {
                path: &path,
                bytes: &new_bytes,
                mode: CONFIG_MODE,
                base: current.as_deref(),
                history: &history,
                max_len: MAX_DOCUMENT_LEN,
            };
            match replace.run() {
                Ok(()) => {}
                Err(ReplaceError::Changed) => {
                    let now = read_optional(&path, MAX_DOCUMENT_LEN).ok().flatten();
                    return Err(CoreError::ConfigConflict {
                        expected,
                        current: current_revision(&now),
                    });
                }
                Err(ReplaceError::Store(e)) => return Err(e.into()),
            }
            tracing::debug!(path = %path.display(), "config written");
            Ok(revision_of(&key, &new_bytes))
        })
        .await;
        self.record(&result);
        result
    }

    async fn history(&self) -> Result<Vec<HistoryEntry>, CoreError> {
        let history = self.history.clone();
        let result = blocking(move || {
            Ok(history
                .list()?
                .into_iter()
                .map(|kept| HistoryEntry {
                    id: kept.id,
                    replaced_at: format_time(kept.replaced_at),
                    size: kept.size,
                })
                .collect())
        })
        .await;
        self.record(&result);
        result
    }

    async fn history_entry(&self, id: &str) -> Result<KeptConfig, CoreError> {
        let history = self.history.clone();
        let id = id.to_owned();
        blocking(move || {
            let path = history
                .entry_path(&id)
                .ok_or_else(|| CoreError::HistoryNotFound { id: id.clone() })?;
            let bytes = read_capped(&path, MAX_DOCUMENT_LEN).map_err(|e| match e {
                StoreError::TooLarge { .. } | StoreError::NotAFile { .. } => {
                    CoreError::HistoryNotFound { id: id.clone() }
                }
                other => other.into(),
            })?;
            Ok(match parse(&bytes) {
                Ok(config) => KeptConfig::Parsed(config),
                Err(reason) => KeptConfig::Unreadable(reason),
            })
        })
        .await
    }

    fn health(&self) -> PortHealth {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

//! [`History`]: the versions of a file the host replaced, kept so nothing a person wrote is lost.
//!
//! Layout: `<dir of the file>/history/<file name>/<id>`, the directory `0700`, every entry
//! `0600` (a config holds secrets). An id is `<unix millis, 13 digits>-<4 hex>`, so ids sort by
//! age. Only the newest [`History::keep`] entries are kept.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::atomic::{create_private_dir, parent_dir, set_mode};
use crate::error::StoreError;

/// How many versions of a file are kept unless configured otherwise.
pub const DEFAULT_HISTORY_LEN: usize = 50;
const ENTRY_MODE: u32 = 0o600;

/// The kept versions of one file.
#[derive(Debug, Clone)]
pub(crate) struct History {
    dir: PathBuf,
    keep: usize,
}

/// One kept version, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    /// Its id.
    pub id: String,
    /// When it was replaced.
    pub replaced_at: SystemTime,
    /// Its size in bytes.
    pub size: u64,
}

impl History {
    /// The history of the file at `path`, keeping `keep` versions.
    pub(crate) fn for_file(path: &Path, keep: usize) -> Self {
        let parent = parent_dir(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        Self {
            dir: parent.join("history").join(name),
            keep: keep.max(1),
        }
    }

    /// Where the entries live.
    #[cfg(test)]
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Moves the file at `from` (same file system) into the history as a new entry and
    /// returns the entry's path. The inode moves, so a process still writing to it keeps
    /// writing into the entry.
    pub(crate) fn adopt(&self, from: &Path) -> Result<PathBuf, StoreError> {
        self.ensure_dir()?;
        let entry = self.new_entry_path();
        fs::rename(from, &entry)
            .map_err(|e| StoreError::io("keep the replaced version in", &self.dir, e))?;
        if let Ok(file) = fs::File::open(&entry) {
            let _ = set_mode(&file, ENTRY_MODE);
        }
        Ok(entry)
    }

    /// Stores a copy of `bytes` as a new entry.
    pub(crate) fn save_copy(&self, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        self.ensure_dir()?;
        let entry = self.new_entry_path();
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(ENTRY_MODE);
        }
        let write = || -> io::Result<()> {
            use std::io::Write;
            let mut file = options.open(&entry)?;
            file.write_all(bytes)?;
            file.sync_all()
        };
        write().map_err(|e| StoreError::io("write a history entry in", &self.dir, e))?;
        Ok(entry)
    }

    /// The entries, newest first. A missing history is empty.
    pub(crate) fn list(&self) -> Result<Vec<Kept>, StoreError> {
        let read = match fs::read_dir(&self.dir) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io("list", &self.dir, e)),
        };
        let mut entries: Vec<Kept> = read
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let id = entry.file_name().to_str()?.to_owned();
                let millis = parse_id(&id)?;
                let meta = entry.metadata().ok()?;
                meta.is_file().then(|| Kept {
                    replaced_at: UNIX_EPOCH + Duration::from_millis(millis),
                    size: meta.len(),
                    id,
                })
            })
            .collect();
        entries.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(entries)
    }

    /// The path of entry `id`, when `id` is a well-formed id of an existing entry.
    pub(crate) fn entry_path(&self, id: &str) -> Option<PathBuf> {
        parse_id(id)?;
        let path = self.dir.join(id);
        path.is_file().then_some(path)
    }

    /// Removes all but the newest `keep` entries. Best effort.
    pub(crate) fn prune(&self) {
        let Ok(entries) = self.list() else { return };
        for old in entries.iter().skip(self.keep) {
            let _ = fs::remove_file(self.dir.join(&old.id));
        }
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        create_private_dir(&self.dir)
    }

    fn new_entry_path(&self) -> PathBuf {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        loop {
            let id = format!("{millis:013}-{:04x}", fastrand::u16(..));
            let path = self.dir.join(&id);
            if !path.exists() {
                return path;
            }
        }
    }
}

/// The millisecond timestamp of a well-formed id: 13 digits, `-`, 4 lowercase hex digits.
fn parse_id(id: &str) -> Option<u64> {
    let (millis, suffix) = id.split_once('-')?;
    let digits = millis.len() == 13 && millis.bytes().all(|b| b.is_ascii_digit());
    let hex = suffix.len() == 4
        && suffix
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if digits && hex {
        millis.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_newest_entries_private_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::for_file(&dir.path().join("config.yaml"), 3);
        for i in 0..5u8 {
            history.save_copy(&[b'a' + i]).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        history.prune();
        let entries = history.list().unwrap();
        assert_eq!(entries.len(), 3);
        let newest = fs::read(history.entry_path(&entries[0].id).unwrap()).unwrap();
        assert_eq!(newest, b"e");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(history.dir()), 0o700);
            assert_eq!(mode(&history.dir().join(&entries[0].id)), 0o600);
        }
    }

    #[test]
    fn ids_that_could_name_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::for_file(&dir.path().join("config.yaml"), 3);
        history.save_copy(b"x").unwrap();
        for bad in [
            "../config.yaml",
            "",
            "1234567890123-zzzz",
            "1234567890123-abcd/..",
            "..",
        ] {
            assert!(history.entry_path(bad).is_none(), "{bad:?}");
        }
    }
}

//! Replacing a file a person may also be editing: never silently over their edit, and never
//! without keeping the version being replaced.
//!
//! On Linux the new file is swapped in with `renameat2(RENAME_EXCHANGE)`: the swap hands back
//! the exact inode that was in place, which goes straight into the [`History`]. Comparing it
//! with the version the write was based on then tells, after the fact and without a window,
//! whether someone else wrote the file in between; if so the swap is undone and the write is
//! refused. An editor that truncates and rewrites the file in place keeps writing into that
//! inode, so whatever it finishes writing lands in the history entry, never in nothing.
//! Elsewhere (or on a file system without the exchange), the same checks run just before a
//! plain rename.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::atomic::{create_private_dir, parent_dir, set_mode, sync_dir};
use crate::error::StoreError;
use crate::history::History;
use crate::read::read_capped;

/// Why a checked replace did not happen.
#[derive(Debug)]
pub(crate) enum ReplaceError {
    /// The file on disk is not the version the write was based on; nothing was changed.
    Changed,
    /// The file system failed, or the path is not safe to write.
    Store(StoreError),
}

impl From<StoreError> for ReplaceError {
    fn from(e: StoreError) -> Self {
        ReplaceError::Store(e)
    }
}

/// One replace of `path` by `bytes`, allowed only while the file still holds `base` (`None`:
/// while it does not exist). The replaced version is kept in `history`.
pub(crate) struct Replace<'a> {
    /// The file to replace (a symbolic link is followed only to a file in its own directory).
    pub path: &'a Path,
    /// The new content.
    pub bytes: &'a [u8],
    /// The mode of the new file (the existing one's when that is stricter).
    pub mode: u32,
    /// The content the write was based on, or `None` when it was based on "no file".
    pub base: Option<&'a [u8]>,
    /// Where the replaced version goes.
    pub history: &'a History,
    /// The largest file that is read back for comparison.
    pub max_len: u64,
}

impl Replace<'_> {
    /// Replaces the file atomically (a reader sees the old or the new file, also after a crash)
    /// or fails with [`ReplaceError::Changed`] leaving every byte a person wrote in the file or
    /// in the history. No temporary file is left behind on any path.
    pub(crate) fn run(&self) -> Result<(), ReplaceError> {
        let target = safe_target(self.path)?;
        if fs::metadata(&target).is_ok_and(|meta| !meta.is_file()) {
            return Err(StoreError::NotAFile { path: target }.into());
        }
        let dir = parent_dir(&target);
        create_private_dir(&dir)?;
        let mode = crate::atomic::effective_mode(&target, self.mode);
        let temp = write_temp(&target, &dir, self.bytes, mode)?;
        // From here on the temporary file is ours to remove on every path.
        let result = self.swap_in(&target, &temp);
        if temp.exists() {
            let _ = fs::remove_file(&temp);
        }
        result?;
        sync_dir(&dir).map_err(|e| StoreError::io("flush the directory", &dir, e))?;
        self.history.prune();
        Ok(())
    }

    fn swap_in(&self, target: &Path, temp: &Path) -> Result<(), ReplaceError> {
        let Some(base) = self.base else {
            return match rename_noreplace(temp, target) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(ReplaceError::Changed),
                Err(e) => Err(StoreError::io("create", target, e).into()),
            };
        };
        match exchange(temp, target) {
            Ok(()) => self.after_exchange(target, temp, base),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(ReplaceError::Changed),
            Err(e) if exchange_unsupported(&e) => self.check_then_rename(target, temp, base),
            Err(e) => Err(StoreError::io("replace", target, e).into()),
        }
    }

    /// `temp` now holds the version that was in place: keep it, and undo the swap when it is not
    /// the version this write was based on.
    fn after_exchange(&self, target: &Path, temp: &Path, base: &[u8]) -> Result<(), ReplaceError> {
        let kept = match self.history.adopt(temp) {
            Ok(kept) => kept,
            Err(e) => {
                // Put the old version back rather than lose it: the write did not happen.
                let _ = exchange(temp, target);
                return Err(e.into());
            }
        };
        let replaced = read_capped(&kept, self.max_len).ok();
        if replaced.as_deref() == Some(base) {
            return Ok(());
        }
        tracing::warn!(path = %target.display(), "the file changed on disk while a write was prepared; the write is refused and the file left as it is");
        // Someone wrote the file in between. Their version goes back in place; what comes out
        // is ours (dropped) unless yet another writer got in, whose version stays in history.
        match exchange(&kept, target) {
            Ok(()) => {
                if read_capped(&kept, self.max_len).ok().as_deref() == Some(self.bytes) {
                    let _ = fs::remove_file(&kept);
                }
            }
            Err(e) => {
                tracing::warn!(path = %target.display(), kept = %kept.display(), error = %e, "could not put the edited version back; it is kept in the history")
            }
        }
        Err(ReplaceError::Changed)
    }

    /// Without an atomic exchange: compare as late as possible, keep a copy, then rename.
    fn check_then_rename(
        &self,
        target: &Path,
        temp: &Path,
        base: &[u8],
    ) -> Result<(), ReplaceError> {
        let current = match read_capped(target, self.max_len) {
            Ok(bytes) => bytes,
            Err(_) => return Err(ReplaceError::Changed),
        };
        if current != base {
            return Err(ReplaceError::Changed);
        }
        self.history.save_copy(&current)?;
        fs::rename(temp, target).map_err(|e| StoreError::io("replace", target, e))?;
        Ok(())
    }
}

/// The file a write to `path` replaces: `path` itself, or the target of a symbolic link when
/// that target is in the link's own directory (or below it). Any other link is refused: a
/// planted `config.yaml -> ~/.bashrc` must never turn a config write into a write elsewhere.
pub(crate) fn safe_target(path: &Path) -> Result<PathBuf, StoreError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let dir = parent_dir(path);
            let resolved = fs::canonicalize(path)
                .map_err(|e| StoreError::io("follow the symbolic link", path, e))?;
            let dir = fs::canonicalize(&dir).map_err(|e| StoreError::io("resolve", &dir, e))?;
            if resolved.starts_with(&dir) && resolved != dir {
                Ok(resolved)
            } else {
                Err(StoreError::Unsafe {
                    path: path.to_path_buf(),
                    why: format!(
                        "it is a symbolic link to {}, outside its directory; refusing to write through it",
                        resolved.display()
                    ),
                    fix: format!(
                        "replace the link with a regular file: rm {0} && cp {1} {0}",
                        path.display(),
                        resolved.display()
                    ),
                })
            }
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Writes `bytes` to a new private temporary file next to `target`, flushed to disk, with
/// `mode`; returns its path (the file is kept: the caller renames or removes it).
fn write_temp(target: &Path, dir: &Path, bytes: &[u8], mode: u32) -> Result<PathBuf, StoreError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| StoreError::io("create a temporary file in", dir, e))?;
    let temp_path = temp.path().to_path_buf();
    let io_err = |action, e| StoreError::io(action, &temp_path, e);
    temp.write_all(bytes).map_err(|e| io_err("write", e))?;
    set_mode(temp.as_file(), mode).map_err(|e| io_err("set the permissions of", e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| io_err("flush to disk", e))?;
    let (_, path) = temp
        .keep()
        .map_err(|e| StoreError::io("keep the temporary file", dir, e.error))?;
    Ok(path)
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(from.as_os_str().as_bytes())?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Atomically swaps the two paths' files.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat2(a, b, libc::RENAME_EXCHANGE)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Renames `from` to `to` unless `to` exists.
#[cfg(target_os = "linux")]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    match renameat2(from, to, libc::RENAME_NOREPLACE) {
        Err(e) if exchange_unsupported(&e) => rename_if_absent(from, to),
        other => other,
    }
}

#[cfg(not(target_os = "linux"))]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    rename_if_absent(from, to)
}

/// Portable fallback: a hard link fails when `to` exists, which is the check we need.
fn rename_if_absent(from: &Path, to: &Path) -> io::Result<()> {
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

fn exchange_unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(code) if code == libc::EINVAL || code == libc::ENOSYS)
}

#[cfg(test)]
mod tests;

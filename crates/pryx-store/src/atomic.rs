//! The one way this crate writes a file: all of it or nothing, also across a crash.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Replaces the file at `path` with `bytes` atomically: a reader sees the old file or the new
/// one, never a mix, and after a crash the file is one or the other.
///
/// - The parent directory is created (mode `0700`) when missing.
/// - The bytes go to a temporary file in the same directory, which is flushed to disk, given
///   `mode` (or the existing file's mode when that is stricter, i.e. grants no bit `mode`
///   does not), renamed over `path`, and the directory is flushed too.
/// - When `path` is a symbolic link to a file in its own directory, that file is replaced and
///   the link kept; a link anywhere else is refused ([`StoreError::Unsafe`]).
/// - On any error the temporary file is removed and `path` is untouched.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let target = crate::replace::safe_target(path)?;
    let dir = parent_dir(&target);
    create_private_dir(&dir)?;
    let mode = effective_mode(&target, mode);

    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| StoreError::io("create a temporary file in", &dir, e))?;
    let temp_path = temp.path().to_path_buf();
    let io_err = |action, e| StoreError::io(action, &temp_path, e);
    temp.write_all(bytes).map_err(|e| io_err("write", e))?;
    set_mode(temp.as_file(), mode).map_err(|e| io_err("set the permissions of", e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| io_err("flush to disk", e))?;
    // On failure `persist` hands the temporary file back; dropping it deletes it.
    temp.persist(&target)
        .map_err(|e| StoreError::io("replace", &target, e.error))?;
    sync_dir(&dir).map_err(|e| StoreError::io("flush the directory", &dir, e))
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates `dir` and its missing parents, readable only by the owner (`0700`).
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| StoreError::io("create the directory", dir, e))
}

/// `wanted`, or the existing file's mode when that grants no bit `wanted` does not.
#[cfg(unix)]
pub(crate) fn effective_mode(target: &Path, wanted: u32) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match fs::metadata(target) {
        Ok(meta) => {
            let existing = meta.permissions().mode() & 0o777;
            if existing & !wanted == 0 {
                existing
            } else {
                wanted
            }
        }
        Err(_) => wanted,
    }
}

#[cfg(not(unix))]
pub(crate) fn effective_mode(_target: &Path, wanted: u32) -> u32 {
    wanted
}

/// Gives an open file `mode`.
#[cfg(unix)]
pub(crate) fn set_mode(file: &fs::File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_file: &fs::File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Flushes a directory's entries to disk.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn creates_missing_dirs_and_replaces_content() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/file.yaml");
        write_atomic(&path, b"one", 0o600).unwrap();
        write_atomic(&path, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(names(&tmp.path().join("a/b")), ["file.yaml"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_stricter_modes_and_tightens_looser_ones() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        fs::write(&path, b"x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&path, b"y", 0o600).unwrap();
        assert_eq!(mode(&path), 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        write_atomic(&path, b"z", 0o600).unwrap();
        assert_eq!(mode(&path), 0o400);
        assert_eq!(fs::read(&path).unwrap(), b"z");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink_out_of_its_directory_and_leaves_the_target_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join(".bashrc");
        fs::write(&victim, b"original").unwrap();
        let link = tmp.path().join("config.yaml");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = write_atomic(&link, b"planted", 0o600).unwrap_err();
        assert!(matches!(err, StoreError::Unsafe { .. }), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"original");
        assert_eq!(names(tmp.path()), ["config.yaml"]);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_it() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real.yaml");
        let link = tmp.path().join("link.yaml");
        fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new", 0o600).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn a_failed_replace_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        // A non-empty directory where the file should go: the rename must fail.
        let path = tmp.path().join("taken");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"x").unwrap();
        assert!(write_atomic(&path, b"data", 0o600).is_err());
        assert_eq!(names(tmp.path()), ["taken"]);
    }
}

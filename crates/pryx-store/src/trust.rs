//! Whether a directory or file may be trusted the way ssh trusts `~/.ssh`: owned by the user who
//! runs the host and writable by nobody else. A data directory another local user can write
//! could hold a planted token or a `config.yaml` link to the victim's `~/.bashrc`.

use std::fs;
use std::path::Path;

use crate::error::StoreError;

/// The user the host runs as.
#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Refuses `dir` unless it is a directory owned by the current user and not writable by group
/// or others, and every directory above it is owned by the user or root and not writable by
/// others (a sticky directory such as `/tmp` is fine: nobody can rename what is inside).
#[cfg(unix)]
pub(crate) fn check_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir).map_err(|e| StoreError::io("inspect", dir, e))?;
    if !meta.is_dir() {
        return Err(unsafe_path(
            dir,
            "it is not a directory".into(),
            "pass a directory with --data-dir".into(),
        ));
    }
    check_owner_and_mode(dir, &meta, "chmod 700")?;
    let real = fs::canonicalize(dir).map_err(|e| StoreError::io("resolve", dir, e))?;
    for ancestor in real.ancestors().skip(1) {
        let meta = fs::metadata(ancestor).map_err(|e| StoreError::io("inspect", ancestor, e))?;
        let owner_ok = meta.uid() == current_uid() || meta.uid() == 0;
        let sticky = meta.mode() & 0o1000 != 0;
        let open = meta.mode() & 0o022 != 0 && !sticky;
        if !owner_ok || open {
            return Err(unsafe_path(
                dir,
                format!(
                    "its parent directory {} is {} (mode {:04o}), so another user could replace it",
                    ancestor.display(),
                    if owner_ok {
                        "writable by other users"
                    } else {
                        "owned by another user"
                    },
                    meta.mode() & 0o7777
                ),
                "use a data directory inside your home directory (the default ~/.pryx)".into(),
            ));
        }
    }
    Ok(())
}

/// Refuses the file at `path` (when it exists) unless it is a regular file owned by the current
/// user and not writable by group or others. A symbolic link is allowed only to a file inside
/// `dir`, and the file it points to is checked.
#[cfg(unix)]
pub(crate) fn check_file(path: &Path, dir: &Path) -> Result<(), StoreError> {
    let link = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io("inspect", path, e)),
    };
    if link.file_type().is_symlink() {
        let target = fs::canonicalize(path).map_err(|e| StoreError::io("follow", path, e))?;
        let dir = fs::canonicalize(dir).map_err(|e| StoreError::io("resolve", dir, e))?;
        if !target.starts_with(&dir) {
            return Err(unsafe_path(
                path,
                format!(
                    "it is a symbolic link to {}, outside the data directory",
                    target.display()
                ),
                format!(
                    "remove the link (rm {}) or replace it with a copy of the file",
                    path.display()
                ),
            ));
        }
    }
    let meta = fs::metadata(path).map_err(|e| StoreError::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(unsafe_path(
            path,
            "it is not a regular file".into(),
            format!("remove it (rm -r {})", path.display()),
        ));
    }
    check_owner_and_mode(path, &meta, "chmod 600")
}

#[cfg(unix)]
fn check_owner_and_mode(path: &Path, meta: &fs::Metadata, chmod: &str) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let me = current_uid();
    if meta.uid() != me {
        return Err(unsafe_path(
            path,
            format!("it is owned by uid {}, not by you (uid {me})", meta.uid()),
            format!(
                "if it is yours, take it back (sudo chown -R $(id -u) {}); otherwise use another --data-dir",
                path.display()
            ),
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_path(
            path,
            format!(
                "other users can write it (mode {:04o})",
                meta.mode() & 0o7777
            ),
            format!("{chmod} {}", path.display()),
        ));
    }
    Ok(())
}

fn unsafe_path(path: &Path, why: String, fix: String) -> StoreError {
    StoreError::Unsafe {
        path: path.to_path_buf(),
        why,
        fix,
    }
}

#[cfg(not(unix))]
pub(crate) fn check_dir(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_file(_path: &Path, _dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_dir_or_file_others_can_write_is_refused_with_a_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        fs::create_dir(&dir).unwrap();
        chmod(&dir, 0o700);
        check_dir(&dir).unwrap();
        chmod(&dir, 0o777);
        let err = check_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("mode 0777") && err.contains("chmod 700"),
            "{err}"
        );
        chmod(&dir, 0o755);
        check_dir(&dir).unwrap();

        let file = dir.join("config.yaml");
        check_file(&file, &dir).unwrap();
        fs::write(&file, "a: 1").unwrap();
        chmod(&file, 0o666);
        let err = check_file(&file, &dir).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        chmod(&file, 0o644);
        check_file(&file, &dir).unwrap();
    }

    #[test]
    fn links_out_of_the_data_dir_are_refused_links_inside_are_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join(".bashrc");
        fs::write(&victim, "echo hi").unwrap();
        let link = tmp.path().join("config.yaml");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = check_file(&link, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("outside the data directory"), "{err}");

        fs::remove_file(&link).unwrap();
        let inside = tmp.path().join("real.yaml");
        fs::write(&inside, "a: 1").unwrap();
        chmod(&inside, 0o600);
        std::os::unix::fs::symlink(&inside, &link).unwrap();
        check_file(&link, tmp.path()).unwrap();
        chmod(&inside, 0o646);
        assert!(check_file(&link, tmp.path()).is_err());
    }
}

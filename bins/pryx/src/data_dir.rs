//! The data directory and the admin token in it. The token is only ever sent in the
//! `Authorization` header, never in a URL, and is refused when another user could have
//! planted or changed it (the host refuses such a file too).

use std::path::{Path, PathBuf};

use crate::failure::{Exit, Failure};

/// The token file's name in the data directory.
pub const TOKEN_FILE: &str = "admin.token";

/// `--data-dir` / `PRYX_HOME` when given, else `~/.pryx`. A relative path is made absolute
/// (it is handed to `pryx-core` and written into service units).
pub fn resolve(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    let dir = match flag {
        Some(dir) => dir,
        None => directories::BaseDirs::new()
            .ok_or("cannot find your home directory; pass --data-dir or set PRYX_HOME")?
            .home_dir()
            .join(".pryx"),
    };
    if dir.is_absolute() {
        return Ok(dir);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current dir: {e}"))?;
    Ok(cwd.join(dir))
}

/// The admin token in `<dir>/admin.token`, if the file exists and is not empty.
pub fn admin_token(dir: &Path) -> Result<Option<String>, String> {
    let path = dir.join(TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// The token for talking to the host, after the same trust check the host applies: the file
/// must be a regular file owned by this user and not writable by group or others.
pub fn trusted_token(dir: &Path) -> Result<String, Failure> {
    let path = dir.join(TOKEN_FILE);
    if let Some(why) = untrusted_file(&path) {
        return Err(Failure::new(
            Exit::Auth,
            "token_unsafe",
            format!("refusing {}: {why}", path.display()),
        )
        .with_fix(format!(
            "chmod 600 {} (or run `pryx doctor --fix`)",
            path.display()
        )));
    }
    match admin_token(dir) {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(Failure::new(
            Exit::Auth,
            "token_missing",
            format!("there is no admin token in {}", path.display()),
        )
        .with_fix("start the host once with `pryx`; it creates the token")),
        Err(message) => Err(Failure::new(Exit::Auth, "token_unreadable", message)),
    }
}

/// Why the file at `path` (if it exists) must not be trusted, or `None`.
#[cfg(unix)]
pub fn untrusted_file(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return Some("it is a symbolic link".into());
    }
    if !meta.is_file() {
        return Some("it is not a regular file".into());
    }
    let me = current_uid();
    if meta.uid() != me {
        return Some(format!(
            "it is owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Some(format!(
            "other users can write it (mode {:04o})",
            meta.mode() & 0o7777
        ));
    }
    None
}

/// Why the file at `path` must not be trusted (never, on this platform).
#[cfg(not(unix))]
pub fn untrusted_file(_path: &Path) -> Option<String> {
    None
}

/// The effective user id of this process.
#[cfg(unix)]
pub fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_trimmed_and_optional() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(admin_token(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join("admin.token"), "abc123\n").unwrap();
        assert_eq!(admin_token(dir.path()).unwrap().as_deref(), Some("abc123"));
        std::fs::write(dir.path().join("admin.token"), "  \n").unwrap();
        assert_eq!(admin_token(dir.path()).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_group_writable_token_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "tok").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
        let err = trusted_token(dir.path()).unwrap_err();
        assert_eq!(err.exit, Exit::Auth);
        assert_eq!(err.code, "token_unsafe");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(trusted_token(dir.path()).unwrap(), "tok");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(trusted_token(dir.path()).unwrap_err().code, "token_missing");
    }

    #[test]
    fn relative_data_dirs_become_absolute() {
        let dir = resolve(Some(PathBuf::from("rel/dir"))).unwrap();
        assert!(dir.is_absolute() && dir.ends_with("rel/dir"));
    }
}

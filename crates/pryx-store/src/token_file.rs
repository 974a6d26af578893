//! `admin.token`: the per-install secret in the data directory. Being able to read this file
//! (mode `0600`, so: the same OS user) is what authorises the CLI, the TUI and the desktop app.

use std::fs;
use std::path::{Path, PathBuf};

use pryx_core_api::CoreError;

use crate::atomic::write_atomic;
use crate::error::StoreError;
use crate::read::read_capped;
use crate::trust::check_file;

/// A token file longer than this is not a token.
const MAX_TOKEN_FILE_LEN: u64 = 4096;

/// The token file's name in the data directory.
pub const TOKEN_FILE_NAME: &str = "admin.token";

/// The admin token file.
#[derive(Debug, Clone)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// The token file of `data_dir`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(TOKEN_FILE_NAME),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored token when it is acceptable to `accept`; otherwise a new one from `generate`,
    /// written atomically with mode `0600`. The token is never logged.
    ///
    /// A token file is adopted only when it is a regular file (not a symbolic link) owned by the
    /// user the host runs as and writable by nobody else; otherwise this fails with
    /// [`StoreError::Unsafe`] naming the fix: a planted token must never become the admin
    /// credential. A token that group or others could *read* may have been copied, so it is
    /// replaced by a new one (and the file made `0600`).
    pub fn load_or_create(
        &self,
        accept: impl Fn(&str) -> bool,
        generate: impl FnOnce() -> String,
    ) -> Result<String, CoreError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        if let Ok(meta) = fs::symlink_metadata(&self.path) {
            if meta.file_type().is_symlink() {
                return Err(StoreError::Unsafe {
                    path: self.path.clone(),
                    why: "it is a symbolic link; the admin token must be a file of its own".into(),
                    fix: format!(
                        "remove it (rm {}); the host writes a new one",
                        self.path.display()
                    ),
                }
                .into());
            }
            check_file(&self.path, dir)?;
        }
        match read_capped(&self.path, MAX_TOKEN_FILE_LEN) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let token = text.trim();
                if accept(token) {
                    if is_private(&self.path) {
                        return Ok(token.to_owned());
                    }
                    tracing::warn!(path = %self.path.display(), "admin token file was readable by other users; replacing the token with a new one (mode 0600)");
                } else {
                    tracing::warn!(path = %self.path.display(), "admin token in the file is too weak; replacing it with a new one");
                }
            }
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            }
            Err(StoreError::TooLarge { .. }) => {
                tracing::warn!(path = %self.path.display(), "admin token file is not a token; replacing it with a new one");
            }
            Err(err) => return Err(err.into()),
        }
        let token = generate();
        write_atomic(&self.path, token.as_bytes(), 0o600)?;
        Ok(token)
    }
}

#[cfg(unix)]
fn is_private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn is_private(_path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn long(token: &str) -> bool {
        token.len() >= 43
    }

    #[test]
    fn creates_a_private_file_once_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::in_data_dir(&dir.path().join("data"));
        let first = file.load_or_create(long, || "a".repeat(64)).unwrap();
        assert_eq!(first, "a".repeat(64));
        let mode = fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = file
            .load_or_create(long, || unreachable!("must reuse"))
            .unwrap();
        assert_eq!(again, first);
    }

    #[test]
    fn a_planted_token_is_never_adopted() {
        // Finding (two uids): a token file planted by another user was adopted. Writable by
        // others, or a symbolic link, is refused with a fix; nothing is written.
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::in_data_dir(dir.path());
        fs::write(file.path(), "k".repeat(64)).unwrap();
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o666)).unwrap();
        let err = file.load_or_create(long, || unreachable!()).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert_eq!(fs::read_to_string(file.path()).unwrap(), "k".repeat(64));

        fs::remove_file(file.path()).unwrap();
        let planted = dir.path().join("planted");
        fs::write(&planted, "p".repeat(64)).unwrap();
        fs::set_permissions(&planted, fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&planted, file.path()).unwrap();
        let err = file.load_or_create(long, || unreachable!()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn replaces_a_weak_token_and_tightens_loose_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::in_data_dir(dir.path());
        fs::write(file.path(), "tooshort\n").unwrap();
        let token = file.load_or_create(long, || "b".repeat(64)).unwrap();
        assert_eq!(token, "b".repeat(64));

        // Readable by others: it may have been copied, so it is replaced, not just tightened.
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644)).unwrap();
        let token = file.load_or_create(long, || "c".repeat(64)).unwrap();
        assert_eq!(token, "c".repeat(64));
        let mode = fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

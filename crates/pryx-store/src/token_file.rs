//! `admin.token`: the per-install secret in the data directory. Being able to read this file
//! (mode `0600`, so: the same OS user) is what authorises the CLI, the TUI and the desktop app.

use std::fs;
use std::path::{Path, PathBuf};

use pryx_core_api::CoreError;

use crate::atomic::write_atomic;
use crate::error::StoreError;

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
    /// written atomically with mode `0600` (an existing file readable by others is rewritten
    /// with `0600` too). The token is never logged.
    pub fn load_or_create(
        &self,
        accept: impl Fn(&str) -> bool,
        generate: impl FnOnce() -> String,
    ) -> Result<String, CoreError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => {
                let token = text.trim();
                if accept(token) {
                    if !is_private(&self.path) {
                        tracing::warn!(path = %self.path.display(), "admin token file was readable by others; restricting it to 0600");
                        write_atomic(&self.path, token.as_bytes(), 0o600)?;
                    }
                    return Ok(token.to_owned());
                }
                tracing::warn!(path = %self.path.display(), "admin token in the file is too weak; replacing it with a new one");
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(StoreError::io("read", &self.path, err).into()),
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
    fn replaces_a_weak_token_and_tightens_loose_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::in_data_dir(dir.path());
        fs::write(file.path(), "tooshort\n").unwrap();
        let token = file.load_or_create(long, || "b".repeat(64)).unwrap();
        assert_eq!(token, "b".repeat(64));

        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644)).unwrap();
        let token = file.load_or_create(long, || unreachable!()).unwrap();
        assert_eq!(token, "b".repeat(64));
        let mode = fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

//! The data directory and the admin token in it. The token is only ever sent in the
//! `Authorization` header, never in a URL.

use std::path::{Path, PathBuf};

/// `--data-dir` / `PRYX_HOME` when given, else `~/.pryx`.
pub fn resolve(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let home = directories::BaseDirs::new()
        .ok_or("cannot find your home directory; pass --data-dir or set PRYX_HOME")?;
    Ok(home.home_dir().join(".pryx"))
}

/// The admin token in `<dir>/admin.token`, if the file exists and is not empty.
pub fn admin_token(dir: &Path) -> Result<Option<String>, String> {
    let path = dir.join("admin.token");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
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
}

//! Talking to the host over its loopback HTTP API with the admin token: the token goes only
//! in `Authorization: Bearer`, never in a URL, and never leaves this process otherwise.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// The admin API of one host, with the token read from its data dir.
#[derive(Clone)]
pub struct HostClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl HostClient {
    /// A client for the host at `addr`, with the token in `<data_dir>/admin.token` (read under
    /// the host's own trust rule, see [`read_admin_token`]).
    pub fn new(addr: SocketAddr, data_dir: &Path) -> Result<Self, String> {
        let token = read_admin_token(data_dir)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Self {
            base: format!("http://{addr}"),
            token,
            http,
        })
    }

    /// `GET /api/v1/health`, authenticated (so `ports` is included).
    pub async fn health(&self) -> Result<Value, String> {
        self.send(self.http.get(format!("{}/api/v1/health", self.base)))
            .await
    }

    /// A fresh one-time login URL (`POST /api/v1/auth/login-codes`): the code is in the URL's
    /// fragment, valid briefly and once; the window navigates there to get its own session.
    pub async fn login_url(&self) -> Result<String, String> {
        let body = self
            .send(
                self.http
                    .post(format!("{}/api/v1/auth/login-codes", self.base)),
            )
            .await?;
        body["login_url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "the host's login-code answer has no login_url".into())
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, String> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| short_error(&e))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("unreadable answer: {e}"))?;
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            return Err(format!("HTTP {status}: {message}"));
        }
        Ok(body)
    }
}

fn short_error(err: &reqwest::Error) -> String {
    if err.is_connect() {
        "connection refused".into()
    } else if err.is_timeout() {
        "no answer within 3 s".into()
    } else {
        err.to_string()
    }
}

/// The admin token of `data_dir`, refused unless `admin.token` is a regular file (not a
/// symbolic link) owned by this user and writable by nobody else — the host's own rule, so a
/// planted token is never sent anywhere.
pub fn read_admin_token(data_dir: &Path) -> Result<String, String> {
    let path = data_dir.join("admin.token");
    let meta = std::fs::symlink_metadata(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(format!("{} belongs to another user", path.display()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{} is writable by group or others (chmod 600 it)",
                path.display()
            ));
        }
    }
    let token = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .trim()
        .to_owned();
    if token.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_token_others_could_write_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "secret-token\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_admin_token(dir.path()).unwrap(), "secret-token");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o622)).unwrap();
        let err = read_admin_token(dir.path()).unwrap_err();
        assert!(err.contains("writable by group or others"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_token_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("elsewhere"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("admin.token"))
            .unwrap();
        let err = read_admin_token(dir.path()).unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
    }
}

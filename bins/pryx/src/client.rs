//! [`ApiClient`]: the host's admin API with the per-install token as a Bearer header, every
//! error answer turned into a [`Failure`] with the exit code its status and code call for.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value as Json, json};

use crate::failure::{Exit, Failure, Outcome};

/// How long one API call may take (a runtime restart answers within about 14 s).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A 2xx answer.
#[derive(Debug)]
pub struct Reply {
    /// The body (`null` when empty).
    pub body: Json,
    /// The `ETag` header without quotes, when present.
    pub etag: Option<String>,
}

/// The admin API of one running host.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    addr: SocketAddr,
    token: String,
}

impl ApiClient {
    /// A client for the host at `addr`, authenticating with `token`.
    pub fn new(addr: SocketAddr, token: String) -> Outcome<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(3))
            .no_proxy()
            .build()
            .map_err(|e| Failure::error(format!("cannot set up HTTP: {e}")))?;
        Ok(Self { http, addr, token })
    }

    /// The host's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token (for the WebSocket upgrade's header).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Outcome<Reply> {
        self.call(Method::GET, path, None, None).await
    }

    /// `POST path` with an optional JSON body.
    pub async fn post(&self, path: &str, body: Option<Json>) -> Outcome<Reply> {
        self.call(Method::POST, path, body, None).await
    }

    /// Any call: `body` as JSON, `if_match` as a quoted `If-Match`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Json>,
        if_match: Option<&str>,
    ) -> Outcome<Reply> {
        let url = format!("http://{}{path}", self.addr);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(revision) = if_match {
            request = request.header(header::IF_MATCH, format!("\"{revision}\""));
        }
        if let Some(body) = body {
            let content_type = if method == Method::PATCH {
                "application/merge-patch+json"
            } else {
                "application/json"
            };
            request = request
                .header(header::CONTENT_TYPE, content_type)
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(self.addr, &e))?;
        let status = response.status();
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_matches('"').to_owned());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::error(format!("reading the answer to {path}: {e}")))?;
        let body = if bytes.is_empty() {
            Json::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                json!({"error": {"code": "not_json", "message": String::from_utf8_lossy(&bytes)}})
            })
        };
        if status.is_success() {
            return Ok(Reply { body, etag });
        }
        Err(api_failure(status, &body, path))
    }
}

/// A host that did not answer at all.
fn unreachable(addr: SocketAddr, err: &reqwest::Error) -> Failure {
    let message = if err.is_timeout() {
        format!("the host at {addr} did not answer in time")
    } else {
        format!("cannot reach the host at {addr}: {err}")
    };
    Failure::new(Exit::NoHost, "host_unreachable", message)
        .with_fix("`pryx status` shows which host runs; `pryx` starts one")
}

/// Maps an error answer to the exit code scripts rely on; the host's code is kept.
pub fn api_failure(status: StatusCode, body: &Json, path: &str) -> Failure {
    let error = &body["error"];
    let code = error["code"].as_str().unwrap_or("http_error").to_owned();
    let mut message = error["message"]
        .as_str()
        .map_or_else(|| format!("the host answered {status}"), str::to_owned);
    for field in error["details"]["fields"].as_array().into_iter().flatten() {
        let path = field["path"].as_str().unwrap_or("?");
        let why = field["message"].as_str().unwrap_or("?");
        message.push_str(&format!("\n  {path}: {why}"));
    }
    let exit = match status.as_u16() {
        401 | 403 => Exit::Auth,
        404 if code == "not_found" => Exit::Unsupported,
        404 => Exit::NotFound,
        409 | 412 | 428 => Exit::Conflict,
        400 | 413 | 415 | 422 => Exit::Invalid,
        502..=504 => Exit::Runtime,
        _ => Exit::Error,
    };
    let mut failure = Failure::new(exit, code, message).with_details(error["details"].clone());
    failure.fix = match (exit, failure.code.as_str()) {
        (Exit::Auth, _) => Some(
            "the token in this data directory is not this host's: check --data-dir / PRYX_HOME"
                .into(),
        ),
        (Exit::Unsupported, _) => Some(format!(
            "this host has no {path}; upgrade pryx-core to a version that has it"
        )),
        (_, "runtime_unavailable") => Some(
            "`pryx status` shows the runtime's state; `pryx runtime restart` starts it again"
                .into(),
        ),
        (_, "runtime_not_configured") => {
            Some("start the host with a runtime: `pryx stop && pryx --runtime <program>`".into())
        }
        _ => None,
    };
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_map_to_stable_exit_codes() {
        let body = |code: &str| json!({"error": {"code": code, "message": "m", "details": {}}});
        let cases = [
            (401, "invalid_token", Exit::Auth),
            (404, "not_found", Exit::Unsupported),
            (404, "skill_not_found", Exit::NotFound),
            (409, "config_conflict", Exit::Conflict),
            (422, "config_invalid", Exit::Invalid),
            (503, "runtime_unavailable", Exit::Runtime),
            (500, "storage_error", Exit::Error),
        ];
        for (status, code, exit) in cases {
            let failure = api_failure(StatusCode::from_u16(status).unwrap(), &body(code), "/x");
            assert_eq!((failure.exit, failure.code.as_str()), (exit, code));
        }
        let bare = api_failure(StatusCode::BAD_GATEWAY, &Json::Null, "/x");
        assert_eq!(
            (bare.exit, bare.code.as_str()),
            (Exit::Runtime, "http_error")
        );
    }
}

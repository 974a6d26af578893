//! Issue 11, findings 12 and 13: the `Host` header and the request target are parsed strictly,
//! and an empty configured host name allows nothing. Raw TCP, since a client library normalises
//! what these tests must send malformed.

mod common;
mod raw_support;

use std::time::Duration;

use common::TestHost;
use raw_support::{RawResponse, exchange};

const WAIT: Duration = Duration::from_secs(5);

/// `GET target` with `host_lines` (each a full `Host: …` line, or none) and the admin token.
async fn get(h: &TestHost, target: &str, host_lines: &[&str]) -> RawResponse {
    let mut request = format!("GET {target} HTTP/1.1\r\n");
    for line in host_lines {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "Authorization: Bearer {}\r\nConnection: close\r\n\r\n",
        h.token.expose()
    ));
    exchange(h.host.local_addr(), request.as_bytes(), WAIT).await
}

#[tokio::test]
async fn malformed_host_headers_are_refused() {
    let h = TestHost::start().await;
    for host in [
        "[::1]evil.example",
        "[::1]:evil",
        "localhost:evil.example",
        "127.0.0.1:evil.example:80",
        "localhost:",
        "localhost:99999",
        "localhost:+80",
        "[::1",
        "[::1]]",
        "local host",
        "localhost.",
        "user@localhost",
    ] {
        let res = get(&h, "/api/v1/config", &[&format!("Host: {host}")]).await;
        assert_eq!(res.status, 403, "Host: {host} -> {res:?}");
        assert_eq!(res.error_code(), "host_not_allowed", "Host: {host}");
    }
    let port = h.host.local_addr().port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("LocalHost:{port}"),
        "localhost".to_owned(),
        "127.0.0.1:1".to_owned(),
    ] {
        let res = get(&h, "/api/v1/config", &[&format!("Host: {host}")]).await;
        assert_eq!(res.status, 200, "Host: {host} -> {res:?}");
    }
}

#[tokio::test]
async fn an_absolute_form_target_must_name_this_host_too() {
    let h = TestHost::start().await;
    let port = h.host.local_addr().port();
    let host = format!("Host: 127.0.0.1:{port}");
    for target in [
        "http://attacker.example/api/v1/config".to_owned(),
        format!("http://attacker.example:{port}/api/v1/config"),
        "http://[::1]evil.example/api/v1/config".to_owned(),
        format!("http://user@127.0.0.1:{port}/api/v1/config"),
        format!("ftp://127.0.0.1:{port}/api/v1/config"),
    ] {
        let res = get(&h, &target, &[&host]).await;
        assert!(matches!(res.status, 400 | 403), "GET {target} -> {res:?}");
        assert_eq!(res.error_code(), "host_not_allowed", "GET {target}");
    }
    let ours = format!("http://127.0.0.1:{port}/api/v1/config");
    assert_eq!(get(&h, &ours, &[&host]).await.status, 200, "GET {ours}");
}

#[tokio::test]
async fn two_host_headers_are_a_bad_request() {
    let h = TestHost::start().await;
    let port = h.host.local_addr().port();
    let ours = format!("Host: 127.0.0.1:{port}");
    for pair in [
        [ours.as_str(), "Host: evil.example"],
        [ours.as_str(), ours.as_str()],
    ] {
        let res = get(&h, "/api/v1/config", &pair).await;
        assert_eq!(res.status, 400, "{pair:?} -> {res:?}");
        assert_eq!(res.error_code(), "invalid_host", "{pair:?}");
    }
}

#[tokio::test]
async fn empty_configured_host_names_are_ignored() {
    let h = TestHost::start_with_policy(|policy| {
        policy.extra_hosts = vec![String::new(), " ".into(), "pryx.local".into()];
    })
    .await;
    // HTTP/1.0 may omit Host: an empty allowed name must not let that through.
    let request = format!(
        "GET /api/v1/config HTTP/1.0\r\nAuthorization: Bearer {}\r\n\r\n",
        h.token.expose()
    );
    let res = exchange(h.host.local_addr(), request.as_bytes(), WAIT).await;
    assert_eq!(res.status, 403, "{res:?}");
    assert_eq!(res.error_code(), "host_not_allowed");
    for host in ["Host: ", "Host:  ", "Host: :42424"] {
        let res = get(&h, "/api/v1/config", &[host]).await;
        assert_eq!(res.status, 403, "{host:?} -> {res:?}");
    }
    assert_eq!(
        get(&h, "/api/v1/config", &["Host: pryx.local"])
            .await
            .status,
        200,
        "the non-empty name still works"
    );
}

#[tokio::test]
async fn configured_origins_that_are_not_origins_allow_nothing() {
    let h = TestHost::start_with_policy(|policy| {
        policy.extra_origins = vec!["null".into(), String::new(), "*".into()];
    })
    .await;
    for origin in ["null", "*"] {
        let res = h
            .client
            .patch(h.url("/api/v1/config"))
            .header("origin", origin)
            .json(&serde_json::json!({"model_name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            common::error_code(res, 403).await,
            "origin_not_allowed",
            "Origin: {origin}"
        );
    }
    assert_eq!(h.adapters.config.saves(), 0);
}

//! Issue 11, "Also": every response carries the security headers (CSP with frame-ancestors,
//! X-Frame-Options, nosniff, Referrer-Policy): API answers and errors, 404s, 405s, 408s, 413s,
//! refusals of the guard, the UI and the WebSocket upgrade.

mod common;
mod raw_support;

use std::time::Duration;

use common::TestHost;
use pryx_server::Limits;
use pryx_testkit::Fixture;
use raw_support::{RawResponse, exchange};
use tokio::io::AsyncWriteExt;

const WAIT: Duration = Duration::from_secs(5);

/// Panics unless `header` (a lookup by lowercase name) shows all four security headers.
fn assert_secure(what: &str, header: impl Fn(&str) -> Option<String>) {
    let csp = header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{what}");
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
}

fn check(what: &str, res: &reqwest::Response) {
    let headers = res.headers().clone();
    assert_secure(&format!("{what} ({})", res.status()), |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
}

fn check_raw(what: &str, res: &RawResponse) {
    assert_secure(&format!("{what} ({})", res.status), |name| {
        res.header(name).map(str::to_owned)
    });
}

#[tokio::test]
async fn every_kind_of_http_response_carries_the_security_headers() {
    let h = TestHost::start().await;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "public health",
            h.anonymous.get(h.url("/api/v1/health")),
            200,
        ),
        ("config", h.client.get(h.url("/api/v1/config")), 200),
        ("openapi", h.client.get(h.url("/api/v1/openapi.json")), 200),
        ("no token", h.anonymous.get(h.url("/api/v1/config")), 401),
        (
            "wrong token",
            h.anonymous
                .get(h.url("/api/v1/config"))
                .header("authorization", "Bearer nope"),
            401,
        ),
        (
            "foreign host",
            h.client
                .get(h.url("/api/v1/config"))
                .header("host", "evil.example"),
            403,
        ),
        (
            "foreign origin",
            h.client
                .patch(h.url("/api/v1/config"))
                .header("origin", "http://evil.example")
                .json(&serde_json::json!({})),
            403,
        ),
        ("api 404", h.client.get(h.url("/api/v1/nope")), 404),
        ("ui 404", h.anonymous.get(h.url("/nope.js")), 404),
        ("405", h.client.delete(h.url("/api/v1/health")), 405),
        (
            "413",
            h.client
                .put(h.url("/api/v1/config"))
                .header("content-type", "application/json")
                .body(vec![b'x'; 2 * 1024 * 1024]),
            413,
        ),
        ("ui index", h.anonymous.get(h.url("/")), 200),
        ("ui route", h.anonymous.get(h.url("/settings")), 200),
        ("ws without upgrade", h.client.get(h.url("/ws")), 400),
    ];
    for (what, request, status) in cases {
        let res = request.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        check(what, &res);
    }
    let upgrade = h
        .client
        .get(h.url("/ws"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(upgrade.status(), 101);
    check("ws upgrade", &upgrade);
}

#[tokio::test]
async fn a_request_timeout_and_a_bad_request_carry_them_too() {
    let h = TestHost::start_custom(Fixture::default(), |b| {
        b.limits(Limits {
            request_timeout: Duration::from_millis(300),
            ..Limits::default()
        })
    })
    .await;
    let addr = h.host.local_addr();
    // A body that never finishes: the handler waits for it until the request times out.
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /api/v1/config HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nIf-Match: \"r\"\r\nContent-Length: 100\r\n\r\n{{",
        h.token.expose()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let res = raw_support::read_response(&mut tcp, WAIT).await;
    assert_eq!(res.status, 408, "{res:?}");
    check_raw("408", &res);

    let two_hosts = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let res = exchange(addr, two_hosts.as_bytes(), WAIT).await;
    assert_eq!(res.status, 400, "{res:?}");
    check_raw("400", &res);
}

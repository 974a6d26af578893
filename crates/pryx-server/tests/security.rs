//! Every refusal of the security layer, with exact statuses, over a real socket.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::{TestHost, error_code, json};
use pryx_server::Limits;
use pryx_testkit::Fixture;
use serde_json::json;

/// Every operation in the OpenAPI document, with path parameters filled in.
async fn every_operation(h: &TestHost) -> Vec<(reqwest::Method, String)> {
    let doc = json(h.get("/api/v1/openapi.json").await, 200).await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            ops.push((m, path.replace("{id}", "weather")));
        }
    }
    ops.push((reqwest::Method::GET, "/api/v1/openapi.json".into()));
    assert!(ops.len() >= 12, "{ops:?}");
    ops
}

/// Routes anyone may call: the minimal health (and its TUI alias) and the login exchange (which
/// has its own checks).
fn is_public(method: &reqwest::Method, path: &str) -> bool {
    (method == reqwest::Method::GET && (path == "/api/v1/health" || path == "/health"))
        || path == "/api/v1/auth/session"
}

#[tokio::test]
async fn every_route_but_health_and_login_needs_a_valid_token() {
    let h = TestHost::start().await;
    let token = h.token.expose().to_owned();
    let bad_credentials = [
        None,
        Some(String::new()),
        Some("Bearer ".to_owned()),
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {}", &token[..token.len() - 1])),
        Some(format!("Bearer {token}x")),
        Some(format!("Basic {token}")),
        Some(format!("bearer{token}")),
    ];
    for (method, path) in every_operation(&h).await {
        if is_public(&method, &path) {
            continue;
        }
        for credential in &bad_credentials {
            let mut req = h.anonymous.request(method.clone(), h.url(&path));
            if let Some(value) = credential {
                req = req.header("authorization", value);
            }
            let res = req.json(&json!({})).send().await.unwrap();
            let code = error_code(res, 401).await;
            let expected = if credential.is_some() {
                "invalid_token"
            } else {
                "unauthorized"
            };
            assert_eq!(code, expected, "{method} {path} with {credential:?}");
        }
        // A token in the query string is not a credential.
        let res = h
            .anonymous
            .request(
                method.clone(),
                h.url(&format!("{path}?token={token}&access_token={token}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} with ?token=");
    }
}

#[tokio::test]
async fn health_without_a_credential_is_minimal() {
    let h = TestHost::start().await;
    let public = json(
        h.anonymous
            .get(h.url("/api/v1/health"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(public["status"].is_string() && public["version"].is_string());
    assert!(
        public.get("ports").is_none(),
        "ports need a credential: {public}"
    );
    let full = json(h.get("/api/v1/health").await, 200).await;
    assert!(full["ports"]["runtime"].is_object());
    let res = h
        .anonymous
        .get(h.url("/api/v1/health"))
        .header("authorization", "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 401).await,
        "invalid_token",
        "a wrong token is refused, not ignored"
    );
}

#[tokio::test]
async fn foreign_host_headers_are_refused_before_routing() {
    let h = TestHost::start().await;
    let port = h.host.local_addr().port();
    for host in [
        "evil.example",
        "evil.example:1234",
        &format!("attacker.test:{port}"),
        "127.0.0.2",
        "localhost.evil.test",
        "",
    ] {
        for path in ["/api/v1/health", "/api/v1/config", "/", "/favicon.svg"] {
            let res = h
                .client
                .get(h.url(path))
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(
                error_code(res, 403).await,
                "host_not_allowed",
                "Host {host:?} {path}"
            );
        }
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "LOCALHOST".into(),
    ] {
        let res = h
            .client
            .get(h.url("/api/v1/health"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "Host {host}");
    }
}

#[tokio::test]
async fn configured_host_names_and_origins_are_accepted() {
    let h = TestHost::start_with_policy(|policy| {
        policy.extra_hosts.push("pryx.local".into());
        policy.extra_origins.push("http://localhost:5173".into());
    })
    .await;
    let res = h
        .client
        .get(h.url("/api/v1/health"))
        .header("host", "pryx.local:42424")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .header("origin", "http://localhost:5173")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn foreign_origins_cannot_change_anything_even_with_the_token() {
    let h = TestHost::start().await;
    let port = h.host.local_addr().port();
    for origin in [
        "http://evil.example",
        "null",
        &format!("http://evil.example:{port}"),
        &format!("https://127.0.0.1:{port}"),
        "http://127.0.0.1:1",
    ] {
        let res = h
            .client
            .patch(h.url("/api/v1/config"))
            .header("origin", origin)
            .json(&json!({"model_name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res, 403).await,
            "origin_not_allowed",
            "PATCH from {origin}"
        );
        let res = h
            .client
            .post(h.url("/api/v1/skills/weather/enable"))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res, 403).await,
            "origin_not_allowed",
            "POST from {origin}"
        );
    }
    assert_eq!(h.adapters.config.saves(), 0);
    assert!(h.adapters.runtime.notices().is_empty());
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .header("origin", h.origin())
        .json(&json!({"model_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "own origin");
    // Reads carry no CORS headers for anyone: a foreign page can never read an answer.
    let res = h
        .client
        .get(h.url("/api/v1/config"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = h
        .anonymous
        .request(reqwest::Method::OPTIONS, h.url("/api/v1/config"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "PATCH")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// A WebSocket upgrade request for `/ws` from `client`.
fn upgrade(h: &TestHost, client: &reqwest::Client) -> reqwest::RequestBuilder {
    client
        .get(h.url("/ws"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
}

#[tokio::test]
async fn a_websocket_upgrade_from_a_foreign_origin_is_refused() {
    let h = TestHost::start().await;
    let res = upgrade(&h, &h.client)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 403).await, "origin_not_allowed");
}

#[tokio::test]
async fn a_websocket_upgrade_needs_a_valid_credential() {
    let h = TestHost::start().await;
    let upgrade = |client| upgrade(&h, client);
    let res = upgrade(&h.anonymous).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
    let res = upgrade(&h.anonymous)
        .header("authorization", "Bearer wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 401).await, "invalid_token");
    let res = upgrade(&h.anonymous)
        .header("cookie", "pryx_session=forged")
        .header("origin", h.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
    let res = upgrade(&h.client)
        .header("origin", h.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 101, "the token upgrades");
}

#[tokio::test]
async fn tui_aliases_need_the_same_credential_as_the_routes_they_alias() {
    let h = TestHost::start().await;
    for path in ["/skills", "/skills/weather"] {
        let res = h.anonymous.get(h.url(path)).send().await.unwrap();
        assert_eq!(error_code(res, 401).await, "unauthorized", "{path}");
        let res = h
            .anonymous
            .get(h.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "a browser gets the public UI page at {path}"
        );
        assert!(res.text().await.unwrap().contains("<title>Pryx</title>"));
    }
    let res = h
        .anonymous
        .post(h.url("/skills/enable"))
        .json(&json!({"id": "weather"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
    let public = json(h.anonymous.get(h.url("/health")).send().await.unwrap(), 200).await;
    assert!(
        public.get("ports").is_none(),
        "the health alias is as minimal as /api/v1/health"
    );
}

async fn login(h: &TestHost) -> String {
    let code = json(
        h.client
            .post(h.url("/api/v1/auth/login-codes"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert!(
        code["login_url"].as_str().unwrap().contains("/#login="),
        "code travels in the fragment"
    );
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .header("origin", h.origin())
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    // The same code is dead now.
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .header("origin", h.origin())
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 401).await,
        "login_code_invalid",
        "reused code"
    );
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn browser_login_trades_a_one_time_code_for_a_cookie_session() {
    let h = TestHost::start().await;
    let cookie = login(&h).await;
    let res = h
        .anonymous
        .get(h.url("/api/v1/config"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the session reads");
    let res = h
        .anonymous
        .patch(h.url("/api/v1/config"))
        .header("cookie", &cookie)
        .header("origin", h.origin())
        .json(&json!({"model_name": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the session writes from its own page");
    let res = h
        .anonymous
        .patch(h.url("/api/v1/config"))
        .header("cookie", &cookie)
        .json(&json!({"model_name": "z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 403).await,
        "origin_required",
        "a cookie write without Origin"
    );
    let res = h
        .anonymous
        .get(h.url("/api/v1/config"))
        .header("cookie", "pryx_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");

    let res = h
        .anonymous
        .delete(h.url("/api/v1/auth/session"))
        .header("cookie", &cookie)
        .header("origin", h.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = h
        .anonymous
        .get(h.url("/api/v1/config"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "logged out");
}

#[tokio::test]
async fn login_codes_need_the_page_origin_and_expire() {
    let h = TestHost::start_with_policy(|policy| {
        policy.login_code_ttl = Duration::from_millis(200);
    })
    .await;
    let code = json(
        h.client
            .post(h.url("/api/v1/auth/login-codes"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 403).await, "origin_required", "no Origin");
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .header("origin", "http://evil.example")
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 403).await, "origin_not_allowed");

    let code = json(
        h.client
            .post(h.url("/api/v1/auth/login-codes"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .header("origin", h.origin())
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 401).await,
        "login_code_invalid",
        "expired code"
    );
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/login-codes"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 401).await,
        "unauthorized",
        "minting needs the token"
    );
}

#[tokio::test]
async fn oversized_bodies_and_headers_are_refused() {
    let h = TestHost::start().await;
    let big = vec![b'x'; 2 * 1024 * 1024];
    let res = h
        .client
        .put(h.url("/api/v1/config"))
        .header("content-type", "application/json")
        .header("if-match", "\"r\"")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 413).await, "payload_too_large");
    let res = h
        .client
        .get(h.url("/api/v1/health"))
        .header("x-filler", "y".repeat(100 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431, "oversized headers");
    assert_eq!(h.get("/api/v1/health").await.status(), 200, "still serving");
}

#[tokio::test]
async fn a_slow_loris_client_is_cut_off() {
    let h = TestHost::start_custom(Fixture::default(), |b| {
        b.limits(Limits {
            header_read_timeout: Duration::from_millis(500),
            ..Limits::default()
        })
    })
    .await;
    let addr = h.host.local_addr();
    let result = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        let started = Instant::now();
        // Trickle a header byte now and then, never finishing the head.
        let mut buf = [0u8; 1024];
        let _ = stream.write_all(b"X-Slow: a");
        let n = stream.read(&mut buf).unwrap_or(0);
        (
            started.elapsed(),
            String::from_utf8_lossy(&buf[..n]).into_owned(),
        )
    })
    .await
    .unwrap();
    let (elapsed, answer) = result;
    assert!(
        elapsed < Duration::from_secs(5),
        "cut off after {elapsed:?}"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    // Other clients are served meanwhile and after.
    assert_eq!(h.get("/api/v1/health").await.status(), 200);
}

#[tokio::test]
async fn secrets_never_appear_in_any_response() {
    let h = TestHost::start().await;
    let secret = "123456789:fixture-telegram-bot-token";
    for (method, path) in every_operation(&h).await {
        if method != reqwest::Method::GET {
            continue;
        }
        let text = h
            .client
            .get(h.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains(secret), "{path} leaked the bot token");
        assert!(
            !text.contains(h.token.expose()),
            "{path} leaked the admin token"
        );
    }
}

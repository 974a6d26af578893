//! Health, skills, runtime-backed routes, UI, OpenAPI and the host's lifecycle, over a real socket.

mod common;

use common::{TestHost, error_code, json};
use pryx_server::{Adapters, Host, ServerError};
use pryx_testkit::{Fixture, RuntimeMode};
use serde_json::json;

#[tokio::test]
async fn health_reports_version_uptime_and_each_port() {
    let h = TestHost::start_with(Fixture::empty()).await;
    let body = json(h.get("/api/v1/health").await, 200).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    // The default fixture has a malformed skill: the host says so instead of "ok".
    let h = TestHost::start().await;
    let body = json(h.get("/api/v1/health").await, 200).await;
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["ports"]["skills"]["status"], "degraded");
    assert!(body["uptime_ms"].is_u64());
    assert_eq!(body["ports"]["config"]["adapter"], "memory");
    assert_eq!(body["ports"]["runtime"]["state"], "ready");
}

#[tokio::test]
async fn skills_are_listed_toggled_and_refused_with_codes() {
    let h = TestHost::start().await;
    let list = json(h.get("/api/v1/skills").await, 200).await;
    let ids: Vec<_> = list["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "sorted: {ids:?}");
    let broken = list["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "broken-skill")
        .unwrap();
    assert!(
        broken["error"].as_str().is_some(),
        "malformed skills are listed with their error"
    );

    let mut events = h.hub.subscribe();
    let res = h
        .client
        .post(h.url("/api/v1/skills/weather/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(res, 200).await["enabled"], true);
    assert_eq!(
        json(h.get("/api/v1/skills/weather").await, 200).await["enabled"],
        true
    );
    assert_eq!(events.recv().await.unwrap().event.name, "skills.changed");
    let res = h
        .client
        .post(h.url("/api/v1/skills/weather/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(res, 200).await["enabled"], false);
    assert_eq!(
        h.adapters.runtime.notices().len(),
        2,
        "runtime told of both toggles"
    );

    assert_eq!(
        error_code(h.get("/api/v1/skills/nope").await, 404).await,
        "skill_not_found"
    );
    let res = h
        .client
        .post(h.url("/api/v1/skills/nope/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 404).await, "skill_not_found");
    let res = h
        .client
        .post(h.url("/api/v1/skills/broken-skill/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 409).await, "skill_invalid");
}

#[tokio::test]
async fn runtime_routes_answer_from_the_runtime_or_503_with_retry_after() {
    let h = TestHost::start().await;
    let providers = json(h.get("/api/v1/providers").await, 200).await;
    assert_eq!(providers["providers"][0]["id"], "openai");
    let models = json(h.get("/api/v1/providers/openai/models").await, 200).await;
    assert_eq!(models["models"][0]["id"], "gpt-4o");
    let tools = json(h.get("/api/v1/mcp/tools").await, 200).await;
    assert!(tools["tools"][0]["name"].as_str().unwrap().contains(':'));

    let down = TestHost::start_with(Fixture {
        runtime: RuntimeMode::Down,
        ..Fixture::default()
    })
    .await;
    for path in [
        "/api/v1/providers",
        "/api/v1/mcp/tools",
        "/api/v1/providers/openai/models",
    ] {
        let res = down.get(path).await;
        assert_eq!(res.headers()["retry-after"], "5");
        assert_eq!(error_code(res, 503).await, "runtime_unavailable");
    }
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_json_errors() {
    let h = TestHost::start().await;
    assert_eq!(
        error_code(h.get("/api/v1/nope").await, 404).await,
        "not_found"
    );
    assert_eq!(error_code(h.get("/api").await, 404).await, "not_found");
    let res = h
        .client
        .delete(h.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 405).await, "method_not_allowed");
    let res = h.client.post(h.url("/some/page")).send().await.unwrap();
    assert_eq!(error_code(res, 405).await, "method_not_allowed");
}

#[tokio::test]
async fn ui_is_served_with_types_fallback_and_security_headers() {
    let h = TestHost::start().await;
    for path in ["/", "/settings", "/deep/spa/route"] {
        let res = h.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        assert!(res.text().await.unwrap().contains("<title>Pryx</title>"));
    }
    // The script index.html loads (a content-hashed name).
    let html = h.get("/").await.text().await.unwrap();
    let start = html
        .find("src=\"/assets/")
        .expect("index.html loads a script")
        + 5;
    let script = &html[start..start + html[start..].find('"').unwrap()];
    let js = h.get(script).await;
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let etag = js.headers()["etag"].clone();
    let again = h
        .client
        .get(h.url(script))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(
        error_code(h.get("/missing.js").await, 404).await,
        "not_found"
    );
}

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let h = TestHost::start().await;
    let doc = json(h.get("/api/v1/openapi.json").await, 200).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/health",
        "/api/v1/config",
        "/api/v1/skills",
        "/api/v1/skills/{id}",
        "/api/v1/skills/{id}/enable",
        "/api/v1/skills/{id}/disable",
        "/api/v1/providers",
        "/api/v1/providers/{id}/models",
        "/api/v1/mcp/tools",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    for method in ["get", "put", "patch"] {
        assert!(
            paths["/api/v1/config"].get(method).is_some(),
            "config {method}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn a_second_host_on_the_same_port_fails_clearly_and_shutdown_stops_the_runtime() {
    let h = TestHost::start().await;
    let t = Fixture::default().adapters();
    let adapters = Adapters {
        config: t.config,
        skills: t.skills,
        runtime: t.runtime,
        telemetry: t.telemetry,
    };
    let err = Host::builder(adapters)
        .bind(h.host.local_addr())
        .start()
        .await
        .err()
        .expect("must fail");
    assert!(matches!(err, ServerError::AddrInUse { .. }), "{err:?}");
    assert!(err.to_string().contains("already in use"));

    let runtime = h.adapters.runtime.clone();
    let telemetry = h.adapters.telemetry.clone();
    let addr = h.host.local_addr();
    h.host.shutdown().await.unwrap();
    assert_eq!(runtime.shutdowns(), 1);
    assert_eq!(telemetry.flushes(), 1);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port released"
    );
    let _ = json!({});
}

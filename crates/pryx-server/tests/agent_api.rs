//! The agent in the HTTP API (`/api/v1/sessions`, `/api/v1/approvals`) and the TUI's paths the
//! host answers: real sockets, the fixture runtime behind the host.

mod ws_support;

use std::time::Duration;

use pryx_core_api::{ApprovalRequest, Value};
use serde_json::{Value as Json, json};
use ws_support::WsHost;

async fn call(h: &WsHost, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
    let mut req = h
        .http
        .request(method.parse().unwrap(), h.url(path))
        .header("accept", "application/json");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        kind.starts_with("application/json"),
        "{method} {path}: {kind}"
    );
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn sessions_are_created_listed_written_to_and_read_back() {
    let h = WsHost::start().await;
    let (status, created) = call(
        &h,
        "POST",
        "/api/v1/sessions",
        Some(json!({"title": "Trip"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["title"], "Trip");
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, sent) = call(
        &h,
        "POST",
        &format!("/api/v1/sessions/{id}/messages"),
        Some(json!({"content": "hello"})),
    )
    .await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["session_id"], id.as_str());
    assert!(sent["message_id"].is_string(), "{sent}");

    let (status, list) = call(&h, "GET", "/api/v1/sessions", None).await;
    assert_eq!(status, 200);
    let mine = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .unwrap();
    // Read from the runtime's `updatedAt`, written as the API's snake_case.
    assert_eq!(mine["updated_at"], "2026-01-01T00:00:00Z", "{mine}");

    let (status, detail) = call(&h, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["session"]["id"], id.as_str());
    assert_eq!(detail["messages"][0]["content"], "hello");
    assert_eq!(detail["messages"][0]["role"], "user");
}

#[tokio::test]
async fn agent_errors_have_stable_codes() {
    let h = WsHost::start().await;
    let (status, body) = call(&h, "GET", "/api/v1/sessions/nope", None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("session_not_found"))
    );
    let (status, body) = call(
        &h,
        "POST",
        "/api/v1/sessions/nope/messages",
        Some(json!({"content": "hi"})),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("session_not_found"))
    );
    let (status, body) = call(
        &h,
        "POST",
        "/api/v1/sessions/nope/messages",
        Some(json!({"content": "   "})),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("invalid_request"))
    );
    let long = "x".repeat(201);
    let (status, _) = call(&h, "POST", "/api/v1/sessions", Some(json!({"title": long}))).await;
    assert_eq!(status, 422);
    let (status, body) = call(
        &h,
        "POST",
        "/api/v1/approvals/apr-404/resolve",
        Some(json!({"approved": true})),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("approval_not_found"))
    );

    h.adapters.runtime.set_down(true);
    let (status, body) = call(&h, "GET", "/api/v1/sessions", None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("runtime_unavailable"))
    );
    // Approvals held by the host do not need the runtime.
    let (status, body) = call(&h, "GET", "/api/v1/approvals", None).await;
    assert_eq!((status, &body["approvals"]), (200, &json!([])));
}

#[tokio::test]
async fn a_pending_approval_is_listed_and_resolved_over_http() {
    let h = WsHost::start().await;
    let approvals = h.approvals.clone();
    let waiter = tokio::spawn(async move {
        let request = ApprovalRequest {
            session_id: Some("s1".into()),
            tool: Some("fs:write".into()),
            description: "Allow tool call: fs:write".into(),
            intent: Some("save the notes".into()),
            args: Value::map([("path", Value::from("notes.md"))]),
        };
        approvals.request(request, Duration::from_secs(10)).await
    });
    let list = loop {
        let (_, list) = call(&h, "GET", "/api/v1/approvals", None).await;
        if !list["approvals"].as_array().unwrap().is_empty() {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let pending = &list["approvals"][0];
    assert_eq!(pending["tool"], "fs:write");
    assert_eq!(pending["reason"], "Allow tool call: fs:write");
    assert_eq!(pending["args"]["path"], "notes.md");
    let id = pending["approval_id"].as_str().unwrap();
    let (status, body) = call(
        &h,
        "POST",
        &format!("/api/v1/approvals/{id}/resolve"),
        Some(json!({"approved": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["approved"], &body["held_by"]),
        (&json!(true), &json!("host"))
    );
    assert!(waiter.await.unwrap().approved());
    // An id the host does not hold was asked of the runtime (which tracks none).
    let (status, _) = call(
        &h,
        "POST",
        "/api/v1/approvals/rt-7/resolve",
        Some(json!({"approved": false})),
    )
    .await;
    assert_eq!(status, 404);
    let asked: Vec<_> = h
        .adapters
        .runtime
        .calls()
        .into_iter()
        .filter(|(m, _)| m == "approval.resolve")
        .collect();
    // Only the one the host did not hold.
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0].1.as_map().unwrap()["approval_id"],
        Value::from("rt-7")
    );
}

#[tokio::test]
async fn the_agent_routes_are_in_the_openapi_document() {
    let h = WsHost::start().await;
    let (_, doc) = call(&h, "GET", "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/sessions",
        "/api/v1/sessions/{id}",
        "/api/v1/sessions/{id}/messages",
        "/api/v1/approvals",
        "/api/v1/approvals/{id}/resolve",
        "/api/v1/providers/{id}/key",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(
        doc["paths"].get("/mcp/{rest}").is_none(),
        "unserved paths are not the API"
    );
}

#[tokio::test]
async fn tui_health_carries_the_configured_providers() {
    let h = WsHost::start().await;
    let (_, providers) = call(&h, "GET", "/api/v1/providers", None).await;
    let configured: Vec<Json> = providers["providers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["configured"] == true)
        .map(|p| p["id"].clone())
        .collect();
    assert!(configured.len() < providers["providers"].as_array().unwrap().len());
    let (status, health) = call(&h, "GET", "/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["providers"], json!(configured), "{health}");
    assert_eq!(health["cloud_logged_in"], false);
    assert!(health["ports"].is_object());
    let anonymous: Json = reqwest::get(h.url("/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(anonymous.get("providers").is_none(), "{anonymous}");

    h.adapters.runtime.set_down(true);
    let (_, health) = call(&h, "GET", "/health", None).await;
    assert_eq!(health["providers"], json!([]));
}

#[tokio::test]
async fn tui_paths_the_host_does_not_serve_answer_json_not_the_page() {
    let h = WsHost::start().await;
    for (method, path) in [
        ("GET", "/mcp/discovery/custom"),
        ("GET", "/mcp/discovery/curated"),
        ("POST", "/mcp/discovery/custom"),
        ("DELETE", "/mcp/discovery/custom/x"),
        ("GET", "/mcp/servers"),
        ("POST", "/skills/install"),
        ("POST", "/skills/uninstall"),
        ("GET", "/api/channels"),
        ("POST", "/api/channels/c1/test"),
    ] {
        let body = (method != "GET" && method != "DELETE").then(|| json!({"id": "x"}));
        let (status, answer) = call(&h, method, path, body).await;
        assert_eq!(status, 501, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], "not_implemented");
    }
    // Under /api/v1 an undeclared method is the API's 405, as for every route.
    for method in ["POST", "DELETE"] {
        let (status, answer) = call(&h, method, "/api/v1/providers/openai/key", None).await;
        assert_eq!(
            (status, &answer["error"]["code"]),
            (405, &json!("method_not_allowed"))
        );
    }
    // A browser navigating there still gets the UI.
    let page = h
        .http
        .get(h.url("/mcp/servers"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let (_, providers) = call(&h, "GET", "/api/v1/providers", None).await;
    for p in providers["providers"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let (status, key) = call(&h, "GET", &format!("/api/v1/providers/{id}/key"), None).await;
        assert_eq!(status, 200);
        assert_eq!(
            key,
            json!({"provider_id": id, "configured": p["configured"]})
        );
    }
    let (status, key) = call(&h, "GET", "/api/v1/providers/nope/key", None).await;
    assert_eq!(
        (status, &key["error"]["code"]),
        (404, &json!("provider_not_found"))
    );
    let (status, tools) = call(&h, "GET", "/mcp/tools", None).await;
    assert_eq!(status, 200);
    assert!(tools["tools"].is_array());
}

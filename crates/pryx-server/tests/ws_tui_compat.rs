//! The TUI's HTTP calls, served by the host as aliases of the v1 routes: JSON for API
//! clients, the UI for browsers on the paths the UI also uses.

mod ws_support;

use serde_json::{Value as Json, json};
use ws_support::WsHost;

async fn get_json(h: &WsHost, path: &str) -> (u16, Json) {
    let res = h
        .http
        .get(h.url(path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{path}"
    );
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn get_aliases_answer_like_the_v1_routes() {
    let h = WsHost::start().await;
    let (status, health) = get_json(&h, "/health").await;
    let (_, v1) = get_json(&h, "/api/v1/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        (&health["status"], &health["ports"]),
        (&v1["status"], &v1["ports"])
    );

    assert_eq!(
        get_json(&h, "/skills").await,
        get_json(&h, "/api/v1/skills").await
    );
    assert_eq!(
        get_json(&h, "/skills/weather").await,
        get_json(&h, "/api/v1/skills/weather").await
    );
    let (status, missing) = get_json(&h, "/skills/nope").await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &json!("skill_not_found"))
    );

    // `*/*` (fetch's default) and no Accept at all are API clients too.
    let res = h
        .http
        .get(h.url("/skills"))
        .header("accept", "*/*")
        .send()
        .await
        .unwrap();
    assert!(res.json::<Json>().await.unwrap()["skills"].is_array());
}

#[tokio::test]
async fn post_aliases_toggle_skills_with_the_id_in_the_body() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=skills.*").await;
    let post = |path: &'static str, body: Json| h.http.post(h.url(path)).json(&body).send();

    let res = post("/skills/enable", json!({"id": "weather"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Json>().await.unwrap()["enabled"], true);
    assert!(
        h.adapters
            .skills
            .enabled_ids()
            .contains(&"weather".to_owned())
    );
    let event = client.next_event().await;
    assert_eq!(event["payload"], json!({"id": "weather", "enabled": true}));

    let res = post("/skills/disable", json!({"id": "weather"}))
        .await
        .unwrap();
    assert_eq!(res.json::<Json>().await.unwrap()["enabled"], false);

    let res = post("/skills/enable", json!({"id": "nope"})).await.unwrap();
    assert_eq!(res.status(), 404);
    let res = post("/skills/enable", json!({"name": "weather"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Json>().await.unwrap()["error"]["code"],
        "invalid_request"
    );
}

#[tokio::test]
async fn browsers_get_the_ui_on_the_same_paths() {
    let h = WsHost::start().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for path in ["/health", "/skills", "/skills/weather"] {
        let res = h
            .http
            .get(h.url(path))
            .header("accept", browser)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "text/html; charset=utf-8",
            "{path}"
        );
        assert!(res.headers().contains_key("content-security-policy"));
        assert!(res.text().await.unwrap().contains("<title>Pryx</title>"));
    }
}

#[tokio::test]
async fn the_openapi_document_lists_ws_and_the_aliases() {
    let h = WsHost::start().await;
    let (_, doc) = get_json(&h, "/api/v1/openapi.json").await;
    for path in [
        "/ws",
        "/health",
        "/skills",
        "/skills/{id}",
        "/skills/enable",
        "/skills/disable",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
}

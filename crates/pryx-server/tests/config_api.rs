//! The config API over a real socket: revisions, conflicts, validation, secrets.

mod common;

use common::{TestHost, error_code, json};
use pryx_core_api::{EventPublisher, RuntimeState};
use serde_json::json;

#[tokio::test]
async fn get_returns_redacted_config_with_etag_matching_revision() {
    let h = TestHost::start().await;
    let res = h.get("/api/v1/config").await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body = json(res, 200).await;
    assert_eq!(etag, format!("\"{}\"", body["revision"].as_str().unwrap()));
    assert_eq!(
        body["config"]["channels"]["telegram"]["bot_token"],
        "<redacted>"
    );
    assert_eq!(body["redacted"], json!(["channels.telegram.bot_token"]));
    assert_eq!(body["config"]["experimental"]["canvas"], true);
    let text = serde_json::to_string(&body).unwrap();
    assert!(
        !text.contains("fixture-telegram-bot-token"),
        "secret leaked: {text}"
    );
}

#[tokio::test]
async fn put_round_trip_keeps_secret_and_unknown_keys() {
    let h = TestHost::start().await;
    let read = json(h.get("/api/v1/config").await, 200).await;
    let mut doc = read["config"].clone();
    doc["model_name"] = json!("gpt-4o");
    let res = h
        .client
        .put(h.url("/api/v1/config"))
        .header(
            "If-Match",
            format!("\"{}\"", read["revision"].as_str().unwrap()),
        )
        .json(&doc)
        .send()
        .await
        .unwrap();
    let written = json(res, 200).await;
    assert_ne!(written["revision"], read["revision"]);
    assert_eq!(written["config"]["model_name"], "gpt-4o");
    let stored = h.adapters.config.snapshot().config;
    assert_eq!(
        stored
            .get_path("channels.telegram.bot_token")
            .and_then(|v| v.as_str()),
        Some("123456789:fixture-telegram-bot-token"),
        "a read-modify-write round trip must keep the secret"
    );
    assert!(
        stored.get_path("experimental.note").is_some(),
        "unknown key dropped"
    );
}

#[tokio::test]
async fn put_needs_if_match_and_refuses_a_stale_one() {
    let h = TestHost::start().await;
    let read = json(h.get("/api/v1/config").await, 200).await;
    let doc = read["config"].clone();
    let res = h
        .client
        .put(h.url("/api/v1/config"))
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 428).await, "precondition_required");

    let res = h
        .client
        .put(h.url("/api/v1/config"))
        .header("If-Match", "\"not-the-revision\"")
        .json(&doc)
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body = json(res, 409).await;
    assert_eq!(body["error"]["code"], "config_conflict");
    assert_eq!(
        body["error"]["details"]["current_revision"],
        read["revision"]
    );
    assert_eq!(etag, format!("\"{}\"", read["revision"].as_str().unwrap()));

    for bad in ["*", "\"a\", \"b\"", ""] {
        let res = h
            .client
            .put(h.url("/api/v1/config"))
            .header("If-Match", bad)
            .json(&doc)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res, 400).await,
            "invalid_header",
            "If-Match {bad:?}"
        );
    }
    assert_eq!(
        h.adapters.config.saves(),
        0,
        "nothing may be written by refused requests"
    );
}

#[tokio::test]
async fn concurrent_writers_with_the_same_revision_only_one_wins() {
    let h = TestHost::start().await;
    let read = json(h.get("/api/v1/config").await, 200).await;
    let rev = format!("\"{}\"", read["revision"].as_str().unwrap());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = h.client.clone();
        let url = h.url("/api/v1/config");
        let rev = rev.clone();
        tasks.push(tokio::spawn(async move {
            client
                .patch(url)
                .header("If-Match", rev)
                .json(&json!({ "model_name": format!("m{i}") }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn patch_merges_removes_and_notifies() {
    let h = TestHost::start().await;
    let mut events = h.hub.subscribe();
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"model_name":"llama3.2","experimental":{"canvas":null},"new_setting":[1,2]}"#)
        .send()
        .await
        .unwrap();
    let body = json(res, 200).await;
    assert_eq!(body["config"]["model_name"], "llama3.2");
    assert_eq!(
        body["config"]["experimental"],
        json!({"note": "a key this host does not know; it must survive every write"})
    );
    assert_eq!(body["config"]["new_setting"], json!([1, 2]));
    let event = events.recv().await.unwrap();
    assert_eq!(event.event.name, "config.changed");
    assert!(matches!(
        h.adapters.runtime.notices().as_slice(),
        [pryx_core_api::ChangeNotice::ConfigChanged { .. }]
    ));
}

#[tokio::test]
async fn invalid_config_is_422_with_every_field_path_and_nothing_written() {
    let h = TestHost::start().await;
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .json(&json!({"listen_addr": "nowhere", "max_websocket_connections": -5, "allowed_origins": ["*"]}))
        .send()
        .await
        .unwrap();
    let body = json(res, 422).await;
    assert_eq!(body["error"]["code"], "config_invalid");
    let paths: Vec<_> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "listen_addr",
            "allowed_origins.0",
            "max_websocket_connections"
        ]
    );
    assert_eq!(h.adapters.config.saves(), 0);

    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .json(&json!([1]))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 422).await, "config_invalid");
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .json(&json!({"slack": {"bot_token": "<redacted>"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(res, 422).await,
        "config_invalid",
        "marker without a stored secret"
    );
}

#[tokio::test]
async fn a_yaml_merge_key_anywhere_in_a_write_is_refused() {
    let h = TestHost::start().await;
    for (body, path) in [
        (json!({"<<": {"max_websocket_connections": -5}}), "<<"),
        (
            json!({"channels": {"telegram": {"<<": {"enabled": "yes"}}}}),
            "channels.telegram.<<",
        ),
    ] {
        let res = h
            .client
            .patch(h.url("/api/v1/config"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let answer = json(res, 422).await;
        assert_eq!(answer["error"]["code"], "config_invalid");
        assert_eq!(answer["error"]["details"]["fields"][0]["path"], path);
    }
    assert_eq!(h.adapters.config.saves(), 0);
}

#[tokio::test]
async fn malformed_bodies_get_structured_errors() {
    let h = TestHost::start().await;
    let send = |body: &'static str, ct: &'static str| {
        h.client
            .patch(h.url("/api/v1/config"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_eq!(
        error_code(send("{not json", "application/json").await.unwrap(), 400).await,
        "invalid_json"
    );
    assert_eq!(
        error_code(send("{}", "text/plain").await.unwrap(), 415).await,
        "unsupported_media_type"
    );
    let big = format!("{{\"k\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 413).await, "payload_too_large");
    assert_eq!(h.adapters.config.saves(), 0);
}

#[tokio::test]
async fn an_unreadable_store_is_reported_not_overwritten() {
    let h = TestHost::start().await;
    h.adapters
        .config
        .set_unreadable(Some("config.yaml line 3: bad indentation".into()));
    assert_eq!(
        error_code(h.get("/api/v1/config").await, 500).await,
        "config_unreadable"
    );
    let res = h
        .client
        .patch(h.url("/api/v1/config"))
        .json(&json!({"model_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res, 500).await, "config_unreadable");
    assert_eq!(h.adapters.config.saves(), 0);
    // Health still answers, and tells the truth about the runtime.
    let health = json(h.get("/api/v1/health").await, 200).await;
    assert_eq!(
        health["ports"]["runtime"]["state"],
        serde_json::to_value(RuntimeState::Ready).unwrap()
    );
    // The hub stays usable for other publishers.
    h.hub
        .publish(pryx_core_api::Event::new("x", pryx_core_api::Value::Null));
}

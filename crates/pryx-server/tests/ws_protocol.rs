//! `/ws` protocol over a real socket: hello, subscriptions and filters, live state-change
//! events, request/response, the TUI's commands, and malformed input.

mod ws_support;

use std::time::Duration;

use pryx_core_api::{ApprovalDecision, ApprovalRequest, Value};
use serde_json::{Value as Json, json};
use tokio_tungstenite::tungstenite::Message;
use ws_support::WsHost;

fn names(frames: &[Json]) -> Vec<String> {
    frames
        .iter()
        .map(|f| f["event"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn hello_comes_first_with_server_protocol_and_position() {
    let h = WsHost::start().await;
    h.publish("a", json!(null));
    h.publish("b", json!(null));
    let (_client, hello) = h.connect_hello("").await;
    assert_eq!(hello["server"]["name"], "pryx-host");
    assert_eq!(hello["server"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["last_seq"], 2);
    assert_eq!(hello["subscriptions"], json!(["*"]));
    assert_eq!(hello["epoch"].as_str().unwrap(), h.hub.epoch());
    assert_eq!(hello["limits"]["max_message_bytes"], 64 * 1024);
}

#[tokio::test]
async fn a_config_patch_reaches_a_subscriber_and_other_families_do_not() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("").await;
    client
        .send(json!({"type": "subscribe", "events": ["config.*"], "replace": true, "id": 1}))
        .await;
    let ack = client.next().await;
    assert_eq!(
        ack,
        json!({"type": "subscriptions", "id": 1, "subscriptions": ["config.*"]})
    );

    let patch = |model: &str| {
        h.http
            .patch(h.url("/api/v1/config"))
            .json(&json!({ "model_name": model }))
            .send()
    };
    assert_eq!(patch("gpt-4o").await.unwrap().status(), 200);
    let event = client.next().await;
    assert_eq!(event["type"], "event");
    assert_eq!(event["event"], "config.changed");
    assert_eq!(event["version"], 1);
    assert!(event["seq"].as_u64().unwrap() >= 1);
    assert_eq!(event["payload"]["changed"], json!(["model_name"]));
    let ts = event["timestamp"].as_str().unwrap();
    assert!(
        ts.ends_with('Z') && ts.len() == 24,
        "RFC 3339 UTC millis: {ts}"
    );
    assert!(event.get("session_id").is_none(), "no session: {event}");

    // A skill toggle publishes skills.changed, which this client did not subscribe to.
    let res = h
        .http
        .post(h.url("/api/v1/skills/weather/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(patch("gpt-4.1").await.unwrap().status(), 200);
    let next = client.next().await;
    assert_eq!(
        next["event"], "config.changed",
        "skills.changed leaked: {next}"
    );
    assert!(next["seq"].as_u64() > event["seq"].as_u64().map(|s| s + 1));
}

#[tokio::test]
async fn prefix_and_exact_patterns_from_the_query_select_events() {
    let h = WsHost::start().await;
    let (mut client, hello) = h.connect_hello("?event=tool.*&event=health").await;
    assert_eq!(hello["subscriptions"], json!(["tool.*", "health"]));
    for name in [
        "tool.request",
        "toolbox.opened",
        "tool",
        "health",
        "health.detail",
        "session.message",
        "tool.complete",
    ] {
        h.publish(name, json!({}));
    }
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(client.next_event().await);
    }
    assert_eq!(
        names(&got),
        ["tool.request", "tool", "health", "tool.complete"]
    );
    client.expect_silence(200).await;
}

#[tokio::test]
async fn comma_separated_events_and_session_filters_combine() {
    let h = WsHost::start().await;
    let (mut client, _) = h
        .connect_hello("?event=session.message,approval.needed&session_id=s1")
        .await;
    h.publish_in("session.message", "s2");
    h.publish_in("session.message", "s1");
    h.publish("approval.needed", json!({"approval_id": "apr-1"}));
    h.publish_in("session.typing", "s1");
    let first = client.next_event().await;
    assert_eq!(
        (&first["event"], &first["session_id"]),
        (&json!("session.message"), &json!("s1"))
    );
    let second = client.next_event().await;
    assert_eq!(
        second["event"], "approval.needed",
        "sessionless events pass"
    );
    client.expect_silence(200).await;
}

#[tokio::test]
async fn unsubscribe_stops_delivery() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=a&event=b").await;
    client
        .send(json!({"type": "unsubscribe", "events": "a"}))
        .await;
    assert_eq!(client.next().await["subscriptions"], json!(["b"]));
    h.publish("a", json!(1));
    h.publish("b", json!(2));
    assert_eq!(client.next_event().await["event"], "b");
}

#[tokio::test]
async fn requests_are_answered_by_id_with_codes() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    let health = client.request(json!("h"), "health", json!(null)).await;
    assert_eq!(health["result"]["ports"]["runtime"]["state"], "ready");

    let skills = client.request(json!(2), "skills.list", json!({})).await;
    assert!(skills["result"]["skills"].as_array().unwrap().len() >= 2);

    let missing = client
        .request(json!(3), "skills.enable", json!({"id": "nope"}))
        .await;
    assert_eq!(missing["error"]["code"], "skill_not_found");
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );

    let bad = client
        .request(json!(4), "config.patch", json!({"nope": 1}))
        .await;
    assert_eq!(bad["error"]["code"], "invalid_params");

    let read = client.request(json!(5), "config.get", json!(null)).await;
    let revision = read["result"]["revision"].as_str().unwrap().to_owned();
    let stale = client
        .request(
            json!(6),
            "config.patch",
            json!({"patch": {"model_name": "x"}, "revision": "not-it"}),
        )
        .await;
    assert_eq!(stale["error"]["code"], "config_conflict");
    assert_eq!(stale["error"]["details"]["current_revision"], revision);

    let patched = client
        .request(
            json!(7),
            "config.patch",
            json!({"patch": {"model_name": "x"}, "revision": revision}),
        )
        .await;
    assert_eq!(patched["result"]["config"]["model_name"], "x");

    let providers = client
        .request(json!(8), "providers.list", json!(null))
        .await;
    assert!(providers["result"]["providers"].is_array());
    let tools = client.request(json!(9), "mcp.tools", json!(null)).await;
    assert!(tools["result"]["tools"].is_array());
}

#[tokio::test]
async fn concurrent_requests_are_matched_by_id() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    for id in 0..10 {
        let method = if id % 2 == 0 { "health" } else { "skills.list" };
        client
            .send(json!({"type": "request", "id": id, "method": method}))
            .await;
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        let frame = client.next().await;
        let id = frame["id"].as_i64().unwrap();
        let key = if id % 2 == 0 { "ports" } else { "skills" };
        assert!(frame["result"].get(key).is_some(), "{frame}");
        seen.push(id);
    }
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn tui_commands_are_forwarded_to_the_runtime_and_answered() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    client
        .send(
            json!({"event": "chat.send", "session_id": "sess-0001", "payload": {"content": "hi"}}),
        )
        .await;
    let answer = client.next().await;
    assert_eq!(answer["type"], "result");
    assert_eq!(answer["event"], "chat.send");
    assert_eq!(answer["session_id"], "sess-0001");
    assert_eq!(answer["result"]["accepted"], true, "{answer}");
    let calls = h.adapters.runtime.calls();
    let expected = Value::map([
        ("content", Value::from("hi")),
        ("session_id", Value::from("sess-0001")),
    ]);
    assert_eq!(calls, [("chat.send".to_owned(), expected)]);

    client
        .send(json!({"type": "sessions.list", "id": "l"}))
        .await;
    let sessions = client.next().await;
    assert_eq!(
        (&sessions["type"], &sessions["id"]),
        (&json!("result"), &json!("l"))
    );
    assert!(sessions["result"]["sessions"].is_array(), "{sessions}");
    // The shape the runtime's old socket answered with, which the TUI reads.
    assert_eq!(sessions["payload"], sessions["result"]);

    // A runtime error comes back as the command's error.
    client
        .send(json!({"event": "chat.send", "session_id": "nope", "payload": {"content": "hi"}}))
        .await;
    let failed = client.next().await;
    assert_eq!(failed["error"]["code"], "runtime_error", "{failed}");
    assert_eq!(failed["error"]["details"]["runtime_code"], -32004);

    // An id-matched request is passed through as well.
    let unknown = client.request(json!(1), "no.such.method", json!({})).await;
    assert_eq!(unknown["error"]["code"], "runtime_error");
    assert_eq!(h.adapters.runtime.calls().len(), 4);

    h.adapters.runtime.set_down(true);
    let down = client.request(json!(2), "sessions.list", json!({})).await;
    assert_eq!(down["error"]["code"], "runtime_unavailable");
}

#[tokio::test]
async fn an_unknown_message_type_is_refused_not_forwarded() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    for message in [
        json!({"type": "config.save", "id": 5, "payload": {"workspace": "w"}}),
        json!({"event": "admin.shutdown"}),
        json!({"type": "initialize"}),
        json!({"type": "event", "event": "debug.echo", "payload": {}}),
    ] {
        client.send(message.clone()).await;
        let answer = client.next().await;
        assert_eq!(answer["type"], "error", "{message}: {answer}");
        assert_eq!(answer["error"]["code"], "unknown_type", "{answer}");
    }
    client.send(json!({"type": "ping", "id": 9})).await;
    assert_eq!(
        client.next().await["type"],
        "pong",
        "the connection stays open"
    );
    assert!(
        h.adapters.runtime.calls().is_empty(),
        "nothing reached the runtime: {:?}",
        h.adapters.runtime.calls()
    );
}

#[tokio::test]
async fn the_tuis_current_chat_screen_messages_are_understood() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    client
        .send(json!({"type": "chat.message", "sessionId": "sess-0001", "content": "hi"}))
        .await;
    let answer = client.next().await;
    assert_eq!(
        (&answer["type"], &answer["event"]),
        (&json!("result"), &json!("chat.send"))
    );
    let expected = Value::map([
        ("content", Value::from("hi")),
        ("session_id", Value::from("sess-0001")),
    ]);
    // The TUI's `chat.message` reaches the runtime as the method it implements.
    assert_eq!(
        h.adapters.runtime.calls(),
        [("chat.send".to_owned(), expected)]
    );
    client
        .send(json!({"type": "approval.response", "sessionId": "s1", "approvalId": "apr-7", "approved": false}))
        .await;
    assert_eq!(client.next().await["error"]["code"], "approval_not_found");
}

#[tokio::test]
async fn approvals_are_announced_and_resolved_over_the_socket() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=approval.*").await;
    client
        .send(json!({"type": "approval.resolve", "approval_id": "apr-999", "approved": true}))
        .await;
    let unknown = client.next().await;
    assert_eq!(unknown["type"], "result");
    assert_eq!(unknown["error"]["code"], "approval_not_found");
    let unknown = client
        .request(
            json!(1),
            "approval.resolve",
            json!({"approval_id": "apr-998", "approved": false}),
        )
        .await;
    assert_eq!(unknown["error"]["code"], "approval_not_found");

    let approvals = h.approvals.clone();
    let waiting = tokio::spawn(async move {
        let request = ApprovalRequest {
            session_id: Some("s1".into()),
            tool: Some("fs:write".into()),
            description: "write a file".into(),
            intent: None,
            args: Value::Null,
        };
        approvals.request(request, Duration::from_secs(10)).await
    });
    let needed = client.next_event().await;
    assert_eq!(needed["event"], "approval.needed");
    let id = needed["payload"]["approval_id"].clone();
    let listed = client
        .request(json!(2), "approvals.list", json!(null))
        .await;
    assert_eq!(listed["result"]["approvals"][0]["approval_id"], id);
    client
        .send(
            json!({"event": "approval.resolve", "payload": {"approval_id": id, "approved": true}}),
        )
        .await;
    loop {
        let frame = client.next().await;
        if frame["type"] == "result" {
            assert_eq!(frame["result"]["approved"], true, "{frame}");
            break;
        }
    }
    assert_eq!(waiting.await.unwrap(), ApprovalDecision::Approved);
    let resolved = client.next_event().await;
    assert_eq!(resolved["event"], "approval.resolved");
}

#[tokio::test]
async fn malformed_messages_get_error_frames_and_the_connection_survives() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=nothing").await;
    let cases = [
        ("{", "invalid_json"),
        ("[1,2]", "invalid_message"),
        (r#"{"type":"request","method":"health"}"#, "invalid_message"),
        (
            r#"{"type":"subscribe","events":["not valid!"]}"#,
            "invalid_message",
        ),
        (r#"{"payload":{}}"#, "invalid_message"),
    ];
    for (text, code) in cases {
        client.send_raw(Message::text(text)).await;
        let frame = client.next().await;
        assert_eq!(frame["type"], "error", "{text}");
        assert_eq!(frame["error"]["code"], code, "{text}");
    }
    client.send_raw(Message::binary(vec![1, 2, 3])).await;
    assert_eq!(client.next().await["error"]["code"], "unsupported_message");
    client.send(json!({"type": "ping", "id": 9})).await;
    assert_eq!(client.next().await, json!({"type": "pong", "id": 9}));
}

#[tokio::test]
async fn a_plain_get_or_a_bad_filter_is_a_json_error() {
    let h = WsHost::start().await;
    let res = h.http.get(h.url("/ws")).send().await.unwrap();
    assert!(res.status().is_client_error());
    let body: Json = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "websocket_required");
    let err = tokio_tungstenite::connect_async(h.ws_request("?event=a%20b"))
        .await
        .unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(res) = err else {
        panic!("expected an HTTP refusal, got {err}")
    };
    assert_eq!(res.status(), 400);
    let body: Json = serde_json::from_slice(res.body().as_deref().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "invalid_query");
}

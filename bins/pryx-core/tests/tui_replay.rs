//! The upstream TUI's own HTTP calls and `/ws` frames (`tests/fixtures/tui-calls.json`, written
//! from `apps/tui/src`), replayed against the real `pryx-core` binary supervising the real
//! reference runtime. The only thing added to what the TUI sends is `Authorization: Bearer`;
//! each answer is checked for what the TUI reads from it.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::reference_runtime;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CALLS: &str = include_str!("fixtures/tui-calls.json");

/// The host supervising the reference runtime, and a client that sends only what the TUI
/// sends (the token is added per call).
struct Host {
    /// Held for its `Drop`, which stops the host.
    _host: common::Host,
    addr: String,
    token: String,
    client: reqwest::Client,
}

impl Host {
    fn start(data_dir: &Path) -> Self {
        let host = common::Host::with_runtime(data_dir, &reference_runtime(), &[], &[]);
        let token = std::fs::read_to_string(data_dir.join("admin.token"))
            .unwrap()
            .trim()
            .to_owned();
        Self {
            addr: host.base.trim_start_matches("http://").to_owned(),
            _host: host,
            token,
            client: reqwest::Client::new(),
        }
    }

    /// Sends one of the TUI's HTTP calls as it does (`fetch` sends `Accept: */*`), plus the
    /// token. Returns `res.ok`, the status and the JSON body (every answer must be JSON).
    async fn replay(&self, call: &Value, fill: &[(&str, &str)]) -> (bool, u16, Value) {
        let call = filled(call, fill);
        let url = format!("http://{}{}", self.addr, call["path"].as_str().unwrap());
        let method = call["method"].as_str().unwrap().parse().unwrap();
        let mut req = self
            .client
            .request(method, url)
            .header("accept", "*/*")
            .bearer_auth(&self.token);
        if let Some(body) = call.get("body") {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("application/json"), "{call}: {kind}");
        (
            status.is_success(),
            status.as_u16(),
            res.json().await.unwrap(),
        )
    }
}

/// `value` with every `{name}` in its strings replaced.
fn filled(value: &Value, fill: &[(&str, &str)]) -> Value {
    let mut text = value.to_string();
    for (name, with) in fill {
        text = text.replace(&format!("{{{name}}}"), with);
    }
    serde_json::from_str(&text).unwrap()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads frames as the TUI does (parse, dispatch on `event`, ignore the rest) until one
/// satisfies `wanted`; panics after 10 s.
async fn until(ws: &mut Socket, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {what} within 10 s"))
            .expect("socket open")
            .unwrap();
        if let Message::Text(text) = frame {
            let evt: Value = serde_json::from_str(&text).unwrap();
            assert_ne!(evt["type"], "error", "the host refused a TUI frame: {evt}");
            if wanted(&evt) {
                return evt;
            }
        }
    }
}

#[tokio::test]
async fn the_tui_works_against_the_host_with_only_the_token_added() {
    let calls: Value = serde_json::from_str(CALLS).unwrap();
    let (http, frames) = (&calls["http"], &calls["ws"]);
    let dir = tempfile::tempdir().unwrap();
    let skill = dir.path().join("skills/notes");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: notes\ndescription: Take notes\n---\nbody\n",
    )
    .unwrap();
    let host = Host::start(dir.path());

    // health-check.ts: Ready (not Setup Required) once `providers` lists one.
    let deadline = Instant::now() + Duration::from_secs(10);
    let health = loop {
        let (ok, _, health) = host.replay(&http["health"], &[]).await;
        assert!(ok);
        if health["providers"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
        {
            break health;
        }
        assert!(Instant::now() < deadline, "never ready: {health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        health["providers"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string)
    );
    assert_eq!(health["cloud_logged_in"], false);

    // skills-api.ts: list, toggle; install is not served and says so in JSON.
    let (ok, _, skills) = host.replay(&http["skills"], &[]).await;
    assert!(ok);
    let notes = skills["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "notes")
        .unwrap_or_else(|| panic!("{skills}"));
    assert!(notes["name"].is_string() && notes["description"].is_string());
    let fill = [("skill", "notes")];
    assert!(host.replay(&http["skill_disable"], &fill).await.0);
    assert!(host.replay(&http["skill_enable"], &fill).await.0);
    let (ok, status, body) = host.replay(&http["skill_install"], &fill).await;
    assert!(!ok && status == 501, "{body}");
    assert_eq!(body["error"]["code"], "not_implemented");

    // provider-service.ts: providers, their models, and the key status of each one that needs
    // a key (the Providers screen loops over them; one failure empties it).
    let (ok, _, providers) = host.replay(&http["providers"], &[]).await;
    assert!(ok);
    let providers = providers["providers"].as_array().unwrap().clone();
    assert!(!providers.is_empty());
    for p in &providers {
        let id = p["id"].as_str().unwrap();
        assert!(
            p["name"].is_string() && p["requires_api_key"].is_boolean(),
            "{p}"
        );
        let (ok, _, models) = host
            .replay(&http["provider_models"], &[("provider", id)])
            .await;
        assert!(ok && models["models"].is_array(), "{models}");
        if p["requires_api_key"] == true {
            let (ok, _, key) = host
                .replay(&http["provider_key"], &[("provider", id)])
                .await;
            assert!(ok, "{id}: {key}");
            assert!(key["configured"].is_boolean(), "{key}");
        }
    }
    let (ok, status, body) = host
        .replay(&http["provider_key_set"], &[("provider", "openai")])
        .await;
    assert!(!ok && status == 405, "{body}");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    assert!(
        !body.to_string().contains("sk-replay"),
        "the key is not echoed"
    );

    // mcp.ts: not served; an error the screen shows, not an HTML page read as an empty list.
    for name in ["mcp_custom", "mcp_curated"] {
        let (ok, _, body) = host.replay(&http[name], &[]).await;
        assert!(!ok, "{name}");
        assert_eq!(body["error"]["code"], "not_implemented");
    }

    // ws.ts: `<api url>/ws`, with the token as the only addition.
    let mut req = format!("ws://{}/ws", host.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", host.token).parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let send = |frame: Value| Message::Text(frame.to_string().into());

    // SessionExplorer.tsx: waits for `event == "sessions.list"`, reads `payload.sessions`.
    ws.send(send(frames["sessions_list"].clone()))
        .await
        .unwrap();
    let listed = until(&mut ws, "sessions.list", |e| e["event"] == "sessions.list").await;
    assert!(listed["payload"]["sessions"].is_array(), "{listed}");

    // Chat.tsx: `chat.message` with its own session id; approve the tool; the reply streams.
    let session = format!("tui-replay-{}", std::process::id());
    let fill = [("session", session.as_str())];
    ws.send(send(filled(&frames["chat"], &fill))).await.unwrap();
    let needed = until(&mut ws, "approval.needed", |e| {
        e["event"] == "approval.needed"
    })
    .await;
    assert_eq!(needed["session_id"], session.as_str());
    let approval = needed["payload"]["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(needed["payload"]["reason"].is_string() && needed["payload"]["tool"].is_string());
    let fill = [
        ("session", session.as_str()),
        ("approval", approval.as_str()),
    ];
    ws.send(send(filled(&frames["approve"], &fill)))
        .await
        .unwrap();
    let done = until(&mut ws, "tool.complete", |e| e["event"] == "tool.complete").await;
    assert!(
        done["payload"]["result"].is_string(),
        "the TUI renders tool.complete's result as text: {done}"
    );
    let mut reply = String::new();
    loop {
        let chunk = until(&mut ws, "session.message", |e| {
            e["event"] == "session.message"
        })
        .await;
        reply.push_str(chunk["payload"]["content"].as_str().unwrap());
        if chunk["payload"]["done"] == true {
            break;
        }
    }
    assert!(reply.contains("README.md"), "{reply}");

    // SessionExplorer.tsx again: every session has the `title` and `updatedAt` it renders.
    ws.send(send(frames["sessions_list"].clone()))
        .await
        .unwrap();
    let listed = until(&mut ws, "sessions.list", |e| e["event"] == "sessions.list").await;
    let sessions = listed["payload"]["sessions"].as_array().unwrap();
    let mine = sessions
        .iter()
        .find(|s| s["id"] == session.as_str())
        .unwrap_or_else(|| panic!("{listed}"));
    for s in sessions {
        assert!(s["title"].is_string() && s["updatedAt"].is_string(), "{s}");
    }
    assert!(mine["updatedAt"].as_str().unwrap().ends_with('Z'));
    ws.send(send(filled(
        &frames["session_resume"],
        &[("session", session.as_str())],
    )))
    .await
    .unwrap();
    let resumed = until(&mut ws, "session.resume", |e| {
        e["event"] == "session.resume"
    })
    .await;
    let messages = resumed["payload"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "the question and the reply: {resumed}");
    assert_eq!(json!(messages[0]["role"]), json!("user"));
}

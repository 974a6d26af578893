//! Nothing secret leaves the host over `/ws`, whoever produced it: the runtime's answers to
//! forwarded calls, events the runtime (or anyone) publishes, approval requests. Real socket,
//! the testkit's FixtureRuntime behind the host.

mod ws_support;

use std::time::Duration;

use pryx_core_api::{ApprovalRequest, ApprovalService, Event, EventPublisher};
use pryx_server::{Adapters, AdminToken, EventHub, Host as PryxHost, RunningHost, SecurityPolicy};
use pryx_testkit::Fixture;
use serde_json::{Value as Json, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use ws_support::{Client, to_value};

const OPENAI: &str = "sk-proj-0123456789abcdefghijKLMNOP";
const GITHUB: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const HOOK_TOKEN: &str = "t0ps3cr3tw3bh00k";
const URL_PASSWORD: &str = "hunter2hunter2";
const BOT_TOKEN: &str = "123456789:fixture-telegram-bot-token";

/// Every secret this suite plants.
const SECRETS: &[&str] = &[OPENAI, GITHUB, HOOK_TOKEN, URL_PASSWORD, BOT_TOKEN, "4711"];

fn assert_no_secret(frame: &Json) {
    let text = frame.to_string();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} left the host: {text}");
    }
}

struct Host {
    _host: RunningHost,
    hub: std::sync::Arc<EventHub>,
    approvals: ApprovalService,
    addr: std::net::SocketAddr,
    token: AdminToken,
}

impl Host {
    async fn start(fixture: Fixture) -> Self {
        let t = fixture.adapters();
        let hub = EventHub::new(64);
        let approvals = ApprovalService::new(hub.clone());
        let token = AdminToken::generate();
        let adapters = Adapters {
            config: t.config.clone(),
            skills: t.skills.clone(),
            runtime: t.runtime.clone(),
            telemetry: t.telemetry.clone(),
        };
        let host = PryxHost::builder(adapters)
            .bind("127.0.0.1:0".parse().unwrap())
            .event_hub(hub.clone())
            .security(SecurityPolicy::new(token.clone()))
            .approvals(approvals.clone())
            .start()
            .await
            .expect("host starts");
        Self {
            addr: host.local_addr(),
            _host: host,
            hub,
            approvals,
            token,
        }
    }

    async fn connect(&self, query: &str) -> Client {
        let mut request = format!("ws://{}/ws{query}", self.addr)
            .into_client_request()
            .unwrap();
        let bearer = format!("Bearer {}", self.token.expose());
        request
            .headers_mut()
            .insert("authorization", bearer.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        let mut client = Client { ws };
        assert_eq!(client.next().await["type"], "hello");
        client
    }
}

#[tokio::test]
async fn a_forwarded_runtime_answer_is_redacted() {
    let sessions = vec![to_value(json!({
        "id": "s1",
        "title": format!("deploy with {OPENAI}"),
        "auth": {"type": "basic", "pwd": 4711},
        "openai_key": OPENAI,
        "webhook_url": format!("https://hooks.example/in?token={HOOK_TOKEN}"),
        "mirror": format!("https://me:{URL_PASSWORD}@git.example/r.git"),
        "tokens": 1200,
        "requires_api_key": true,
    }))];
    let h = Host::start(Fixture {
        sessions,
        ..Fixture::default()
    })
    .await;
    let mut client = h.connect("").await;
    let answer = client.request(json!(1), "sessions.list", json!({})).await;
    assert!(answer["result"].is_object(), "{answer}");
    assert_no_secret(&answer);
    let session = &answer["result"]["sessions"][0];
    assert_eq!(session["id"], "s1");
    assert_eq!(session["title"], "deploy with <redacted>");
    assert_eq!(session["openai_key"], "<redacted>");
    assert_eq!(session["auth"]["pwd"], "<redacted>");
    assert_eq!(session["webhook_url"], "<redacted>");
    assert_eq!(session["mirror"], "<redacted>");
    assert_eq!(session["tokens"], 1200, "a count is not a secret");
    assert_eq!(session["requires_api_key"], true);
}

#[tokio::test]
async fn events_published_by_the_runtime_are_redacted_live_and_on_replay() {
    let h = Host::start(Fixture::default()).await;
    let mut client = h.connect("").await;
    // What a runtime adapter does with the runtime's `event.publish`: straight into the hub.
    let mut message = Event::new(
        "session.message",
        to_value(json!({"content": format!("your key is {GITHUB} "), "done": false})),
    );
    message.session_id = Some("s1".into());
    h.hub.publish(message);
    h.hub.publish(Event::new(
        "runtime.config",
        to_value(
            json!({"config": {"channels": {"telegram": {"bot_token": BOT_TOKEN}},
                                   "providers": {"openai": {"key": OPENAI}}}}),
        ),
    ));

    let first = client.next_event().await;
    assert_eq!(first["event"], "session.message");
    assert_eq!(first["session_id"], "s1");
    assert_eq!(first["payload"]["content"], "your key is <redacted> ");
    let second = client.next_event().await;
    assert_eq!(
        second["payload"]["config"]["providers"]["openai"]["key"],
        "<redacted>"
    );
    assert_no_secret(&first);
    assert_no_secret(&second);

    // A client that catches up later gets the same redacted events from the replay buffer.
    let mut late = h.connect("?last_seq=0").await;
    assert_eq!(late.next_event().await, first);
    assert_eq!(late.next_event().await, second);
}

#[tokio::test]
async fn an_approval_request_is_redacted_in_its_event_and_its_listing() {
    let h = Host::start(Fixture::default()).await;
    let mut client = h.connect("").await;
    let approvals = h.approvals.clone();
    let waiting = tokio::spawn(async move {
        approvals
            .request(
                ApprovalRequest {
                    session_id: Some("s1".into()),
                    tool: Some("shell".into()),
                    description: format!("run curl -H 'Authorization: Bearer {GITHUB}'"),
                    intent: None,
                    args: to_value(json!({"env": {"OPENAI_API_KEY": OPENAI}, "cwd": "/tmp"})),
                },
                Duration::from_secs(5),
            )
            .await
    });
    let needed = client.next_event().await;
    assert_eq!(needed["event"], "approval.needed");
    assert_no_secret(&needed);
    assert_eq!(needed["payload"]["args"]["cwd"], "/tmp");
    let listed = client.request(json!(3), "approvals.list", json!({})).await;
    assert_no_secret(&listed);
    assert_eq!(
        listed["result"]["approvals"][0]["args"]["env"]["OPENAI_API_KEY"],
        "<redacted>"
    );
    let id = needed["payload"]["approval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.approvals.resolve(&id, false).unwrap();
    waiting.await.unwrap();
}

//! The host's side of the runtime → host methods, without a process.

use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth};

use super::*;
use crate::message::RawValue;

#[derive(Default)]
struct Events(Mutex<Vec<Event>>);
impl EventPublisher for Events {
    fn publish(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

#[derive(Default)]
struct Telemetry(Mutex<Vec<TelemetryRecord>>);
#[async_trait]
impl TelemetrySink for Telemetry {
    fn record(&self, record: TelemetryRecord) {
        self.0.lock().unwrap().push(record);
    }
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("test")
    }
}

struct Fixture {
    handler: HostHandler,
    events: Arc<Events>,
    telemetry: Arc<Telemetry>,
    approvals: ApprovalService,
}

fn fixture(approval_timeout: Duration) -> Fixture {
    let events = Arc::new(Events::default());
    let telemetry = Arc::new(Telemetry::default());
    let approvals = ApprovalService::new(events.clone());
    let handles = HostHandles {
        events: events.clone(),
        approvals: approvals.clone(),
        telemetry: telemetry.clone(),
        updates: pryx_core_api::UpdateService::default(),
    };
    Fixture {
        handler: HostHandler::new(handles, approval_timeout),
        events,
        telemetry,
        approvals,
    }
}

fn params(json: &str) -> Params {
    Params(Some(RawValue::from_string(json.to_owned()).unwrap()))
}

async fn answer(reply: Reply) -> Result<Value, RpcError> {
    match reply {
        Reply::Now(r) => r,
        Reply::Later(f) => f.await,
    }
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

#[tokio::test]
async fn a_permission_request_waits_for_a_person() {
    let f = fixture(Duration::from_secs(5));
    let reply = f.handler.handle(
        "permission.request",
        params(r#"{"description":"run fs:read","intent":"read a file","tool":"fs:read","args":{"path":"/tmp"},"session_id":"s1"}"#),
    );
    let waiting = tokio::spawn(answer(reply));
    while f.approvals.pending().is_empty() {
        tokio::task::yield_now().await;
    }
    let pending = f.approvals.pending();
    assert_eq!(pending[0].request.tool.as_deref(), Some("fs:read"));
    assert_eq!(pending[0].request.session_id.as_deref(), Some("s1"));
    f.approvals.resolve(&pending[0].id, true).unwrap();
    let result = waiting.await.unwrap().unwrap();
    assert_eq!(json(&result), r#"{"approved":true,"timed_out":false}"#);
    let names: Vec<_> = f
        .events
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(names, ["approval.needed", "approval.resolved"]);
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_permission_request_is_denied() {
    let f = fixture(Duration::from_secs(120));
    let reply = f.handler.handle(
        "permission.request",
        params(r#"{"description":"x","intent":"y"}"#),
    );
    let result = answer(reply).await.unwrap();
    assert_eq!(json(&result), r#"{"approved":false,"timed_out":true}"#);
}

#[tokio::test]
async fn events_and_notifications_are_published_and_reserved_names_refused() {
    let f = fixture(Duration::from_secs(1));
    let ok = f.handler.handle(
        "event.publish",
        params(r#"{"event":"session.message","session_id":"s1","payload":{"content":"hi","done":false}}"#),
    );
    assert_eq!(json(&answer(ok).await.unwrap()), "{}");
    let ok = f
        .handler
        .handle("notification.show", params(r#"{"title":"T","body":"B"}"#));
    assert!(answer(ok).await.is_ok());
    for bad in [
        r#"{"event":"approval.needed","payload":{}}"#,
        r#"{"event":"runtime.status"}"#,
        r#"{"event":"health"}"#,
        r#"{"event":"log","payload":{"level":"error","source":"host","message":"spoofed"}}"#,
        r#"{"event":""}"#,
        r#"{"event":"has space"}"#,
        r#"{"payload":{}}"#,
    ] {
        let err = answer(f.handler.handle("event.publish", params(bad)))
            .await
            .unwrap_err();
        assert_eq!(err.code, codes::INVALID_PARAMS, "{bad}");
    }
    let events = f.events.0.lock().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].name, "session.message");
    assert_eq!(events[0].session_id.as_deref(), Some("s1"));
    assert_eq!(json(&events[0].payload), r#"{"content":"hi","done":false}"#);
    assert_eq!(events[1].name, "notification.show");
}

#[tokio::test]
async fn telemetry_is_recorded_with_its_source() {
    let f = fixture(Duration::from_secs(1));
    let reply = f.handler.handle(
        "telemetry.export",
        params(r#"{"records":[{"kind":"metric","name":"llm.tokens","value":42},{"kind":"log","name":"agent.error","value":"boom","attributes":{"model":"x"}}]}"#),
    );
    assert_eq!(json(&answer(reply).await.unwrap()), r#"{"accepted":2}"#);
    {
        let records = f.telemetry.0.lock().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].kind, TelemetryKind::Metric);
        assert_eq!(
            records[1].attributes.get("source"),
            Some(&Value::from("runtime"))
        );
    }
    let bad = f.handler.handle(
        "telemetry.export",
        params(r#"{"records":[{"kind":"trace","name":"x"}]}"#),
    );
    assert_eq!(answer(bad).await.unwrap_err().code, codes::INVALID_PARAMS);
}

#[tokio::test]
async fn updater_clipboard_unknown_and_bad_logs_get_clear_errors() {
    let f = fixture(Duration::from_secs(1));
    let err = answer(f.handler.handle("updater.check", Params(None)))
        .await
        .unwrap_err();
    // The host's updater answers; this one has none configured, and says so with its code.
    assert_eq!(err.code, codes::NOT_AVAILABLE);
    assert!(err.message.contains("not configured"), "{}", err.message);
    assert_eq!(
        err.data
            .as_ref()
            .and_then(|d| d.as_map())
            .and_then(|d| d.get("code")),
        Some(&Value::from("update_not_configured"))
    );
    let err = answer(
        f.handler
            .handle("updater.install", params(r#"{"allow_downgrade":1}"#)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, codes::INVALID_PARAMS);
    let err = answer(f.handler.handle("clipboard.readText", Params(None)))
        .await
        .unwrap_err();
    assert_eq!(err.code, codes::NOT_AVAILABLE);
    let err = answer(f.handler.handle("admin.health", Params(None)))
        .await
        .unwrap_err();
    assert_eq!(err.code, codes::METHOD_NOT_FOUND);
    let ok = f.handler.handle(
        "log",
        params(r#"{"level":"warn","message":"disk almost full","fields":{"free_mb":12}}"#),
    );
    assert!(answer(ok).await.is_ok());
    let err = answer(
        f.handler
            .handle("log", params(r#"{"level":"loud","message":"x"}"#)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, codes::INVALID_PARAMS);
}

//! `docs/ipc-protocol.schema.json` against the messages this crate really sends and answers:
//! every method is in the schema and the prose doc, every sample validates, and broken messages
//! do not.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use boon::{Compiler, SchemaIndex, Schemas};
use pryx_core_api::{
    ApprovalService, CoreError, Event, EventPublisher, McpTool, Model, PortHealth, Provider,
    TelemetryRecord, TelemetrySink, Value,
};
use pryx_ipc::message::{Id, Notification, Params, RawValue, Request, Response, V2};
use pryx_ipc::protocol::*;
use pryx_ipc::{Handler, HostHandler, HostHandles, Reply};
use serde::Serialize;
use serde_json::json;

const SCHEMA_URL: &str = "https://pryx.dev/schemas/ipc-protocol-1.json";
const SCHEMA: &str = include_str!("../../../docs/ipc-protocol.schema.json");
const DOC: &str = include_str!("../../../docs/ipc-protocol.md");

struct Checker {
    compiler: Compiler,
    schemas: Schemas,
    message: SchemaIndex,
    defs: serde_json::Map<String, serde_json::Value>,
}

impl Checker {
    fn new() -> Self {
        let doc: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        let defs = doc["$defs"].as_object().unwrap().clone();
        let mut compiler = Compiler::new();
        compiler.add_resource(SCHEMA_URL, doc).unwrap();
        let mut schemas = Schemas::new();
        let message = compiler.compile(SCHEMA_URL, &mut schemas).unwrap();
        Self {
            compiler,
            schemas,
            message,
            defs,
        }
    }

    fn def(&mut self, name: &str) -> SchemaIndex {
        assert!(
            self.defs.contains_key(name),
            "the schema has no $defs/{name}"
        );
        self.compiler
            .compile(&format!("{SCHEMA_URL}#/$defs/{name}"), &mut self.schemas)
            .unwrap()
    }

    fn valid(&self, index: SchemaIndex, v: &serde_json::Value) -> Result<(), String> {
        self.schemas
            .validate(v, index)
            .map_err(|e| format!("{e:#}"))
    }

    fn message<T: Serialize>(&self, msg: &T) {
        let v = serde_json::to_value(msg).unwrap();
        if let Err(e) = self.valid(self.message, &v) {
            panic!("{v} does not validate: {e}");
        }
    }

    fn not_message(&self, v: serde_json::Value) {
        assert!(
            self.valid(self.message, &v).is_err(),
            "{v} should not validate"
        );
    }

    fn result<T: Serialize>(&mut self, method: &str, result: &T) {
        let index = self.def(&format!("result:{method}"));
        let v = serde_json::to_value(result).unwrap();
        if let Err(e) = self.valid(index, &v) {
            panic!("result of {method}: {v} does not validate: {e}");
        }
        // And wrapped in a response.
        self.message(&Response {
            id: Some(Id::Number(1)),
            outcome: Ok(v),
        });
    }
}

fn request<P: Serialize>(method: &str, params: P) -> Request<P> {
    Request {
        jsonrpc: V2,
        id: Id::Number(7),
        method: method.to_owned(),
        params: Some(params),
    }
}

fn notification<P: Serialize>(method: &str, params: P) -> Notification<P> {
    Notification {
        jsonrpc: V2,
        method: method.to_owned(),
        params: Some(params),
    }
}

#[test]
fn every_method_is_in_the_schema_and_the_doc() {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let listed = schema["x-methods"].to_string();
    let calls = methods::HOST_CALLS.iter().chain(methods::HOST_SERVED);
    for method in calls {
        assert!(
            schema["$defs"].get(format!("params:{method}")).is_some(),
            "params:{method}"
        );
        assert!(
            schema["$defs"].get(format!("result:{method}")).is_some(),
            "result:{method}"
        );
        assert!(
            schema["$defs"].get(format!("is:{method}")).is_some(),
            "is:{method}"
        );
        assert!(
            listed.contains(&format!("\"{method}\"")),
            "x-methods lists {method}"
        );
        assert!(
            DOC.contains(&format!("`{method}`")),
            "the doc describes {method}"
        );
    }
    for method in methods::HOST_NOTIFICATIONS {
        assert!(
            schema["$defs"].get(format!("params:{method}")).is_some(),
            "params:{method}"
        );
        assert!(
            listed.contains(&format!("\"{method}\"")),
            "x-methods lists {method}"
        );
        assert!(
            DOC.contains(&format!("`{method}`")),
            "the doc describes {method}"
        );
    }
    assert!(DOC.contains(PROTOCOL_VERSION));
    assert_eq!(schema["x-protocol-version"], PROTOCOL_VERSION);
}

#[test]
fn what_the_host_sends_validates() {
    let c = Checker::new();
    c.message(&request(
        methods::INITIALIZE,
        InitializeParams {
            protocol_version: PROTOCOL_VERSION.into(),
            host: PeerInfo {
                name: "pryx-core".into(),
                version: "0.1.0".into(),
            },
            capabilities: HostCapabilities {
                methods: methods::HOST_SERVED.iter().map(|m| m.to_string()).collect(),
                max_frame_bytes: 8 << 20,
            },
            data_dir: Some("/home/me/.pryx".into()),
            config_path: Some("/home/me/.pryx/config.yaml".into()),
            config_revision: Some("sha256:abc".into()),
        },
    ));
    for method in [
        methods::SHUTDOWN,
        methods::ADMIN_HEALTH,
        methods::ADMIN_CONFIG_GET,
        methods::ADMIN_SKILLS_LIST,
        methods::ADMIN_MCP_LIST,
        methods::ADMIN_PROVIDERS_LIST,
        methods::SESSIONS_LIST,
    ] {
        c.message(&request(method, json!({})));
    }
    c.message(&request(
        methods::ADMIN_PROVIDERS_MODELS,
        ModelsParams {
            provider_id: "openai".into(),
        },
    ));
    c.message(&notification(
        methods::CONFIG_CHANGED,
        ConfigChangedParams {
            revision: "sha256:abc".into(),
            changed: vec!["model_name".into()],
        },
    ));
    c.message(&notification(
        methods::SKILLS_CHANGED,
        SkillsChangedParams {
            id: "summarize".into(),
            enabled: true,
        },
    ));
    c.message(&request(
        methods::CHAT_SEND,
        json!({"session_id": "s1", "content": "hi"}),
    ));
    c.message(&request(
        methods::SESSION_RESUME,
        json!({"session_id": "s1"}),
    ));
}

#[test]
fn what_the_runtime_answers_and_sends_validates() {
    let mut c = Checker::new();
    c.result(
        methods::INITIALIZE,
        &InitializeResult {
            protocol_version: "1.0".into(),
            runtime: PeerInfo {
                name: "pryx-runtime".into(),
                version: "2.3.0".into(),
            },
            capabilities: RuntimeCapabilities {
                methods: vec!["admin.health".into()],
                events: vec!["session.message".into()],
            },
        },
    );
    c.result(methods::SHUTDOWN, &json!({}));
    c.result(
        methods::ADMIN_HEALTH,
        &json!({"status": "ok", "providers": ["openai"], "cloud_logged_in": false}),
    );
    c.result(
        methods::ADMIN_CONFIG_GET,
        &json!({"model_provider": "ollama"}),
    );
    c.result(
        methods::ADMIN_SKILLS_LIST,
        &json!({"skills": [{"id": "summarize", "enabled": true}]}),
    );
    c.result(
        methods::ADMIN_MCP_LIST,
        &McpToolsResult {
            tools: vec![McpTool {
                name: "fs:read_file".into(),
                title: Some("Read file".into()),
                description: None,
                input_schema: Some(Value::map([("type", Value::from("object"))])),
                output_schema: None,
            }],
        },
    );
    c.result(
        methods::ADMIN_PROVIDERS_LIST,
        &ProvidersResult {
            providers: vec![Provider {
                id: "openai".into(),
                name: "OpenAI".into(),
                requires_api_key: true,
                configured: false,
            }],
        },
    );
    c.result(
        methods::ADMIN_PROVIDERS_MODELS,
        &ModelsResult {
            models: vec![Model {
                id: "gpt-4o".into(),
                name: "GPT-4o".into(),
            }],
        },
    );
    c.result(
        methods::CHAT_SEND,
        &json!({"accepted": true, "session_id": "s1"}),
    );
    c.result(methods::SESSIONS_LIST, &json!({"sessions": [{"id": "s1"}]}));
    c.result(methods::SESSION_RESUME, &json!({"session_id": "s1"}));
    // Go runtimes encode an empty list as `null`; the host reads it as none.
    c.result(methods::ADMIN_MCP_LIST, &json!({"tools": null}));

    c.message(&request(
        methods::PERMISSION_REQUEST,
        PermissionRequestParams {
            description: "Allow tool call: fs:read_file".into(),
            intent: Some("read the README".into()),
            tool: Some("fs:read_file".into()),
            args: Value::map([("path", Value::from("README.md"))]),
            session_id: Some("s1".into()),
        },
    ));
    // Today's runtime sends only these two fields.
    c.message(&request(
        methods::PERMISSION_REQUEST,
        json!({"description": "Allow tool call: x", "intent": "because"}),
    ));
    c.message(&request(
        methods::NOTIFICATION_SHOW,
        NotificationShowParams {
            title: "Done".into(),
            body: "The task finished".into(),
        },
    ));
    c.message(&request(methods::UPDATER_CHECK, json!({})));
    c.message(&request(methods::UPDATER_INSTALL, json!({})));
    c.message(&request(
        methods::CLIPBOARD_WRITE_TEXT,
        json!({"text": "x"}),
    ));
    c.message(&request(methods::CLIPBOARD_READ_TEXT, json!({})));
    let event = EventPublishParams {
        event: "session.message".into(),
        session_id: Some("s1".into()),
        payload: Value::map([("content", Value::from("hi")), ("done", Value::Bool(false))]),
    };
    c.message(&request(methods::EVENT_PUBLISH, &event));
    c.message(&notification(methods::EVENT_PUBLISH, &event));
    let telemetry = TelemetryExportParams {
        records: vec![WireTelemetryRecord {
            kind: "metric".into(),
            name: "llm.tokens".into(),
            value: Value::Int(42),
            attributes: Default::default(),
        }],
    };
    c.message(&notification(methods::TELEMETRY_EXPORT, &telemetry));
    c.message(&notification(
        methods::LOG,
        LogParams {
            level: "warn".into(),
            message: "disk almost full".into(),
            fields: Value::map([("free_mb", Value::Int(12))]),
        },
    ));
}

#[derive(Default)]
struct Sink;
impl EventPublisher for Sink {
    fn publish(&self, _event: Event) {}
}
#[async_trait]
impl TelemetrySink for Sink {
    fn record(&self, _record: TelemetryRecord) {}
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("test")
    }
}

#[tokio::test(start_paused = true)]
async fn what_the_host_answers_validates() {
    let mut c = Checker::new();
    let sink = Arc::new(Sink);
    let handler = HostHandler::new(
        HostHandles {
            events: sink.clone(),
            approvals: ApprovalService::new(sink.clone()),
            telemetry: sink,
            updates: pryx_core_api::UpdateService::default(),
        },
        Duration::from_secs(1),
    );
    let calls = [
        (methods::PERMISSION_REQUEST, json!({"description": "x"})),
        (
            methods::NOTIFICATION_SHOW,
            json!({"title": "t", "body": "b"}),
        ),
        (
            methods::EVENT_PUBLISH,
            json!({"event": "tool.executing", "payload": {}}),
        ),
        (
            methods::TELEMETRY_EXPORT,
            json!({"records": [{"kind": "log", "name": "x", "value": "y"}]}),
        ),
        (methods::LOG, json!({"level": "info", "message": "m"})),
        (methods::UPDATER_CHECK, json!({})),
        (methods::UPDATER_INSTALL, json!({})),
        (methods::CLIPBOARD_WRITE_TEXT, json!({"text": "x"})),
        (methods::CLIPBOARD_READ_TEXT, json!({})),
        ("no.such.method", json!({})),
    ];
    for (method, params) in calls {
        let raw = RawValue::from_string(params.to_string()).unwrap();
        let outcome = match handler.handle(method, Params(Some(raw))) {
            Reply::Now(outcome) => outcome,
            Reply::Later(fut) => fut.await,
        };
        if let Ok(result) = &outcome {
            c.result(method, result);
        }
        c.message(&Response {
            id: Some(Id::Number(3)),
            outcome,
        });
    }
    // While the host stops the runtime, approval requests are denied with a reason.
    handler.deny_waiting("the host is shutting down");
    let raw = RawValue::from_string(json!({"description": "x"}).to_string()).unwrap();
    let Reply::Now(Ok(denied)) = handler.handle(methods::PERMISSION_REQUEST, Params(Some(raw)))
    else {
        panic!("a request while stopping is answered at once");
    };
    c.result(methods::PERMISSION_REQUEST, &denied);
    let denied: PermissionResult = serde_json::from_value(serde_json::to_value(&denied).unwrap())
        .expect("the denial has the documented shape");
    assert!(!denied.approved);
    assert_eq!(denied.reason.as_deref(), Some("the host is shutting down"));
}

#[test]
fn the_schema_reserves_exactly_the_event_names_the_host_refuses() {
    let c = Checker::new();
    for reserved in pryx_ipc::host::RESERVED_EVENTS {
        let name = if reserved.ends_with('.') {
            format!("{reserved}anything")
        } else {
            (*reserved).to_owned()
        };
        c.not_message(
            json!({"jsonrpc": "2.0", "method": "event.publish", "params": {"event": name}}),
        );
    }
    c.message(&notification(
        methods::EVENT_PUBLISH,
        json!({"event": "healthy.tick"}),
    ));
}

#[test]
fn approval_resolve_goes_host_to_runtime_only_and_has_a_schema() {
    // One truth: the host answers the approvals it holds and forwards `approval.resolve` for
    // the others; a runtime never calls it on the host.
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let to_runtime = &schema["x-methods"]["host-to-runtime"]["requests"];
    assert!(
        to_runtime
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "approval.resolve")
    );
    assert!(
        !schema["x-methods"]["runtime-to-host"]
            .to_string()
            .contains("approval.resolve")
    );
    assert!(schema["$defs"].get("params:approval.resolve").is_some());
    assert!(!methods::HOST_CALLS.contains(&methods::APPROVAL_RESOLVE));
    let c = Checker::new();
    c.message(&json!({"jsonrpc": "2.0", "id": 4, "method": "approval.resolve", "params": {"approval_id": "apr-1", "approved": true}}));
    c.not_message(json!({"jsonrpc": "2.0", "id": 4, "method": "approval.resolve", "params": {"approval_id": "apr-1"}}));
    c.message(
        &json!({"jsonrpc": "2.0", "id": 5, "method": "session.create", "params": {"title": "t"}}),
    );
}

#[test]
fn broken_messages_do_not_validate() {
    let c = Checker::new();
    c.not_message(json!({"jsonrpc": "1.0", "id": 1, "method": "admin.health"}));
    c.not_message(
        json!({"jsonrpc": "2.0", "id": 1, "method": "admin.providers.models", "params": {}}),
    );
    c.not_message(json!({"jsonrpc": "2.0", "id": 1, "method": "admin.health", "params": [1]}));
    c.not_message(
        json!({"jsonrpc": "2.0", "id": 1, "result": 1, "error": {"code": 1, "message": "x"}}),
    );
    c.not_message(json!({"jsonrpc": "2.0", "method": "event.publish", "params": {"event": "approval.needed"}}));
    c.not_message(
        json!({"jsonrpc": "2.0", "method": "log", "params": {"level": "loud", "message": "x"}}),
    );
    c.not_message(json!({"jsonrpc": "2.0", "id": 2, "method": "permission.request", "params": {"intent": "no description"}}));
    c.not_message(json!({"jsonrpc": "2.0", "id": {"x": 1}, "result": {}}));
    c.not_message(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocol_version": "one", "host": {"name": "h", "version": "1"}, "capabilities": {"methods": [], "max_frame_bytes": 1}}}));
}

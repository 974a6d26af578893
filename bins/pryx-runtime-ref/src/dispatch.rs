//! Answers what the host sends: the handshake, the admin methods, forwarded client calls and
//! notifications; applies the misbehaviour switches.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Options;
use crate::fixture::Fixture;
use crate::io::Out;

/// Lines `--garbage` writes between answers: plain text, broken JSON, JSON that is not a
/// message, answers to calls that do not exist, bytes that are not UTF-8.
const GARBAGE: &[&[u8]] = &[
    b"plain log: handling a call\n",
    b"{this is not json\n",
    b"{\"jsonrpc\":\"2.0\",\"id\":\"no-such-call\",\"result\":{}}\n",
    b"{\"level\":\"info\",\"msg\":\"a JSON log record, not a message\"}\n",
    b"\xff\xfe\xfd not utf-8\n",
    b"{\"jsonrpc\":\"2.0\"}\n",
    b"[1,2,3]\n",
    b"{\"jsonrpc\":\"2.0\",\"id\":999999999,\"result\":1}\n",
    b"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"garbage\"}}\n",
    b"\n",
];

type Failure = (i64, String);

#[derive(Debug, Default)]
struct Received {
    config_changed: u64,
    last_config_revision: Option<String>,
    skills_changed: Vec<Value>,
}

/// The runtime's state.
pub struct State {
    pub options: Options,
    pub fixture: Fixture,
    pub out: Out,
    started: Instant,
    calls: AtomicU64,
    garbage: AtomicU64,
    initialized: AtomicBool,
    received: Mutex<Received>,
}

impl State {
    pub fn new(options: Options, fixture: Fixture, out: Out) -> Self {
        Self {
            options,
            fixture,
            out,
            started: Instant::now(),
            calls: AtomicU64::new(0),
            garbage: AtomicU64::new(0),
            initialized: AtomicBool::new(false),
            received: Mutex::default(),
        }
    }

    /// Whether `--hang` or `--hang-while` makes it ignore everything now.
    fn hangs(&self) -> bool {
        if !self.initialized.load(Ordering::Relaxed) {
            return false;
        }
        self.options.hang || self.options.hang_while.as_ref().is_some_and(|f| f.exists())
    }

    fn emit_garbage(&self) {
        if self.options.garbage {
            let n = self.garbage.fetch_add(1, Ordering::Relaxed) as usize;
            self.out.raw(GARBAGE[n % GARBAGE.len()]);
        }
    }
}

/// Handles one message from the host.
pub async fn handle(state: &Arc<State>, message: Value) {
    let method = message.get("method").and_then(Value::as_str);
    let id = message.get("id").filter(|id| !id.is_null()).cloned();
    let Some(method) = method else {
        // An answer to one of our calls.
        if let Some(id) = id.as_ref().and_then(Value::as_i64) {
            let outcome = match message.get("error") {
                Some(error) => Err(error.clone()),
                None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
            };
            state.out.resolve(id, outcome);
        }
        return;
    };
    if state.hangs() {
        if state.options.verbose {
            eprintln!("pryx-runtime-ref: --hang: ignoring {method}");
        }
        return;
    }
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    let Some(id) = id else {
        notification(state, method, &params).await;
        return;
    };
    if state.options.verbose {
        eprintln!("pryx-runtime-ref: call {method} (id {id})");
    }
    let response = if method == "debug.fail" {
        // Answers the error it is given, `data` included (tests of error pass-through).
        let code = params.get("code").and_then(Value::as_i64).unwrap_or(-32000);
        let message = params
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("debug.fail");
        let mut error = json!({"code": code, "message": message});
        if let Some(data) = params.get("data") {
            error["data"] = data.clone();
        }
        json!({"jsonrpc": "2.0", "id": id, "error": error})
    } else {
        match answer(state, method, &params) {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        }
    };
    if method == "shutdown" {
        state.out.send(&response);
        eprintln!("pryx-runtime-ref: shutting down as asked");
        state.out.exit(0).await;
    }
    // Liveness pings are not calls: `--crash-after` and `admin.health` do not count them.
    let count = if method == "initialize" || method == "ping" {
        0
    } else {
        state.calls.fetch_add(1, Ordering::Relaxed) + 1
    };
    let crash = state.options.crash_after.is_some_and(|n| count >= n);
    if count > 0 && count % 100 == 0 {
        state
            .out
            .raw(format!("pryx-runtime-ref: {count} calls handled\n").as_bytes());
    }
    if method == "initialize" && state.options.slow_init_ms > 0 {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(state.options.slow_init_ms)).await;
            reply(&state, &response, crash).await;
        });
    } else if state.options.slow_ms > 0 && method != "initialize" && method != "ping" {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(state.options.slow_ms)).await;
            reply(&state, &response, crash).await;
        });
    } else {
        reply(state, &response, crash).await;
    }
}

async fn reply(state: &State, response: &Value, crash: bool) {
    state.emit_garbage();
    state.out.send(response);
    if crash {
        eprintln!(
            "pryx-runtime-ref: --crash-after {}: exiting with status 1",
            state.options.crash_after.unwrap_or(0)
        );
        state.out.exit(1).await;
    }
}

async fn notification(state: &State, method: &str, params: &Value) {
    let mut received = state.received.lock().unwrap();
    match method {
        "config.changed" => {
            received.config_changed += 1;
            received.last_config_revision = params
                .get("revision")
                .and_then(Value::as_str)
                .map(str::to_owned);
            eprintln!("pryx-runtime-ref: config changed: {params}");
        }
        "skills.changed" => {
            received.skills_changed.push(params.clone());
            eprintln!("pryx-runtime-ref: skill changed: {params}");
        }
        "shutdown" => {
            drop(received);
            eprintln!("pryx-runtime-ref: shutting down as told");
            state.out.exit(0).await;
        }
        other => eprintln!("pryx-runtime-ref: ignored notification {other}"),
    }
}

fn answer(state: &Arc<State>, method: &str, params: &Value) -> Result<Value, Failure> {
    let fixture = &state.fixture;
    match method {
        m if crate::agent::handles(m) => crate::agent::answer(state, m, params),
        "initialize" => initialize(state, params),
        "shutdown" => Ok(json!({})),
        "ping" if state.options.no_ping => Err((
            -32601,
            "method \"ping\" is not implemented (--no-ping)".to_owned(),
        )),
        "ping" => Ok(json!({})),
        "admin.health" => Ok(health(state)),
        "admin.config.get" => Ok(Value::Object(fixture.config.clone())),
        "admin.skills.list" => Ok(json!({"skills": fixture.skills})),
        "admin.mcp.list" => Ok(json!({"tools": fixture.mcp_tools})),
        "admin.providers.list" => Ok(json!({"providers": fixture.providers})),
        "admin.providers.models" => {
            let id = str_param(params, "provider_id")?;
            match fixture.models.get(id) {
                Some(models) => Ok(json!({"models": models})),
                None => Err((-32004, format!("no provider named {id:?}"))),
            }
        }
        "approval.resolve" => Err((
            -32004,
            "the reference runtime keeps no approvals of its own; they are answered in the host"
                .to_owned(),
        )),
        "debug.echo" => Ok(params.clone()),
        other => Err((
            -32601,
            format!("method {other:?} is not implemented by pryx-runtime-ref"),
        )),
    }
}

fn initialize(state: &State, params: &Value) -> Result<Value, Failure> {
    let host = params
        .pointer("/host/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let version = params
        .get("protocol_version")
        .and_then(Value::as_str)
        .ok_or((-32602, "initialize needs protocol_version".to_owned()))?;
    eprintln!("pryx-runtime-ref: host {host} speaks protocol {version}");
    let first = !state.initialized.swap(true, Ordering::Relaxed);
    if first && state.options.stream_tokens_per_sec > 0 {
        crate::stream::start(state.out.clone(), state.options.stream_tokens_per_sec);
    }
    Ok(json!({
        "protocol_version": state.options.protocol_version,
        "runtime": {"name": "pryx-runtime-ref", "version": env!("CARGO_PKG_VERSION")},
        "capabilities": {
            "methods": [
                "ping", "admin.health", "admin.config.get", "admin.skills.list", "admin.mcp.list",
                "admin.providers.list", "admin.providers.models", "chat.send",
                "sessions.list", "session.resume", "shutdown"
            ],
            "events": [
                "session.message", "session.typing", "tool.request", "tool.executing",
                "tool.complete", "runtime.tick"
            ]
        }
    }))
}

fn health(state: &State) -> Value {
    let received = state.received.lock().unwrap();
    let providers: Vec<&Value> = state
        .fixture
        .providers
        .iter()
        .filter_map(|p| p.get("id"))
        .collect();
    json!({
        "status": "ok",
        "providers": providers,
        "cloud_logged_in": false,
        "uptime_ms": state.started.elapsed().as_millis() as u64,
        "calls": state.calls.load(Ordering::Relaxed),
        "received": {
            "config_changed": received.config_changed,
            "last_config_revision": received.last_config_revision,
            "skills_changed": received.skills_changed,
        }
    })
}

fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, Failure> {
    params.get(name).and_then(Value::as_str).ok_or_else(|| {
        (
            -32602,
            format!("invalid params: {name} (a string) is required"),
        )
    })
}

//! The scripted agent: a chat message gets a reply streamed as `session.message` events. A
//! message that asks for a tool ("use tool") first asks the host for permission and goes on
//! with the answer. A message that asks for a failure ("fail please") makes the provider call
//! "fail": an error-level `log` (naming a key and a home path, for the host's redaction) and a
//! reply saying so.
//!
//! It also keeps the sessions, in the shapes the upstream runtime gives them to the TUI:
//! `sessions.list` items `{id, title, createdAt, updatedAt, messages}`, `session.resume` →
//! `{session, messages: [{id, sessionId, role, content, createdAt}]}`, `session.create
//! {title?}` → the session. Tool events carry what the TUI renders: `tool.request {tool,
//! args}`, `tool.executing {tool}`, `tool.complete {tool, result}` with `result` a string.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::dispatch::State;
use crate::io::Out;

const TOOL: &str = "fs:read_file";
/// What the scripted tool "reads".
const TOOL_OUTPUT: &str = "# Pryx\n";

/// One session the agent keeps.
#[derive(Debug, Clone)]
struct Session {
    title: String,
    created_at: String,
    updated_at: String,
    messages: Vec<Value>,
}

/// Every session of this run, by id (one runtime process serves one host).
static SESSIONS: Mutex<BTreeMap<String, Session>> = Mutex::new(BTreeMap::new());
/// How many sessions `session.create` made, for their ids.
static CREATED: Mutex<u64> = Mutex::new(0);

fn sessions() -> MutexGuard<'static, BTreeMap<String, Session>> {
    SESSIONS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether `method` is one of the agent's methods (answered by [`answer`]).
pub fn handles(method: &str) -> bool {
    matches!(
        method,
        "chat.send" | "sessions.list" | "session.resume" | "session.create"
    )
}

/// Answers one of the agent's methods: the result, or a JSON-RPC `(code, message)`.
pub fn answer(state: &Arc<State>, method: &str, params: &Value) -> Result<Value, (i64, String)> {
    match method {
        "chat.send" => chat_send(state, params),
        "sessions.list" => {
            let list: Vec<Value> = sessions().iter().map(|(id, s)| summary(id, s)).collect();
            Ok(json!({"sessions": list}))
        }
        "session.resume" => {
            let id = str_param(params, "session_id")?;
            let all = sessions();
            let session = all
                .get(id)
                .ok_or((-32004, format!("no session named {id:?}")))?;
            Ok(json!({"session": summary(id, session), "messages": session.messages}))
        }
        "session.create" => {
            let title = params.get("title").and_then(Value::as_str);
            let n = {
                let mut created = CREATED.lock().unwrap_or_else(|p| p.into_inner());
                *created += 1;
                *created
            };
            let id = format!("ref-{n}");
            let session = new_session(title.unwrap_or("New chat"));
            let answer = summary(&id, &session);
            sessions().insert(id, session);
            Ok(answer)
        }
        other => Err((-32601, format!("{other:?} is not an agent method"))),
    }
}

fn chat_send(state: &Arc<State>, params: &Value) -> Result<Value, (i64, String)> {
    let content = str_param(params, "content")?.to_owned();
    let session = params
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_owned();
    let message_id = record(&session, "user", &content, None);
    tokio::spawn(reply(
        state.clone(),
        session.clone(),
        content,
        message_id.clone(),
    ));
    Ok(json!({"accepted": true, "session_id": session, "message_id": message_id}))
}

/// Adds a message to `session` (creating it, titled by its first message) under `id`, or a new
/// one, and returns the id.
fn record(session: &str, role: &str, content: &str, id: Option<String>) -> String {
    let mut all = sessions();
    let entry = all.entry(session.to_owned()).or_insert_with(|| {
        let title: String = content.chars().take(40).collect();
        new_session(&title)
    });
    let id = id.unwrap_or_else(|| format!("{session}-{}", entry.messages.len() + 1));
    let now = now();
    entry
        .messages
        .push(json!({"id": id, "sessionId": session, "role": role,
                                "content": content, "createdAt": now}));
    entry.updated_at = now;
    id
}

fn new_session(title: &str) -> Session {
    let now = now();
    Session {
        title: title.to_owned(),
        created_at: now.clone(),
        updated_at: now,
        messages: Vec::new(),
    }
}

fn summary(id: &str, s: &Session) -> Value {
    json!({"id": id, "title": s.title, "createdAt": s.created_at, "updatedAt": s.updated_at,
           "messages": s.messages.len()})
}

fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, (i64, String)> {
    params.get(name).and_then(Value::as_str).ok_or_else(|| {
        (
            -32602,
            format!("invalid params: {name} (a string) is required"),
        )
    })
}

/// Now as RFC 3339 UTC with seconds (`2026-01-02T03:04:05Z`).
fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Replies to `content` (the message `reply_to`) in `session`. Every chunk names the reply's
/// `message_id` and the message it answers, so a client can tell two replies apart.
pub async fn reply(state: Arc<State>, session: String, content: String, reply_to: String) {
    let out = &state.out;
    publish(out, "session.typing", &session, json!({"typing": true}));
    out.notify(
        "log",
        json!({"level": "info", "message": "chat message received",
               "fields": {"session_id": session, "chars": content.len()}}),
    );
    let lower = content.to_lowercase();
    let text = if lower.contains("use tool") {
        use_tool(out, &session).await
    } else if lower.contains("fail please") {
        provider_failure(out, &session)
    } else {
        format!("You said: {content}")
    };
    let ids = MessageIds {
        message_id: format!("{reply_to}-reply"),
        reply_to,
    };
    let chunks = stream(out, &session, &ids, &text, state.options.stream_delay_ms).await;
    record(&session, "assistant", &text, Some(ids.message_id));
    out.notify(
        "telemetry.export",
        json!({"records": [{"kind": "metric", "name": "agent.reply.chunks", "value": chunks,
                            "attributes": {"session_id": session}}]}),
    );
}

/// A scripted provider failure: logged at error level with a secret and a home path in it (the
/// host must redact both before the line goes anywhere), answered with an apology.
fn provider_failure(out: &Out, session: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/home/someone".into());
    out.notify(
        "log",
        json!({"level": "error",
               "message": format!("provider call failed: 401 for key sk-ref-0123456789abcdefghijkl \
                                   (profile {home}/.pryx/profile.json)"),
               "fields": {"session_id": session, "provider": "reference"}}),
    );
    "The provider refused the request.".to_owned()
}

async fn use_tool(out: &Out, session: &str) -> String {
    let args = json!({"path": "README.md"});
    publish(
        out,
        "tool.request",
        session,
        json!({"tool": TOOL, "args": args}),
    );
    let answer = out
        .call(
            "permission.request",
            json!({
                "description": format!("Allow tool call: {TOOL}"),
                "intent": "read README.md to answer the question",
                "tool": TOOL,
                "args": args,
                "session_id": session,
            }),
        )
        .await;
    match answer {
        Ok(result) if result.get("approved") == Some(&Value::Bool(true)) => {
            publish(out, "tool.executing", session, json!({"tool": TOOL}));
            // `result` is the tool's output as text: the TUI renders it as a string.
            publish(
                out,
                "tool.complete",
                session,
                json!({"tool": TOOL, "result": TOOL_OUTPUT}),
            );
            format!("I read README.md with {TOOL}: it starts with a heading.")
        }
        Ok(result) => {
            let why = if result.get("timed_out") == Some(&Value::Bool(true)) {
                "nobody answered in time"
            } else {
                "it was denied"
            };
            format!("Permission denied: I did not use {TOOL} ({why}).")
        }
        Err(error) => format!(
            "Permission denied: I did not use {TOOL} (the host answered {}).",
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("an error")
        ),
    }
}

/// The ids a streamed reply's chunks carry.
struct MessageIds {
    /// The reply's own id (as `session.resume` lists it afterwards).
    message_id: String,
    /// The id of the message it answers.
    reply_to: String,
}

/// Streams `text` word by word, then a final empty chunk with `done: true`.
async fn stream(out: &Out, session: &str, ids: &MessageIds, text: &str, delay_ms: u64) -> usize {
    let chunk = |content: &str, done: bool| {
        json!({"content": content, "done": done,
               "message_id": ids.message_id, "reply_to": ids.reply_to})
    };
    let mut chunks = 0;
    for word in text.split_inclusive(' ') {
        publish(out, "session.message", session, chunk(word, false));
        chunks += 1;
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
    }
    publish(out, "session.message", session, chunk("", true));
    chunks
}

fn publish(out: &Out, event: &str, session: &str, payload: Value) {
    out.notify(
        "event.publish",
        json!({"event": event, "session_id": session, "payload": payload}),
    );
}

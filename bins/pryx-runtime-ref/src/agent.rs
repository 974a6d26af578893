//! The scripted agent: a chat message gets a reply streamed as `session.message` events. A
//! message that asks for a tool ("use tool") first asks the host for permission and goes on
//! with the answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::dispatch::State;
use crate::io::Out;

const TOOL: &str = "fs:read_file";

/// Replies to `content` in `session`.
pub async fn reply(state: Arc<State>, session: String, content: String) {
    let out = &state.out;
    publish(out, "session.typing", &session, json!({"typing": true}));
    out.notify(
        "log",
        json!({"level": "info", "message": "chat message received",
               "fields": {"session_id": session, "chars": content.len()}}),
    );
    let text = if content.to_lowercase().contains("use tool") {
        use_tool(out, &session).await
    } else {
        format!("You said: {content}")
    };
    let chunks = stream(out, &session, &text, state.options.stream_delay_ms).await;
    out.notify(
        "telemetry.export",
        json!({"records": [{"kind": "metric", "name": "agent.reply.chunks", "value": chunks,
                            "attributes": {"session_id": session}}]}),
    );
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
            publish(
                out,
                "tool.executing",
                session,
                json!({"tool": TOOL, "args": args}),
            );
            publish(
                out,
                "tool.complete",
                session,
                json!({"tool": TOOL, "ok": true, "result": {"content": "# Pryx\n"}}),
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

/// Streams `text` word by word, then a final empty chunk with `done: true`.
async fn stream(out: &Out, session: &str, text: &str, delay_ms: u64) -> usize {
    let mut chunks = 0;
    for word in text.split_inclusive(' ') {
        publish(
            out,
            "session.message",
            session,
            json!({"content": word, "done": false}),
        );
        chunks += 1;
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
    }
    publish(
        out,
        "session.message",
        session,
        json!({"content": "", "done": true}),
    );
    chunks
}

fn publish(out: &Out, event: &str, session: &str, payload: Value) {
    out.notify(
        "event.publish",
        json!({"event": event, "session_id": session, "payload": payload}),
    );
}

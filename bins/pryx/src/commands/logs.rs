//! `pryx logs [--follow]`: the host's recent log lines (`GET /api/v1/logs`), then live `log`
//! events over `/ws`. A host without the logs route says so (exit 9).

use futures_util::StreamExt;
use serde_json::{Value as Json, json};
use tokio_tungstenite::tungstenite::Message;

use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::output::cell;

/// Prints recent lines; with `follow`, keeps printing until Ctrl-C.
pub async fn run(ctx: &Ctx, follow: bool, limit: u32) -> Outcome {
    let client = ctx.client()?;
    let body = match client.get(&format!("/api/v1/logs?limit={limit}")).await {
        Ok(reply) => reply.body,
        Err(failure) if failure.exit == Exit::Unsupported => {
            return Err(Failure::new(
                Exit::Unsupported,
                "logs_unsupported",
                "this host does not serve its logs (GET /api/v1/logs answered 404)",
            )
            .with_fix(format!(
                "upgrade pryx-core; meanwhile a host started by `pryx` logs to {}",
                ctx.data_dir.join(super::start::HOST_LOG).display()
            )));
        }
        Err(failure) => return Err(failure),
    };
    let lines = entries(&body);
    if !follow {
        ctx.out.emit(&json!({"lines": lines}), || {
            for line in &lines {
                println!("{}", render(line));
            }
        });
        return Ok(());
    }
    for line in &lines {
        print_one(ctx, line);
    }
    let url = format!("ws://{}/ws?event=log&event=logs", client.addr());
    let request = crate::watch::upgrade_request(&url, client.token())
        .map_err(|m| Failure::new(Exit::Auth, "token_unusable", m))?;
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| Failure::new(Exit::NoHost, "ws_failed", format!("cannot follow: {e}")))?;
    loop {
        let message = tokio::select! {
            message = ws.next() => message,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match message {
            Some(Ok(Message::Text(text))) => {
                let frame: Json = serde_json::from_str(&text).unwrap_or_default();
                if frame["type"] == "event" {
                    print_one(ctx, &frame["payload"]);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => {
                return Err(Failure::new(
                    Exit::NoHost,
                    "host_gone",
                    "the host closed the connection (stopped?)",
                ));
            }
        }
    }
}

fn print_one(ctx: &Ctx, line: &Json) {
    if ctx.out.json {
        println!("{line}");
    } else {
        println!("{}", render(line));
    }
}

/// The log entries of an answer: a list, or the list under `lines`, `entries` or `logs`.
fn entries(body: &Json) -> Vec<Json> {
    let list = if body.is_array() {
        body
    } else {
        ["lines", "entries", "logs", "records"]
            .iter()
            .map(|k| &body[*k])
            .find(|v| v.is_array())
            .unwrap_or(&Json::Null)
    };
    list.as_array().cloned().unwrap_or_default()
}

/// `time LEVEL target: message fields`.
pub fn render(entry: &Json) -> String {
    if let Some(text) = entry.as_str() {
        return text.to_owned();
    }
    let field = |names: &[&str]| {
        names
            .iter()
            .map(|n| &entry[*n])
            .find(|v| !v.is_null())
            .map(cell)
            .unwrap_or_default()
    };
    let mut line = format!(
        "{} {:>5} {}",
        field(&["timestamp", "time", "ts"]),
        field(&["level"]).to_uppercase(),
        field(&["message", "msg"])
    );
    let target = field(&["target", "source"]);
    if !target.is_empty() {
        line = format!("{line} [{target}]");
    }
    if let Some(fields) = entry["fields"].as_object().filter(|f| !f.is_empty()) {
        line.push(' ');
        line.push_str(&Json::Object(fields.clone()).to_string());
    }
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_entries_render_whatever_shape_they_come_in() {
        let body = json!({"lines": [{"timestamp": "10:00Z", "level": "info", "message": "hi",
            "target": "pryx", "fields": {"n": 1}}]});
        let lines = entries(&body);
        assert_eq!(render(&lines[0]), r#"10:00Z  INFO hi [pryx] {"n":1}"#);
        assert_eq!(entries(&json!(["a"])), vec![json!("a")]);
        assert_eq!(render(&json!("plain")), "plain");
        assert!(entries(&json!({})).is_empty());
    }
}

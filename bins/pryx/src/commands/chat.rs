//! `pryx chat MESSAGE`: one message over `/ws` (`chat.send`), the reply printed as its
//! `session.message` chunks stream in, tool approvals asked on the terminal (or answered by
//! `--yes` / `--deny`) and sent back with `approval.resolve`.

use std::io::Write;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::io::AsyncBufReadExt;
use tokio_tungstenite::tungstenite::Message;

use crate::cli::ChatArgs;
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::output::cell;

/// What happened during the chat, for `--json`.
#[derive(Default)]
struct Transcript {
    reply: String,
    approvals: Vec<Json>,
    tools: Vec<Json>,
}

/// Sends the message and streams the reply until it is done.
pub async fn run(ctx: &Ctx, args: ChatArgs) -> Outcome {
    let client = ctx.client()?;
    let session = args
        .session
        .clone()
        .unwrap_or_else(|| format!("cli-{:08x}", fastrand::u32(..)));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for pattern in ["session.*", "tool.*", "approval.*", "error.occurred"] {
        query.append_pair("event", pattern);
    }
    query.append_pair("session_id", &session);
    let url = format!("ws://{}/ws?{}", client.addr(), query.finish());
    let request = crate::watch::upgrade_request(&url, client.token())
        .map_err(|m| Failure::new(Exit::Auth, "token_unusable", m))?;
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| {
            Failure::new(
                Exit::NoHost,
                "ws_failed",
                format!("cannot connect to /ws: {e}"),
            )
        })?;

    let send = json!({"type": "request", "id": "chat", "method": "chat.send",
        "params": {"content": args.message, "session_id": session}});
    ws.send(Message::text(send.to_string()))
        .await
        .map_err(|e| Failure::new(Exit::NoHost, "ws_failed", e.to_string()))?;

    let mut transcript = Transcript::default();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.timeout);
    loop {
        let message = tokio::select! {
            message = ws.next() => message,
            _ = tokio::time::sleep_until(deadline) => {
                return Err(Failure::new(Exit::Runtime, "chat_timeout",
                    format!("the reply did not finish within {} s", args.timeout)));
            }
            _ = tokio::signal::ctrl_c() => return Err(Failure::error("interrupted")),
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => {
                return Err(Failure::new(
                    Exit::NoHost,
                    "host_gone",
                    "the host closed the connection",
                ));
            }
        };
        let frame: Json = serde_json::from_str(&text).unwrap_or_default();
        match frame["type"].as_str().unwrap_or("") {
            "response" if frame["id"] == "chat" && !frame["error"].is_null() => {
                return Err(response_failure(&frame["error"]));
            }
            "response" if !frame["error"].is_null() && !ctx.out.json => {
                eprintln!(
                    "pryx chat: the host says: {}",
                    cell(&frame["error"]["message"])
                );
            }
            "event" => {
                let done = on_event(
                    ctx,
                    &args,
                    &session,
                    &frame,
                    &mut transcript,
                    &mut ws,
                    &mut stdin,
                )
                .await?;
                if done {
                    break;
                }
            }
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    let value = json!({"session_id": session, "reply": transcript.reply,
        "approvals": transcript.approvals, "tools": transcript.tools});
    ctx.out.emit(&value, || println!());
    Ok(())
}

/// Handles one event; true when the reply is complete.
async fn on_event<S, L>(
    ctx: &Ctx,
    args: &ChatArgs,
    session: &str,
    frame: &Json,
    transcript: &mut Transcript,
    ws: &mut S,
    stdin: &mut tokio::io::Lines<L>,
) -> Outcome<bool>
where
    S: futures_util::Sink<Message> + Unpin,
    L: tokio::io::AsyncBufRead + Unpin,
{
    let payload = &frame["payload"];
    let ours = frame["session_id"].as_str().is_none_or(|s| s == session);
    match frame["event"].as_str().unwrap_or("") {
        "session.message" if ours => {
            let chunk = payload["content"].as_str().unwrap_or("");
            transcript.reply.push_str(chunk);
            if !ctx.out.json {
                print!("{chunk}");
                let _ = std::io::stdout().flush();
            }
            return Ok(payload["done"] == Json::Bool(true));
        }
        "approval.needed" if ours => {
            let approved = decide(ctx, args, payload, stdin).await;
            let id = payload["approval_id"].clone();
            let resolve = json!({"type": "request", "id": format!("approve-{}", cell(&id)),
                "method": "approval.resolve", "params": {"approval_id": id, "approved": approved}});
            ws.send(Message::text(resolve.to_string()))
                .await
                .map_err(|_| {
                    Failure::new(Exit::NoHost, "ws_failed", "could not answer the approval")
                })?;
            transcript
                .approvals
                .push(json!({"approval_id": id, "tool": payload["tool"], "approved": approved}));
        }
        "tool.request" | "tool.executing" | "tool.complete" if ours => {
            if !ctx.out.json {
                eprintln!("\n[{} {}]", cell(&frame["event"]), cell(&payload["tool"]));
            }
            transcript
                .tools
                .push(json!({"event": frame["event"], "tool": payload["tool"]}));
        }
        "error.occurred" if ours => {
            return Err(Failure::new(
                Exit::Runtime,
                "agent_error",
                format!("the agent reported an error: {}", cell(&payload["message"])),
            ));
        }
        _ => {}
    }
    Ok(false)
}

/// `--yes` / `--deny`, else a question on stderr answered on stdin (no answer = deny).
async fn decide<L>(
    ctx: &Ctx,
    args: &ChatArgs,
    payload: &Json,
    stdin: &mut tokio::io::Lines<L>,
) -> bool
where
    L: tokio::io::AsyncBufRead + Unpin,
{
    let tool = cell(&payload["tool"]);
    if args.yes || args.deny {
        if !ctx.out.json {
            eprintln!(
                "\n[{} tool {tool}]",
                if args.yes { "approved" } else { "denied" }
            );
        }
        return args.yes;
    }
    eprint!(
        "\nThe agent asks to use {tool}: {}\n  intent: {}\n  args: {}\nAllow? [y/N] ",
        cell(&payload["reason"]),
        cell(&payload["intent"]),
        payload["args"],
    );
    let _ = std::io::stderr().flush();
    match stdin.next_line().await {
        Ok(Some(line)) => matches!(line.trim().to_lowercase().as_str(), "y" | "yes"),
        _ => false,
    }
}

fn response_failure(error: &Json) -> Failure {
    let code = error["code"].as_str().unwrap_or("error").to_owned();
    let exit = if code.starts_with("runtime_") {
        Exit::Runtime
    } else {
        Exit::Error
    };
    Failure::new(
        exit,
        code,
        format!("the host refused the message: {}", cell(&error["message"])),
    )
    .with_details(error["details"].clone())
}

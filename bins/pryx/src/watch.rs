//! `pryx watch`: connect to the host's `/ws`, subscribe, print events, and on a dropped
//! connection reconnect with exponential backoff, resuming from the last event seen (the host
//! replays what was missed, or says `resync`).

use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use serde_json::Value as Json;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::{data_dir, render};

/// First wait before reconnecting.
const BACKOFF_START: Duration = Duration::from_millis(250);
/// Longest wait before reconnecting.
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// `pryx watch` options.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The host's WebSocket URL (`http://` is taken as `ws://`) [default: the running host
    /// of the data directory].
    #[arg(long, env = "PRYX_WS_URL", value_name = "URL")]
    url: Option<String>,
    /// Only events with this name, or under this prefix (`config.*`); repeat for more.
    #[arg(long = "event", value_name = "NAME_OR_PREFIX")]
    events: Vec<String>,
}

/// What a connection needs from the command line.
struct Settings {
    events: Vec<String>,
    /// `--json`: every frame exactly as received, one JSON object per line.
    json: bool,
}

/// Where to resume from.
#[derive(Debug, Default)]
struct Position {
    last_seq: Option<u64>,
    epoch: Option<String>,
}

/// How one connection ended.
enum Ended {
    /// Ctrl-C.
    Stopped,
    /// Worth retrying; `connected` says whether the host greeted us this time.
    Retry { why: String, connected: bool },
}

/// Watches until Ctrl-C (`Ok`) or an error retrying cannot fix.
pub async fn run(args: WatchArgs, ctx: &Ctx) -> Outcome {
    let data_dir = &ctx.data_dir;
    let url = match args.url {
        Some(url) => url,
        None => format!("ws://{}/ws", ctx.host()?.addr),
    };
    let base = websocket_url(&url).map_err(|m| Failure::new(Exit::Usage, "bad_url", m))?;
    let args = Settings {
        events: args.events,
        json: ctx.out.json,
    };
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });

    let mut position = Position::default();
    let mut backoff = BACKOFF_START;
    loop {
        let token = data_dir::admin_token(data_dir)
            .map_err(|m| Failure::new(Exit::Auth, "token_unreadable", m))?;
        let request = request(&base, &args.events, &position, token.as_deref())
            .map_err(|m| Failure::new(Exit::Auth, "token_unusable", m))?;
        match connection(request, &args, &mut position, stop.clone()).await? {
            Ended::Stopped => return Ok(()),
            Ended::Retry { why, connected } => {
                if connected {
                    backoff = BACKOFF_START;
                }
                let wait = backoff.mul_f64(0.5 + fastrand::f64() * 0.5);
                eprintln!("pryx watch: {why}; reconnecting in {} ms", wait.as_millis());
                backoff = (backoff * 2).min(BACKOFF_MAX);
                let mut stop = stop.clone();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|stopped| *stopped) => return Ok(()),
                }
            }
        }
    }
}

/// One connection, from the upgrade until it ends.
async fn connection(
    request: Request,
    args: &Settings,
    position: &mut Position,
    mut stop: watch::Receiver<bool>,
) -> Outcome<Ended> {
    let connecting = tokio_tungstenite::connect_async(request);
    let (mut ws, _) = tokio::select! {
        connected = connecting => match connected {
            Ok(ok) => ok,
            Err(err) => return refused(err),
        },
        _ = stop.wait_for(|stopped| *stopped) => return Ok(Ended::Stopped),
    };
    let mut connected = false;
    loop {
        let message = tokio::select! {
            message = ws.next() => message,
            _ = stop.wait_for(|stopped| *stopped) => {
                let _ = ws.close(None).await;
                return Ok(Ended::Stopped);
            }
        };
        let why = match message {
            Some(Ok(Message::Text(text))) => {
                connected |= handle(&text, args, position);
                continue;
            }
            Some(Ok(Message::Close(Some(frame)))) => {
                format!(
                    "the host closed the connection ({} {})",
                    frame.code, frame.reason
                )
            }
            Some(Ok(Message::Close(None))) | None => "the host closed the connection".into(),
            Some(Ok(_)) => continue,
            Some(Err(err)) => format!("the connection failed: {err}"),
        };
        return Ok(Ended::Retry { why, connected });
    }
}

/// Prints one frame and tracks the position; true for `hello`.
fn handle(text: &str, args: &Settings, position: &mut Position) -> bool {
    let Ok(frame) = serde_json::from_str::<Json>(text) else {
        eprintln!("pryx watch: ignoring a frame that is not JSON");
        return false;
    };
    let kind = frame["type"].as_str().unwrap_or("");
    match kind {
        "hello" => {
            position.epoch = frame["epoch"].as_str().map(str::to_owned);
            if position.last_seq.is_none() {
                position.last_seq = frame["last_seq"].as_u64();
            }
            eprintln!(
                "pryx watch: connected to {} {} (protocol {}, last seq {})",
                frame["server"]["name"].as_str().unwrap_or("?"),
                frame["server"]["version"].as_str().unwrap_or("?"),
                frame["protocol"],
                frame["last_seq"],
            );
            return true;
        }
        "event" => {
            position.last_seq = frame["seq"].as_u64().or(position.last_seq);
            if !args.json {
                println!("{}", render::event_line(&frame));
            }
        }
        "resync" => {
            position.last_seq = frame["last_seq"].as_u64();
            if !args.json {
                eprintln!(
                    "pryx watch: some events were missed ({}); continuing after seq {}",
                    frame["reason"].as_str().unwrap_or("?"),
                    frame["last_seq"],
                );
            }
        }
        "lagged" if !args.json => {
            eprintln!(
                "pryx watch: fell behind; {} events skipped",
                frame["missed"]
            );
        }
        "error" => eprintln!("pryx watch: the host says: {}", frame["error"]["message"]),
        _ => {}
    }
    if args.json && matches!(kind, "event" | "resync" | "lagged") {
        println!("{text}");
    }
    false
}

/// A refused upgrade: fatal when retrying cannot help (a bad token or filter).
fn refused(err: WsError) -> Outcome<Ended> {
    let WsError::Http(response) = &err else {
        return Ok(Ended::Retry {
            why: format!("cannot connect: {err}"),
            connected: false,
        });
    };
    let status = response.status();
    let message = response
        .body()
        .as_deref()
        .and_then(|body| serde_json::from_slice::<Json>(body).ok())
        .and_then(|body| body["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| status.to_string());
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Failure::new(
            Exit::Auth,
            "refused",
            format!(
                "the host refused the connection ({status}): {message}. Is --data-dir the \
                 host's data directory (it holds admin.token)?"
            ),
        )),
        s if s.is_client_error() => Err(Failure::new(
            Exit::Invalid,
            "refused",
            format!("the host refused the request ({status}): {message}"),
        )),
        _ => Ok(Ended::Retry {
            why: format!("the host answered {status}: {message}"),
            connected: false,
        }),
    }
}

/// The URL as given, with `http(s)://` read as `ws(s)://`.
fn websocket_url(url: &str) -> Result<String, String> {
    let url = if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        url.to_owned()
    };
    if url.starts_with("ws://") {
        Ok(url)
    } else {
        Err(format!(
            "{url} is not a ws:// URL (TLS is not supported; the host is local)"
        ))
    }
}

/// The upgrade request: subscriptions and the resume position in the query, the token in the
/// `Authorization` header.
fn request(
    base: &str,
    events: &[String],
    position: &Position,
    token: Option<&str>,
) -> Result<Request, String> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for event in events {
        query.append_pair("event", event);
    }
    if let Some(seq) = position.last_seq {
        query.append_pair("last_seq", &seq.to_string());
        if let Some(epoch) = &position.epoch {
            query.append_pair("epoch", epoch);
        }
    }
    let query = query.finish();
    let url = match (query.is_empty(), base.contains('?')) {
        (true, _) => base.to_owned(),
        (false, true) => format!("{base}&{query}"),
        (false, false) => format!("{base}?{query}"),
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|err| format!("bad URL {url}: {err}"))?;
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "admin.token holds characters a header cannot carry".to_owned())?;
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    Ok(request)
}

/// An upgrade request for `url` (a complete `ws://` URL) with the token in the
/// `Authorization` header.
pub fn upgrade_request(url: &str, token: &str) -> Result<Request, String> {
    let mut request = url
        .into_client_request()
        .map_err(|err| format!("bad URL {url}: {err}"))?;
    let value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "admin.token holds characters a header cannot carry".to_owned())?;
    request.headers_mut().insert(header::AUTHORIZATION, value);
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_filters_and_position_in_the_query_and_the_token_in_a_header() {
        let position = Position {
            last_seq: Some(7),
            epoch: Some("e1".into()),
        };
        let events = vec!["config.*".to_owned(), "health".to_owned()];
        let req = request("ws://127.0.0.1:1/ws", &events, &position, Some("s3cret")).unwrap();
        let uri = req.uri().to_string();
        assert_eq!(
            uri,
            "ws://127.0.0.1:1/ws?event=config.*&event=health&last_seq=7&epoch=e1"
        );
        assert!(!uri.contains("s3cret"));
        assert_eq!(req.headers()[header::AUTHORIZATION], "Bearer s3cret");
        let plain = request("ws://h:1/ws?surface=tui", &[], &Position::default(), None).unwrap();
        assert_eq!(plain.uri().to_string(), "ws://h:1/ws?surface=tui");
        assert!(plain.headers().get(header::AUTHORIZATION).is_none());
    }

    #[test]
    fn http_urls_are_read_as_websocket_urls() {
        assert_eq!(
            websocket_url("http://localhost:42424/ws").unwrap(),
            "ws://localhost:42424/ws"
        );
        assert!(websocket_url("ftp://x").is_err());
        assert!(websocket_url("https://x/ws").is_err());
    }
}

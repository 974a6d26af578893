//! The reading half of a connection: parses client messages, answers malformed ones with an
//! `error` frame (never a disconnect), runs requests and TUI commands concurrently (bounded),
//! and turns an oversized message into close code 1009.

use std::sync::Arc;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use serde_json::Value as Json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::connection::{Activity, Out};
use super::dispatch;
use super::frame::{self, close_codes};
use super::inbound::{self, Inbound};
use crate::routes::AppState;

pub(crate) struct Reader {
    stream: SplitStream<WebSocket>,
    app: AppState,
    out: mpsc::Sender<Out>,
    conn: CancellationToken,
    activity: Arc<Activity>,
    calls: JoinSet<()>,
}

impl Reader {
    pub(crate) fn new(
        stream: SplitStream<WebSocket>,
        app: AppState,
        out: mpsc::Sender<Out>,
        conn: CancellationToken,
        activity: Arc<Activity>,
    ) -> Self {
        Self {
            stream,
            app,
            out,
            conn,
            activity,
            calls: JoinSet::new(),
        }
    }

    /// Reads until the client closes, breaks the protocol, or the writer ends. Returning drops
    /// the sender and aborts calls in flight, which lets the writer drain and stop.
    pub(crate) async fn run(mut self) {
        loop {
            tokio::select! {
                // First: after the connection ended (e.g. its session logged out), nothing
                // more it sent is run.
                biased;
                _ = self.conn.cancelled() => break,
                Some(_) = self.calls.join_next(), if !self.calls.is_empty() => {}
                received = self.stream.next() => {
                    self.activity.touch();
                    let keep_going = match received {
                        None | Some(Ok(Message::Close(_))) => false,
                        Some(Ok(Message::Text(text))) => self.on_text(&text).await,
                        Some(Ok(Message::Binary(_))) => {
                            let why = "binary messages are not supported; send JSON text";
                            self.send(Out::Frame(frame::error(None, "unsupported_message", why))).await
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => true,
                        Some(Err(err)) => {
                            let close = if is_too_big(err) {
                                Out::Close(close_codes::MESSAGE_TOO_BIG, "message too big")
                            } else {
                                Out::Close(close_codes::PROTOCOL_ERROR, "protocol error")
                            };
                            self.send(close).await;
                            false
                        }
                    };
                    if !keep_going {
                        break;
                    }
                }
            }
        }
        self.calls.abort_all();
    }

    /// Handles one text message; false when the writer is gone.
    async fn on_text(&mut self, text: &Utf8Bytes) -> bool {
        let out = match inbound::parse(text.as_str()) {
            Err(rejected) => Out::Frame(frame::error(
                rejected.id.as_ref(),
                rejected.code,
                &rejected.message,
            )),
            Ok(Inbound::Subscribe {
                id,
                patterns,
                replace,
            }) => Out::Subscribe {
                id,
                patterns,
                replace,
            },
            Ok(Inbound::Unsubscribe { id, patterns }) => Out::Unsubscribe { id, patterns },
            Ok(Inbound::Resume { last_seq, epoch }) => Out::Resume { last_seq, epoch },
            Ok(Inbound::Ping { id }) => Out::Frame(frame::pong(id.as_ref())),
            Ok(Inbound::Request { id, method, params }) => {
                let app = self.app.clone();
                let busy_id = Some(id.clone());
                return self
                    .call(busy_id, async move {
                        dispatch::request(&app.services, id, &method, params).await
                    })
                    .await;
            }
            Ok(Inbound::Command(command)) => {
                let app = self.app.clone();
                let busy_id = command.id.clone();
                return self
                    .call(busy_id, async move {
                        dispatch::command(&app.services, command).await
                    })
                    .await;
            }
        };
        self.send(out).await
    }

    /// Runs a call concurrently, or answers `too_many_requests` when enough are in flight.
    async fn call<F>(&mut self, id: Option<Json>, answer: F) -> bool
    where
        F: Future<Output = Json> + Send + 'static,
    {
        if self.calls.len() >= self.app.ws.config.max_requests_in_flight {
            let why = "too many requests in flight on this connection; wait for answers";
            return self
                .send(Out::Frame(frame::error(
                    id.as_ref(),
                    "too_many_requests",
                    why,
                )))
                .await;
        }
        let out = self.out.clone();
        self.calls.spawn(async move {
            let frame = frame::text(&answer.await);
            let _ = out.send(Out::Frame(frame)).await;
        });
        true
    }

    /// Queues `out` for the writer; false when the writer is gone.
    async fn send(&self, out: Out) -> bool {
        self.out.send(out).await.is_ok()
    }
}

/// Whether a read failed because a message or frame exceeded the size limit.
fn is_too_big(err: axum::Error) -> bool {
    err.into_inner()
        .downcast_ref::<tungstenite::Error>()
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}

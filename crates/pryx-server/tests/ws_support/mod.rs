//! Shared setup for the `/ws` tests: a real host on an ephemeral port over the fixture adapters,
//! and a thin WebSocket client (tokio-tungstenite) that reads frames as JSON.

#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pryx_core_api::{ApprovalService, Event, EventPublisher, Value};
use pryx_server::{AdminToken, EventHub, RunningHost, WsConfig};
use pryx_testkit::{Fixture, TestAdapters};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct WsHost {
    pub host: RunningHost,
    pub addr: SocketAddr,
    pub hub: Arc<EventHub>,
    pub adapters: TestAdapters,
    pub approvals: ApprovalService,
    /// An HTTP client that sends the admin token.
    pub http: reqwest::Client,
    /// The admin token.
    pub token: AdminToken,
}

impl WsHost {
    /// A host with default `/ws` limits and a small hub (64 events).
    pub async fn start() -> Self {
        Self::with(WsConfig::default(), 64).await
    }

    /// A host with these `/ws` limits and a hub of `capacity` events.
    pub async fn with(config: WsConfig, capacity: usize) -> Self {
        let t = Fixture::default().adapters();
        let hub = EventHub::new(capacity);
        let approvals = ApprovalService::new(hub.clone());
        let token = AdminToken::generate();
        let host = common::host_builder(&t, hub.clone(), &token)
            .approvals(approvals.clone())
            .websocket(config)
            .start()
            .await
            .expect("host starts");
        let http = common::bearer_client(&token);
        Self {
            addr: host.local_addr(),
            host,
            hub,
            adapters: t,
            approvals,
            http,
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://{}/ws{}", self.addr, query)
    }

    /// An upgrade request for `/ws` + `query` that carries the admin token.
    pub fn ws_request(&self, query: &str) -> tungstenite::handshake::client::Request {
        let mut request = self.ws_url(query).into_client_request().unwrap();
        let bearer = format!("Bearer {}", self.token.expose());
        request
            .headers_mut()
            .insert("authorization", bearer.parse().unwrap());
        request
    }

    /// Connects to `/ws` + `query` (e.g. `?event=config.*`) with the admin token.
    pub async fn connect(&self, query: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(self.ws_request(query))
            .await
            .expect("upgrade");
        Client { ws }
    }

    /// Connects and reads the hello frame.
    pub async fn connect_hello(&self, query: &str) -> (Client, Json) {
        let mut client = self.connect(query).await;
        let hello = client.next().await;
        assert_eq!(hello["type"], "hello", "{hello}");
        (client, hello)
    }

    /// Publishes an event named `name` with `payload` straight into the hub.
    pub fn publish(&self, name: &str, payload: Json) {
        self.hub.publish(Event::new(name, to_value(payload)));
    }

    /// Publishes an event of a session.
    pub fn publish_in(&self, name: &str, session: &str) {
        let mut event = Event::new(name, Value::Null);
        event.session_id = Some(session.to_owned());
        self.hub.publish(event);
    }
}

pub fn to_value(json: Json) -> Value {
    serde_json::from_value(json).unwrap()
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// The next text frame as JSON (pings and pongs skipped); panics after [`WAIT`].
    pub async fn next(&mut self) -> Json {
        tokio::time::timeout(WAIT, self.next_text())
            .await
            .expect("a frame in time")
            .expect("a text frame, not the end of the connection")
    }

    /// The next text frame, or `None` when the connection ends first.
    pub async fn next_text(&mut self) -> Option<Json> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// The next frame of type `event`, skipping others.
    pub async fn next_event(&mut self) -> Json {
        loop {
            let frame = self.next().await;
            if frame["type"] == "event" {
                return frame;
            }
        }
    }

    /// Asserts nothing but pings arrives for `ms` milliseconds.
    pub async fn expect_silence(&mut self, ms: u64) {
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(ms), self.next_text()).await {
            panic!("expected silence, got {frame:?}");
        }
    }

    pub async fn send(&mut self, message: Json) {
        self.ws
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// Sends a request and returns the response with the same id (other frames skipped).
    pub async fn request(&mut self, id: Json, method: &str, params: Json) -> Json {
        self.send(json!({"type": "request", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let frame = self.next().await;
            if frame["type"] == "response" && frame["id"] == id {
                return frame;
            }
        }
    }

    /// Reads until the server closes; returns the close code, if a close frame came.
    pub async fn close_code(&mut self) -> Option<u16> {
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                }
            }
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("the server closes in time")
    }
}

/// A close code as tungstenite names it, for messages.
pub fn code_name(code: u16) -> String {
    format!("{:?}", CloseCode::from(code))
}

/// A WebSocket client by hand: it reads every frame but never answers a ping (what a hung
/// client that still has a socket looks like). Returns the stream after the upgrade.
pub async fn raw_connect(addr: SocketAddr, token: &AdminToken) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Authorization: Bearer {}\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        token.expose()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    tcp
}

/// Reads one unmasked server frame: its opcode and payload (`None` at the end of the stream).
pub async fn raw_frame(tcp: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let first = tcp.read_u8().await.ok()?;
    let len = match tcp.read_u8().await.ok()? & 0x7f {
        126 => u64::from(tcp.read_u16().await.ok()?),
        127 => tcp.read_u64().await.ok()?,
        n => u64::from(n),
    };
    let mut payload = vec![0; len as usize];
    tcp.read_exact(&mut payload).await.ok()?;
    Some((first & 0x0f, payload))
}

//! Issue 11, findings 3, 5 and 9: the browser session cookie is named for its port and lapses
//! when unused; logging out closes the `/ws` sockets opened with the session; the login
//! exchange checks Origin before reading a body and takes only a tiny one.

mod common;
mod raw_support;

use std::time::Duration;

use common::{TestHost, json};
use futures_util::{SinkExt, StreamExt};
use raw_support::exchange;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const WAIT: Duration = Duration::from_secs(5);

/// Logs a browser in: returns the cookie as `name=value`.
async fn login(h: &TestHost) -> String {
    let code = json(
        h.client
            .post(h.url("/api/v1/auth/login-codes"))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let res = h
        .anonymous
        .post(h.url("/api/v1/auth/session"))
        .header("origin", h.origin())
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().to_owned()
}

async fn read_config(h: &TestHost, cookie: &str) -> u16 {
    h.anonymous
        .get(h.url("/api/v1/config"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_session_cookie_is_named_for_its_port_and_lapses_when_unused() {
    let h = TestHost::start_with_policy(|policy| {
        policy.session_idle_ttl = Duration::from_millis(600);
    })
    .await;
    let port = h.host.local_addr().port();
    let cookie = login(&h).await;
    let (name, id) = cookie.split_once('=').unwrap();
    assert_eq!(name, format!("pryx_session_{port}"), "{cookie}");
    assert_eq!(
        read_config(&h, &format!("pryx_session={id}")).await,
        401,
        "the port-less name is not this host's cookie"
    );
    assert_eq!(
        read_config(&h, &format!("pryx_session_{}={id}", port.wrapping_add(1))).await,
        401,
        "another port's cookie is not this host's"
    );
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            read_config(&h, &cookie).await,
            200,
            "use renews the session"
        );
    }
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        read_config(&h, &cookie).await,
        401,
        "an unused session lapses"
    );
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/ws` with `headers` and reads its hello.
async fn open_ws(h: &TestHost, headers: &[(&'static str, String)]) -> Socket {
    let mut request = format!("ws://{}/ws", h.host.local_addr())
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let hello = next_text(&mut ws).await.expect("hello");
    assert_eq!(hello["type"], "hello");
    ws
}

/// The next text frame as JSON; `None` once the socket closed.
async fn next_text(ws: &mut Socket) -> Option<serde_json::Value> {
    let read = async {
        loop {
            match ws.next().await? {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(&t).unwrap()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("a frame in time")
}

/// Reads until the server's close frame; its code.
async fn close_code(ws: &mut Socket) -> Option<u16> {
    let read = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("closed in time")
}

fn patch(id: u32) -> Message {
    let request = json!({"type": "request", "id": id, "method": "config.patch",
        "params": {"patch": {"model_name": format!("after-logout-{id}")}}});
    Message::text(request.to_string())
}

#[tokio::test]
async fn logging_out_closes_the_sockets_opened_with_that_session() {
    let h = TestHost::start().await;
    let cookie = login(&h).await;
    let browser = [("cookie", cookie.clone()), ("origin", h.origin())];
    let mut session_ws = open_ws(&h, &browser).await;
    let bearer = format!("Bearer {}", h.token.expose());
    let mut token_ws = open_ws(&h, &[("authorization", bearer)]).await;

    let res = h
        .anonymous
        .delete(h.url("/api/v1/auth/session"))
        .header("cookie", &cookie)
        .header("origin", h.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    // Whatever the socket sends after the logout is not run.
    let _ = session_ws.send(patch(1)).await;
    assert_eq!(
        close_code(&mut session_ws).await,
        Some(4002),
        "session ended"
    );
    assert_eq!(h.adapters.config.saves(), 0, "no write after logout");
    let config = json(h.get("/api/v1/config").await, 200).await;
    assert_ne!(config["config"]["model_name"], "after-logout-1");

    // A socket opened with the admin token is not the session's: it stays.
    token_ws
        .send(Message::text(json!({"type": "ping", "id": 7}).to_string()))
        .await
        .unwrap();
    let pong = next_text(&mut token_ws)
        .await
        .expect("the token socket stays open");
    assert_eq!(pong["type"], "pong", "{pong}");
    // And a new socket with the dead cookie is refused.
    let mut request = format!("ws://{}/ws", h.host.local_addr())
        .into_client_request()
        .unwrap();
    for (name, value) in &browser {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
}

/// `POST /api/v1/auth/session` with `extra` header lines and `content-length`, sending `body`
/// and then nothing more.
fn login_exchange(h: &TestHost, extra: &str, content_length: u64, body: &str) -> String {
    format!(
        "POST /api/v1/auth/session HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         {extra}Content-Length: {content_length}\r\n\r\n{body}",
        h.host.local_addr()
    )
}

#[tokio::test]
async fn the_login_exchange_answers_before_reading_a_body() {
    let h = TestHost::start().await;
    let addr = h.host.local_addr();
    // No Origin: refused at once, though the body never comes.
    let res = exchange(addr, login_exchange(&h, "", 100, "{").as_bytes(), WAIT).await;
    assert_eq!(
        (res.status, res.error_code().as_str()),
        (403, "origin_required")
    );
    // Our Origin but a body larger than an anonymous request may send: refused at once.
    let origin = format!("Origin: {}\r\n", h.origin());
    for declared in [4097, 1_000_000] {
        let request = login_exchange(&h, &origin, declared, "{");
        let res = exchange(addr, request.as_bytes(), WAIT).await;
        assert_eq!(
            (res.status, res.error_code().as_str()),
            (413, "payload_too_large"),
            "Content-Length: {declared}"
        );
    }
    // Chunked, with no length declared: cut off once it passes the limit.
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {origin}Transfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("2000\r\n{{\"code\":\"{}\r\n", "a".repeat(0x2000 - 9));
    tcp.write_all(chunk.as_bytes()).await.unwrap();
    let res = raw_support::read_response(&mut tcp, WAIT).await;
    assert_eq!(
        (res.status, res.error_code().as_str()),
        (413, "payload_too_large")
    );
    // With the admin token the ordinary limit applies (the token is trusted).
    let res = h
        .client
        .post(h.url("/api/v1/auth/session"))
        .header("origin", h.origin())
        .json(&json!({"code": "x".repeat(8 * 1024)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "an unknown code, not a size refusal");
}

/// A session nobody uses any more lapses on its own: the `/ws` socket opened with it closes
/// (4002) without any further request to the host.
#[tokio::test]
async fn a_lapsed_session_closes_its_sockets_without_a_request() {
    let h = TestHost::start_with_policy(|policy| {
        policy.session_idle_ttl = Duration::from_millis(300);
    })
    .await;
    let cookie = login(&h).await;
    let browser = [("cookie", cookie.clone()), ("origin", h.origin())];
    let mut ws = open_ws(&h, &browser).await;
    assert_eq!(
        close_code(&mut ws).await,
        Some(4002),
        "the lapsed session's socket"
    );
    assert_eq!(
        read_config(&h, &cookie).await,
        401,
        "the cookie is no credential any more"
    );
}

/// The link a composition root shows at start logs a browser in once, like one from the API.
#[tokio::test]
async fn the_running_hosts_login_link_logs_a_browser_in_once() {
    let h = TestHost::start().await;
    let link = h.host.login_link();
    let port = h.base.rsplit(':').next().unwrap();
    assert_eq!(
        link.url,
        format!("http://127.0.0.1:{port}/#login={}", link.code)
    );
    assert_eq!(link.expires_in, Duration::from_secs(60));
    let trade = || {
        h.anonymous
            .post(h.url("/api/v1/auth/session"))
            .header("origin", h.origin())
            .json(&json!({"code": link.code}))
            .send()
    };
    assert_eq!(trade().await.unwrap().status(), 204);
    assert_eq!(trade().await.unwrap().status(), 401, "a code works once");
}

//! Issue 11, finding 4: sockets that send nothing, or send requests without a credential,
//! cannot hold the connection cap against the owner; refusals at the cap are logged at most
//! once per interval.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{TestHost, json};
use pryx_server::Limits;
use pryx_testkit::Fixture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A client that opens a fresh connection for every request, as a probe from a new process
/// would.
fn fresh_connection_client(h: &TestHost) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", h.token.expose());
    headers.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_is_answered_while_a_thousand_idle_sockets_are_held() {
    let h = TestHost::start().await;
    let addr = h.host.local_addr();
    let mut idle = Vec::new();
    for _ in 0..1030 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let probe = fresh_connection_client(&h);
    for i in 0..20 {
        let res = probe.get(h.url("/api/v1/health")).send().await;
        let res = res.unwrap_or_else(|e| panic!("probe {i} failed: {e}"));
        let health = json(res, 200).await;
        assert!(health["ports"].is_object(), "the authenticated answer");
    }
    drop(idle);
}

#[tokio::test]
async fn requests_without_a_credential_cannot_hold_the_cap_either() {
    let h = TestHost::start_custom(Fixture::default(), |b| {
        b.limits(Limits {
            max_connections: 8,
            ..Limits::default()
        })
    })
    .await;
    let addr = h.host.local_addr();
    // Unfinished login exchanges: requests in progress, but without a credential.
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/auth/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        held.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let probe = fresh_connection_client(&h);
    for _ in 0..5 {
        let res = probe.get(h.url("/api/v1/config")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
}

/// Everything logged in this test binary.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || LogSink(sink.clone()))
            .init();
        logs
    })
    .clone()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn refusals_at_the_cap_are_logged_once_per_interval() {
    let logs = captured_logs();
    let h = TestHost::start_custom(Fixture::default(), |b| {
        b.limits(Limits {
            max_connections: 4,
            ..Limits::default()
        })
    })
    .await;
    let addr = h.host.local_addr();
    // The owner's own requests in progress (authenticated, bodies still coming) fill the cap.
    let mut owner = Vec::new();
    for _ in 0..4 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "PUT /api/v1/config HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nIf-Match: \"r\"\r\nContent-Length: 100\r\n\r\n{{",
            h.token.expose()
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        owner.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..50 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 16];
        let closed = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await;
        assert!(
            matches!(closed, Ok(Ok(0) | Err(_))),
            "refused at the cap: {closed:?}"
        );
    }
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .filter(|l| l.contains("connection cap reached"))
        .count();
    // (The other tests of this binary never fill the cap with authenticated requests, so
    // they log no refusal.)
    assert_eq!(lines, 1, "50 refusals, one line:\n{text}");
    drop(owner);
}

#[tokio::test]
async fn a_socket_that_sends_no_request_head_is_closed_at_the_deadline() {
    let h = TestHost::start_custom(Fixture::default(), |b| {
        b.limits(Limits {
            header_read_timeout: Duration::from_millis(300),
            ..Limits::default()
        })
    })
    .await;
    let started = std::time::Instant::now();
    let mut tcp = TcpStream::connect(h.host.local_addr()).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(3), tcp.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "closed: {read:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

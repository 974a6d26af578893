//! `pryx watch` as a real process: against a real host, and against a stub WebSocket server
//! that records what the client sends (the token header, the resume position).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pryx_core_api::{Event, EventPublisher, Value};
use pryx_server::{Adapters, AdminToken, EventHub, Host, SecurityPolicy};
use pryx_testkit::Fixture;
use serde_json::{Value as Json, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

const WAIT: Duration = Duration::from_secs(20);

/// A running `pryx watch` with its output lines delivered on channels.
struct Watch {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Watch {
    fn spawn(args: &[&str], data_dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pryx"))
            .arg("watch")
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("PRYX_WS_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pryx starts");
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    fn wait_stderr(&self, needle: &str) -> String {
        loop {
            let line = self
                .stderr
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no stderr line containing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn next_stdout(&self) -> String {
        self.stdout.recv_timeout(WAIT).expect("a line on stdout")
    }

    /// Ctrl-C, then the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: sending a signal to a child process we spawned and still own.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("pryx watch did not exit on Ctrl-C");
    }
}

fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A host whose admin token is in `data_dir/admin.token`, where `pryx watch` finds it.
async fn host(data_dir: &std::path::Path) -> (pryx_server::RunningHost, std::sync::Arc<EventHub>) {
    let token = AdminToken::generate();
    std::fs::write(data_dir.join("admin.token"), token.expose()).unwrap();
    let t = Fixture::default().adapters();
    let hub = EventHub::new(64);
    let adapters = Adapters {
        config: t.config,
        skills: t.skills,
        runtime: t.runtime,
        telemetry: t.telemetry,
    };
    let host = Host::builder(adapters)
        .bind("127.0.0.1:0".parse().unwrap())
        .event_hub(hub.clone())
        .security(SecurityPolicy::new(token))
        .start()
        .await
        .unwrap();
    (host, hub)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_json_prints_subscribed_events_and_exits_0_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (host, hub) = host(dir.path()).await;
    let url = format!("ws://{}/ws", host.local_addr());
    let watch = Watch::spawn(
        &["--json", "--url", &url, "--event", "config.*"],
        dir.path(),
    );
    watch.wait_stderr("connected to pryx-host");

    hub.publish(Event::new("skills.changed", Value::Null));
    let mut event = Event::new(
        "config.changed",
        Value::map([("revision", Value::from("r2"))]),
    );
    event.session_id = Some("s1".into());
    hub.publish(event);

    let line = watch.next_stdout();
    let frame: Json = serde_json::from_str(&line).expect("one JSON frame per line");
    assert_eq!(frame["type"], "event");
    assert_eq!(
        frame["event"], "config.changed",
        "skills.changed was filtered"
    );
    assert_eq!(frame["seq"], 2);
    assert_eq!(frame["payload"], json!({"revision": "r2"}));
    assert_eq!(watch.interrupt(), Some(0));
    host.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_one_human_line_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let (host, hub) = host(dir.path()).await;
    let url = format!("ws://{}/ws", host.local_addr());
    let watch = Watch::spawn(&["--url", &url], dir.path());
    watch.wait_stderr("connected to pryx-host");
    let mut event = Event::new(
        "session.message",
        Value::map([("content", Value::from("hi"))]),
    );
    event.session_id = Some("s1".into());
    hub.publish(event);
    let line = watch.next_stdout();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[0], "1", "{line}");
    assert!(fields[1].ends_with('Z') && fields[1].len() == 13, "{line}");
    assert_eq!(
        &fields[2..],
        ["session.message", "s1", r#"{"content":"hi"}"#]
    );
    assert_eq!(watch.interrupt(), Some(0));
    host.shutdown().await.unwrap();
}

/// A stub host: records each upgrade request (URI and Authorization header); on the first
/// connection it greets, sends one event and hangs up; on the second it greets and waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sends_the_token_as_a_header_and_resumes_after_a_drop() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen_tx, seen) = mpsc::channel::<(String, Option<String>)>();
    tokio::spawn(async move {
        for n in 0.. {
            let (tcp, _) = listener.accept().await.unwrap();
            let seen_tx = seen_tx.clone();
            // The callback's error type is tungstenite's own HTTP response.
            #[allow(clippy::result_large_err)]
            let record = move |req: &Request, res: Response| {
                let auth = req
                    .headers()
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                seen_tx.send((req.uri().to_string(), auth)).unwrap();
                Ok(res)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, record)
                .await
                .unwrap();
            let hello = json!({"type": "hello", "server": {"name": "stub", "version": "0"},
                "protocol": 1, "epoch": "e1", "last_seq": 5, "subscriptions": ["config.*"]});
            ws.send(Message::text(hello.to_string())).await.unwrap();
            if n == 0 {
                let event = json!({"type": "event", "seq": 6, "event": "config.changed",
                    "payload": {}, "timestamp": "2026-01-01T00:00:00.000Z", "version": 1});
                ws.send(Message::text(event.to_string())).await.unwrap();
                drop(ws);
            } else {
                tokio::spawn(async move { while ws.next().await.is_some() {} });
            }
        }
    });

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("admin.token"), "tok-0123456789\n").unwrap();
    let url = format!("http://{addr}/ws");
    let watch = Watch::spawn(&["--url", &url, "--event", "config.*"], dir.path());

    let (first_uri, first_auth) = seen.recv_timeout(WAIT).unwrap();
    assert_eq!(first_uri, "/ws?event=config.*");
    assert_eq!(first_auth.as_deref(), Some("Bearer tok-0123456789"));
    assert!(watch.next_stdout().contains("config.changed"));
    watch.wait_stderr("reconnecting in");

    let (second_uri, second_auth) = seen.recv_timeout(WAIT).unwrap();
    assert_eq!(second_uri, "/ws?event=config.*&last_seq=6&epoch=e1");
    assert_eq!(second_auth.as_deref(), Some("Bearer tok-0123456789"));
    assert!(
        !second_uri.contains("tok-"),
        "the token never goes in a URL"
    );
    watch.wait_stderr("connected to stub");
    assert_eq!(watch.interrupt(), Some(0));
}

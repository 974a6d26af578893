//! In-process tests of the peer over `tokio::io::duplex` pipes.

use std::sync::Mutex as StdMutex;
use std::time::Instant;

use pryx_core_api::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

use super::*;
use crate::message::Params;

/// Echoes params back; `sleep` waits `ms` then answers; `fail` errors; `never` never answers;
/// `record` remembers the order of calls.
#[derive(Default)]
struct TestHandler {
    seen: StdMutex<Vec<i64>>,
}

impl Handler for TestHandler {
    fn handle(&self, method: &str, params: Params) -> Reply {
        match method {
            "echo" => Reply::Now(Ok(params.to_value())),
            "sleep" => {
                let v = params.to_value();
                let ms = v.as_map().and_then(|m| m.get("ms")).and_then(Value::as_i64);
                Reply::later(async move {
                    tokio::time::sleep(Duration::from_millis(ms.unwrap_or(0) as u64)).await;
                    Ok(v)
                })
            }
            "fail" => Reply::Now(Err(RpcError::new(-32004, "no such thing"))),
            "never" => Reply::later(std::future::pending()),
            "record" => {
                let n = params.to_value().as_i64().unwrap_or(-1);
                self.seen.lock().unwrap().push(n);
                Reply::Now(Ok(Value::Null))
            }
            other => Reply::Now(Err(RpcError::method_not_found(other))),
        }
    }
}

fn pair(server_config: PeerConfig) -> (Peer, Peer, Arc<TestHandler>) {
    let (a_out, b_in) = tokio::io::duplex(64 * 1024);
    let (b_out, a_in) = tokio::io::duplex(64 * 1024);
    let handler = Arc::new(TestHandler::default());
    let a = Peer::spawn(a_in, a_out, Arc::new(NoHandler), PeerConfig::default());
    let b = Peer::spawn(b_in, b_out, handler.clone(), server_config);
    (a, b, handler)
}

/// A peer whose other side is raw: the test writes and reads lines itself.
fn raw_peer() -> (Peer, DuplexStream, BufReader<DuplexStream>) {
    let (peer_out, test_in) = tokio::io::duplex(64 * 1024);
    let (test_out, peer_in) = tokio::io::duplex(64 * 1024);
    let peer = Peer::spawn(
        peer_in,
        peer_out,
        Arc::new(TestHandler::default()),
        PeerConfig {
            max_frame_bytes: 1024,
            ..PeerConfig::default()
        },
    );
    (peer, test_out, BufReader::new(test_in))
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn round_trip_and_rpc_errors_reach_the_caller() {
    let (a, _b, _) = pair(PeerConfig::default());
    let got: Value = a
        .call("echo", &serde_json::json!({"x": 1}), T)
        .await
        .unwrap();
    assert_eq!(got, Value::map([("x", Value::Int(1))]));
    let err = a.call::<_, Value>("fail", &(), T).await.unwrap_err();
    match err {
        IpcError::Rpc { method, error } => {
            assert_eq!(method, "fail");
            assert_eq!(error.code, -32004);
        }
        other => panic!("{other:?}"),
    }
    let err = a.call::<_, Value>("nope", &(), T).await.unwrap_err();
    assert!(matches!(err, IpcError::Rpc { ref error, .. } if error.code == -32601));
    assert_eq!(a.pending_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_get_their_own_answers() {
    let (a, _b, _) = pair(PeerConfig::default());
    let calls = (0..200).map(|i| {
        let a = a.clone();
        tokio::spawn(async move {
            let params = serde_json::json!({"i": i, "ms": (i * 7919) % 20});
            let got: serde_json::Value = a.call("sleep", &params, T).await.unwrap();
            assert_eq!(got, params);
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap();
    }
    assert_eq!(a.pending_calls(), 0);
}

#[tokio::test]
async fn a_silent_peer_times_out_and_the_call_is_forgotten() {
    let (a, _b, _) = pair(PeerConfig::default());
    let started = Instant::now();
    let err = a
        .call::<_, Value>("never", &(), Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(err, IpcError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(a.pending_calls(), 0);
}

#[tokio::test]
async fn closing_fails_pending_calls_at_once() {
    let (a, b, _) = pair(PeerConfig::default());
    let waiting = tokio::spawn({
        let a = a.clone();
        async move {
            a.call::<_, Value>("never", &(), Duration::from_secs(30))
                .await
        }
    });
    while a.pending_calls() == 0 {
        tokio::task::yield_now().await;
    }
    b.close("test closes the other side");
    let err = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("failed fast")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, IpcError::Closed { .. }), "{err:?}");
    assert!(a.closed().await.contains("closed its output"));
    let again = a.call::<_, Value>("echo", &(), T).await.unwrap_err();
    assert!(matches!(again, IpcError::Closed { .. }));
}

#[tokio::test]
async fn garbage_and_oversize_lines_are_skipped() {
    let (peer, mut to_peer, mut from_peer) = raw_peer();
    let call = tokio::spawn({
        let peer = peer.clone();
        async move { peer.call::<_, Value>("x", &(), T).await }
    });
    let mut request = String::new();
    from_peer.read_line(&mut request).await.unwrap();
    let request: serde_json::Value = serde_json::from_str(&request).unwrap();
    let id = request["id"].as_i64().unwrap();
    let mut junk = b"plain log line\n{not json\n[1,2]\n\xff\xfe\n{\"jsonrpc\":\"2.0\"}\n".to_vec();
    junk.extend(std::iter::repeat_n(b'{', 5000));
    junk.extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":1}\n");
    junk.extend_from_slice(
        format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":42}}\n").as_bytes(),
    );
    to_peer.write_all(&junk).await.unwrap();
    assert_eq!(call.await.unwrap().unwrap(), Value::Int(42));
    assert!(!peer.is_closed());
}

#[tokio::test]
async fn incoming_calls_are_answered_and_notifications_keep_their_order() {
    let (peer, mut to_peer, mut from_peer) = raw_peer();
    let mut lines = String::new();
    for i in 0..100 {
        lines.push_str(&format!(
            r#"{{"jsonrpc":"2.0","method":"record","params":{i}}}"#
        ));
        lines.push('\n');
    }
    lines.push_str(r#"{"jsonrpc":"2.0","id":"r1","method":"echo","params":{"k":"v"}}"#);
    lines.push('\n');
    lines.push_str(r#"{"jsonrpc":"2.0","id":2,"method":"unknown"}"#);
    lines.push('\n');
    to_peer.write_all(lines.as_bytes()).await.unwrap();
    let mut answer = String::new();
    from_peer.read_line(&mut answer).await.unwrap();
    assert_eq!(
        answer,
        "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"result\":{\"k\":\"v\"}}\n"
    );
    answer.clear();
    from_peer.read_line(&mut answer).await.unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["error"]["code"], -32601);
    drop(peer);
}

#[tokio::test]
async fn calls_beyond_the_concurrency_limit_are_refused_as_busy() {
    let (a, _b, _) = pair(PeerConfig {
        max_concurrent_requests: 1,
        ..PeerConfig::default()
    });
    let first = tokio::spawn({
        let a = a.clone();
        async move {
            a.call::<_, Value>("never", &(), Duration::from_millis(300))
                .await
        }
    });
    while a.pending_calls() == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let err = a.call::<_, Value>("never", &(), T).await.unwrap_err();
    assert!(
        matches!(err, IpcError::Rpc { ref error, .. } if error.code == crate::message::codes::BUSY),
        "{err:?}"
    );
    assert!(matches!(
        first.await.unwrap(),
        Err(IpcError::Timeout { .. })
    ));
}

#[tokio::test]
async fn a_dropped_call_leaves_nothing_pending() {
    let (a, _b, _) = pair(PeerConfig::default());
    let fut = a.call::<_, Value>("never", &(), T);
    let _ = tokio::time::timeout(Duration::from_millis(20), fut).await;
    assert_eq!(a.pending_calls(), 0);
}

//! Property tests: whatever bytes arrive on the pipe, the peer neither panics nor loses its
//! place — a valid answer sent after the junk still reaches the waiting call.

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use pryx_core_api::Value;
use pryx_ipc::message::{Line, Params, RpcError};
use pryx_ipc::{Handler, IpcError, Peer, PeerConfig, Reply, parse_line};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Answers every call it gets with its params (so junk that forms a request is answered too).
struct Echo;
impl Handler for Echo {
    fn handle(&self, method: &str, params: Params) -> Reply {
        if method.len() % 2 == 0 {
            Reply::Now(Ok(params.to_value()))
        } else {
            Reply::Now(Err(RpcError::method_not_found(method)))
        }
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\"",
    "\\",
    "\"jsonrpc\"",
    "\"2.0\"",
    "\"1.0\"",
    "\"id\"",
    "1",
    "2",
    "-7",
    "1e400",
    "18446744073709551616",
    "null",
    "true",
    "\"method\"",
    "\"x\"",
    "\"params\"",
    "\"result\"",
    "\"error\"",
    "{\"code\":-32601,\"message\":\"m\"}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\r",
    "\n",
    "é",
    "\u{feff}",
];

fn json_ish_line() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..40)
        .prop_map(|tokens| tokens.concat().into_bytes())
}

fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(json_ish_line(), 0..8).prop_map(|lines| lines.join(&b'\n')),
    ]
}

/// Feeds `junk` to a peer waiting for an answer to call 1, then the answer.
async fn survives(junk: &[u8]) -> Result<Value, IpcError> {
    let (peer_out, test_in) = tokio::io::duplex(1 << 16);
    let (mut test_out, peer_in) = tokio::io::duplex(1 << 16);
    let peer = Peer::spawn(
        peer_in,
        peer_out,
        Arc::new(Echo),
        PeerConfig {
            max_frame_bytes: 256,
            ..PeerConfig::default()
        },
    );
    let call = tokio::spawn({
        let peer = peer.clone();
        async move {
            peer.call::<_, Value>("probe", &(), Duration::from_secs(10))
                .await
        }
    });
    // Wait for the call to be on the wire, then drain what else the peer writes (answers to
    // junk that forms a request) so it never blocks.
    let mut lines = BufReader::new(test_in).lines();
    let sent = lines.next_line().await.unwrap().unwrap();
    assert!(sent.contains("\"id\":1"), "{sent}");
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    test_out.write_all(junk).await.unwrap();
    test_out
        .write_all(b"\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"ok\"}\n")
        .await
        .unwrap();
    let result = call.await.expect("the call task did not panic");
    peer.close("done");
    drain.abort();
    result
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn junk_never_breaks_the_peer(junk in junk()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let result = rt.block_on(survives(&junk));
        // Junk may itself answer call 1 (then with its own result or error); what must never
        // happen is a reader that died or lost its place (a timeout or a closed connection).
        prop_assert!(
            matches!(result, Ok(_) | Err(IpcError::Rpc { .. }) | Err(IpcError::BadResult { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn parse_line_never_panics(line in any::<String>()) {
        let _ = parse_line(&line);
    }

    #[test]
    fn parse_line_reads_every_valid_response(id in 1i64..i64::MAX, text in "[a-z ]{0,20}") {
        let line = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": text}).to_string();
        let parsed = matches!(parse_line(&line), Line::Message(_));
        prop_assert!(parsed);
    }
}

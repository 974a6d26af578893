//! `--stream-tokens-per-sec` (the chat-path bench's source), on the real binary: after the
//! handshake it publishes numbered `bench.token` events at the rate asked, each stamped with
//! CLOCK_MONOTONIC when it was written.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given, which lives on this stack.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[test]
fn tokens_are_numbered_stamped_and_paced_after_the_handshake() {
    let started_ns = monotonic_ns();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pryx-runtime-ref"))
        .args(["--stream-tokens-per-sec", "200"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the runtime starts");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // Nothing streams before the handshake.
    std::thread::sleep(Duration::from_millis(100));
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocol_version":"1.0","host":{{"name":"test"}}}}}}"#
    )
    .unwrap();
    let handshake = monotonic_ns();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tokens = Vec::new();
    while tokens.len() < 10 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("ten tokens within 10 s");
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue; // the runtime's plain log line
        };
        if message["method"] == "event.publish" && message["params"]["event"] == "bench.token" {
            let payload = &message["params"]["payload"];
            tokens.push((
                payload["n"].as_u64().unwrap(),
                payload["sent_ns"].as_u64().unwrap(),
            ));
        }
    }
    let received = monotonic_ns();
    let _ = child.kill();
    let _ = child.wait();
    let numbers: Vec<u64> = tokens.iter().map(|t| t.0).collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    for pair in tokens.windows(2) {
        assert!(pair[0].1 <= pair[1].1, "stamps in order: {tokens:?}");
    }
    let (first, last) = (tokens[0].1, tokens[9].1);
    assert!(
        first > handshake && first > started_ns && last <= received,
        "{tokens:?}"
    );
    // 200/s: token 10 is due 50 ms after the handshake, token 1 at 5 ms.
    assert!(
        last - first >= 40_000_000,
        "paced, not a burst: {} ms",
        (last - first) / 1_000_000
    );
}

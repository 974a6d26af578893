//! A 1 GiB line on the runtime's stdout: discarded as it streams by, never buffered. Its own
//! test binary, so the peak memory measured is this test's alone.

mod common;

use std::time::Duration;

use common::*;
use pryx_core_api::{RuntimeBridge, RuntimeState};

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_one_gibibyte_line_is_discarded_without_buffering() {
    let before = peak_rss_kib();
    let mut cfg = config(&["--huge-line-bytes", "1073741824"]);
    cfg.handshake_timeout = Duration::from_secs(60);
    let host = start(cfg);
    let ready = host.wait(|s| s.state == RuntimeState::Ready, "ready").await;
    assert_eq!(ready.restarts, 0);
    host.bridge.providers().await.unwrap();
    let grown = peak_rss_kib().saturating_sub(before);
    // The frame cap is 8 MiB; allow for it and the test's own allocations.
    assert!(grown < 64 * 1024, "peak RSS grew by {grown} KiB");
    host.bridge.shutdown().await;
}

//! Liveness pings against the real reference runtime: a runtime that predates `ping` stays
//! ready, a hung one is announced `unresponsive` and restarted, and `restart` starts a failed
//! one again with a fresh budget.

mod common;

use std::time::Duration;

use common::{config, start, timed};
use pryx_core_api::{RuntimeBridge, RuntimeState};

#[tokio::test]
async fn a_runtime_without_ping_counts_as_alive() {
    let mut cfg = config(&["--no-ping"]);
    cfg.ping_interval = Duration::from_millis(30);
    cfg.ping_misses = 2;
    let host = start(cfg);
    let ready = host.wait_state(RuntimeState::Ready).await;
    // Many intervals: every ping is answered -32601, which is an answer.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let now = host.bridge.status();
    assert_eq!(now.state, RuntimeState::Ready, "{now:?}");
    assert_eq!((now.pid, now.restarts), (ready.pid, 0));
    assert!(host.bridge.providers().await.is_ok());
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_hung_runtime_is_announced_unresponsive_then_restarted() {
    let dir = std::env::temp_dir().join(format!("pryx-liveness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hang = dir.join("hang");
    let mut cfg = config(&["--hang-while", hang.to_str().unwrap()]);
    cfg.ping_interval = Duration::from_millis(50);
    cfg.ping_misses = 3;
    let host = start(cfg);
    host.wait_state(RuntimeState::Ready).await;
    std::fs::write(&hang, b"").unwrap();
    let (_, took) = timed(host.wait(
        |s| s.state == RuntimeState::Restarting,
        "restarting after the hang",
    ))
    .await;
    assert!(took < Duration::from_millis(500), "{took:?}");
    // Every change is an event, so the short `unresponsive` phase is seen even when it is brief.
    let states: Vec<String> = host
        .events
        .named("runtime.status")
        .iter()
        .filter_map(|e| {
            e.payload
                .as_map()?
                .get("state")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let at = states.iter().position(|s| s == "unresponsive");
    assert!(at.is_some(), "{states:?}");
    assert_eq!(states[at.unwrap() + 1], "restarting", "{states:?}");
    std::fs::remove_file(&hang).unwrap();
    let back = host
        .wait(
            |s| s.state == RuntimeState::Ready && s.restarts >= 1,
            "ready again",
        )
        .await;
    assert!(back.pid.is_some());
    host.bridge.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn restart_gives_a_failed_runtime_a_fresh_budget() {
    let mut cfg = config(&["--crash-after", "0"]);
    cfg.restart.max_restarts = 1;
    let host = start(cfg);
    let failed = host.wait_state(RuntimeState::Failed).await;
    assert_eq!(failed.restarts, 1);
    // The budget is fresh: it is restarted once more before failing again.
    let after = host.bridge.restart().await.unwrap();
    assert!(after.restarts >= 2, "{after:?}");
    let failed = host
        .wait(
            |s| s.state == RuntimeState::Failed && s.restarts == 3,
            "failed again after one more restart",
        )
        .await;
    assert!(failed.detail.unwrap().contains("gave up after 1 restarts"));
    host.bridge.shutdown().await;
    let err = host.bridge.restart().await.unwrap_err();
    assert_eq!(err.code(), "runtime_unavailable");
}

//! Runtime faults through the real `pryx-core` binary and the real reference runtime: a runtime
//! that hangs while staying alive, a spent restart budget and the restart endpoint, and how
//! long SIGTERM takes with a quick and with a hung runtime.

mod common;

use std::time::{Duration, Instant};

use common::{Host, alive, reference_runtime};
use serde_json::Value;

fn state(runtime: &Value) -> &str {
    runtime["state"].as_str().unwrap_or("?")
}

/// Liveness settings for the tests: documented detection time is `(misses + 1) × interval`.
const PING_MS: u64 = 200;
const PING_MISSES: u64 = 3;

fn fast_pings() -> [(&'static str, String); 2] {
    [
        ("PRYX_RUNTIME_PING_INTERVAL_MS", PING_MS.to_string()),
        ("PRYX_RUNTIME_PING_MISSES", PING_MISSES.to_string()),
    ]
}

#[tokio::test]
async fn a_hung_runtime_is_caught_its_calls_fail_fast_and_it_is_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let hang = dir.path().join("hang");
    let hang_arg = hang.to_str().unwrap();
    let pings = fast_pings();
    let env: Vec<(&str, &str)> = pings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // It ignores SIGTERM too, so `unresponsive` lasts the kill grace (1 s) and health shows it.
    let host = Host::with_runtime(
        dir.path(),
        &reference_runtime(),
        &["--hang-while", hang_arg, "--ignore-sigterm"],
        &env,
    );
    let ready = host
        .wait_runtime(Duration::from_secs(10), |r| state(r) == "ready")
        .await;
    let pid = ready["pid"].as_i64().unwrap();

    std::fs::write(&hang, b"").unwrap();
    let hung_at = Instant::now();
    let in_flight = {
        let client = host.client.clone();
        let url = host.url("/api/v1/providers");
        tokio::spawn(async move {
            let started = Instant::now();
            let res = client.get(url).send().await.unwrap();
            (res.status(), started.elapsed())
        })
    };
    let unresponsive = host
        .wait_runtime(Duration::from_secs(5), |r| state(r) == "unresponsive")
        .await;
    let noticed = hung_at.elapsed();
    let documented = Duration::from_millis((PING_MISSES + 1) * PING_MS);
    println!("unresponsive after {noticed:?} (documented: within {documented:?})");
    assert!(
        noticed <= documented + Duration::from_millis(300),
        "{noticed:?}"
    );
    let detail = unresponsive["detail"].as_str().unwrap();
    assert!(detail.contains("no answer to 3 pings"), "{detail}");
    assert!(detail.contains("s ago"), "{detail}");

    // The call in flight failed when the runtime was declared unresponsive, not at 10 s.
    let (status, took) = in_flight.await.unwrap();
    println!("the call in flight failed after {took:?}");
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(2), "{took:?}");
    // New calls fail at once, with a retry hint: a restart follows.
    let started = Instant::now();
    let res = host
        .client
        .get(host.url("/api/v1/mcp/tools"))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "runtime_unavailable");
    println!("a call while unresponsive failed after {took:?}");
    assert!(took < Duration::from_millis(500), "{took:?}");

    // Restarted: the hung process is gone and a new one answers.
    std::fs::remove_file(&hang).unwrap();
    let back = host
        .wait_runtime(Duration::from_secs(10), |r| {
            state(r) == "ready" && r["restarts"].as_u64() >= Some(1)
        })
        .await;
    assert_ne!(back["pid"].as_i64(), Some(pid));
    assert!(!alive(pid), "the hung runtime {pid} was not killed");
    let res = host
        .client
        .get(host.url("/api/v1/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_spent_budget_fails_without_retry_after_and_restart_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let hang = dir.path().join("hang");
    std::fs::write(&hang, b"").unwrap();
    let env = [
        ("PRYX_RUNTIME_PING_INTERVAL_MS", "100"),
        ("PRYX_RUNTIME_PING_MISSES", "2"),
        ("PRYX_RUNTIME_MAX_RESTARTS", "1"),
    ];
    let mut host = Host::with_runtime(
        dir.path(),
        &reference_runtime(),
        &["--hang-while", hang.to_str().unwrap()],
        &env,
    );
    let failed = host
        .wait_runtime(Duration::from_secs(10), |r| state(r) == "failed")
        .await;
    let detail = failed["detail"].as_str().unwrap();
    assert!(detail.contains("gave up after 1 restarts"), "{detail}");
    assert!(detail.contains("stopped answering"), "{detail}");

    let res = host
        .client
        .get(host.url("/api/v1/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(
        !res.headers().contains_key("retry-after"),
        "a failed runtime suggests no retry time: {:?}",
        res.headers()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "runtime_unavailable");

    let res = reqwest::Client::new()
        .post(host.url("/api/v1/runtime/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the restart endpoint needs the token");

    std::fs::remove_file(&hang).unwrap();
    let res = host
        .client
        .post(host.url("/api/v1/runtime/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let status: Value = res.json().await.unwrap();
    assert_eq!(status["state"], "ready", "{status}");
    assert_eq!(status["restarts"], 2, "{status}");
    let res = host
        .client
        .get(host.url("/api/v1/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A fresh budget: a restart of a ready runtime works as well.
    let res = host
        .client
        .post(host.url("/api/v1/runtime/restart"))
        .send()
        .await
        .unwrap();
    let status: Value = res.json().await.unwrap();
    assert_eq!(
        (status["state"].as_str(), status["restarts"].as_u64()),
        (Some("ready"), Some(3))
    );
    let took = host.sigterm(Duration::from_secs(5));
    println!("exit after SIGTERM: {took:?}");
}

#[tokio::test]
async fn restart_without_a_runtime_is_a_clear_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let host = Host::start(dir.path());
    let res = host
        .client
        .post(host.url("/api/v1/runtime/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "runtime_not_configured");
    host.stop();
}

#[tokio::test]
async fn sigterm_with_a_quick_runtime_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::with_runtime(dir.path(), &reference_runtime(), &[], &[]);
    host.wait_runtime(Duration::from_secs(10), |r| state(r) == "ready")
        .await;
    // A kept-alive connection that has served requests, as a UI leaves one.
    for path in ["/api/v1/providers", "/api/v1/config", "/api/v1/skills"] {
        let res = host.client.get(host.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let took = host.sigterm(Duration::from_secs(5));
    println!("exit after SIGTERM with a quick runtime: {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn sigterm_with_a_hung_runtime_and_a_call_in_flight_is_bounded_by_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let hang = dir.path().join("hang");
    // Liveness off: the bound must hold even before a hang is noticed.
    let mut host = Host::with_runtime(
        dir.path(),
        &reference_runtime(),
        &["--hang-while", hang.to_str().unwrap()],
        &[("PRYX_RUNTIME_PING_INTERVAL_MS", "0")],
    );
    let ready = host
        .wait_runtime(Duration::from_secs(10), |r| state(r) == "ready")
        .await;
    let pid = ready["pid"].as_i64().unwrap();
    std::fs::write(&hang, b"").unwrap();
    let in_flight = {
        let client = host.client.clone();
        let url = host.url("/api/v1/providers");
        tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    // shutdown_grace 2 s (the call in flight, then `shutdown`, unanswered) + kill_grace 1 s.
    let documented = Duration::from_secs(3);
    let took = host.sigterm(Duration::from_secs(8));
    println!(
        "exit after SIGTERM with a hung runtime: {took:?} (documented: within {documented:?} + 0.5 s)"
    );
    assert!(took < documented + Duration::from_millis(500), "{took:?}");
    assert!(
        took >= Duration::from_secs(2),
        "the call in flight got its grace: {took:?}"
    );
    let answered = in_flight.await.unwrap();
    assert!(
        answered.as_ref().map_or(true, |s| *s == 503),
        "the call in flight failed or was cut, not answered: {answered:?}"
    );
    assert!(!alive(pid), "the hung runtime {pid} outlived the host");
}

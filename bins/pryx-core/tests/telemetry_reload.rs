//! Telemetry settings changed while the host runs (through the API, as the UI and `pryx config`
//! do): an opt-out stops everything leaving the machine at once, opting back in resumes, a new
//! endpoint waits for a restart, and a host started without export says a restart starts it.

mod common;

use std::time::Duration;

use common::Host;
use common::otlp::{Mode, Receiver, exporting, receiver, wait_for};
use serde_json::{Value, json};

async fn patch(host: &Host, body: Value) {
    let res = host
        .client
        .patch(host.url("/api/v1/config"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn export_status(host: &Host) -> Value {
    host.get("/api/v1/health").await["ports"]["telemetry_export"].clone()
}

/// Health says export is off, for a reason that names `why`.
async fn assert_paused(host: &Host, why: &str) {
    let t = export_status(host).await;
    assert_eq!(t["enabled"], false, "{t}");
    assert!(t["disabled_reason"].as_str().unwrap().contains(why), "{t}");
}

/// Lets what was in flight settle, makes `requests` health calls, and asserts the receiver got
/// nothing more; returns how many requests it had.
async fn assert_nothing_sent(host: &Host, rx: &Receiver, requests: usize, what: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rx.seen.lock().unwrap().requests.len();
    for _ in 0..requests {
        host.get("/api/v1/health").await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.seen.lock().unwrap().requests.len(), before, "{what}");
    before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opt_out_saved_while_running_stops_export_at_once_and_opting_in_resumes() {
    let rx = receiver(Mode::Accept).await;
    let tmp = tempfile::tempdir().unwrap();
    let host = Host::spawn(exporting(tmp.path(), &rx.url), tmp.path());
    host.get("/api/v1/health").await;
    wait_for("a first export", || {
        !rx.seen.lock().unwrap().requests.is_empty()
    })
    .await;

    patch(&host, json!({"telemetry": {"enabled": false}})).await;
    assert_paused(&host, "telemetry.enabled").await;
    // Whatever was in flight settles; from then on nothing is sent, however much happens.
    let before =
        assert_nothing_sent(&host, &rx, 20, "export went on after the opt-out was saved").await;

    patch(&host, json!({"telemetry": {"enabled": null}})).await;
    let t = export_status(&host).await;
    assert_eq!(t["enabled"], true, "{t}");
    host.get("/api/v1/health").await;
    wait_for("export to resume", || {
        rx.seen.lock().unwrap().requests.len() > before
    })
    .await;

    // `telemetry_disabled: true` (upstream's switch) stops it the same way.
    patch(&host, json!({"telemetry_disabled": true})).await;
    assert_paused(&host, "telemetry_disabled").await;
    host.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_endpoint_waits_for_a_restart_and_export_goes_nowhere_meanwhile() {
    let rx = receiver(Mode::Accept).await;
    let tmp = tempfile::tempdir().unwrap();
    // The endpoint comes from the config here, so that the config can move it.
    let mut cmd = exporting(tmp.path(), &rx.url);
    cmd.env_remove("PRYX_TELEMETRY_ENDPOINT");
    std::fs::write(
        tmp.path().join("config.yaml"),
        format!("telemetry:\n  endpoint: {}\n", rx.url),
    )
    .unwrap();
    let host = Host::spawn(cmd, tmp.path());
    host.get("/api/v1/health").await;
    wait_for("a first export", || {
        !rx.seen.lock().unwrap().requests.is_empty()
    })
    .await;

    patch(
        &host,
        json!({"telemetry": {"endpoint": "https://elsewhere.example.dev"}}),
    )
    .await;
    assert_paused(&host, "restart").await;
    assert_nothing_sent(&host, &rx, 1, "export went on to the old endpoint").await;
    host.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_configured_while_off_says_it_starts_with_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = common::command(tmp.path());
    cmd.env_remove("PRYX_TELEMETRY_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("DO_NOT_TRACK")
        .env_remove("PRYX_TELEMETRY_DISABLED")
        .env_remove("OTEL_SDK_DISABLED");
    let host = Host::spawn(cmd, tmp.path());
    let t = export_status(&host).await;
    assert_eq!(t["disabled_reason"], "no endpoint configured", "{t}");
    patch(
        &host,
        json!({"telemetry": {"endpoint": "https://t.example.dev"}}),
    )
    .await;
    let t = export_status(&host).await;
    assert_eq!(t["enabled"], false, "{t}");
    let why = t["disabled_reason"].as_str().unwrap();
    assert!(
        why.contains("https://t.example.dev") && why.contains("next start"),
        "{t}"
    );
    host.stop();
}

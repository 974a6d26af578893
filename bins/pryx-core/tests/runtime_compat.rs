//! Compatibility through the real `pryx-core` binary and real runtime processes: a runtime
//! without `initialize` (`pryx-runtime-legacy`, wire-compatible with today's Go runtime) is
//! served in legacy mode over HTTP, and the runtime timeouts are settable (by env here; the
//! flags are the same clap arguments).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Host, alive, sibling};
use serde_json::Value;

#[tokio::test]
async fn a_legacy_runtimes_providers_and_mcp_tools_are_served_and_health_says_legacy() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::with_runtime(dir.path(), &sibling("pryx-runtime-legacy"), &[], &[]);
    let runtime = host
        .wait_runtime(Duration::from_secs(10), |r| r["state"] == "ready")
        .await;
    assert_eq!(runtime["protocol_version"], "legacy");
    let missing = runtime["missing_features"].to_string();
    assert!(missing.contains("config_reload"), "{missing}");
    assert!(missing.contains("provider_catalog"), "{missing}");
    assert!(
        runtime["detail"]
            .as_str()
            .unwrap()
            .contains("legacy runtime"),
        "{runtime}"
    );

    let (status, providers) = host.get_with_status("/api/v1/providers").await;
    assert_eq!(status, 200, "{providers}");
    assert_eq!(providers["providers"][0]["id"], "openai", "{providers}");
    let (status, models) = host
        .get_with_status("/api/v1/providers/openai/models")
        .await;
    assert_eq!(status, 200, "{models}");
    assert_eq!(models["models"][0]["id"], "gpt-4", "{models}");
    let (status, missing) = host.get_with_status("/api/v1/providers/nope/models").await;
    assert_eq!(status, 404, "{missing}");
    assert_eq!(missing["error"]["code"], "provider_not_found");

    let (status, tools) = host.get_with_status("/api/v1/mcp/tools").await;
    assert_eq!(status, 200, "{tools}");
    let names: Vec<_> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["filesystem:read_file", "filesystem:list_dir"]);

    // No `shutdown` to ask it with: SIGTERM right away, so the host still stops quickly.
    let pid = runtime["pid"].as_i64().unwrap();
    let took = host.sigterm(Duration::from_secs(5));
    println!("host with a legacy runtime stopped in {took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(!alive(pid));
}

#[tokio::test]
async fn the_call_and_handshake_timeouts_are_set_by_env() {
    let dir = tempfile::tempdir().unwrap();
    let host = Host::with_runtime(
        dir.path(),
        &sibling("pryx-runtime-ref"),
        &["--slow-ms", "3000"],
        &[("PRYX_RUNTIME_CALL_TIMEOUT_MS", "300")],
    );
    host.wait_runtime(Duration::from_secs(10), |r| r["state"] == "ready")
        .await;
    let started = Instant::now();
    let (status, body) = host.get_with_status("/api/v1/providers").await;
    let took = started.elapsed();
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "runtime_timeout");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("300 ms"),
        "{body}"
    );
    println!("runtime_timeout after {took:?} with a 300 ms call timeout");
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(host);

    let dir = tempfile::tempdir().unwrap();
    let host = Host::with_runtime(
        dir.path(),
        &sibling("pryx-runtime-ref"),
        &["--slow-init-ms", "2000"],
        &[("PRYX_RUNTIME_HANDSHAKE_TIMEOUT_MS", "200")],
    );
    let restarting = host
        .wait_runtime(Duration::from_secs(5), |r| r["state"] == "restarting")
        .await;
    let detail = restarting["detail"].as_str().unwrap();
    assert!(detail.contains("within 200 ms"), "{detail}");
}

#[tokio::test]
async fn the_runtime_is_told_where_the_config_is_its_revision_and_the_changed_keys() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let record_arg = format!("--record={}", record.display());
    let host = Host::with_runtime(
        dir.path(),
        &sibling("pryx-runtime-ref"),
        &[record_arg.as_str()],
        &[],
    );
    host.wait_runtime(Duration::from_secs(10), |r| r["state"] == "ready")
        .await;
    let sent = |method: &str| -> Vec<Value> {
        std::fs::read_to_string(&record)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["method"] == method)
            .collect()
    };
    let init = sent("initialize")[0]["params"].clone();
    assert_eq!(init["host"]["name"], "pryx-core");
    assert_eq!(init["protocol_version"], "1.1");
    let data_dir = dir.path().canonicalize().unwrap();
    let named = PathBuf::from(init["data_dir"].as_str().unwrap());
    assert_eq!(named.canonicalize().unwrap(), data_dir);
    assert_eq!(
        PathBuf::from(init["config_path"].as_str().unwrap()),
        named.join("config.yaml")
    );
    // The revision is the one the API shows.
    let res = host
        .client
        .get(format!("{}/api/v1/config", host.base))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .to_owned();
    assert_eq!(init["config_revision"], etag.as_str());

    let res = host
        .client
        .patch(format!("{}/api/v1/config", host.base))
        .header("if-match", format!("\"{etag}\""))
        .json(&serde_json::json!({"model_name": "llama3.2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let written = res.headers()["etag"]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    let notice = loop {
        if let Some(n) = sent("config.changed").into_iter().next() {
            break n;
        }
        assert!(
            Instant::now() < deadline,
            "no config.changed reached the runtime"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(notice["params"]["revision"], written.as_str());
    assert_eq!(
        notice["params"]["changed"],
        serde_json::json!(["model_name"])
    );
}

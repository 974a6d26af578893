//! A runtime without `initialize` (today's Go runtime, played by `pryx-runtime-legacy`, a real
//! child process) is served in legacy mode: ready, `protocol_version: "legacy"`, what the mode
//! costs listed; providers, models and MCP tools read from the methods it has; its calls to the
//! host answered; its error shapes mapped; stopped with SIGTERM since it has no `shutdown`.

mod common;

use std::time::Duration;

use common::*;
use pryx_core_api::{CoreError, RuntimeBridge, RuntimeState, Value};
use pryx_ipc::SidecarConfig;
use serde_json::json;

fn legacy(args: &[&str]) -> SidecarConfig {
    let mut config = config(args);
    config.program = LEGACY.into();
    config
}

#[tokio::test]
async fn a_runtime_without_initialize_is_served_in_legacy_mode() {
    let host = start(legacy(&["--tag", "legacy-mode"]));
    let status = host.wait_state(RuntimeState::Ready).await;
    assert_eq!(status.protocol_version.as_deref(), Some("legacy"));
    assert_eq!(status.version, None);
    for feature in [
        "handshake",
        "config_reload",
        "graceful_shutdown",
        "host_events",
        "provider_catalog",
    ] {
        assert!(
            status.missing_features.iter().any(|f| f == feature),
            "{feature} missing from {:?}",
            status.missing_features
        );
    }
    let detail = status.detail.clone().unwrap_or_default();
    assert!(detail.contains("legacy runtime"), "{detail}");
    // The status event says the same.
    let announced = host.events.named("runtime.status");
    assert!(announced.iter().any(|e| {
        let p = serde_json::to_value(&e.payload).unwrap();
        p["protocol_version"] == "legacy" && p["missing_features"][0] == "handshake"
    }));

    // No admin.providers.list: the provider comes from its config (`model_provider`).
    let providers = host.bridge.providers().await.unwrap();
    let ids: Vec<_> = providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["openai"]);
    assert!(providers[0].configured);
    let models = host.bridge.provider_models("openai").await.unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].id, "gpt-4");
    assert!(matches!(
        host.bridge.provider_models("nope").await,
        Err(CoreError::ProviderNotFound { .. })
    ));

    let tools = host.bridge.mcp_tools().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["filesystem:read_file", "filesystem:list_dir"]);
    assert!(tools[0].input_schema.is_some());

    // Its error shapes: a failing handler is -32603 with the error's text; an unknown method
    // (the agent calls it does not have) is -32601; a result-less answer would be null.
    let err = host
        .bridge
        .call("admin.cost.summary", Value::Null)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CoreError::RuntimeFailed { code: -32603, message, .. } if message == "no active session"),
        "{err:?}"
    );
    let err = host
        .bridge
        .call("chat.send", Value::map([("content", Value::from("hi"))]))
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::RuntimeFailed { code: -32601, .. }));
    let skills = host
        .bridge
        .call("admin.skills.list", Value::Null)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&skills).unwrap()["skills"][0]["id"],
        "summarize"
    );

    // Notifications are not sent to it (it would answer them as calls with id 0).
    host.bridge
        .notify(pryx_core_api::ChangeNotice::SkillToggled {
            id: "summarize".into(),
            enabled: false,
        })
        .await
        .unwrap();

    // It has no `shutdown`: it is stopped with SIGTERM as soon as its calls are done, and it
    // does not wait for the grace period a protocol runtime gets.
    let pid = host.bridge.status().pid.unwrap();
    let ((), took) = timed(shutdown_and_check(&host, &[pid])).await;
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[tokio::test]
async fn a_legacy_runtime_with_a_provider_list_is_asked_for_it() {
    let host = start(legacy(&["--providers", "--no-mcp"]));
    let status = host.wait_state(RuntimeState::Ready).await;
    assert_eq!(status.protocol_version.as_deref(), Some("legacy"));
    assert!(
        !status
            .missing_features
            .iter()
            .any(|f| f == "provider_catalog"),
        "{:?}",
        status.missing_features
    );
    let providers = host.bridge.providers().await.unwrap();
    let names: Vec<_> = providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["OpenAI", "Ollama"]);
    // Without admin.providers.models, the models come from the config.
    let models = host.bridge.provider_models("openai").await.unwrap();
    assert_eq!(models[0].id, "gpt-4");
    // A listed provider that is not the configured one has no models it could name...
    assert_eq!(host.bridge.provider_models("ollama").await.unwrap(), []);
    // ... and one that is not listed does not exist.
    assert!(matches!(
        host.bridge.provider_models("nope").await,
        Err(CoreError::ProviderNotFound { .. })
    ));
    // `{"tools": null}` (Go's empty list) is no tools, not an invalid result.
    assert_eq!(host.bridge.mcp_tools().await.unwrap(), []);
    let pid = status.pid.unwrap();
    shutdown_and_check(&host, &[pid]).await;
}

#[tokio::test]
async fn the_calls_a_legacy_runtime_makes_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let asked = dir.path().join("asked.jsonl");
    let host = start(legacy(&["--ask", asked.to_str().unwrap()]));
    host.wait_state(RuntimeState::Ready).await;
    // permission.request {description, intent} waits for a person.
    let pending = eventually(Duration::from_secs(5), "an approval request", || {
        host.approvals.pending().into_iter().next()
    })
    .await;
    assert_eq!(
        pending.request.description,
        "Allow tool call: mcp.filesystem.read_file"
    );
    assert_eq!(
        pending.request.intent.as_deref(),
        Some("read README.md to answer the question")
    );
    host.approvals.resolve(&pending.id, true).unwrap();
    let answers = eventually(Duration::from_secs(5), "six answers", || {
        let lines = json_lines(&asked);
        (lines.len() == 6).then_some(lines)
    })
    .await;
    let answer = |method: &str| {
        answers
            .iter()
            .find(|a| a["method"] == method)
            .unwrap_or_else(|| panic!("no answer to {method}: {answers:?}"))["answer"]
            .clone()
    };
    let permission = answer("permission.request");
    assert_eq!(permission["id"], 2, "its ids start at 2: {permission}");
    assert_eq!(permission["result"]["approved"], true);
    assert_eq!(answer("notification.show")["result"], json!({}));
    for method in [
        "clipboard.writeText",
        "clipboard.readText",
        "updater.check",
        "updater.install",
    ] {
        assert_eq!(answer(method)["error"]["code"], -32001, "{method}");
    }
    let shown = host.events.named("notification.show");
    assert_eq!(
        serde_json::to_value(&shown[0].payload).unwrap()["title"],
        "Task done"
    );
    assert_eq!(host.events.named("approval.resolved").len(), 1);
    let pid = host.bridge.status().pid.unwrap();
    shutdown_and_check(&host, &[pid]).await;
}

#[tokio::test]
async fn a_legacy_runtime_answering_pings_with_method_not_found_stays_ready() {
    let mut config = legacy(&[]);
    config.ping_interval = Duration::from_millis(100);
    config.ping_misses = 2;
    let host = start(config);
    let ready = host.wait_state(RuntimeState::Ready).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let now = host.bridge.status();
    assert_eq!(now.state, RuntimeState::Ready, "{now:?}");
    assert_eq!(now.pid, ready.pid);
    assert_eq!(now.restarts, 0);
    shutdown_and_check(&host, &[ready.pid.unwrap()]).await;
}

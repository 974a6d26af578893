//! The sidecar bridge against the real reference runtime: round trips, errors, timeouts,
//! misbehaviour, restarts, shutdown, notifications, and the scripted agent with approvals.

mod common;

use std::time::Duration;

use common::*;
use pryx_core_api::{ChangeNotice, CoreError, Revision, RuntimeBridge, RuntimeState, Value};
use serde_json::json;

fn value(json: serde_json::Value) -> Value {
    serde_json::from_value(json).unwrap()
}

fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

#[tokio::test]
async fn round_trips_answer_from_the_fixture() {
    let host = start(config(&[]));
    assert_eq!(host.bridge.status().state, RuntimeState::Starting);
    let ready = host.wait_state(RuntimeState::Ready).await;
    assert_eq!(ready.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(ready.protocol_version.as_deref(), Some("1.0"));
    let pid = ready.pid.expect("a pid");

    let providers = host.bridge.providers().await.unwrap();
    let ids: Vec<_> = providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["openai", "anthropic", "ollama"]);
    assert!(providers[0].requires_api_key && providers[2].configured);
    let models = host.bridge.provider_models("openai").await.unwrap();
    assert_eq!(models[0].id, "gpt-4o");
    let tools = host.bridge.mcp_tools().await.unwrap();
    assert_eq!(tools[0].name, "fs:read_file");
    assert_eq!(
        to_json(tools[0].input_schema.as_ref().expect("input schema"))["required"],
        json!(["path"])
    );
    let health = host.bridge.call("admin.health", Value::Null).await.unwrap();
    assert_eq!(to_json(&health)["status"], "ok");
    let config = host
        .bridge
        .call("admin.config.get", Value::Null)
        .await
        .unwrap();
    assert_eq!(to_json(&config)["model_provider"], "ollama");

    let states: Vec<_> = host
        .events
        .named("runtime.status")
        .iter()
        .map(|e| to_json(&e.payload)["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states.first().map(String::as_str), Some("starting"));
    assert_eq!(states.last().map(String::as_str), Some("ready"));
    shutdown_and_check(&host, &[pid]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_get_their_own_answers() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    let calls: Vec<_> = (0..200)
        .map(|i| {
            let bridge = host.bridge.clone();
            tokio::spawn(async move {
                let got = bridge
                    .call("debug.echo", value(json!({"i": i})))
                    .await
                    .unwrap();
                assert_eq!(to_json(&got), json!({"i": i}));
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn runtime_errors_reach_the_caller() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    // The runtime's -32004 (not found) on a models call is the domain's "no such provider".
    assert_eq!(
        host.bridge.provider_models("nope").await.unwrap_err(),
        CoreError::ProviderNotFound { id: "nope".into() }
    );
    let err = host
        .bridge
        .call("no.such.method", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "runtime_error");
    assert!(matches!(err, CoreError::RuntimeFailed { code: -32601, .. }));
    let err = host.bridge.call("shutdown", Value::Null).await.unwrap_err();
    assert!(
        matches!(err, CoreError::RuntimeFailed { code: -32600, .. }),
        "{err:?}"
    );
    assert_eq!(host.bridge.status().state, RuntimeState::Ready);
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_silent_runtime_fails_calls_with_runtime_timeout_in_time() {
    let mut cfg = config(&["--hang"]);
    cfg.call_timeout = Duration::from_millis(300);
    cfg.shutdown_grace = Duration::from_millis(200);
    let host = start(cfg);
    let pid = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let bridge = host.bridge.clone();
            tokio::spawn(async move { timed(bridge.providers()).await })
        })
        .collect();
    for call in calls {
        let (result, took) = call.await.unwrap();
        let err = result.unwrap_err();
        assert_eq!(err.code(), "runtime_timeout", "{err:?}");
        assert!(
            took >= Duration::from_millis(290) && took < Duration::from_millis(800),
            "{took:?}"
        );
    }
    // It ignores `shutdown` too: the host escalates to SIGTERM after the grace period.
    let (_, took) = timed(host.bridge.shutdown()).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(!alive(pid));
}

#[tokio::test]
async fn a_runtime_that_ignores_sigterm_is_killed() {
    let mut cfg = config(&[]);
    cfg.program = "sh".into();
    cfg.args = vec![
        "-c".into(),
        "trap '' TERM; exec \"$0\" --hang".into(),
        RUNTIME.into(),
    ];
    cfg.shutdown_grace = Duration::from_millis(200);
    cfg.kill_grace = Duration::from_millis(200);
    let host = start(cfg);
    let pid = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    let (_, took) = timed(host.bridge.shutdown()).await;
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert!(!alive(pid));
}

#[tokio::test]
async fn garbage_and_an_oversize_first_line_are_skipped() {
    let mut cfg = config(&["--garbage", "--huge-line-bytes", "20000000"]);
    cfg.max_frame_bytes = 1024 * 1024;
    let host = start(cfg);
    host.wait_state(RuntimeState::Ready).await;
    for i in 0..50 {
        let got = host
            .bridge
            .call("debug.echo", value(json!({"i": i})))
            .await
            .unwrap();
        assert_eq!(to_json(&got)["i"], i);
    }
    assert_eq!(host.bridge.status().restarts, 0);
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_protocol_mismatch_fails_with_a_clear_detail() {
    let host = start(config(&["--protocol-version", "2.0"]));
    let failed = host.wait_state(RuntimeState::Failed).await;
    let detail = failed.detail.unwrap();
    assert!(detail.contains("protocol 2.0"), "{detail}");
    assert!(detail.contains("major versions differ"), "{detail}");
    assert_eq!(failed.restarts, 0);
    let (err, took) = timed(host.bridge.providers()).await;
    match err.unwrap_err() {
        CoreError::RuntimeUnavailable {
            reason,
            retry_after_secs,
        } => {
            assert!(reason.contains("major versions differ"), "{reason}");
            assert_eq!(retry_after_secs, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_millis(50));
    host.bridge.shutdown().await;
    assert_eq!(host.bridge.status().state, RuntimeState::Stopped);
}

#[tokio::test]
async fn a_crashed_runtime_is_restarted_and_serves_again() {
    let host = start(config(&["--crash-after", "3"]));
    let first = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    for _ in 0..3 {
        host.bridge.providers().await.unwrap();
    }
    let again = host
        .wait(
            |s| s.state == RuntimeState::Ready && s.pid != Some(first),
            "ready again",
        )
        .await;
    assert_eq!(again.restarts, 1);
    assert!(!alive(first));
    host.bridge.providers().await.unwrap();
    let restarting = host
        .events
        .named("runtime.status")
        .into_iter()
        .map(|e| to_json(&e.payload))
        .find(|p| p["state"] == "restarting")
        .expect("a restarting event");
    let detail = restarting["detail"].as_str().unwrap();
    assert!(detail.contains("exit status 1"), "{detail}");
    assert!(
        restarting["last_stderr"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("--crash-after 3")),
        "{restarting}"
    );
    shutdown_and_check(&host, &[again.pid.unwrap()]).await;
}

#[tokio::test]
async fn calls_while_restarting_fail_fast_with_a_retry_hint() {
    let mut cfg = config(&["--crash-after", "0"]);
    cfg.restart.base = Duration::from_secs(3);
    cfg.restart.max = Duration::from_secs(3);
    cfg.restart.jitter = 0.0;
    let host = start(cfg);
    host.wait_state(RuntimeState::Restarting).await;
    let (err, took) = timed(host.bridge.mcp_tools()).await;
    match err.unwrap_err() {
        CoreError::RuntimeUnavailable {
            reason,
            retry_after_secs,
        } => {
            assert!(reason.contains("restarting"), "{reason}");
            assert!(
                matches!(retry_after_secs, Some(2..=4)),
                "{retry_after_secs:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_millis(50));
    let (_, took) = timed(host.bridge.shutdown()).await;
    assert!(
        took < Duration::from_secs(1),
        "shutdown waits for no backoff: {took:?}"
    );
}

#[tokio::test]
async fn a_spent_budget_fails_with_the_last_stderr_lines() {
    let mut cfg = config(&["--crash-after", "0"]);
    cfg.restart.max_restarts = 2;
    let host = start(cfg);
    let failed = host.wait_state(RuntimeState::Failed).await;
    assert_eq!(failed.restarts, 2);
    let detail = failed.detail.unwrap();
    assert!(detail.contains("gave up after 2 restarts"), "{detail}");
    assert!(
        failed
            .last_stderr
            .iter()
            .any(|l| l.contains("--crash-after 0: exiting with status 1")),
        "{:?}",
        failed.last_stderr
    );
    assert_eq!(
        host.bridge.providers().await.unwrap_err().code(),
        "runtime_unavailable"
    );
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_missing_program_fails_after_the_budget() {
    let mut cfg = config(&[]);
    cfg.program = "/nonexistent/pryx-runtime".into();
    cfg.restart.max_restarts = 1;
    let host = start(cfg);
    let failed = host.wait_state(RuntimeState::Failed).await;
    let detail = failed.detail.unwrap();
    assert!(detail.contains("cannot start the runtime"), "{detail}");
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn change_notices_reach_the_runtime() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    host.bridge
        .notify(ChangeNotice::ConfigChanged {
            revision: Revision("r7".into()),
            changed: vec!["model_name".into()],
        })
        .await
        .unwrap();
    host.bridge
        .notify(ChangeNotice::SkillToggled {
            id: "summarize".into(),
            enabled: false,
        })
        .await
        .unwrap();
    let health = to_json(&host.bridge.call("admin.health", Value::Null).await.unwrap());
    assert_eq!(health["received"]["config_changed"], 1);
    assert_eq!(health["received"]["last_config_revision"], "r7");
    assert_eq!(
        health["received"]["skills_changed"],
        json!([{"id": "summarize", "enabled": false}])
    );
    host.bridge.shutdown().await;
    let err = host
        .bridge
        .notify(ChangeNotice::ConfigChanged {
            revision: Revision("r8".into()),
            changed: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "runtime_unavailable");
}

/// The text streamed in `session` so far, once a chunk with `done: true` arrived.
fn streamed(host: &Host, session: &str) -> Option<String> {
    let chunks: Vec<_> = host
        .events
        .named("session.message")
        .into_iter()
        .filter(|e| e.session_id.as_deref() == Some(session))
        .map(|e| to_json(&e.payload))
        .collect();
    let done = chunks.last().is_some_and(|c| c["done"] == true);
    done.then(|| {
        chunks
            .iter()
            .map(|c| c["content"].as_str().unwrap())
            .collect()
    })
}

#[tokio::test]
async fn a_chat_message_streams_a_reply() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    let accepted = host
        .bridge
        .call(
            "chat.send",
            value(json!({"session_id": "s1", "content": "hello there world"})),
        )
        .await
        .unwrap();
    assert_eq!(to_json(&accepted)["accepted"], true);
    let text = eventually(Duration::from_secs(5), "the streamed reply", || {
        streamed(&host, "s1")
    })
    .await;
    assert_eq!(text, "You said: hello there world");
    assert!(host.events.named("session.message").len() >= 5);
    // Every chunk names the reply and the message it answers (the id chat.send returned).
    let asked = to_json(&accepted)["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for chunk in host.events.named("session.message") {
        let chunk = to_json(&chunk.payload);
        assert_eq!(chunk["reply_to"], asked.as_str(), "{chunk}");
        assert_eq!(chunk["message_id"], format!("{asked}-reply"), "{chunk}");
    }
    let metric = eventually(Duration::from_secs(5), "a telemetry record", || {
        host.telemetry.0.lock().unwrap().first().cloned()
    })
    .await;
    assert_eq!(metric.name, "agent.reply.chunks");
    let sessions = to_json(
        &host
            .bridge
            .call("sessions.list", Value::Null)
            .await
            .unwrap(),
    );
    assert_eq!(sessions["sessions"][0]["id"], "s1");
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_tool_request_waits_for_approval_and_continues() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    host.bridge
        .call(
            "chat.send",
            value(json!({"session_id": "s2", "content": "please use tool"})),
        )
        .await
        .unwrap();
    let pending = eventually(Duration::from_secs(5), "an approval request", || {
        host.approvals.pending().into_iter().next()
    })
    .await;
    assert_eq!(pending.request.tool.as_deref(), Some("fs:read_file"));
    assert_eq!(pending.request.session_id.as_deref(), Some("s2"));
    let needed = host.events.named("approval.needed");
    assert_eq!(
        to_json(&needed[0].payload)["approval_id"],
        pending.id.as_str()
    );
    assert!(
        streamed(&host, "s2").is_none(),
        "the agent waits for the answer"
    );
    host.approvals.resolve(&pending.id, true).unwrap();
    let text = eventually(Duration::from_secs(5), "the reply", || {
        streamed(&host, "s2")
    })
    .await;
    assert!(text.contains("I read README.md"), "{text}");
    assert_eq!(host.events.named("tool.executing").len(), 1);
    assert_eq!(host.events.named("tool.complete").len(), 1);
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_permission_request_is_denied() {
    let mut cfg = config(&[]);
    cfg.approval_timeout = Duration::from_millis(200);
    let host = start(cfg);
    host.wait_state(RuntimeState::Ready).await;
    host.bridge
        .call(
            "chat.send",
            value(json!({"session_id": "s3", "content": "Use tool now"})),
        )
        .await
        .unwrap();
    let text = eventually(Duration::from_secs(5), "the reply", || {
        streamed(&host, "s3")
    })
    .await;
    assert!(text.contains("Permission denied"), "{text}");
    assert!(text.contains("nobody answered in time"), "{text}");
    assert!(host.events.named("tool.executing").is_empty());
    assert!(host.approvals.pending().is_empty());
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn periodic_ticks_are_published() {
    let host = start(config(&["--tick-ms", "20"]));
    host.wait_state(RuntimeState::Ready).await;
    eventually(Duration::from_secs(5), "three ticks", || {
        (host.events.named("runtime.tick").len() >= 3).then_some(())
    })
    .await;
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_idempotent() {
    let host = start(config(&[]));
    let pid = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    let (_, took) = timed(host.bridge.shutdown()).await;
    assert!(
        took < Duration::from_secs(1),
        "a cooperative runtime exits when asked: {took:?}"
    );
    assert!(!alive(pid));
    let (_, again) = timed(host.bridge.shutdown()).await;
    assert!(again < Duration::from_millis(50));
    assert_eq!(host.bridge.status().state, RuntimeState::Stopped);
    assert_eq!(
        host.bridge.providers().await.unwrap_err().code(),
        "runtime_unavailable"
    );
}

#[tokio::test]
async fn a_call_in_flight_when_the_runtime_dies_fails_at_once() {
    let mut cfg = config(&["--slow-ms", "3000"]);
    cfg.call_timeout = Duration::from_secs(10);
    let host = start(cfg);
    let pid = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    let call = tokio::spawn({
        let bridge = host.bridge.clone();
        async move { timed(bridge.providers()).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
    }
    let (result, took) = call.await.unwrap();
    let err = result.unwrap_err();
    assert_eq!(err.code(), "runtime_unavailable", "{err:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    host.wait(
        |s| s.state == RuntimeState::Ready && s.pid != Some(pid),
        "ready again",
    )
    .await;
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_runtime_that_never_shakes_hands_times_out_and_is_killed() {
    let mut cfg = config(&[]);
    cfg.program = "sh".into();
    cfg.args = vec!["-c".into(), "exec sleep 30".into()];
    cfg.handshake_timeout = Duration::from_millis(200);
    cfg.restart.max_restarts = 1;
    let host = start(cfg);
    let pid = host
        .wait(
            |s| s.state == RuntimeState::Starting && s.pid.is_some(),
            "a pid",
        )
        .await
        .pid
        .unwrap();
    let failed = host.wait_state(RuntimeState::Failed).await;
    let detail = failed.detail.unwrap();
    assert!(
        detail.contains("did not answer initialize within 200 ms"),
        "{detail}"
    );
    assert_eq!(failed.restarts, 1);
    assert!(!alive(pid));
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn a_runtime_without_initialize_is_served_in_legacy_mode_not_failed() {
    // Like today's runtime: it answers -32601 to a method it does not know. (Protocol 1.0 marked
    // it `failed`; 1.1 serves it in legacy mode, docs/ipc-protocol.md §10.) This one then stops
    // reading, so the probe for `admin.providers.list` gets no answer and readiness waits at
    // most 2 s for it.
    let mut cfg = config(&[]);
    cfg.program = "sh".into();
    cfg.args = vec![
        "-c".into(),
        r#"read line; echo 'starting (a log line)'; echo '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found"}}'; exec sleep 30"#.into(),
    ];
    let host = start(cfg);
    let (ready, took) = timed(host.wait_state(RuntimeState::Ready)).await;
    assert_eq!(ready.protocol_version.as_deref(), Some("legacy"));
    assert!(
        ready
            .detail
            .unwrap()
            .contains("does not implement `initialize`"),
        "the detail says why"
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(ready.restarts, 0);
    host.bridge.shutdown().await;
}

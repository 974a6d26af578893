//! Protocol 1.1 with real processes: what `initialize` and `config.changed` tell the runtime,
//! no `shutdown` before the handshake, waiting approvals answered at shutdown, the runtime's
//! error `data` kept, params always objects — and a 1.0 runtime (the reference runtime announces
//! 1.0) keeps working unchanged. What the host sent is read from the runtime's `--record` file.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use pryx_core_api::{ChangeNotice, CoreError, Revision, RuntimeBridge, RuntimeState, Value};
use serde_json::json;

fn sent(record: &Path, method: &str) -> Vec<serde_json::Value> {
    json_lines(record)
        .into_iter()
        .filter(|m| m["method"] == method)
        .collect()
}

#[tokio::test]
async fn initialize_names_the_host_data_dir_config_and_revision_and_a_1_0_runtime_is_ready() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let mut cfg = config(&["--record", record.to_str().unwrap()]);
    cfg.data_dir = Some(dir.path().to_path_buf());
    cfg.config_path = Some(dir.path().join("config.yaml"));
    cfg.config_revision = Some("rev-1".into());
    let host = start(cfg);
    let ready = host.wait_state(RuntimeState::Ready).await;
    assert_eq!(ready.protocol_version.as_deref(), Some("1.0"));
    assert!(ready.missing_features.is_empty());

    let init = &sent(&record, "initialize")[0]["params"];
    assert_eq!(init["protocol_version"], "1.1");
    assert_eq!(init["host"]["name"], "pryx-core");
    assert_eq!(init["data_dir"], dir.path().display().to_string());
    assert_eq!(
        init["config_path"],
        dir.path().join("config.yaml").display().to_string()
    );
    assert_eq!(init["config_revision"], "rev-1");

    // `config.changed` carries the changed keys, and a restarted runtime is told the revision
    // it missed nothing of.
    host.bridge
        .notify(ChangeNotice::ConfigChanged {
            revision: Revision("rev-2".into()),
            changed: vec!["model_name".into(), "ollama_endpoint".into()],
        })
        .await
        .unwrap();
    let notice = eventually(Duration::from_secs(5), "config.changed", || {
        sent(&record, "config.changed").into_iter().next()
    })
    .await;
    assert_eq!(
        notice["params"],
        json!({"revision": "rev-2", "changed": ["model_name", "ollama_endpoint"]})
    );
    host.bridge.restart().await.unwrap();
    host.wait(
        |s| s.state == RuntimeState::Ready && s.restarts == 1,
        "restarted",
    )
    .await;
    let inits = sent(&record, "initialize");
    assert_eq!(inits.len(), 2);
    assert_eq!(inits[1]["params"]["config_revision"], "rev-2");
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn no_shutdown_is_sent_before_the_handshake_finished() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let host = start(config(&[
        "--slow-init-ms",
        "5000",
        "--record",
        record.to_str().unwrap(),
    ]));
    let starting = host
        .wait(
            |s| s.state == RuntimeState::Starting && s.pid.is_some(),
            "a pid",
        )
        .await;
    eventually(Duration::from_secs(5), "initialize to arrive", || {
        (!sent(&record, "initialize").is_empty()).then_some(())
    })
    .await;
    // The runtime exits on the end of its input: no wait for the grace period.
    let ((), took) = timed(host.bridge.shutdown()).await;
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    let methods: Vec<_> = json_lines(&record)
        .iter()
        .map(|m| m["method"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(methods, ["initialize"], "the host sent only initialize");
    assert!(!alive(starting.pid.unwrap()));
}

#[tokio::test]
async fn permission_requests_waiting_at_shutdown_are_denied_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let host = start(config(&["--record", record.to_str().unwrap()]));
    host.wait_state(RuntimeState::Ready).await;
    host.bridge
        .call(
            "chat.send",
            Value::map([
                ("session_id", Value::from("s1")),
                ("content", Value::from("please use tool")),
            ]),
        )
        .await
        .unwrap();
    let pending = eventually(Duration::from_secs(5), "an approval request", || {
        host.approvals.pending().into_iter().next()
    })
    .await;
    let ((), took) = timed(host.bridge.shutdown()).await;
    // The runtime exits when asked: the waiting approval does not hold the shutdown up.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    let answers: Vec<_> = json_lines(&record)
        .into_iter()
        .filter(|m| m.get("method").is_none() && m["result"].get("approved").is_some())
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let answer = &answers[0]["result"];
    assert_eq!(answer["approved"], false);
    assert_eq!(answer["timed_out"], false);
    assert_eq!(answer["reason"], "the host is shutting down");
    // ... and then shutdown, in that order.
    let methods: Vec<_> = json_lines(&record)
        .iter()
        .map(|m| m["method"].as_str().unwrap_or("<answer>").to_owned())
        .collect();
    let answered_at = methods.iter().position(|m| m == "<answer>").unwrap();
    let shutdown_at = methods.iter().position(|m| m == "shutdown").unwrap();
    assert!(answered_at < shutdown_at, "{methods:?}");
    let resolved = host.events.named("approval.resolved");
    assert_eq!(resolved.len(), 1);
    let payload = serde_json::to_value(&resolved[0].payload).unwrap();
    assert_eq!(payload["approval_id"], pending.id);
    assert_eq!(payload["approved"], false);
    assert!(host.approvals.pending().is_empty());
}

#[tokio::test]
async fn approval_requests_of_a_runtime_that_died_end_at_once() {
    let host = start(config(&[]));
    let ready = host.wait_state(RuntimeState::Ready).await;
    host.bridge
        .call(
            "chat.send",
            Value::map([("content", Value::from("use tool"))]),
        )
        .await
        .unwrap();
    let pending = eventually(Duration::from_secs(5), "an approval request", || {
        host.approvals.pending().into_iter().next()
    })
    .await;
    unsafe {
        libc::kill(ready.pid.unwrap() as i32, libc::SIGKILL);
    }
    // It does not stay pending (and on people's screens) until its 120 s timeout.
    eventually(Duration::from_secs(5), "approval.resolved", || {
        host.events
            .named("approval.resolved")
            .into_iter()
            .find(|e| serde_json::to_value(&e.payload).unwrap()["approval_id"] == pending.id)
    })
    .await;
    assert!(host.approvals.pending().is_empty());
    // The restarted runtime's requests are served again.
    host.wait(
        |s| s.state == RuntimeState::Ready && s.restarts == 1,
        "restarted",
    )
    .await;
    host.bridge
        .call(
            "chat.send",
            Value::map([("content", Value::from("use tool"))]),
        )
        .await
        .unwrap();
    let again = eventually(Duration::from_secs(5), "a new approval request", || {
        host.approvals.pending().into_iter().next()
    })
    .await;
    host.approvals.resolve(&again.id, true).unwrap();
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn the_runtimes_error_data_reaches_the_caller() {
    let host = start(config(&[]));
    host.wait_state(RuntimeState::Ready).await;
    let params = Value::map([
        ("code", Value::Int(-32050)),
        ("message", Value::from("quota exceeded")),
        (
            "data",
            Value::map([
                ("retry_in_s", Value::Int(30)),
                ("plan", Value::from("free")),
            ]),
        ),
    ]);
    let err = host.bridge.call("debug.fail", params).await.unwrap_err();
    let CoreError::RuntimeFailed {
        code,
        message,
        data: Some(data),
        ..
    } = err
    else {
        panic!("no data: {err:?}");
    };
    assert_eq!((code, message.as_str()), (-32050, "quota exceeded"));
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!({"retry_in_s": 30, "plan": "free"})
    );
    host.bridge.shutdown().await;
}

#[tokio::test]
async fn params_that_are_not_an_object_are_refused_before_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let host = start(config(&["--record", record.to_str().unwrap()]));
    host.wait_state(RuntimeState::Ready).await;
    for params in [
        Value::List(vec![Value::Int(1)]),
        Value::from("text"),
        Value::Int(3),
    ] {
        let err = host.bridge.call("debug.echo", params).await.unwrap_err();
        assert!(
            matches!(&err, CoreError::RuntimeFailed { code: -32602, message, .. } if message.contains("must be an object")),
            "{err:?}"
        );
    }
    // Absent params travel as `{}`.
    let echoed = host.bridge.call("debug.echo", Value::Null).await.unwrap();
    assert_eq!(echoed, Value::Map(Default::default()));
    let echoes = sent(&record, "debug.echo");
    assert_eq!(echoes.len(), 1, "{echoes:?}");
    assert_eq!(echoes[0]["params"], json!({}));
    host.bridge.shutdown().await;
}

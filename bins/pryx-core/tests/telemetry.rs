//! Telemetry export from the real binary to a local OTLP/HTTP receiver (axum, decoding with
//! opentelemetry-proto): what arrives, the opt-outs, and an endpoint that is down or hangs.

mod common;

use std::time::{Duration, Instant};

use common::otlp::{Mode, Seen, attr, exporting, receiver, wait_for};
use common::{Host, reference_runtime};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_and_metrics_reach_the_receiver_with_resource_attributes() {
    let rx = receiver(Mode::Accept).await;
    let tmp = tempfile::tempdir().unwrap();
    let host = Host::spawn(exporting(tmp.path(), &rx.url), tmp.path());
    for _ in 0..3 {
        host.client
            .get(host.url("/api/v1/health"))
            .send()
            .await
            .unwrap();
    }
    host.client
        .get(host.url("/api/v1/skills/nope"))
        .send()
        .await
        .unwrap();

    let span_named = |seen: &Seen, name: &str| {
        seen.traces
            .iter()
            .flat_map(|t| &t.resource_spans)
            .any(|rs| {
                attr(&rs.resource, "service.name").as_deref() == Some("pryx-host")
                    && rs
                        .scope_spans
                        .iter()
                        .flat_map(|s| &s.spans)
                        .any(|s| s.name == name)
            })
    };
    wait_for("the health span", || {
        span_named(&rx.seen.lock().unwrap(), "GET /api/v1/health")
    })
    .await;
    wait_for("the 404 span", || {
        span_named(&rx.seen.lock().unwrap(), "GET /api/v1/skills/{id}")
    })
    .await;
    let has_metric = |seen: &Seen, name: &str| {
        seen.metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .any(|rm| {
                attr(&rm.resource, "service.name").as_deref() == Some("pryx-host")
                    && rm
                        .scope_metrics
                        .iter()
                        .flat_map(|s| &s.metrics)
                        .any(|m| m.name == name)
            })
    };
    wait_for("request metrics", || {
        let seen = rx.seen.lock().unwrap();
        has_metric(&seen, "http.server.requests")
            && has_metric(&seen, "http.server.request.duration")
    })
    .await;
    // Every request is counted by route and status (a cumulative sum).
    wait_for("3 health requests counted", || {
        use opentelemetry_proto::tonic::metrics::v1::{
            metric::Data, number_data_point::Value as N,
        };
        let seen = rx.seen.lock().unwrap();
        let counted = seen
            .metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .flat_map(|rm| &rm.scope_metrics)
            .flat_map(|sm| &sm.metrics)
            .filter(|m| m.name == "http.server.requests")
            .filter_map(|m| match &m.data {
                Some(Data::Sum(sum)) => Some(sum),
                _ => None,
            })
            .flat_map(|sum| &sum.data_points)
            .filter(|p| {
                let route = p.attributes.iter().any(|kv| {
                    kv.key == "http.route"
                        && matches!(kv.value.as_ref().and_then(|v| v.value.as_ref()),
                            Some(Any::StringValue(r)) if r == "/api/v1/health")
                });
                let ok = p.attributes.iter().any(|kv| {
                    kv.key == "http.response.status_code"
                        && matches!(
                            kv.value.as_ref().and_then(|v| v.value.as_ref()),
                            Some(Any::IntValue(200))
                        )
                });
                route && ok
            })
            .filter_map(|p| match p.value {
                Some(N::AsInt(n)) => Some(n),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        counted >= 3
    })
    .await;
    {
        let seen = rx.seen.lock().unwrap();
        for (path, content_type, encoding, auth) in &seen.requests {
            assert!(
                ["/v1/traces", "/v1/metrics", "/v1/logs"].contains(&path.as_str()),
                "{path}"
            );
            assert_eq!(content_type, "application/x-protobuf");
            // The Pryx endpoint setting compresses (docs/telemetry.md).
            assert_eq!(encoding, "gzip", "{path}");
            assert_eq!(auth, "Bearer ingest-key-for-tests-0123456789");
        }
    }

    let health = host.get("/api/v1/health").await;
    let t = &health["ports"]["telemetry_export"];
    assert_eq!(t["enabled"], true, "{health}");
    assert_eq!(t["endpoint"], rx.url.as_str());
    assert!(t["exports"].as_u64().unwrap() > 0, "{t}");
    assert!(t["last_success"].is_string(), "{t}");
    assert_eq!(t["dropped"], 0);
    assert!(
        !health.to_string().contains("ingest-key-for-tests"),
        "{health}"
    );

    // The host's own log: in the ring and in the file, key and home path redacted.
    let logs = host.get("/api/v1/logs?source=host&level=info").await;
    let lines = logs["lines"].as_array().unwrap();
    assert!(
        lines.iter().any(|l| l["message"] == "telemetry export on"),
        "{logs}"
    );
    let file = std::fs::read_to_string(tmp.path().join("logs/pryx-host.log")).unwrap();
    assert!(
        file.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    assert!(file.contains("telemetry export on"), "{file}");
    assert!(!file.contains("ingest-key-for-tests"));
    assert!(!file.contains(tmp.path().to_str().unwrap()), "{file}");
    host.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_opt_out_sends_nothing() {
    /// The reason health must name, the variable that opts out, the config that does.
    type OptOut = (
        &'static str,
        Option<(&'static str, &'static str)>,
        &'static str,
    );
    let rx = receiver(Mode::Accept).await;
    let cases: [OptOut; 4] = [
        ("DO_NOT_TRACK", Some(("DO_NOT_TRACK", "1")), ""),
        (
            "PRYX_TELEMETRY_DISABLED",
            Some(("PRYX_TELEMETRY_DISABLED", "true")),
            "",
        ),
        ("OTEL_SDK_DISABLED", Some(("OTEL_SDK_DISABLED", "true")), ""),
        ("telemetry.enabled", None, "telemetry:\n  enabled: false\n"),
    ];
    for (reason, var, config) in cases {
        let tmp = tempfile::tempdir().unwrap();
        if !config.is_empty() {
            std::fs::write(tmp.path().join("config.yaml"), config).unwrap();
        }
        let mut cmd = exporting(tmp.path(), &rx.url);
        if let Some((k, v)) = var {
            cmd.env(k, v);
        }
        let host = Host::spawn(cmd, tmp.path());
        for _ in 0..3 {
            host.client
                .get(host.url("/api/v1/health"))
                .send()
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
        let health = host.get("/api/v1/health").await;
        let t = &health["ports"]["telemetry_export"];
        assert_eq!(t["enabled"], false, "{reason}: {health}");
        assert!(
            t["disabled_reason"].as_str().unwrap().contains(reason),
            "{t}"
        );
        host.stop();
        assert_eq!(
            rx.seen.lock().unwrap().requests.len(),
            0,
            "{reason}: something was sent"
        );
    }
}

async fn requests_stay_fast(mode: Mode) {
    let rx = receiver(mode).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = exporting(tmp.path(), &rx.url);
    cmd.env("OTEL_BSP_MAX_QUEUE_SIZE", "16")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "8");
    let host = Host::spawn(cmd, tmp.path());
    wait_for("a first export attempt", || {
        !rx.seen.lock().unwrap().requests.is_empty()
    })
    .await;
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for _ in 0..300 {
        let t = Instant::now();
        let res = host
            .client
            .get(host.url("/api/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "300 requests took {:?}",
        started.elapsed()
    );
    assert!(
        slowest < Duration::from_millis(500),
        "slowest request {slowest:?}"
    );
    let health = host.get("/api/v1/health").await;
    let t = &health["ports"]["telemetry_export"];
    assert!(t["dropped"].as_u64().unwrap() > 0, "{t}");
    assert!(t["queued"].as_u64().unwrap() <= 16 * 2, "{t}");
    // The failure shows in health once the first attempt gave up (1 s export timeout).
    let deadline = Instant::now() + Duration::from_secs(10);
    let health = loop {
        let health = host.get("/api/v1/health").await;
        if health["ports"]["telemetry_export"]["last_error"].is_string() {
            break health;
        }
        assert!(Instant::now() < deadline, "no last_error in {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let port = &health["ports"]["telemetry"];
    assert_eq!(
        port["status"], "ok",
        "a dead endpoint does not degrade the host: {health}"
    );
    assert!(
        port["detail"]
            .as_str()
            .unwrap()
            .starts_with("export failing"),
        "{health}"
    );
    assert_eq!(health["status"], "ok");
    assert_eq!(
        health["ports"]["telemetry_export"]["exports"], 0,
        "{health}"
    );
    host.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_answering_503_slows_no_request_and_drops_are_counted() {
    requests_stay_fast(Mode::Unavailable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_endpoint_slows_no_request_and_drops_are_counted() {
    requests_stay_fast(Mode::Hang).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_logs_reach_the_file_the_api_ws_and_export_redacted() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message as Ws, client::IntoClientRequest};

    let rx = receiver(Mode::Accept).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = exporting(tmp.path(), &rx.url);
    cmd.arg("--runtime").arg(reference_runtime());
    let host = Host::spawn(cmd, tmp.path());
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.get("/api/v1/health").await["ports"]["runtime"]["state"] != "ready" {
        assert!(Instant::now() < deadline, "the runtime never got ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let token = std::fs::read_to_string(tmp.path().join("admin.token")).unwrap();
    let mut request = format!(
        "ws://{}/ws?event=log",
        host.base.trim_start_matches("http://")
    )
    .into_client_request()
    .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", token.trim()).parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let _hello = ws.next().await.unwrap().unwrap();
    let secret = "sk-live-0123456789abcdefghijklmnop";
    let chat = serde_json::json!({"type": "request", "id": 1, "method": "chat.send",
        "params": {"content": "hi", "session_id": secret}});
    ws.send(Ws::text(chat.to_string())).await.unwrap();

    // Live: the runtime's `log` notification arrives as a `log` event, redacted.
    let live = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let Some(Ok(Ws::Text(text))) = ws.next().await else {
                panic!("/ws closed")
            };
            let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
            if frame["event"] == "log" && frame["payload"]["message"] == "chat message received" {
                break frame;
            }
        }
    })
    .await
    .expect("a live log event");
    assert_eq!(live["payload"]["source"], "runtime", "{live}");
    assert!(!live.to_string().contains(secret), "{live}");

    // The ring: the runtime's stderr and its log, with their sources, redacted.
    let stderr_lines = host.get("/api/v1/logs?source=runtime-stderr").await;
    assert!(
        stderr_lines["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"].as_str().unwrap().contains("pryx-runtime-ref")),
        "{stderr_lines}"
    );
    let runtime_lines = host.get("/api/v1/logs?source=runtime&limit=50").await;
    assert!(
        runtime_lines.to_string().contains("chat message received"),
        "{runtime_lines}"
    );
    assert!(
        !runtime_lines.to_string().contains(secret),
        "{runtime_lines}"
    );
    let bad = host
        .client
        .get(host.url("/api/v1/logs?level=loud"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query");

    // Export: the IPC span, and the runtime's metric under the runtime's resource.
    wait_for("the ipc span and the runtime metric", || {
        let seen = rx.seen.lock().unwrap();
        let span = seen
            .traces
            .iter()
            .flat_map(|t| &t.resource_spans)
            .any(|rs| {
                rs.scope_spans
                    .iter()
                    .flat_map(|s| &s.spans)
                    .any(|s| s.name == "ipc chat.send")
            });
        let metric = seen
            .metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .any(|rm| {
                attr(&rm.resource, "service.name").as_deref() == Some("pryx-runtime")
                    && rm
                        .scope_metrics
                        .iter()
                        .flat_map(|s| &s.metrics)
                        .any(|m| m.name == "agent.reply.chunks")
            });
        span && metric
    })
    .await;
    let exported = format!("{:?}", rx.seen.lock().unwrap().metrics);
    assert!(
        !exported.contains(secret),
        "the session id attribute is redacted in export"
    );

    drop(ws);
    let stderr = host.stop();
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes on a non-terminal: {stderr:?}"
    );
    let leaked: Vec<&str> = stderr.lines().filter(|l| l.contains(secret)).collect();
    assert!(leaked.is_empty(), "secret on stderr: {leaked:?}");
    let file = std::fs::read_to_string(tmp.path().join("logs/pryx-host.log")).unwrap();
    assert!(file.contains("\"source\":\"runtime-stderr\""), "{file}");
    assert!(file.contains("chat message received"));
    assert!(!file.contains(secret), "{file}");
}

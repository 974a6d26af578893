//! End to end: the real `pryx-core` exports to the real telemetry Worker, run locally in workerd
//! by `workers/telemetry/run-local.sh`, and what the Worker stored is read back through its
//! read-back route: the host's request and IPC spans, its request metrics, the runtime's metric
//! under the runtime's resource, and the error logs of a runtime failure, all redacted.
//!
//! It needs the Worker's npm dependencies (`npm ci` in workers/telemetry), so `cargo test` skips
//! it; `workers/telemetry/test.sh` (a step of scripts/test.sh, so CI) runs it with `--ignored`.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Host, command, reference_runtime};
use serde_json::{Value, json};

const INGEST_KEY: &str = "e2e-ingest-key-7f3a9c0d1e2b4a68";
const READ_KEY: &str = "e2e-read-key-5b8e1f2a9c3d7e04";

/// The Worker in workerd, in its own process group so that dropping it stops wrangler too.
struct Worker {
    child: Child,
    url: String,
    client: reqwest::Client,
}

impl Worker {
    fn start(state_dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workers/telemetry/run-local.sh");
        let mut child = Command::new("bash")
            .arg(&script)
            .arg(port.to_string())
            .arg(state_dir)
            .env("PRYX_TEST_INGEST_KEY", INGEST_KEY)
            .env("PRYX_TEST_READ_KEY", READ_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("run workers/telemetry/run-local.sh");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut worker = Self {
            child,
            url: String::new(),
            client: reqwest::Client::new(),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(90))
            .expect("the Worker did not answer within 90 s (run `npm ci` in workers/telemetry)");
        worker.url = line.trim().to_owned();
        assert_eq!(
            worker.url,
            format!("http://127.0.0.1:{port}"),
            "run-local.sh printed {line:?}"
        );
        worker
    }

    /// Every stored batch of `signal`, newest first (all pages).
    async fn batches(&self, signal: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let mut url = format!("{}/v1/batches?signal={signal}&limit=100", self.url);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let res = self
                .client
                .get(url)
                .bearer_auth(READ_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "read-back of {signal}");
            let page: Value = res.json().await.unwrap();
            all.extend(page["batches"].as_array().unwrap().iter().cloned());
            match page["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        all
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// `service.name` of an OTLP/JSON resource.
fn service(resource: &Value) -> &str {
    resource["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|kv| kv["key"] == "service.name")
        .and_then(|kv| kv["value"]["stringValue"].as_str())
        .unwrap_or("")
}

/// (service.name, item) for every item under `resources`/`scopes`/`items` of the batches.
fn items<'a>(
    batches: &'a [Value],
    resources: &str,
    scopes: &str,
    items: &str,
) -> Vec<(&'a str, &'a Value)> {
    let mut out = Vec::new();
    for batch in batches {
        for r in batch["request"][resources].as_array().into_iter().flatten() {
            let name = service(&r["resource"]);
            for s in r[scopes].as_array().into_iter().flatten() {
                for item in s[items].as_array().into_iter().flatten() {
                    out.push((name, item));
                }
            }
        }
    }
    out
}

struct Arrived {
    traces: Vec<Value>,
    metrics: Vec<Value>,
    logs: Vec<Value>,
}

impl Arrived {
    fn span(&self, service_name: &str, name: &str) -> bool {
        items(&self.traces, "resourceSpans", "scopeSpans", "spans")
            .iter()
            .any(|(s, span)| *s == service_name && span["name"] == name)
    }
    fn metric(&self, service_name: &str, name: &str) -> bool {
        items(&self.metrics, "resourceMetrics", "scopeMetrics", "metrics")
            .iter()
            .any(|(s, m)| *s == service_name && m["name"] == name)
    }
    /// Bodies of error-level (severity ≥ 17) records of `service_name`.
    fn errors(&self, service_name: &str) -> Vec<String> {
        items(&self.logs, "resourceLogs", "scopeLogs", "logRecords")
            .iter()
            .filter(|(s, r)| *s == service_name && r["severityNumber"].as_u64().unwrap_or(0) >= 17)
            .map(|(_, r)| r["body"]["stringValue"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Worker's npm dependencies; workers/telemetry/test.sh runs it"]
async fn the_host_exports_to_the_local_worker_and_the_batches_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let worker = Worker::start(&tmp.path().join("worker-state"));
    let data_dir = tmp.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();

    let mut cmd = command(&data_dir);
    cmd.env("PRYX_TELEMETRY_ENDPOINT", &worker.url)
        .env("PRYX_TELEMETRY_KEY", INGEST_KEY)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
        .env("PRYX_LOG", "info")
        .env("HOME", &data_dir)
        .env("PRYX_RUNTIME_MAX_RESTARTS", "0")
        .env_remove("DO_NOT_TRACK")
        .env_remove("PRYX_TELEMETRY_DISABLED")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_COMPRESSION")
        .arg("--runtime")
        .arg(reference_runtime());
    let host = Host::spawn(cmd, &data_dir);
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.get("/api/v1/health").await["ports"]["runtime"]["state"] != "ready" {
        assert!(Instant::now() < deadline, "the runtime never got ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // API calls: three health checks, a 404, a session with a message and a provider failure.
    for _ in 0..3 {
        host.get("/api/v1/health").await;
    }
    let missing = host
        .client
        .get(host.url("/api/v1/skills/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let created = host
        .client
        .post(host.url("/api/v1/sessions"))
        .json(&json!({"title": "e2e"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let session: Value = created.json().await.unwrap();
    let id = session["id"].as_str().expect("a session id").to_owned();
    for content in ["hello worker", "fail please"] {
        let sent = host
            .client
            .post(host.url(&format!("/api/v1/sessions/{id}/messages")))
            .json(&json!({"content": content}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 202, "{content}");
    }
    // Wait for the runtime's error line to reach the host's log, then crash the runtime: with no
    // restarts left the host marks it failed and logs that at error level.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !host
        .get("/api/v1/logs?source=runtime&level=error")
        .await
        .to_string()
        .contains("provider call failed")
    {
        assert!(
            Instant::now() < deadline,
            "the runtime's error log never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = host.get("/api/v1/health").await;
    let pid = health["ports"]["runtime"]["pid"]
        .as_i64()
        .expect("runtime pid") as i32;
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.get("/api/v1/health").await["ports"]["runtime"]["state"] != "failed" {
        assert!(
            Instant::now() < deadline,
            "the killed runtime was never marked failed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Read back what the Worker stored until everything has arrived (or 20 s passed).
    let deadline = Instant::now() + Duration::from_secs(20);
    let arrived = loop {
        let arrived = Arrived {
            traces: worker.batches("traces").await,
            metrics: worker.batches("metrics").await,
            logs: worker.batches("logs").await,
        };
        let complete = arrived.span("pryx-host", "GET /api/v1/health")
            && arrived.span("pryx-host", "GET /api/v1/skills/{id}")
            && arrived.span("pryx-host", "ipc chat.send")
            && arrived.metric("pryx-host", "http.server.requests")
            && arrived.metric("pryx-host", "http.server.request.duration")
            && arrived.metric("pryx-runtime", "agent.reply.chunks")
            && arrived
                .errors("pryx-runtime")
                .iter()
                .any(|b| b.contains("provider call failed"))
            && arrived
                .errors("pryx-host")
                .iter()
                .any(|b| b.contains("runtime failed"));
        if complete {
            break arrived;
        }
        if Instant::now() > deadline {
            let names = |b: &[Value], r, s, i| -> std::collections::BTreeSet<String> {
                items(b, r, s, i)
                    .iter()
                    .map(|(svc, x)| format!("{svc}:{}", x["name"].as_str().unwrap_or("")))
                    .collect()
            };
            panic!(
                "not everything arrived at the Worker.\nspans: {:?}\nmetrics: {:?}\nhost errors: {:?}\nruntime errors: {:?}",
                names(&arrived.traces, "resourceSpans", "scopeSpans", "spans"),
                names(
                    &arrived.metrics,
                    "resourceMetrics",
                    "scopeMetrics",
                    "metrics"
                ),
                arrived.errors("pryx-host"),
                arrived.errors("pryx-runtime"),
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // How it travelled: protobuf, gzip-compressed, every item accepted.
    let all: Vec<&Value> = arrived
        .traces
        .iter()
        .chain(&arrived.metrics)
        .chain(&arrived.logs)
        .collect();
    for batch in &all {
        assert_eq!(batch["format"], "protobuf", "{}", batch["key"]);
        assert_eq!(batch["encoding"], "gzip", "{}", batch["key"]);
        assert_eq!(batch["rejected"], 0, "{batch}");
    }
    // Redaction held before the Worker saw anything: no key, no home path, no ingest key.
    let stored = serde_json::to_string(&all).unwrap();
    let home = data_dir.to_str().unwrap();
    assert!(
        !stored.contains("sk-ref-0123456789abcdefghijkl"),
        "a key reached the Worker"
    );
    assert!(!stored.contains(home), "the home path reached the Worker");
    assert!(!stored.contains(INGEST_KEY));
    let provider_error = arrived
        .errors("pryx-runtime")
        .into_iter()
        .find(|b| b.contains("provider call failed"))
        .unwrap();
    assert!(
        provider_error.contains("~/.pryx/profile.json"),
        "{provider_error}"
    );

    // Health tells the same story: exports succeeded, nothing dropped.
    let t = &host.get("/api/v1/health").await["ports"]["telemetry_export"];
    assert_eq!(t["enabled"], true, "{t}");
    assert_eq!(t["endpoint"], worker.url.as_str(), "{t}");
    assert!(t["exports"].as_u64().unwrap() > 0, "{t}");
    assert_eq!(t["dropped"], 0, "{t}");
    host.stop();
}

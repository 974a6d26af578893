//! The exporter against a local OTLP/HTTP receiver: the runtime's records keep their own
//! resource and attributes, error-level lines are exported, and redaction holds in the ring and
//! in what is exported.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;
use pryx_core_api::{
    LogLevel, LogQuery, LogRing, LogSource, Map, TelemetryRecord, TelemetrySink, Value,
};
use pryx_telemetry::{
    ErrorExport, ExportSettings, LiveLimits, LivePublisher, LogSinks, MemoryLogRing, OtlpTelemetry,
    Redactor,
};

#[derive(Default)]
struct Seen {
    logs: Vec<ExportLogsServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

async fn receiver() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let app = axum::Router::new().fallback(axum::routing::post(
        move |uri: axum::extract::OriginalUri, body: Bytes| {
            let s = s.clone();
            async move {
                let mut seen = s.lock().unwrap();
                match uri.path() {
                    "/v1/logs" => seen.logs.push(Message::decode(body).unwrap()),
                    "/v1/metrics" => seen.metrics.push(Message::decode(body).unwrap()),
                    _ => {}
                }
                ""
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn text(kvs: &[KeyValue], key: &str) -> Option<String> {
    kvs.iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

fn settings(url: &str) -> ExportSettings {
    let mut s = ExportSettings::new(url);
    s.interval = Duration::from_millis(50);
    s.metric_interval = Duration::from_millis(100);
    s.timeout = Duration::from_secs(2);
    s
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const SECRET: &str = "sk-live-0123456789abcdefghijklmnop";

fn has_metric(seen: &Seen, name: &str) -> bool {
    seen.metrics
        .iter()
        .flat_map(|m| &m.resource_metrics)
        .any(|rm| {
            rm.scope_metrics
                .iter()
                .flat_map(|s| &s.metrics)
                .any(|m| m.name == name)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_records_keep_their_resource_and_attributes_redacted() {
    let (url, seen) = receiver().await;
    let otlp = OtlpTelemetry::start(settings(&url), &tokio::runtime::Handle::current()).unwrap();
    let mut metric = TelemetryRecord::metric("llm.tokens", Value::Int(42));
    metric.attributes.insert("model".into(), "m1".into());
    otlp.record(metric);
    let mut log = TelemetryRecord::log("agent.error", Value::from(format!("failed with {SECRET}")));
    log.attributes
        .insert("api_key".into(), "plain-looking".into());
    log.attributes.insert("level".into(), "error".into());
    otlp.record(log);
    otlp.flush().await.unwrap();

    wait_for("the runtime log", || !seen.lock().unwrap().logs.is_empty()).await;
    wait_for("the runtime metric", || {
        has_metric(&seen.lock().unwrap(), "llm.tokens")
    })
    .await;
    let seen = seen.lock().unwrap();
    let rl = &seen.logs[0].resource_logs[0];
    let resource = &rl.resource.as_ref().unwrap().attributes;
    assert_eq!(
        text(resource, "service.name").as_deref(),
        Some("pryx-runtime")
    );
    assert_eq!(text(resource, "service.namespace").as_deref(), Some("pryx"));
    let record = &rl.scope_logs[0].log_records[0];
    let body = match record.body.as_ref().unwrap().value.as_ref().unwrap() {
        Any::StringValue(s) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        !body.contains(SECRET) && body.contains("<redacted>"),
        "{body}"
    );
    assert_eq!(
        text(&record.attributes, "api_key").as_deref(),
        Some("<redacted>")
    );
    assert_eq!(record.severity_text, "error");
    let rm = seen
        .metrics
        .iter()
        .flat_map(|m| &m.resource_metrics)
        .find(|rm| {
            rm.scope_metrics
                .iter()
                .flat_map(|s| &s.metrics)
                .any(|m| m.name == "llm.tokens")
        });
    let resource = &rm.unwrap().resource.as_ref().unwrap().attributes;
    assert_eq!(
        text(resource, "service.name").as_deref(),
        Some("pryx-runtime")
    );
    let status = otlp.status();
    assert!(
        status.enabled && status.exports > 0 && status.last_error.is_none(),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_lines_are_redacted_in_the_ring_and_in_export() {
    let (url, seen) = receiver().await;
    let otlp = OtlpTelemetry::start(settings(&url), &tokio::runtime::Handle::current()).unwrap();
    let ring = Arc::new(MemoryLogRing::new(16));
    let sinks = LogSinks::new(
        Redactor::new(Some("/home/ada".into())),
        ring.clone(),
        None,
        Arc::new(LivePublisher::new(LiveLimits::default())),
    );
    let export: Arc<dyn ErrorExport> = otlp.clone();
    let _ = sinks.errors.set(export);
    let mut fields = Map::new();
    fields.insert("token".into(), "abc".into());
    fields.insert("path".into(), "/home/ada/.pryx/config.yaml".into());
    sinks.dispatch(
        LogLevel::Error,
        LogSource::RuntimeStderr,
        "pryx_runtime",
        &format!("provider refused key {SECRET} in /home/ada/.pryx"),
        fields,
    );
    sinks.dispatch(
        LogLevel::Info,
        LogSource::Host,
        "pryx",
        "not exported",
        Map::new(),
    );

    let page = ring.recent(&LogQuery::default());
    let line = &page.lines[0];
    assert_eq!(line.message, "provider refused key <redacted> in ~/.pryx");
    assert_eq!(line.fields["token"], Value::from("<redacted>"));
    assert_eq!(line.fields["path"], Value::from("~/.pryx/config.yaml"));

    otlp.flush().await.unwrap();
    wait_for("the exported error", || {
        !seen.lock().unwrap().logs.is_empty()
    })
    .await;
    let seen = seen.lock().unwrap();
    let records: Vec<_> = seen
        .logs
        .iter()
        .flat_map(|l| &l.resource_logs)
        .flat_map(|rl| &rl.scope_logs)
        .flat_map(|sl| &sl.log_records)
        .collect();
    assert_eq!(records.len(), 1, "only the error line is exported");
    let exported = format!("{:?}", records[0]);
    assert!(
        !exported.contains(SECRET) && !exported.contains("/home/ada"),
        "{exported}"
    );
    assert_eq!(
        text(&records[0].attributes, "log.source").as_deref(),
        Some("runtime-stderr")
    );
    let resource = &seen.logs[0].resource_logs[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    // A line the runtime wrote is the runtime's: it goes out under the runtime's resource (the
    // host's own error lines stay under `pryx-host`: tests/telemetry_worker.rs in pryx-core).
    assert_eq!(
        text(resource, "service.name").as_deref(),
        Some("pryx-runtime")
    );
}

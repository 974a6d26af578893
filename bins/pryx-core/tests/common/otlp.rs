//! A local OTLP/HTTP receiver (axum, decoding with opentelemetry-proto) for the telemetry
//! suites, and the command that makes the real binary export to it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

use super::command;

/// How the receiver answers.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// 200, decoding what arrives.
    Accept,
    /// 503 with `Retry-After: 1`.
    Unavailable,
    /// Never answers.
    Hang,
}

/// What arrived.
#[derive(Default)]
pub struct Seen {
    pub requests: Vec<(String, String, String, String)>, // path, content-type, -encoding, authorization
    pub traces: Vec<ExportTraceServiceRequest>,
    pub metrics: Vec<ExportMetricsServiceRequest>,
    pub logs: Vec<ExportLogsServiceRequest>,
}

/// A running receiver: its base URL and what it saw.
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
}

/// Starts a receiver on a free loopback port.
pub async fn receiver(mode: Mode) -> Receiver {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let handler = move |path: axum::extract::OriginalUri, headers: HeaderMap, body: Bytes| {
        let s = s.clone();
        async move {
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            let path = path.path().to_owned();
            {
                let mut seen = s.lock().unwrap();
                seen.requests.push((
                    path.clone(),
                    h("content-type"),
                    h("content-encoding"),
                    h("authorization"),
                ));
                let body = if h("content-encoding") == "gzip" {
                    let mut plain = Vec::new();
                    std::io::Read::read_to_end(
                        &mut flate2::read::GzDecoder::new(&body[..]),
                        &mut plain,
                    )
                    .unwrap();
                    Bytes::from(plain)
                } else {
                    body
                };
                if mode == Mode::Accept {
                    match path.as_str() {
                        "/v1/traces" => seen.traces.push(Message::decode(body).unwrap()),
                        "/v1/metrics" => seen.metrics.push(Message::decode(body).unwrap()),
                        "/v1/logs" => seen.logs.push(Message::decode(body).unwrap()),
                        _ => {}
                    }
                }
            }
            match mode {
                Mode::Accept => (
                    StatusCode::OK,
                    [("content-type", "application/x-protobuf")],
                    Vec::new(),
                )
                    .into_response(),
                Mode::Unavailable => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "1")],
                    Vec::new(),
                )
                    .into_response(),
                Mode::Hang => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    StatusCode::OK.into_response()
                }
            }
        }
    };
    let app = axum::Router::new().fallback(axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, seen }
}

/// A string attribute of a resource.
pub fn attr(resource: &Option<Resource>, key: &str) -> Option<String> {
    resource
        .as_ref()?
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

/// Polls `ok` every 50 ms; panics after 10 s.
pub async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `pryx-core` on `data_dir` exporting to `endpoint` every 100 ms (metrics every 200 ms), with
/// a test ingest key and no opt-out in its environment.
pub fn exporting(data_dir: &std::path::Path, endpoint: &str) -> std::process::Command {
    let mut cmd = command(data_dir);
    cmd.env("PRYX_TELEMETRY_ENDPOINT", endpoint)
        .env("PRYX_TELEMETRY_KEY", "ingest-key-for-tests-0123456789")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "200")
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")
        .env("PRYX_LOG", "info")
        .env("HOME", data_dir)
        .env_remove("DO_NOT_TRACK")
        .env_remove("PRYX_TELEMETRY_DISABLED")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    cmd
}

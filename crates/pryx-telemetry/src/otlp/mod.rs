//! OTLP/HTTP protobuf export with `opentelemetry-otlp`: spans (API requests, IPC calls),
//! metrics and error-level logs of the host, and the runtime's `telemetry.export` records
//! under the runtime's own resource. Bounded everywhere (see [`queue`]): export never slows a
//! request and a dead endpoint never grows memory.

mod budget;
mod client;
mod convert;
mod metrics;
mod queue;
mod requests;
mod settings;
mod switch;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use opentelemetry::KeyValue;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::metrics::{Gauge, MeterProvider as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{LogExporter as _, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter as _};
use pryx_core_api::{
    Config, CoreError, LogLevel, LogLine, LogSource, PortHealth, PortState, TelemetryKind,
    TelemetryRecord, TelemetrySink, TelemetryStatus, Value,
};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::{Layer, Registry};

pub use client::ExportStats;
pub use metrics::Observed;
pub use settings::{ExportSettings, Resolved, resolve};

use crate::capture::ErrorExport;
use crate::redact::Redactor;
use client::RecordingClient;
use convert::{any, as_f64, attributes_level, key_values, leak_name, severity};
use queue::{Logs, Queue, QueuedLogs, QueuedSpans, Spans};

/// Most distinct runtime metric names exported; records of further names are dropped.
const MAX_RUNTIME_METRICS: usize = 64;

/// The exporting [`TelemetrySink`]. Health reports adapter `otlp`.
pub struct OtlpTelemetry {
    settings: ExportSettings,
    stats: Arc<ExportStats>,
    tracers: SdkTracerProvider,
    meters: SdkMeterProvider,
    runtime_meters: SdkMeterProvider,
    host_logger: SdkLogger,
    runtime_logger: SdkLogger,
    _logger_providers: [SdkLoggerProvider; 2],
    span_queue: Queue<opentelemetry_sdk::trace::SpanData>,
    log_queues: [Queue<(
        opentelemetry_sdk::logs::SdkLogRecord,
        opentelemetry::InstrumentationScope,
    )>; 2],
    runtime_gauges: Mutex<HashMap<String, Gauge<f64>>>,
    observed: Arc<Observed>,
    redactor: Redactor,
    switch: Arc<switch::ExportSwitch>,
    /// The endpoint as health shows it (no credentials), worked out once.
    endpoint_shown: String,
}

/// Why export could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start telemetry export: {0}")]
pub struct ExportStartError(String);

/// An exporter builder sending through `client` to `url` with the settings' headers, timeout
/// and compression.
fn http<B: WithExportConfig + WithHttpConfig>(
    builder: B,
    client: &RecordingClient,
    url: String,
    settings: &ExportSettings,
) -> B {
    let builder = builder
        .with_http_client(client.clone())
        .with_endpoint(url)
        .with_headers(settings.headers.clone())
        .with_timeout(settings.timeout);
    if settings.gzip {
        builder.with_compression(opentelemetry_otlp::Compression::Gzip)
    } else {
        builder
    }
}

fn resource(service: &str) -> Resource {
    Resource::builder_empty()
        .with_service_name(service.to_owned())
        .with_attributes([
            KeyValue::new("service.namespace", "pryx"),
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        ])
        .build()
}

impl OtlpTelemetry {
    /// Starts exporting to `settings.endpoint` on `runtime`.
    pub fn start(
        settings: ExportSettings,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Arc<Self>, ExportStartError> {
        let stats = Arc::new(ExportStats::default());
        let switch = Arc::new(switch::ExportSwitch::default());
        let client = RecordingClient::new(
            runtime.clone(),
            settings.timeout,
            stats.clone(),
            switch.clone(),
        )
        .map_err(ExportStartError)?;
        let err = |e: opentelemetry_otlp::ExporterBuildError| ExportStartError(e.to_string());
        let url = |signal: &str| format!("{}/v1/{signal}", settings.endpoint);
        let host_resource = resource(&settings.service_name);
        let runtime_resource = resource("pryx-runtime");

        let mut span_exporter = http(
            opentelemetry_otlp::SpanExporter::builder().with_http(),
            &client,
            url("traces"),
            &settings,
        )
        .build()
        .map_err(err)?;
        span_exporter.set_resource(&host_resource);
        let span_queue = queue::start(
            runtime,
            Spans(span_exporter),
            stats.clone(),
            settings.queue_capacity,
            settings.batch_size,
            settings.interval,
            settings.timeout + Duration::from_secs(1),
        );
        let tracers = SdkTracerProvider::builder()
            .with_resource(host_resource.clone())
            .with_span_processor(QueuedSpans(span_queue.clone()))
            .build();

        let log_pipeline = |resource: &Resource| -> Result<_, ExportStartError> {
            let mut exporter = http(
                opentelemetry_otlp::LogExporter::builder().with_http(),
                &client,
                url("logs"),
                &settings,
            )
            .build()
            .map_err(err)?;
            exporter.set_resource(resource);
            let q = queue::start(
                runtime,
                Logs(exporter),
                stats.clone(),
                settings.queue_capacity,
                settings.batch_size,
                settings.interval,
                settings.timeout + Duration::from_secs(1),
            );
            let provider = SdkLoggerProvider::builder()
                .with_resource(resource.clone())
                .with_log_processor(QueuedLogs(q.clone()))
                .build();
            Ok((q, provider))
        };
        let (host_logs, host_log_provider) = log_pipeline(&host_resource)?;
        let (runtime_logs, runtime_log_provider) = log_pipeline(&runtime_resource)?;

        let meter_pipeline = |resource: Resource| -> Result<_, ExportStartError> {
            let exporter = http(
                opentelemetry_otlp::MetricExporter::builder().with_http(),
                &client,
                url("metrics"),
                &settings,
            )
            .build()
            .map_err(err)?;
            let reader = PeriodicReader::builder(exporter)
                .with_interval(settings.metric_interval)
                .build();
            Ok(SdkMeterProvider::builder()
                .with_resource(resource)
                .with_reader(reader)
                .build())
        };
        let meters = meter_pipeline(host_resource)?;
        let runtime_meters = meter_pipeline(runtime_resource)?;

        let endpoint_shown = settings.display_endpoint();
        Ok(Arc::new(Self {
            host_logger: host_log_provider.logger("pryx-host"),
            runtime_logger: runtime_log_provider.logger("pryx-runtime"),
            _logger_providers: [host_log_provider, runtime_log_provider],
            settings,
            stats,
            tracers,
            meters,
            runtime_meters,
            span_queue,
            log_queues: [host_logs, runtime_logs],
            runtime_gauges: Mutex::default(),
            observed: Arc::new(Observed::default()),
            redactor: Redactor::for_current_user(),
            switch,
            endpoint_shown,
        }))
    }

    /// What the observable gauges read (attach the runtime and the `/ws` client count).
    pub fn observed(&self) -> &Observed {
        &self.observed
    }

    /// The tracing layer that exports the host's `http.request` and `ipc.call` spans and
    /// records request metrics from them. Install it with the host's logger.
    pub fn span_layer(&self) -> Box<dyn Layer<Registry> + Send + Sync> {
        // Metrics come from the server's response events and the IPC spans; request spans
        // are left to the span budget, so a request nobody traces opens no span at all.
        let metrics_input = filter_fn(|meta| {
            (meta.is_event() && meta.target() == crate::HTTP_SPAN_TARGET)
                || (meta.is_span() && meta.target() == crate::IPC_SPAN_TARGET)
        });
        let counts = Arc::new(requests::RequestCounts::default());
        let instruments = metrics::Instruments::new(
            &self.meters.meter("pryx-host"),
            self.observed.clone(),
            self.stats.clone(),
            counts.clone(),
        );
        let spans = tracing_opentelemetry::layer()
            .with_tracer(self.tracers.tracer("pryx-host"))
            .with_filter(budget::SpanBudget::new(
                self.settings.request_spans_per_second,
            ));
        let metrics = metrics::MetricsLayer {
            instruments,
            routes: Arc::default(),
            counts,
            latency_budget: budget::TokenBucket::new(metrics::LATENCY_SAMPLES_PER_SECOND),
        }
        .with_filter(metrics_input);
        Box::new(spans.and_then(metrics))
    }

    fn runtime_metric(&self, name: &str, value: f64, attrs: &[KeyValue]) {
        let mut gauges = self
            .runtime_gauges
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !gauges.contains_key(name) {
            if gauges.len() >= MAX_RUNTIME_METRICS {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let gauge = self
                .runtime_meters
                .meter("pryx-runtime")
                .f64_gauge(name.to_owned())
                .build();
            gauges.insert(name.to_owned(), gauge);
        }
        gauges[name].record(value, attrs);
    }
}

impl ErrorExport for OtlpTelemetry {
    fn export_error(&self, line: &LogLine) {
        // A line the runtime wrote goes out under the runtime's resource, like its own batches.
        let logger = match line.source {
            LogSource::Host => &self.host_logger,
            LogSource::Runtime | LogSource::RuntimeStderr => &self.runtime_logger,
        };
        let mut record = logger.create_log_record();
        record.set_timestamp(line.timestamp);
        record.set_severity_number(severity(line.level));
        record.set_severity_text(line.level.as_str());
        record.set_body(AnyValue::from(line.message.clone()));
        record.add_attribute("log.source", line.source.as_str());
        record.add_attribute("log.target", line.target.clone());
        for kv in key_values(&Value::Map(line.fields.clone())) {
            record.add_attribute(kv.key, any(kv.value));
        }
        logger.emit(record);
    }
}

#[async_trait]
impl TelemetrySink for OtlpTelemetry {
    fn record(&self, record: TelemetryRecord) {
        let mut attributes = Value::Map(record.attributes);
        self.redactor.value(&mut attributes);
        let attrs = key_values(&attributes);
        match record.kind {
            TelemetryKind::Metric => match as_f64(&record.value) {
                Some(v) => self.runtime_metric(&record.name, v, &attrs),
                None => {
                    self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                }
            },
            TelemetryKind::Log => {
                let mut value = record.value;
                self.redactor.value(&mut value);
                let body = match value {
                    Value::String(s) => s,
                    other => serde_json::to_string(&other).unwrap_or_default(),
                };
                let level = attributes_level(&attributes).unwrap_or(LogLevel::Info);
                let mut log = self.runtime_logger.create_log_record();
                log.set_timestamp(SystemTime::now());
                log.set_event_name(leak_name(&record.name));
                log.set_severity_number(severity(level));
                log.set_severity_text(level.as_str());
                log.set_body(AnyValue::from(body));
                log.add_attribute("event.name", record.name);
                for kv in attrs {
                    log.add_attribute(kv.key, any(kv.value));
                }
                self.runtime_logger.emit(log);
            }
        }
    }

    async fn flush(&self) -> Result<(), CoreError> {
        let within = self.settings.timeout + Duration::from_secs(1);
        self.span_queue.flush(within).await;
        for q in &self.log_queues {
            q.flush(within).await;
        }
        let meters = [self.meters.clone(), self.runtime_meters.clone()];
        let _ = tokio::task::spawn_blocking(move || {
            for m in meters {
                let _ = m.force_flush();
            }
        })
        .await;
        Ok(())
    }

    fn health(&self) -> PortHealth {
        let status = self.status();
        // A telemetry endpoint that is down is worth showing, not a reason to call the host
        // degraded: the port stays `ok` and says so in its detail.
        match (status.disabled_reason, status.last_error) {
            (Some(why), _) => PortHealth::with(PortState::Ok, "otlp", format!("paused: {why}")),
            (None, Some(e)) => {
                PortHealth::with(PortState::Ok, "otlp", format!("export failing: {e}"))
            }
            (None, None) => PortHealth::ok("otlp"),
        }
    }

    fn status(&self) -> TelemetryStatus {
        let paused = self.switch.reason();
        TelemetryStatus {
            enabled: paused.is_none(),
            endpoint: Some(self.endpoint_shown.clone()),
            disabled_reason: paused,
            last_success: self.stats.last_success(),
            last_error: self.stats.last_error(),
            queued: self.stats.queued.load(Ordering::Relaxed),
            dropped: self.stats.dropped.load(Ordering::Relaxed),
            exports: self.stats.exports.load(Ordering::Relaxed),
        }
    }

    fn config_changed(&self, config: &Config) {
        let decision = switch::decide(&self.settings, resolve(|k| std::env::var(k).ok(), config));
        let was_paused = self.switch.is_paused();
        match &decision {
            Some(why) => tracing::info!(reason = %why, "telemetry export paused"),
            None if was_paused => tracing::info!("telemetry export resumed"),
            None => {}
        }
        self.switch.set(decision);
    }
}

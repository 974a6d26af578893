//! Host metrics: requests by route and status and their latency (from the `http.request`
//! spans the server opens), IPC call latency (from `ipc.call` spans), runtime restarts and
//! state, `/ws` clients and dropped telemetry (observed at each collection).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, Meter};
use pryx_core_api::RuntimeBridge;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::client::ExportStats;
use super::requests::{RequestCounts, Routes, method_name};

/// What the observable gauges read, attached after the host is composed.
#[derive(Default)]
pub struct Observed {
    /// The runtime whose state and restarts are reported.
    pub runtime: OnceLock<Arc<dyn RuntimeBridge>>,
    /// How many `/ws` clients are connected.
    pub ws_clients: OnceLock<Arc<dyn Fn() -> u64 + Send + Sync>>,
}

/// The instruments the span layer records into.
#[derive(Clone)]
pub(crate) struct Instruments {
    request_duration: Histogram<f64>,
    ipc_duration: Histogram<f64>,
}

impl Instruments {
    pub(crate) fn new(
        meter: &Meter,
        observed: Arc<Observed>,
        stats: Arc<ExportStats>,
        counts: Arc<RequestCounts>,
    ) -> Self {
        meter
            .u64_observable_counter("http.server.requests")
            .with_description("API and UI requests by method, route and status")
            .with_callback(move |obs| {
                for ((method, route, status), n) in counts.snapshot() {
                    obs.observe(
                        n,
                        &[
                            KeyValue::new("http.request.method", method),
                            KeyValue::new("http.route", route),
                            KeyValue::new("http.response.status_code", i64::from(status)),
                        ],
                    );
                }
            })
            .build();
        let o = observed.clone();
        meter
            .u64_observable_gauge("pryx.runtime.restarts")
            .with_description("Runtime restarts since the host started")
            .with_callback(move |obs| {
                if let Some(r) = o.runtime.get() {
                    obs.observe(u64::from(r.status().restarts), &[]);
                }
            })
            .build();
        let o = observed.clone();
        meter
            .u64_observable_gauge("pryx.runtime.state")
            .with_description("1 for the runtime's current state")
            .with_callback(move |obs| {
                if let Some(r) = o.runtime.get() {
                    obs.observe(1, &[KeyValue::new("state", r.status().state.as_str())]);
                }
            })
            .build();
        let o = observed;
        meter
            .u64_observable_gauge("pryx.ws.clients")
            .with_description("Connected /ws clients")
            .with_callback(move |obs| {
                if let Some(count) = o.ws_clients.get() {
                    obs.observe(count(), &[]);
                }
            })
            .build();
        meter
            .u64_observable_counter("pryx.telemetry.dropped")
            .with_description("Telemetry items the host gave up on")
            .with_callback(move |obs| {
                obs.observe(
                    stats.dropped.load(std::sync::atomic::Ordering::Relaxed),
                    &[],
                );
            })
            .build();
        Self {
            request_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_description("Latency of a sample of API and UI requests")
                .with_unit("s")
                .build(),
            ipc_duration: meter
                .f64_histogram("pryx.ipc.call.duration")
                .with_unit("s")
                .build(),
        }
    }
}

/// Records request metrics from the server's response events and IPC metrics from `ipc.call`
/// spans: every request is counted (cheaply, in [`RequestCounts`]); latency is recorded for a
/// sample of at most [`LATENCY_SAMPLES_PER_SECOND`] requests a second, which keeps the
/// histogram representative and its cost off most requests. IPC calls are all recorded (they
/// are few).
pub(crate) struct MetricsLayer {
    pub(crate) instruments: Instruments,
    pub(crate) routes: Arc<Routes>,
    pub(crate) counts: Arc<RequestCounts>,
    pub(crate) latency_budget: super::budget::TokenBucket,
}

/// Requests a second whose latency goes into `http.server.request.duration`.
pub(crate) const LATENCY_SAMPLES_PER_SECOND: u32 = 200;

/// An `ipc.call` span's start and fields.
struct IpcCall {
    started: Instant,
    method: Option<String>,
    outcome: Option<&'static str>,
}

impl Visit for IpcCall {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "rpc.method" => self.method = Some(value.to_owned()),
            "outcome" => self.outcome = Some(if value == "ok" { "ok" } else { "error" }),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// The server's one event per response: `method`, `route`, `status`, `duration_us`.
#[derive(Default)]
struct Response {
    method: &'static str,
    route: &'static str,
    status: u16,
    micros: u64,
}

struct ResponseVisitor<'a> {
    response: &'a mut Response,
    routes: &'a Routes,
}

impl Visit for ResponseVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.response.method = method_name(value),
            "route" => self.response.route = self.routes.intern(value),
            _ => {}
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.response.status = u16::try_from(value).unwrap_or(0),
            "duration_us" => self.response.micros = value,
            _ => {}
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }
    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for MetricsLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != crate::HTTP_SPAN_TARGET {
            return;
        }
        let mut r = Response::default();
        event.record(&mut ResponseVisitor {
            response: &mut r,
            routes: &self.routes,
        });
        self.counts.add((r.method, r.route, r.status));
        if self.latency_budget.take() {
            let attrs = [
                KeyValue::new("http.request.method", r.method),
                KeyValue::new("http.route", r.route),
                KeyValue::new("http.response.status_code", i64::from(r.status)),
            ];
            self.instruments
                .request_duration
                .record(r.micros as f64 / 1e6, &attrs);
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if span.name() != "ipc.call" {
            return;
        }
        let mut call = IpcCall {
            started: Instant::now(),
            method: None,
            outcome: None,
        };
        attrs.record(&mut call);
        span.extensions_mut().insert(call);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(call) = span.extensions_mut().get_mut::<IpcCall>() {
                values.record(call);
            }
        }
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let ext = span.extensions();
        let Some(call) = ext.get::<IpcCall>() else {
            return;
        };
        let attrs = [
            KeyValue::new("rpc.method", call.method.clone().unwrap_or_default()),
            KeyValue::new("outcome", call.outcome.unwrap_or("")),
        ];
        let seconds = call.started.elapsed().as_secs_f64();
        self.instruments.ipc_duration.record(seconds, &attrs);
    }
}

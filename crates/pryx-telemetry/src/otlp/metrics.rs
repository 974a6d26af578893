//! Host metrics: requests by route and status and their latency (from the `http.request`
//! spans the server opens), IPC call latency (from `ipc.call` spans), runtime restarts and
//! state, `/ws` clients and dropped telemetry (observed at each collection).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, Meter};
use pryx_core_api::{RuntimeBridge, RuntimeState};
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::client::ExportStats;

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
    pub(crate) fn new(meter: &Meter, observed: Arc<Observed>, stats: Arc<ExportStats>) -> Self {
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
                    obs.observe(1, &[KeyValue::new("state", state_name(r.status().state))]);
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
                .with_description("API and UI requests by route and status (count) and latency")
                .with_unit("s")
                .build(),
            ipc_duration: meter
                .f64_histogram("pryx.ipc.call.duration")
                .with_unit("s")
                .build(),
        }
    }
}

fn state_name(state: RuntimeState) -> &'static str {
    match state {
        RuntimeState::Unavailable => "unavailable",
        RuntimeState::Starting => "starting",
        RuntimeState::Ready => "ready",
        RuntimeState::Restarting => "restarting",
        RuntimeState::Failed => "failed",
        RuntimeState::Stopped => "stopped",
        RuntimeState::Unresponsive => "unresponsive",
    }
}

/// Records request and IPC metrics when their spans close.
pub(crate) struct MetricsLayer {
    pub(crate) instruments: Instruments,
}

struct Timing {
    started: Instant,
    fields: SpanFields,
}

#[derive(Default)]
struct SpanFields {
    method: Option<String>,
    route: Option<String>,
    status: Option<u64>,
    rpc_method: Option<String>,
    outcome: Option<String>,
}

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "http.request.method" => self.method = Some(value.to_owned()),
            "http.route" => self.route = Some(value.to_owned()),
            "rpc.method" => self.rpc_method = Some(value.to_owned()),
            "outcome" => self.outcome = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "http.response.status_code" {
            self.status = Some(value);
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for MetricsLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(Timing {
            started: Instant::now(),
            fields,
        });
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(t) = span.extensions_mut().get_mut::<Timing>() {
                values.record(&mut t.fields);
            }
        }
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let name = span.name();
        let ext = span.extensions();
        let Some(t) = ext.get::<Timing>() else { return };
        let seconds = t.started.elapsed().as_secs_f64();
        let f = &t.fields;
        match name {
            "http.request" => {
                let attrs = [
                    KeyValue::new("http.request.method", f.method.clone().unwrap_or_default()),
                    KeyValue::new("http.route", f.route.clone().unwrap_or_default()),
                    KeyValue::new("http.response.status_code", f.status.unwrap_or(0) as i64),
                ];
                self.instruments.request_duration.record(seconds, &attrs);
            }
            "ipc.call" => {
                let attrs = [
                    KeyValue::new("rpc.method", f.rpc_method.clone().unwrap_or_default()),
                    KeyValue::new("outcome", f.outcome.clone().unwrap_or_default()),
                ];
                self.instruments.ipc_duration.record(seconds, &attrs);
            }
            _ => {}
        }
    }
}

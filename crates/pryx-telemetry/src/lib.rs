//! # pryx-telemetry
//!
//! The host's logs and telemetry export: adapters of the
//! [`TelemetrySink`](pryx_core_api::TelemetrySink) and [`LogRing`](pryx_core_api::LogRing)
//! ports, and the log setup. See docs/telemetry.md.
//!
//! - [`init_host_logging`]: terminal (colour only on a TTY, `NO_COLOR` honoured), JSON lines in a
//!   bounded rolling file under `<data-dir>/logs/`, the [`MemoryLogRing`] behind
//!   `GET /api/v1/logs`, rate-limited live `log` events, all redacted.
//! - [`OtlpTelemetry`]: OTLP/HTTP protobuf export of spans, metrics and error logs, bounded.
//! - [`NoopTelemetry`]: telemetry switched off, with the reason in health.
//! - [`TracedRuntime`]: wraps a runtime so each IPC call is a span.

mod capture;
mod file;
mod live;
mod logging;
mod noop;
pub mod otlp;
mod redact;
mod ring;
mod traced;

pub use capture::{CaptureLayer, ErrorExport, LogSinks, Terminal, line_value, rfc3339};
pub use file::{FileBounds, RollingFile};
pub use live::{LOG_EVENT, LiveLimits, LivePublisher};
pub use logging::{HostLogOptions, HostLogging, init_host_logging, init_logging, use_colour};
pub use noop::NoopTelemetry;
pub use otlp::{ExportSettings, OtlpTelemetry, Resolved};
pub use redact::Redactor;
pub use ring::MemoryLogRing;
pub use traced::TracedRuntime;

/// The tracing target of the server's request spans (`http.request`).
pub const HTTP_SPAN_TARGET: &str = "pryx_http";
/// The tracing target of IPC call spans (`ipc.call`).
pub const IPC_SPAN_TARGET: &str = "pryx_ipc_call";

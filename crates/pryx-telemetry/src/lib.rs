//! # pryx-telemetry
//!
//! Adapters of the [`TelemetrySink`](pryx_core_api::TelemetrySink) port, and the host's log
//! setup.
//!
//! - [`NoopTelemetry`]: telemetry switched off; records are dropped.
//! - [`init_logging`]: human-readable logs on stderr, filtered by `PRYX_LOG` / `RUST_LOG`.

mod logging;
mod noop;

pub use logging::init_logging;
pub use noop::NoopTelemetry;

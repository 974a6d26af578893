//! Log lines as clients read them: what `GET /api/v1/logs` lists and `/ws` streams. The lines
//! come from the host's own log, the runtime's `log` notifications and the runtime's stderr,
//! each marked with its [`LogSource`]. Lines are redacted before they are kept.

use std::time::SystemTime;

use crate::value::Map;

/// How serious a line is, least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that did not stop the host.
    Warn,
    /// Something failed.
    Error,
}

impl LogLevel {
    /// Parses `trace`, `debug`, `info`, `warn` (or `warning`), `error` in any case.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "trace" => Self::Trace,
            "debug" => Self::Debug,
            "info" => Self::Info,
            "warn" | "warning" => Self::Warn,
            "error" => Self::Error,
            _ => return None,
        })
    }
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// Who wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum LogSource {
    /// The host itself.
    Host,
    /// The runtime, through its `log` notifications.
    Runtime,
    /// The runtime's standard error stream.
    RuntimeStderr,
}

impl LogSource {
    /// Parses `host`, `runtime` or `runtime-stderr`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "host" => Self::Host,
            "runtime" => Self::Runtime,
            "runtime-stderr" => Self::RuntimeStderr,
            _ => return None,
        })
    }
    /// The name used on the wire and in the log file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Runtime => "runtime",
            Self::RuntimeStderr => "runtime-stderr",
        }
    }
}

/// One log line, already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Strictly increasing within one host run, starting at 1.
    pub seq: u64,
    /// When it was written.
    pub timestamp: SystemTime,
    /// Its level.
    pub level: LogLevel,
    /// Who wrote it.
    pub source: LogSource,
    /// The module (host) or logger that wrote it, e.g. `pryx_server::serve`.
    pub target: String,
    /// The message.
    pub message: String,
    /// Structured fields besides the message.
    pub fields: Map,
}

/// Which lines a reader wants. Every filter is optional; `limit` is capped by the ring.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogQuery {
    /// Only lines at this level or more serious.
    pub level: Option<LogLevel>,
    /// Only lines from this source.
    pub source: Option<LogSource>,
    /// Only lines written at or after this time.
    pub since: Option<SystemTime>,
    /// At most this many lines (the most recent ones).
    pub limit: Option<usize>,
}

impl LogQuery {
    /// Whether `line` passes the level, source and time filters (not the limit).
    pub fn matches(&self, line: &LogLine) -> bool {
        self.level.is_none_or(|l| line.level >= l)
            && self.source.is_none_or(|s| line.source == s)
            && self.since.is_none_or(|t| line.timestamp >= t)
    }
}

/// The lines a query found, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// The lines.
    pub lines: Vec<LogLine>,
    /// How many lines the ring holds at most (older ones are gone).
    pub capacity: usize,
    /// Lines the ring let go since the host started.
    pub evicted: u64,
}

/// A [`LogRing`](crate::ports::LogRing) that keeps nothing: for hosts composed without a log
/// capture (tests, embedders).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLogRing;

impl crate::ports::LogRing for NoLogRing {
    fn recent(&self, _query: &LogQuery) -> LogPage {
        LogPage {
            lines: Vec::new(),
            capacity: 0,
            evicted: 0,
        }
    }
}

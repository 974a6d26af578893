//! The capture layer: every log event becomes one redacted [`LogLine`], kept in the ring,
//! appended to the log file as a JSON line, offered to `/ws` clients, and (error level) to the
//! exporter. Lines are clipped (message 8 KiB, 32 fields of 4 KiB) so memory stays bounded.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use pryx_core_api::{LogLevel, LogLine, LogSource, Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::file::RollingFile;
use crate::live::LivePublisher;
use crate::redact::Redactor;
use crate::ring::MemoryLogRing;

const MAX_MESSAGE: usize = 8 * 1024;
const MAX_FIELD: usize = 4 * 1024;
const MAX_FIELDS: usize = 32;

/// Receives error-level lines for export.
pub trait ErrorExport: Send + Sync + 'static {
    /// Queues `line` (already redacted). Never blocks.
    fn export_error(&self, line: &LogLine);
}

/// Where captured lines go.
pub struct LogSinks {
    /// Redacts every line first.
    pub redactor: Redactor,
    /// Recent lines for `GET /api/v1/logs`.
    pub ring: Arc<MemoryLogRing>,
    /// The log file, when there is one.
    pub file: Option<Mutex<RollingFile>>,
    /// `/ws` clients.
    pub live: Arc<LivePublisher>,
    /// The exporter of error-level lines, once telemetry is set up.
    pub errors: OnceLock<Arc<dyn ErrorExport>>,
    /// The terminal, when lines are shown there: the redacted line, readable.
    pub terminal: Option<Terminal>,
    seq: AtomicU64,
}

/// Where lines are shown to a person: one readable line each, from the redacted [`LogLine`]
/// (so the terminal never shows what the file would not).
pub struct Terminal {
    out: Mutex<Box<dyn std::io::Write + Send>>,
    colour: bool,
}

impl Terminal {
    /// Shows lines on `out`, with ANSI colour for the level when `colour`.
    pub fn new(out: Box<dyn std::io::Write + Send>, colour: bool) -> Self {
        Self {
            out: Mutex::new(out),
            colour,
        }
    }

    /// Writes one line: `time LEVEL [source] target: message key=value ...`.
    pub fn show(&self, line: &LogLine) {
        let (paint, reset) = match (self.colour, line.level) {
            (false, _) => ("", ""),
            (true, LogLevel::Error) => ("\x1b[31m", "\x1b[0m"),
            (true, LogLevel::Warn) => ("\x1b[33m", "\x1b[0m"),
            (true, LogLevel::Info) => ("\x1b[32m", "\x1b[0m"),
            (true, _) => ("\x1b[2m", "\x1b[0m"),
        };
        let mut text = format!(
            "{} {paint}{:>5}{reset} ",
            rfc3339(line.timestamp),
            line.level.as_str().to_ascii_uppercase()
        );
        if line.source != LogSource::Host {
            let _ = write!(text, "[{}] ", line.source.as_str());
        }
        let _ = write!(text, "{}: {}", line.target, line.message);
        for (k, v) in &line.fields {
            match v {
                Value::String(s) => {
                    let _ = write!(text, " {k}={s:?}");
                }
                other => {
                    let shown = serde_json::to_string(other).unwrap_or_default();
                    let _ = write!(text, " {k}={shown}");
                }
            }
        }
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(text.as_bytes());
    }
}

impl LogSinks {
    /// Shows every line on `terminal` too.
    pub fn with_terminal(mut self, terminal: Terminal) -> Self {
        self.terminal = Some(terminal);
        self
    }

    /// Sinks with no exporter attached yet.
    pub fn new(
        redactor: Redactor,
        ring: Arc<MemoryLogRing>,
        file: Option<RollingFile>,
        live: Arc<LivePublisher>,
    ) -> Self {
        Self {
            redactor,
            ring,
            file: file.map(Mutex::new),
            live,
            errors: OnceLock::new(),
            terminal: None,
            seq: AtomicU64::new(0),
        }
    }

    /// Redacts and dispatches one line.
    pub fn dispatch(
        &self,
        level: LogLevel,
        source: LogSource,
        target: &str,
        message: &str,
        fields: Map,
    ) {
        let mut fields = Value::Map(fields);
        self.redactor.value(&mut fields);
        let Value::Map(fields) = fields else {
            unreachable!("a map stays a map")
        };
        let line = LogLine {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            timestamp: SystemTime::now(),
            level,
            source,
            target: target.to_owned(),
            message: self.redactor.text(clip(message, MAX_MESSAGE)).into_owned(),
            fields,
        };
        if let Some(file) = &self.file {
            let json = serde_json::to_string(&FileLine(&line)).unwrap_or_default();
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = file.write_line(&json);
        }
        if level == LogLevel::Error {
            if let Some(errors) = self.errors.get() {
                errors.export_error(&line);
            }
        }
        if let Some(terminal) = &self.terminal {
            terminal.show(&line);
        }
        self.live.offer(&line);
        self.ring.push(line);
    }
}

/// A line as the file and the API show it.
pub fn line_value(line: &LogLine) -> Value {
    let mut map = Map::new();
    map.insert("seq".into(), (line.seq as i64).into());
    map.insert("ts".into(), rfc3339(line.timestamp).into());
    map.insert("level".into(), line.level.as_str().into());
    map.insert("source".into(), line.source.as_str().into());
    map.insert("target".into(), line.target.clone().into());
    map.insert("message".into(), line.message.clone().into());
    if !line.fields.is_empty() {
        map.insert("fields".into(), Value::Map(line.fields.clone()));
    }
    Value::Map(map)
}

/// `time` as RFC 3339 with milliseconds, UTC.
pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

struct FileLine<'a>(&'a LogLine);

impl serde::Serialize for FileLine<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        line_value(self.0).serialize(s)
    }
}

thread_local! {
    /// Set while a line is dispatched: anything the sinks log themselves is not captured again.
    static DISPATCHING: Cell<bool> = const { Cell::new(false) };
}

/// The [`Layer`] feeding [`LogSinks`].
pub struct CaptureLayer {
    sinks: Arc<LogSinks>,
}

impl CaptureLayer {
    /// A layer dispatching to `sinks`.
    pub fn new(sinks: Arc<LogSinks>) -> Self {
        Self { sinks }
    }
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if DISPATCHING.with(|d| d.replace(true)) {
            return;
        }
        let meta = event.metadata();
        let mut visitor = Fields::default();
        event.record(&mut visitor);
        let source = match (visitor.source.as_deref(), visitor.stream.as_deref()) {
            (Some("runtime"), Some("stderr")) => LogSource::RuntimeStderr,
            (Some("runtime"), _) => LogSource::Runtime,
            _ => LogSource::Host,
        };
        if let Some(s) = visitor.stream {
            visitor.fields.insert("stream".into(), s.into());
        }
        self.sinks.dispatch(
            level_of(*meta.level()),
            source,
            meta.target(),
            &visitor.message,
            visitor.fields,
        );
        DISPATCHING.with(|d| d.set(false));
    }
}

fn level_of(level: Level) -> LogLevel {
    match level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warn,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        Level::TRACE => LogLevel::Trace,
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    source: Option<String>,
    stream: Option<String>,
    fields: Map,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        match field.name() {
            "source" => self.source = value.as_str().map(str::to_owned),
            "stream" => self.stream = value.as_str().map(str::to_owned),
            // The runtime's `log` fields arrive as one JSON text: keep them as data, so secret
            // keys inside are found by name.
            "fields" => {
                if let Some(Ok(serde_json::Value::Object(obj))) = value
                    .as_str()
                    .map(serde_json::from_str::<serde_json::Value>)
                {
                    for (k, v) in obj.into_iter().take(MAX_FIELDS) {
                        self.fields.insert(k, from_json(v));
                    }
                }
            }
            name if self.fields.len() < MAX_FIELDS => {
                self.fields.insert(name.to_owned(), value);
            }
            _ => {}
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = clip(value, MAX_MESSAGE).to_owned();
        } else if field.name() == "fields" {
            self.put(field, clip(value, 4 * MAX_FIELD).into());
        } else {
            self.put(field, clip(value, MAX_FIELD).into());
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, i64::try_from(value).unwrap_or(i64::MAX).into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record_str(field, &text);
    }
}

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => b.into(),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_f64().map(Value::Float))
            .unwrap_or(Value::Null),
        serde_json::Value::String(s) => clip(&s, MAX_FIELD).into(),
        serde_json::Value::Array(a) => {
            Value::List(a.into_iter().take(MAX_FIELDS).map(from_json).collect())
        }
        serde_json::Value::Object(o) => Value::Map(
            o.into_iter()
                .take(MAX_FIELDS)
                .map(|(k, v)| (k, from_json(v)))
                .collect(),
        ),
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
pub(crate) fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

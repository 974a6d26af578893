//! Log setup for the host binaries.
//!
//! - On the terminal (stderr): human-readable lines, coloured only when stderr is a terminal and
//!   `NO_COLOR` is not set, redacted like everything else.
//! - [`init_host_logging`] adds the capture layer: the JSON-lines log file under
//!   `<data-dir>/logs/`, the ring behind `GET /api/v1/logs`, live `log` events, and (once
//!   telemetry is set up) export of error-level lines and of request/IPC spans.
//!
//! The filter comes from `PRYX_LOG`, then `RUST_LOG`, then the given default.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::capture::{CaptureLayer, LogSinks, Terminal};
use crate::file::{FileBounds, RollingFile};
use crate::live::{LiveLimits, LivePublisher};
use crate::redact::Redactor;
use crate::ring::MemoryLogRing;

/// Installs a human-readable, redacted logger on stderr only (tools and tests). Calling it
/// twice is harmless.
pub fn init_logging(default_filter: &str) {
    let _ = Registry::default()
        .with(terminal_layer(Redactor::for_current_user()).with_filter(filter(default_filter)))
        .try_init();
}

/// What the host's log setup needs.
pub struct HostLogOptions<'a> {
    /// `info` unless `PRYX_LOG` / `RUST_LOG` say otherwise.
    pub default_filter: &'a str,
    /// The data dir; the log file goes to `<data_dir>/logs/pryx-host.log`. `None`: no file.
    pub data_dir: Option<&'a Path>,
    /// How the file rolls.
    pub file_bounds: FileBounds,
    /// Lines kept for `GET /api/v1/logs`.
    pub ring_capacity: usize,
    /// The `/ws` rate limit and level threshold.
    pub live: LiveLimits,
    /// The layer exporting spans, when export is on (see [`crate::OtlpTelemetry::span_layer`]).
    pub span_layer: Option<Box<dyn Layer<Registry> + Send + Sync>>,
}

impl Default for HostLogOptions<'_> {
    fn default() -> Self {
        Self {
            default_filter: "info",
            data_dir: None,
            file_bounds: FileBounds::default(),
            ring_capacity: MemoryLogRing::DEFAULT_CAPACITY,
            live: LiveLimits::default(),
            span_layer: None,
        }
    }
}

/// The pieces of the host's log the rest of the host uses.
pub struct HostLogging {
    /// Where captured lines go (attach the exporter with `sinks.errors`).
    pub sinks: Arc<LogSinks>,
    /// The ring of recent lines (the `LogRing` port).
    pub ring: Arc<MemoryLogRing>,
    /// Publishes `log` events once attached to the event hub.
    pub live: Arc<LivePublisher>,
    /// Why the log file could not be opened, if it could not (logs then go to stderr only).
    pub file_error: Option<String>,
}

/// Installs the host's logger (terminal, file, ring, live events, optional span export) as the
/// global default. Fails only if a global logger is already installed.
pub fn init_host_logging(options: HostLogOptions<'_>) -> Result<HostLogging, String> {
    let redactor = Redactor::for_current_user();
    let (file, file_error) = match options.data_dir {
        Some(dir) => match RollingFile::open(&dir.join("logs"), options.file_bounds) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(format!("cannot open the log file: {e}"))),
        },
        None => (None, None),
    };
    let ring = Arc::new(MemoryLogRing::new(options.ring_capacity));
    let live = Arc::new(LivePublisher::new(options.live));
    let colour = use_colour(
        io::stderr().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    let sinks = Arc::new(
        LogSinks::new(redactor, ring.clone(), file, live.clone())
            .with_terminal(Terminal::new(Box::new(io::stderr()), colour)),
    );
    let layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = [
        Some(
            CaptureLayer::new(sinks.clone())
                .with_filter(filter(options.default_filter))
                .boxed(),
        ),
        options.span_layer,
    ]
    .into_iter()
    .flatten()
    .collect();
    Registry::default()
        .with(layers)
        .try_init()
        .map_err(|e| format!("a logger is already installed: {e}"))?;
    Ok(HostLogging {
        sinks,
        ring,
        live,
        file_error,
    })
}

/// The terminal's and the capture's filter. The request and IPC spans are for export only:
/// switched off here, so with export off no layer wants them and they cost nothing.
fn filter(default_filter: &str) -> EnvFilter {
    let chosen = std::env::var("PRYX_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .filter(|f| EnvFilter::try_new(f).is_ok())
        .unwrap_or_else(|| default_filter.to_owned());
    let spans_off = format!(
        "{chosen},{}=off,{}=off",
        crate::HTTP_SPAN_TARGET,
        crate::IPC_SPAN_TARGET
    );
    EnvFilter::try_new(&spans_off).unwrap_or_else(|_| EnvFilter::new(default_filter))
}

/// Whether the terminal gets colour: only when stderr is a terminal and `NO_COLOR` is unset
/// or empty (<https://no-color.org>).
pub fn use_colour(stderr_is_terminal: bool, no_color: Option<&str>) -> bool {
    stderr_is_terminal && no_color.is_none_or(str::is_empty)
}

fn terminal_layer<S>(redactor: Redactor) -> impl Layer<S> + Send + Sync
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let colour = use_colour(
        io::stderr().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    tracing_subscriber::fmt::layer()
        .with_writer(RedactingStderr { redactor })
        .with_ansi(colour)
        .with_target(true)
}

/// Stderr, with each formatted line redacted before it is written.
struct RedactingStderr {
    redactor: Redactor,
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = LineBuffer<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        LineBuffer {
            redactor: &self.redactor,
            buf: Vec::new(),
        }
    }
}

/// Collects one formatted event and writes it, redacted, when dropped.
struct LineBuffer<'a> {
    redactor: &'a Redactor,
    buf: Vec<u8>,
}

impl Write for LineBuffer<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineBuffer<'_> {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let _ = io::stderr().write_all(self.redactor.text(&text).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::use_colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some("")));
        assert!(!use_colour(true, Some("1")));
        assert!(!use_colour(false, None));
    }
}

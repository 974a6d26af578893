//! The capture layer under a real tracing subscriber: sources are recognised as the IPC adapter
//! marks them, and every sink (terminal, file, ring) gets the redacted line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use pryx_core_api::{LogLevel, LogQuery, LogRing, LogSource, Value};
use pryx_telemetry::{
    CaptureLayer, FileBounds, LiveLimits, LivePublisher, LogSinks, MemoryLogRing, Redactor,
    RollingFile, Terminal,
};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn runtime_lines_keep_their_source_and_are_redacted_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let terminal = Shared::default();
    let ring = Arc::new(MemoryLogRing::new(10));
    let file = RollingFile::open(&tmp.path().join("logs"), FileBounds::default()).unwrap();
    let sinks = Arc::new(
        LogSinks::new(
            Redactor::new(Some("/home/ada".into())),
            ring.clone(),
            Some(file),
            Arc::new(LivePublisher::new(LiveLimits::default())),
        )
        .with_terminal(Terminal::new(Box::new(terminal.clone()), false)),
    );
    let subscriber = tracing_subscriber::registry().with(CaptureLayer::new(sinks));
    tracing::subscriber::with_default(subscriber, || {
        // As crates/pryx-ipc emits the runtime's `log` notification and a stderr line.
        let fields = r#"{"api_key":"plain-looking","dir":"/home/ada/work"}"#;
        tracing::warn!(target: "pryx_runtime", source = "runtime", stream = "log", fields, "tool failed");
        tracing::info!(target: "pryx_runtime", source = "runtime", stream = "stderr", pid = 7u32,
            "Authorization: Bearer abcdefgh12345678 rejected");
        tracing::error!(target: "pryx_server::serve", "cannot read /home/ada/.pryx/config.yaml");
    });

    let page = ring.recent(&LogQuery::default());
    let [log, stderr, host] = &page.lines[..] else {
        panic!("{:?}", page.lines)
    };
    assert_eq!(
        (log.source, log.level),
        (LogSource::Runtime, LogLevel::Warn)
    );
    assert_eq!(log.fields["api_key"], Value::from("<redacted>"));
    assert_eq!(log.fields["dir"], Value::from("~/work"));
    assert_eq!(stderr.source, LogSource::RuntimeStderr);
    assert_eq!(stderr.message, "Authorization: Bearer <redacted> rejected");
    assert_eq!(host.source, LogSource::Host);
    assert_eq!(host.message, "cannot read ~/.pryx/config.yaml");

    let shown = String::from_utf8(terminal.0.lock().unwrap().clone()).unwrap();
    let file = std::fs::read_to_string(tmp.path().join("logs/pryx-host.log")).unwrap();
    for (name, text) in [("terminal", &shown), ("file", &file)] {
        assert!(!text.contains("plain-looking"), "{name}: {text}");
        assert!(!text.contains("abcdefgh12345678"), "{name}: {text}");
        assert!(!text.contains("/home/ada"), "{name}: {text}");
        assert!(
            !text.contains('\u{1b}'),
            "{name}: colour without a terminal"
        );
    }
    assert!(
        shown.contains("[runtime-stderr] pryx_runtime: Authorization"),
        "{shown}"
    );
    let first: serde_json::Value = serde_json::from_str(file.lines().next().unwrap()).unwrap();
    assert_eq!(first["source"], "runtime");
    assert_eq!(first["fields"]["api_key"], "<redacted>");
}

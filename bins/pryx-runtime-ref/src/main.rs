//! `pryx-runtime-ref`: a reference agent runtime for Pryx host.
//!
//! It speaks the runtime side of the IPC protocol (`docs/ipc-protocol.md`) over stdin/stdout:
//! the handshake, the admin methods answered from a fixture file, a scripted agent that streams
//! replies and asks for permission before a tool, and periodic events. Switches make it
//! misbehave on purpose, for the host's tests: slow answers, a crash after N calls, garbage on
//! stdout, silence after the handshake (always, or while a file exists), no `ping`, SIGTERM
//! ignored, another protocol version, an oversize first line.

mod agent;
mod dispatch;
mod fixture;
mod io;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde_json::Value;

/// Command-line switches; each also reads an environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    version,
    about = "Reference agent runtime for Pryx host (JSON-RPC over stdio)"
)]
pub struct Options {
    /// JSON fixture with config, providers, models, MCP tools and skills (default: built in).
    #[arg(long, env = "PRYX_REF_FIXTURE")]
    pub fixture: Option<PathBuf>,
    /// Delay every answer after the handshake by this many milliseconds.
    #[arg(long, env = "PRYX_REF_SLOW_MS", default_value_t = 0)]
    pub slow_ms: u64,
    /// Exit with status 1 after answering this many calls (not counting `initialize`).
    #[arg(long, env = "PRYX_REF_CRASH_AFTER")]
    pub crash_after: Option<u64>,
    /// Write non-JSON and malformed JSON lines on stdout between answers.
    #[arg(long, env = "PRYX_REF_GARBAGE")]
    pub garbage: bool,
    /// Never answer anything after the handshake.
    #[arg(long, env = "PRYX_REF_HANG")]
    pub hang: bool,
    /// After the handshake, answer nothing (not even `ping` or `shutdown`) while this file
    /// exists; the process stays alive and keeps reading.
    #[arg(long, env = "PRYX_REF_HANG_WHILE", value_name = "FILE")]
    pub hang_while: Option<PathBuf>,
    /// Answer `ping` with -32601 (method not found), like a runtime that predates it.
    #[arg(long, env = "PRYX_REF_NO_PING")]
    pub no_ping: bool,
    /// Ignore SIGTERM (only SIGKILL stops it), like a runtime stuck in a signal handler.
    #[arg(long, env = "PRYX_REF_IGNORE_SIGTERM")]
    pub ignore_sigterm: bool,
    /// The protocol version to announce in `initialize`.
    #[arg(long, env = "PRYX_REF_PROTOCOL_VERSION", default_value = "1.0")]
    pub protocol_version: String,
    /// Before anything else, write one line of this many bytes on stdout.
    #[arg(long, env = "PRYX_REF_HUGE_LINE_BYTES")]
    pub huge_line_bytes: Option<u64>,
    /// Publish a `runtime.tick` event this often (milliseconds; 0 = never).
    #[arg(long, env = "PRYX_REF_TICK_MS", default_value_t = 0)]
    pub tick_ms: u64,
    /// After the handshake, publish this many `bench.token` events a second, each stamped
    /// with CLOCK_MONOTONIC as it is written (the chat-path bench; 0 = never).
    #[arg(long, env = "PRYX_REF_STREAM_TOKENS_PER_SEC", default_value_t = 0)]
    pub stream_tokens_per_sec: u64,
    /// Pause between the chunks of a streamed reply (milliseconds).
    #[arg(long, env = "PRYX_REF_STREAM_DELAY_MS", default_value_t = 0)]
    pub stream_delay_ms: u64,
    /// A label that does nothing; tests use it to find their processes.
    #[arg(long)]
    pub tag: Option<String>,
    /// Delay the answer to `initialize` by this many milliseconds (a slow start).
    #[arg(long, env = "PRYX_REF_SLOW_INIT_MS", default_value_t = 0)]
    pub slow_init_ms: u64,
    /// Append every message received from the host, one JSON object per line, to this file
    /// (tests read what the host sent: params of `initialize`, notifications, answers).
    #[arg(long, env = "PRYX_REF_RECORD", value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Log every call on stderr.
    #[arg(long, env = "PRYX_REF_VERBOSE")]
    pub verbose: bool,
}

fn main() {
    let options = Options::parse();
    if options.ignore_sigterm {
        ignore_sigterm();
    }
    let fixture = match fixture::load(options.fixture.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("pryx-runtime-ref: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build the async runtime");
    runtime.block_on(run(options, fixture));
}

async fn run(options: Options, fixture: fixture::Fixture) {
    let out = io::Out::start();
    eprintln!(
        "pryx-runtime-ref {} starting (pid {})",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    if let Some(len) = options.huge_line_bytes {
        out.huge_line(len);
    }
    // Like the real runtime, it also prints plain log lines on stdout.
    out.raw(
        format!(
            "pryx-runtime-ref: listening on stdio (pid {})\n",
            std::process::id()
        )
        .as_bytes(),
    );
    let state = Arc::new(dispatch::State::new(options.clone(), fixture, out.clone()));
    if options.tick_ms > 0 {
        tokio::spawn(tick(out.clone(), Duration::from_millis(options.tick_ms)));
    }
    let mut record = options.record.as_deref().map(io::Record::open);
    let mut lines = io::read_stdin();
    while let Some(line) = lines.recv().await {
        let Ok(text) = std::str::from_utf8(&line) else {
            eprintln!("pryx-runtime-ref: skipped a line that is not UTF-8");
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(message) => {
                if let Some(record) = record.as_mut() {
                    record.append(&message);
                }
                dispatch::handle(&state, message).await
            }
            Err(e) => eprintln!("pryx-runtime-ref: skipped a malformed line: {e}"),
        }
    }
    eprintln!("pryx-runtime-ref: stdin closed; exiting");
    // Let replies being streamed finish their current step.
    tokio::time::sleep(Duration::from_millis(20)).await;
    out.exit(0).await
}

#[cfg(unix)]
fn ignore_sigterm() {
    // SAFETY: setting a signal's disposition to "ignore" has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_sigterm() {}

async fn tick(out: io::Out, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    let mut n: u64 = 0;
    loop {
        interval.tick().await;
        n += 1;
        out.notify(
            "event.publish",
            serde_json::json!({"event": "runtime.tick", "payload": {"n": n}}),
        );
    }
}

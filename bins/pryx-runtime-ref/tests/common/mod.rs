//! Shared pieces of the process-level tests: a recording host, the reference runtime's path,
//! and polling helpers.

#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use pryx_core_api::{
    ApprovalService, CoreError, Event, EventPublisher, PortHealth, RuntimeBridge, RuntimeState,
    RuntimeStatus, TelemetryRecord, TelemetrySink,
};
use pryx_ipc::{HostHandles, RestartPolicy, SidecarBridge, SidecarConfig};

/// The reference runtime built with these tests.
pub const RUNTIME: &str = env!("CARGO_BIN_EXE_pryx-runtime-ref");

/// The test sidecar that behaves like today's Go runtime (no `initialize`).
pub const LEGACY: &str = env!("CARGO_BIN_EXE_pryx-runtime-legacy");

/// The JSON lines in `path` (a `--record` or `--ask` file); none while it does not exist.
pub fn json_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Records every event.
#[derive(Default)]
pub struct Events(pub Mutex<Vec<Event>>);

impl EventPublisher for Events {
    fn publish(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Events {
    /// The events named `name`, in order.
    pub fn named(&self, name: &str) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.name == name)
            .cloned()
            .collect()
    }
}

/// Records every telemetry record.
#[derive(Default)]
pub struct Telemetry(pub Mutex<Vec<TelemetryRecord>>);

#[async_trait]
impl TelemetrySink for Telemetry {
    fn record(&self, record: TelemetryRecord) {
        self.0.lock().unwrap().push(record);
    }
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("test")
    }
}

/// A bridge to the reference runtime plus what the host side recorded.
pub struct Host {
    pub bridge: Arc<SidecarBridge>,
    pub events: Arc<Events>,
    pub telemetry: Arc<Telemetry>,
    pub approvals: ApprovalService,
}

/// A config for the reference runtime with `args`, fast restarts and short timeouts.
pub fn config(args: &[&str]) -> SidecarConfig {
    let mut config = SidecarConfig::new(RUNTIME).with_args(args.iter().copied());
    config.call_timeout = Duration::from_secs(5);
    config.handshake_timeout = Duration::from_secs(10);
    config.shutdown_grace = Duration::from_secs(2);
    config.restart = RestartPolicy {
        base: Duration::from_millis(20),
        max: Duration::from_millis(200),
        jitter: 0.2,
        max_restarts: 5,
        window: Duration::from_secs(60),
    };
    config
}

/// Starts a bridge with `config`.
pub fn start(config: SidecarConfig) -> Host {
    let events = Arc::new(Events::default());
    let telemetry = Arc::new(Telemetry::default());
    let approvals = ApprovalService::new(events.clone());
    let bridge = SidecarBridge::start(
        config,
        HostHandles {
            events: events.clone(),
            approvals: approvals.clone(),
            telemetry: telemetry.clone(),
            updates: pryx_core_api::UpdateService::default(),
        },
    );
    Host {
        bridge,
        events,
        telemetry,
        approvals,
    }
}

impl Host {
    /// Waits (up to 20 s) for `state`; panics with the last status otherwise.
    pub async fn wait_state(&self, state: RuntimeState) -> RuntimeStatus {
        self.wait(|s| s.state == state, &format!("{state:?}")).await
    }

    /// Waits (up to 20 s) for a status satisfying `pred`.
    pub async fn wait(
        &self,
        pred: impl FnMut(&RuntimeStatus) -> bool,
        what: &str,
    ) -> RuntimeStatus {
        match self.bridge.wait_for(Duration::from_secs(20), pred).await {
            Some(status) => status,
            None => panic!("no {what} status; last: {:?}", self.bridge.status()),
        }
    }
}

/// Polls `f` every 5 ms for up to `timeout` until it returns `Some`.
pub async fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs `fut` and returns its output and how long it took.
pub async fn timed<F: Future>(fut: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let out = fut.await;
    (out, started.elapsed())
}

/// Whether `pid` is a live process (a zombie counts as dead).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // The state follows the parenthesised command name.
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next());
            state != Some("Z") && state != Some("X")
        }
        Err(_) => false,
    }
}

/// Every live process whose command line mentions the reference runtime and `marker`.
pub fn runtimes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains("pryx-runtime-ref") && cmdline.contains(marker) && alive(pid) {
            found.push(pid);
        }
    }
    found
}

/// Shuts the bridge down and checks every process it ran is gone.
pub async fn shutdown_and_check(host: &Host, pids: &[u32]) {
    host.bridge.shutdown().await;
    assert_eq!(host.bridge.status().state, RuntimeState::Stopped);
    for pid in pids {
        eventually(Duration::from_secs(2), "the runtime to be gone", || {
            (!alive(*pid)).then_some(())
        })
        .await;
    }
}

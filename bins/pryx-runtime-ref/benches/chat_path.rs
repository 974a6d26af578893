//! The chat path, end to end on one machine (not a test): the reference runtime publishes
//! `bench.token` events at a fixed rate over its stdout (`--stream-tokens-per-sec`), each
//! stamped with CLOCK_MONOTONIC just before the write; the host reads them over IPC
//! (`pryx-ipc`'s `SidecarBridge`, as `pryx-core` composes it), publishes them into its event
//! hub and sends them to `/ws` clients; each client parses the frame and stamps CLOCK_MONOTONIC
//! again. The difference is what the host adds (plus the two kernel hops: the pipe and the
//! loopback socket, and the client's parse).
//!
//! Run: `cargo bench -p pryx-runtime-ref --bench chat_path`. Knobs: `CHAT_BENCH_CLIENTS`
//! (default 10), `CHAT_BENCH_RATE` (tokens/s, default 1000), `CHAT_BENCH_SECS` (measured
//! seconds, default 5, after one second of warm-up). Prints a `summary key=value …` line for
//! scripts/bench.sh.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use pryx_core_api::{ApprovalService, RuntimeBridge, RuntimeState, UpdateService};
use pryx_ipc::{HostHandles, SidecarBridge, SidecarConfig};
use pryx_server::{Adapters, AdminToken, EventHub, Host, SecurityPolicy};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const RUNTIME: &str = env!("CARGO_BIN_EXE_pryx-runtime-ref");
/// The admin token of the benchmark host (a fixed test value: the host is local and short-lived).
const BENCH_TOKEN: &str = "bench-token-0123456789abcdef0123456789abcdef0123456789";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CLOCK_MONOTONIC in nanoseconds, the clock the runtime stamps tokens with.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given, which lives on this stack.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// User + system CPU seconds of this process so far.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Reads tokens until `until_n`; returns the latency (ns) of each token after `warm_up_n`.
async fn client(url: String, warm_up_n: u64, until_n: u64) -> Vec<u64> {
    let mut request = url.into_client_request().expect("ws url");
    let bearer = format!("Bearer {BENCH_TOKEN}");
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let mut latencies = Vec::with_capacity((until_n - warm_up_n) as usize);
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        // Parsed as a client would, then stamped.
        let frame: serde_json::Value = serde_json::from_str(&text).expect("a JSON frame");
        let now = monotonic_ns();
        if frame["type"] != "event" {
            continue;
        }
        let payload = &frame["payload"];
        let (Some(n), Some(sent)) = (payload["n"].as_u64(), payload["sent_ns"].as_u64()) else {
            continue;
        };
        if n > warm_up_n {
            latencies.push(now.saturating_sub(sent));
        }
        if n >= until_n {
            break;
        }
    }
    latencies
}

fn percentile_us(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank] as f64 / 1000.0
}

fn main() {
    let clients = env_or("CHAT_BENCH_CLIENTS", 10);
    let rate = env_or("CHAT_BENCH_RATE", 1000).max(1);
    let secs = env_or("CHAT_BENCH_SECS", 5).max(1);
    let host_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = EventHub::new(EventHub::DEFAULT_CAPACITY);
    let (host, bridge) = host_rt.block_on(async {
        let t = pryx_testkit::Fixture::empty().adapters();
        let config = SidecarConfig::new(RUNTIME)
            .with_args(["--stream-tokens-per-sec".to_owned(), rate.to_string()]);
        let bridge = SidecarBridge::start(
            config,
            HostHandles {
                events: hub.clone(),
                approvals: ApprovalService::new(hub.clone()),
                telemetry: t.telemetry.clone(),
                updates: UpdateService::default(),
            },
        );
        bridge
            .wait_for(Duration::from_secs(10), |s| s.state == RuntimeState::Ready)
            .await
            .expect("the runtime gets ready");
        let adapters = Adapters {
            config: t.config,
            skills: t.skills,
            runtime: bridge.clone() as Arc<dyn RuntimeBridge>,
            telemetry: t.telemetry,
        };
        let host = Host::builder(adapters)
            .bind("127.0.0.1:0".parse().unwrap())
            .event_hub(hub.clone())
            .security(SecurityPolicy::new(AdminToken::new(BENCH_TOKEN).unwrap()))
            .start()
            .await
            .expect("the host starts");
        (host, bridge)
    });
    let url = format!("ws://{}/ws?event=bench.token", host.local_addr());
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // Tokens are numbered from the handshake on; measure the `secs` after one more second.
    let first = hub.last_seq();
    let warm_up_n = first + rate;
    let until_n = warm_up_n + rate * secs;
    let cpu_before = cpu_secs();
    let mut all = client_rt.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(client(url.clone(), warm_up_n, until_n)))
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("a client"));
        }
        all
    });
    let cpu = cpu_secs() - cpu_before;
    all.sort_unstable();
    let expected = clients * rate * secs;
    println!(
        "chat path: {clients} clients, {rate} tokens/s, {secs} s measured; load average: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "| received / expected | p50 µs | p90 µs | p99 µs | max µs | host + clients CPU |\n|---|---|---|---|---|---|\n\
         | {:.4} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} % |",
        all.len() as f64 / expected as f64,
        percentile_us(&all, 0.50),
        percentile_us(&all, 0.90),
        percentile_us(&all, 0.99),
        percentile_us(&all, 1.0),
        cpu / (secs + 1) as f64 * 100.0,
    );
    println!(
        "summary mode=chat rate={rate} clients={clients} received_ratio={:.4} p50_ms={:.3} \
         p99_ms={:.3} max_ms={:.3}",
        all.len() as f64 / expected as f64,
        percentile_us(&all, 0.50) / 1000.0,
        percentile_us(&all, 0.99) / 1000.0,
        percentile_us(&all, 1.0) / 1000.0,
    );
    host_rt.block_on(async {
        bridge.shutdown().await;
        let _ = host.shutdown().await;
    });
}

//! `/ws` fan-out benchmark (not a test): one host process, 1,000 WebSocket clients in this
//! process, events published inside the host at fixed rates. Reports, per rate, the events/s
//! delivered to all clients, delivery latency (publish → client read, p50/p99/max), events
//! skipped by lag, and the host's RSS per connection.
//!
//! Two modes: one WebSocket frame per event (what the TUI gets), and `?batch=1` (events ready
//! together share one `events` frame).
//!
//! Run: `cargo bench -p pryx-server --bench ws_fanout` (about 75 s; results in
//! `docs/PERFORMANCE.md`). Knobs: `WS_BENCH_CLIENTS` (default 1000), `WS_BENCH_RATES`
//! (events/s, comma-separated, default `1000,5000,10000`), `WS_BENCH_SECS` (per rate, default 3),
//! `WS_BENCH_STALLED` (1, the default: a third run, batched, with one more client that never
//! reads; 0: skip it). Each rate also prints a `summary key=value …` line for scripts/bench.sh.

/// The admin token of the benchmark host (a fixed test value: the host is local and short-lived).
const BENCH_TOKEN: &str = "bench-token-0123456789abcdef0123456789abcdef0123456789";

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use pryx_core_api::{Event, EventPublisher, Value};
use pryx_server::{Adapters, AdminToken, EventHub, Host, SecurityPolicy, WsConfig};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Latency histogram: 50 µs buckets up to 1 s, then one overflow bucket.
const BUCKET_US: u64 = 50;
const BUCKETS: usize = 20_001;
/// Seconds after each rate for queued events to arrive before the next rate starts.
const DRAIN_SECS: u64 = 2;

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve();
    } else {
        drive();
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64
}

// ---------------------------------------------------------------- the host (child process)

/// Runs a host; publishes on `run <phase> <rate> <ms>` from stdin, answers `done <sent>`.
fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = EventHub::new(EventHub::DEFAULT_CAPACITY);
    let addr = rt.block_on(async {
        let t = pryx_testkit::Fixture::empty().adapters();
        let adapters = Adapters {
            config: t.config,
            skills: t.skills,
            runtime: t.runtime,
            telemetry: t.telemetry,
        };
        let config = WsConfig {
            max_connections: 4096,
            ..WsConfig::default()
        };
        let host = Host::builder(adapters)
            .bind("127.0.0.1:0".parse().unwrap())
            .event_hub(hub.clone())
            .websocket(config)
            .security(SecurityPolicy::new(AdminToken::new(BENCH_TOKEN).unwrap()))
            .start()
            .await
            .unwrap();
        let addr = host.local_addr();
        std::mem::forget(host); // serves until the process exits
        addr
    });
    println!("addr {addr}");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let words: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|w| w.parse().ok())
            .collect();
        match (line.split_whitespace().next(), words.as_slice()) {
            (Some("run"), [phase, rate, ms]) => {
                let sent = publish(&hub, *phase, *rate, Duration::from_millis(*ms));
                println!("done {sent}");
            }
            _ => break,
        }
        std::io::stdout().flush().unwrap();
    }
}

/// Publishes `rate` events/s for `duration`, paced by the clock; returns how many.
fn publish(hub: &EventHub, phase: u64, rate: u64, duration: Duration) -> u64 {
    let started = Instant::now();
    let mut sent = 0u64;
    while started.elapsed() < duration {
        let due = rate * started.elapsed().as_micros() as u64 / 1_000_000;
        while sent < due {
            let payload = Value::map([
                ("p", Value::Int(phase as i64)),
                ("t", Value::Int(now_ns() as i64)),
            ]);
            hub.publish(Event::new("bench.tick", payload));
            sent += 1;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    sent
}

// ---------------------------------------------------------------- the clients (this process)

/// What one client saw in one phase.
#[derive(Clone)]
struct Stats {
    received: u64,
    skipped: u64,
    histogram: Vec<u32>,
    max_us: u64,
}

impl Stats {
    fn new() -> Self {
        Self {
            received: 0,
            skipped: 0,
            histogram: vec![0; BUCKETS],
            max_us: 0,
        }
    }

    fn merge(&mut self, other: &Stats) {
        self.received += other.received;
        self.skipped += other.skipped;
        self.max_us = self.max_us.max(other.max_us);
        for (a, b) in self.histogram.iter_mut().zip(&other.histogram) {
            *a += b;
        }
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        let total: u64 = self.histogram.iter().map(|&c| c as u64).sum();
        let target = (total as f64 * p).ceil() as u64;
        let mut seen = 0u64;
        for (i, &c) in self.histogram.iter().enumerate() {
            seen += c as u64;
            if seen >= target.max(1) {
                return (i as u64 * BUCKET_US + BUCKET_US) as f64 / 1000.0;
            }
        }
        f64::NAN
    }
}

/// The number after `"key":` in `text`.
fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits: &str = &text[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

async fn client(
    url: String,
    phases: usize,
    connected: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Vec<Stats> {
    // A small read buffer: tungstenite prepares (zeroes) the whole buffer on every read.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let mut request = url.into_client_request().expect("ws url");
    let bearer = format!("Bearer {BENCH_TOKEN}");
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .expect("connect");
    let mut stats = vec![Stats::new(); phases + 1];
    let mut phase = 0usize;
    loop {
        let message = tokio::select! {
            m = ws.next() => m,
            _ = stop.changed() => break,
        };
        let Some(Ok(Message::Text(text))) = message else {
            if matches!(message, Some(Ok(_))) {
                continue;
            }
            break;
        };
        if text.starts_with(r#"{"type":"event"#) {
            // One `event` frame, or an `events` frame holding several (with `?batch=1`).
            let now_us = now_ns() / 1000;
            for (at, _) in text.match_indices(r#""p":"#) {
                let rest = &text[at..];
                let (Some(p), Some(t)) =
                    (number_after(rest, r#""p":"#), number_after(rest, r#""t":"#))
                else {
                    continue;
                };
                phase = (p as usize).min(phases);
                let us = now_us.saturating_sub(t / 1000);
                let s = &mut stats[phase];
                s.received += 1;
                s.max_us = s.max_us.max(us);
                s.histogram[((us / BUCKET_US) as usize).min(BUCKETS - 1)] += 1;
            }
        } else if text.contains(r#""type":"hello""#) {
            connected.fetch_add(1, Ordering::Relaxed);
        } else if text.contains(r#""type":"lagged""#) {
            stats[phase].skipped += number_after(&text, r#""missed":"#).unwrap_or(0);
        }
    }
    stats
}

fn rss_kb(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User + system CPU seconds a process has used so far.
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

fn raise_fd_limit() {
    // SAFETY: plain getrlimit/setrlimit on this process with a valid struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// The bench's knobs.
struct Plan {
    clients: usize,
    secs: u64,
    rates: Vec<u64>,
}

/// The host process and the pipes that drive it.
struct HostProcess {
    child: std::process::Child,
    pid: String,
    to: std::process::ChildStdin,
    from: std::io::Lines<BufReader<std::process::ChildStdout>>,
    url: String,
}

fn drive() {
    raise_fd_limit(); // inherited by the host process too
    let plan = Plan {
        clients: env_or("WS_BENCH_CLIENTS", 1000),
        secs: env_or("WS_BENCH_SECS", 3),
        rates: std::env::var("WS_BENCH_RATES")
            .unwrap_or_else(|_| "1000,5000,10000".into())
            .split(',')
            .filter_map(|r| r.trim().parse().ok())
            .collect(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{} clients, {} s per rate, load average at start: {}",
        plan.clients,
        plan.secs,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let mut modes = vec![
        ("frame", "one frame per event", "", false),
        ("batch", "`?batch=1`", "?batch=1", false),
    ];
    if env_or("WS_BENCH_STALLED", 1u8) == 1 {
        modes.push((
            "batch_stalled",
            "`?batch=1`, plus one client that never reads",
            "?batch=1",
            true,
        ));
    }
    for (key, mode, query, stalled) in modes {
        let mut host = HostProcess::spawn();
        run_mode(&rt, &plan, &mut host, (key, mode), query, stalled);
        host.stop();
    }
}

impl HostProcess {
    /// Starts a fresh host process and reads its address.
    fn spawn() -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the host process starts");
        let mut from = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = from.next().unwrap().unwrap().replace("addr ", "");
        Self {
            pid: child.id().to_string(),
            to: child.stdin.take().unwrap(),
            child,
            from,
            url: format!("ws://{addr}/ws"),
        }
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects a client that upgrades, then never reads a byte (until `stop`): a stalled peer.
async fn stalled_client(url: String, mut stop: watch::Receiver<bool>) {
    let mut request = url.into_client_request().expect("ws url");
    let bearer = format!("Bearer {BENCH_TOKEN}");
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let _ = stop.changed().await;
    drop(ws);
}

/// Connects the clients with `query` (and one stalled client when `stalled`), runs every
/// rate, prints one table and one `summary` line per rate (read by scripts/bench.sh).
fn run_mode(
    rt: &tokio::runtime::Runtime,
    plan: &Plan,
    host: &mut HostProcess,
    (key, mode): (&str, &str),
    query: &str,
    stalled: bool,
) {
    std::thread::sleep(Duration::from_millis(500));
    let rss_idle = rss_kb(&host.pid);
    let (stop_tx, stop) = watch::channel(false);
    let started = Instant::now();
    let url = format!("{}{query}", host.url);
    let connected = Arc::new(AtomicUsize::new(0));
    let tasks = rt.block_on(async {
        let mut tasks = Vec::with_capacity(plan.clients);
        for _ in 0..plan.clients {
            let client = client(
                url.clone(),
                plan.rates.len(),
                connected.clone(),
                stop.clone(),
            );
            tasks.push(tokio::spawn(client));
            tokio::task::yield_now().await;
        }
        if stalled {
            tokio::spawn(stalled_client(url.clone(), stop.clone()));
        }
        tasks
    });
    while connected.load(Ordering::Relaxed) < plan.clients && started.elapsed().as_secs() < 30 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let connect_secs = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(500));
    let rss_connected = rss_kb(&host.pid);
    let kb_per_conn = rss_connected.saturating_sub(rss_idle) as f64 / plan.clients as f64;
    println!(
        "\n{mode}: {} clients connected (hello read) in {connect_secs:.2} s; host RSS \
         {rss_idle} kB before, {rss_connected} kB connected ({kb_per_conn:.1} kB per connection)",
        connected.load(Ordering::Relaxed),
    );

    let mut published = Vec::new();
    let mut cpu = Vec::new();
    let mut rss_peak = rss_connected;
    let window = (plan.secs + DRAIN_SECS) as f64;
    for (i, rate) in plan.rates.iter().enumerate() {
        let (host_cpu, clients_cpu) = (cpu_secs(&host.pid), cpu_secs("self"));
        writeln!(host.to, "run {} {rate} {}", i + 1, plan.secs * 1000).unwrap();
        let done = host.from.next().unwrap().unwrap();
        published.push(done.replace("done ", "").parse::<u64>().unwrap());
        rss_peak = rss_peak.max(rss_kb(&host.pid));
        std::thread::sleep(Duration::from_secs(DRAIN_SECS));
        cpu.push((
            (cpu_secs(&host.pid) - host_cpu) / window,
            (cpu_secs("self") - clients_cpu) / window,
        ));
    }
    let _ = stop_tx.send(true);
    let per_client = rt.block_on(async {
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    });
    println!("host RSS peak under load: {rss_peak} kB");
    println!(
        "| events/s published | delivered events/s (all clients) | delivered / expected | \
         p50 ms | p99 ms | max ms | skipped (lagged) | host CPU | clients CPU | host CPU µs per \
         delivered event |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (i, rate) in plan.rates.iter().enumerate() {
        let mut total = Stats::new();
        for stats in &per_client {
            total.merge(&stats[i + 1]);
        }
        let expected = published[i] * plan.clients as u64;
        println!(
            "| {rate} | {:.0} | {:.4} | {:.2} | {:.2} | {:.1} | {} | {:.0} % | {:.0} % | {:.2} |",
            total.received as f64 / plan.secs as f64,
            total.received as f64 / expected.max(1) as f64,
            total.percentile_ms(0.50),
            total.percentile_ms(0.99),
            total.max_us as f64 / 1000.0,
            total.skipped,
            cpu[i].0 * 100.0,
            cpu[i].1 * 100.0,
            cpu[i].0 * window * 1e6 / total.received.max(1) as f64,
        );
    }
    for (i, rate) in plan.rates.iter().enumerate() {
        let mut total = Stats::new();
        for stats in &per_client {
            total.merge(&stats[i + 1]);
        }
        let expected = published[i] * plan.clients as u64;
        println!(
            "summary mode={key} rate={rate} clients={} delivered_ratio={:.4} p50_ms={:.2} \
             p99_ms={:.2} skipped={} host_cpu_us_per_event={:.2} kb_per_conn={kb_per_conn:.1}",
            plan.clients,
            total.received as f64 / expected.max(1) as f64,
            total.percentile_ms(0.50),
            total.percentile_ms(0.99),
            total.skipped,
            cpu[i].0 * window * 1e6 / total.received.max(1) as f64,
        );
    }
}

//! Round trips over the pipe to the reference runtime: latency percentiles of sequential calls
//! and calls per second with many calls in flight. Not a test: run with
//! `cargo bench -p pryx-runtime-ref --bench ipc_roundtrip`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, Throughput};
use pryx_core_api::{
    ApprovalService, CoreError, Event, EventPublisher, PortHealth, RuntimeBridge, RuntimeState,
    TelemetryRecord, TelemetrySink, Value,
};
use pryx_ipc::{HostHandles, SidecarBridge, SidecarConfig};

const RUNTIME: &str = env!("CARGO_BIN_EXE_pryx-runtime-ref");
/// Calls in flight at once in the pipelined runs.
const IN_FLIGHT: usize = 64;

struct Nowhere;
impl EventPublisher for Nowhere {
    fn publish(&self, _event: Event) {}
}
#[async_trait]
impl TelemetrySink for Nowhere {
    fn record(&self, _record: TelemetryRecord) {}
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("bench")
    }
}

fn start() -> Arc<SidecarBridge> {
    let nowhere = Arc::new(Nowhere);
    SidecarBridge::start(
        SidecarConfig::new(RUNTIME),
        HostHandles {
            events: nowhere.clone(),
            approvals: ApprovalService::new(nowhere.clone()),
            telemetry: nowhere,
            updates: pryx_core_api::UpdateService::default(),
        },
    )
}

async fn one_call(bridge: &SidecarBridge) {
    bridge
        .call("debug.echo", Value::Null)
        .await
        .expect("an answer");
}

/// `total` calls with `IN_FLIGHT` of them outstanding at any time.
async fn pipelined(bridge: &Arc<SidecarBridge>, total: usize) -> Duration {
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|w| {
            let bridge = bridge.clone();
            let share = total / IN_FLIGHT + usize::from(w < total % IN_FLIGHT);
            tokio::spawn(async move {
                for _ in 0..share {
                    one_call(&bridge).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bridge = rt.block_on(async {
        let bridge = start();
        bridge
            .wait_for(Duration::from_secs(10), |s| s.state == RuntimeState::Ready)
            .await
            .expect("the runtime gets ready");
        bridge
    });

    // Our own numbers: percentiles criterion does not report.
    let summary = rt.block_on(async {
        for _ in 0..2_000 {
            one_call(&bridge).await;
        }
        let mut samples = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let started = Instant::now();
            one_call(&bridge).await;
            samples.push(started.elapsed());
        }
        samples.sort();
        let total = 200_000;
        let took = pipelined(&bridge, total).await;
        format!(
            "sequential round trip (20,000 calls): p50 {:?}, p90 {:?}, p99 {:?}, max {:?}\n\
             pipelined ({IN_FLIGHT} in flight, {total} calls): {:.0} calls/s",
            percentile(&samples, 0.50),
            percentile(&samples, 0.90),
            percentile(&samples, 0.99),
            samples[samples.len() - 1],
            total as f64 / took.as_secs_f64()
        )
    });

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    c.bench_function("ipc/round_trip", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    one_call(&bridge).await;
                }
                started.elapsed()
            })
        })
    });
    let mut group = c.benchmark_group("ipc/pipelined");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("1000_calls", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += pipelined(&bridge, 1_000).await;
                }
                total
            })
        })
    });
    group.finish();
    c.final_summary();

    rt.block_on(bridge.shutdown());
    println!("\n{summary}");
}

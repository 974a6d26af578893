//! Embedding Pryx host in your own Rust program: pick an adapter for each port — the
//! library's file-backed config and skills, no agent runtime, and telemetry of your own —
//! start the host in-process on a port of your choosing, talk to it, stop it.
//!
//! ```sh
//! cargo run -p pryx --example embed            # uses a temporary data directory
//! cargo run -p pryx --example embed -- ./data  # or yours
//! ```
//!
//! `bins/pryx/tests/embed_example.rs` runs this same file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, TelemetryRecord, TelemetrySink};
use pryx_ipc::NoRuntime;
use pryx_server::{Adapters, AdminToken, Host, SecurityPolicy};
use pryx_store::{FileConfigStore, MachineProbe, SkillDirectories, SkillRoots};
use serde_json::{Value as Json, json};

/// Your own adapter: a telemetry sink that keeps records in memory (send them wherever your
/// program sends its metrics).
#[derive(Default)]
struct MyTelemetry {
    records: Mutex<Vec<TelemetryRecord>>,
}

#[async_trait]
impl TelemetrySink for MyTelemetry {
    fn record(&self, record: TelemetryRecord) {
        self.records.lock().unwrap().push(record);
    }
    async fn flush(&self) -> Result<(), CoreError> {
        Ok(())
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("my-telemetry")
    }
}

/// Starts a host on `data_dir`, changes one config value through its API, reads its health,
/// and stops it. Returns what the API answered.
pub async fn run_embedded(data_dir: &Path) -> Result<Json, Box<dyn std::error::Error>> {
    let skill_roots = SkillRoots::new(Vec::new(), data_dir.join("skills.yaml"));
    let adapters = Adapters {
        config: Arc::new(FileConfigStore::new(data_dir)),
        skills: Arc::new(SkillDirectories::new(
            skill_roots,
            MachineProbe::from_process(),
        )),
        runtime: Arc::new(NoRuntime::default()),
        telemetry: Arc::new(MyTelemetry::default()),
    };
    let token = AdminToken::generate();
    let bearer = format!("Bearer {}", token.expose());
    let host = Host::builder(adapters)
        .bind("127.0.0.1:0".parse()?)
        .security(SecurityPolicy::new(token))
        .start()
        .await?;
    let base = format!("http://{}/api/v1", host.local_addr());

    let http = reqwest::Client::new();
    let patched: Json = http
        .patch(format!("{base}/config"))
        .header("authorization", &bearer)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"model_name": "embedded"}).to_string())
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let health: Json = http
        .get(format!("{base}/health"))
        .header("authorization", &bearer)
        .send()
        .await?
        .json()
        .await?;
    host.shutdown().await?;
    Ok(json!({"model_name": patched["config"]["model_name"], "health": health}))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| temp.path().to_path_buf(), Into::into);
    let answer = run_embedded(&dir).await?;
    println!("{answer:#}");
    Ok(())
}

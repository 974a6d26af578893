//! Composition: the headless host's adapters around the server. Nothing here but wiring.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use pryx_ipc::NoRuntime;
use pryx_server::{Adapters, Host};
use pryx_store::{FileConfigStore, MachineProbe, SkillDirectories, SkillRoots};
use pryx_telemetry::NoopTelemetry;

use crate::options::Options;

/// Errors that stop the host from starting, each with a sentence a person can act on.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Starts the host, prints where it listens, and serves until SIGINT or SIGTERM.
pub async fn run(options: Options) -> Result<(), StartError> {
    let data_dir = resolve_data_dir(options.data_dir.clone())?;
    let cwd = std::env::current_dir()?;
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from));
    let roots =
        SkillRoots::standard(&data_dir, exe_dir, cwd).with_env(|name| std::env::var(name).ok());

    let adapters = Adapters {
        config: Arc::new(FileConfigStore::new(&data_dir)),
        skills: Arc::new(SkillDirectories::new(roots, MachineProbe::from_process())),
        runtime: Arc::new(NoRuntime::default()),
        telemetry: Arc::new(NoopTelemetry),
    };

    let addr = SocketAddr::new(options.bind, options.port);
    if !options.bind.is_loopback() {
        tracing::warn!(%addr, "listening on a non-loopback address: other machines can reach the admin API");
    }
    let host = Host::builder(adapters).bind(addr).start().await?;
    let bound = host.local_addr();
    println!(
        "{}",
        serde_json::json!({
            "event": "listening",
            "addr": bound.to_string(),
            "url": format!("http://{bound}/"),
            "data_dir": data_dir.display().to_string(),
            "pid": std::process::id(),
        })
    );

    let handle = host.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        handle.shutdown();
    });
    host.wait().await?;
    Ok(())
}

/// `--data-dir`, else `PRYX_HOME` (folded into the flag by clap), else `~/.pryx`.
fn resolve_data_dir(flag: Option<PathBuf>) -> Result<PathBuf, StartError> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let home = directories::BaseDirs::new()
        .ok_or("cannot find your home directory; pass --data-dir or set PRYX_HOME")?;
    Ok(home.home_dir().join(".pryx"))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

//! `pryx-harness`: Pryx host composed with the in-memory adapters of `pryx-testkit`, seeded
//! from a fixture. A known, deterministic host for end-to-end tests of the API and the UI.
//!
//! Once listening it prints one JSON line on stdout and nothing else there:
//!
//! ```json
//! {"event":"listening","addr":"127.0.0.1:42425","url":"http://127.0.0.1:42425/","fixture":"embedded","token":"…"}
//! ```
//!
//! `token` is the admin token clients must send (`Authorization: Bearer …`); pass `--token` to
//! choose it. A test harness announces it; a real host never does.
//!
//! Logs go to stderr (filter with `PRYX_LOG` or `RUST_LOG`). SIGINT or SIGTERM stops it
//! gracefully with exit code 0; a second signal exits at once.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pryx_server::{Adapters, AdminToken, Host, SecurityPolicy, StopSignals};
use pryx_testkit::{Fixture, RuntimeMode};

/// The port the harness listens on by default: next to the real host's 42424.
const DEFAULT_PORT: u16 = 42425;

/// Pryx host over in-memory adapters seeded from a fixture, for end-to-end tests.
#[derive(Debug, Parser)]
#[command(name = "pryx-harness", version, about)]
struct Args {
    /// The admin token clients must send (at least 43 characters); random when not given.
    #[arg(long, env = "PRYX_HARNESS_TOKEN")]
    token: Option<String>,

    /// The port to listen on; 0 picks a free one (read it from the `listening` line).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// A fixture JSON file (config, skills, providers, models, MCP tools, runtime); the
    /// embedded default fixture when absent.
    #[arg(long, value_name = "FILE.json")]
    fixture: Option<PathBuf>,
    /// Start with the runtime down, whatever the fixture says.
    #[arg(long)]
    runtime_down: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    pryx_telemetry::init_logging("info");
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pryx-harness: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (mut fixture, fixture_name) = match &args.fixture {
        Some(path) => (Fixture::from_path(path)?, path.display().to_string()),
        None => (Fixture::default(), "embedded".to_owned()),
    };
    if args.runtime_down {
        fixture.runtime = RuntimeMode::Down;
    }
    let t = fixture.adapters();
    let adapters = Adapters {
        config: t.config,
        skills: t.skills,
        runtime: t.runtime,
        telemetry: t.telemetry,
    };

    // Listen for signals before announcing the address, so a signal sent right after the
    // `listening` line is handled, not fatal.
    let signals = StopSignals::install()?;
    // A test host: the admin token is chosen here and announced on stdout (never do this in a
    // real host, which keeps it in a 0600 file).
    let token = match &args.token {
        Some(token) => AdminToken::new(token.clone())?,
        None => AdminToken::generate(),
    };
    let host = Host::builder(adapters)
        .bind(SocketAddr::new(args.bind, args.port))
        .security(SecurityPolicy::new(token.clone()))
        .start()
        .await?;
    let addr = host.local_addr();
    // Built by hand to keep the documented key order; each value is JSON-escaped.
    let quote = |s: String| serde_json::Value::String(s).to_string();
    println!(
        r#"{{"event":"listening","addr":{},"url":{},"fixture":{},"token":{}}}"#,
        quote(addr.to_string()),
        quote(format!("http://{}/", browsable(addr))),
        quote(fixture_name.clone()),
        quote(token.expose().to_owned()),
    );
    tracing::info!(%addr, fixture = %fixture_name, runtime = ?fixture.runtime, "pryx-harness ready");

    tokio::spawn(signals.stop_on_signal(host.shutdown_handle()));
    host.wait().await?;
    tracing::info!("pryx-harness stopped");
    Ok(())
}

/// The address to put in a URL: a wildcard bind is reached through loopback.
fn browsable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed_with_documented_defaults() {
        Args::command().debug_assert();
        let args = Args::try_parse_from(["pryx-harness"]).unwrap();
        assert_eq!(args.port, DEFAULT_PORT);
        assert_eq!(args.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(args.fixture.is_none() && !args.runtime_down);
        let args = Args::try_parse_from([
            "pryx-harness",
            "--port",
            "0",
            "--bind",
            "::1",
            "--runtime-down",
        ])
        .unwrap();
        assert_eq!(
            (args.port, args.bind.to_string(), args.runtime_down),
            (0, "::1".into(), true)
        );
    }

    #[test]
    fn wildcard_binds_are_browsed_through_loopback() {
        let v4: SocketAddr = "0.0.0.0:9".parse().unwrap();
        assert_eq!(browsable(v4).to_string(), "127.0.0.1:9");
        let v6: SocketAddr = "[::]:9".parse().unwrap();
        assert_eq!(browsable(v6).to_string(), "[::1]:9");
        let exact: SocketAddr = "127.0.0.2:9".parse().unwrap();
        assert_eq!(browsable(exact), exact);
    }
}

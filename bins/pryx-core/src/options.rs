//! Command-line flags and their environment variables.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

/// Pryx host, headless: the admin API, the web UI and the agent runtime's supervisor on one
/// port.
#[derive(Debug, Parser)]
#[command(name = "pryx-core", version, about)]
pub struct Options {
    /// Port to listen on; 0 picks a free one. The bound address is printed on stdout as one
    /// JSON line.
    #[arg(long, env = "PRYX_PORT", default_value_t = pryx_server::DEFAULT_PORT)]
    pub port: u16,

    /// Address to listen on. Loopback by default: the admin API is for this machine. Anything
    /// else also needs --allow-remote.
    #[arg(long, env = "PRYX_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Allow --bind to name a non-loopback address (the admin API, still token-protected, then
    /// answers other machines).
    #[arg(long, env = "PRYX_ALLOW_REMOTE")]
    pub allow_remote: bool,

    /// Extra host name accepted in the Host header (besides localhost, 127.0.0.1, [::1]): a
    /// DNS name or an IP address (IPv6 in brackets). Repeatable; empty entries are ignored.
    #[arg(
        long = "allow-host",
        value_name = "NAME",
        env = "PRYX_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_parser = parse_allowed_host
    )]
    pub allowed_hosts: Vec<String>,

    /// Extra browser origin allowed to make changes, as scheme://host[:port] (e.g.
    /// http://localhost:5173 for a UI dev server); `null`, paths and wildcards are refused.
    /// Repeatable; empty entries are ignored.
    #[arg(
        long = "allow-origin",
        value_name = "ORIGIN",
        env = "PRYX_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_allowed_origin
    )]
    pub allowed_origins: Vec<String>,

    /// Data directory holding config.yaml, skills.yaml and skills/ [default: ~/.pryx]
    #[arg(long, env = "PRYX_HOME")]
    pub data_dir: Option<PathBuf>,

    /// The agent runtime to start and supervise (a program path or a name on PATH). Without
    /// one, the host runs and reports the runtime `unavailable`. Deliberately not read from
    /// config.yaml: a config the API can write must never name a program the host runs.
    #[arg(long, env = "PRYX_RUNTIME", value_name = "PROGRAM")]
    pub runtime: Option<PathBuf>,

    /// An argument for the runtime program. Repeatable.
    #[arg(long = "runtime-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub runtime_args: Vec<String>,

    /// How often to ping the runtime to check it still answers (milliseconds; 0 = never).
    #[arg(long, env = "PRYX_RUNTIME_PING_INTERVAL_MS", default_value_t = 2000)]
    pub runtime_ping_interval_ms: u64,

    /// After this many unanswered pings in a row the runtime is `unresponsive` and restarted.
    #[arg(long, env = "PRYX_RUNTIME_PING_MISSES", default_value_t = 3)]
    pub runtime_ping_misses: u32,

    /// How many restarts within 120 s the runtime gets before it is marked `failed`.
    #[arg(long, env = "PRYX_RUNTIME_MAX_RESTARTS", default_value_t = 5)]
    pub runtime_max_restarts: u32,

    /// How long one call to the runtime may take before the caller gets `runtime_timeout`
    /// (milliseconds).
    #[arg(long, env = "PRYX_RUNTIME_CALL_TIMEOUT_MS", default_value_t = 10_000)]
    pub runtime_call_timeout_ms: u64,

    /// How long the runtime has to answer `initialize` before it counts as a failed start
    /// (milliseconds).
    #[arg(
        long,
        env = "PRYX_RUNTIME_HANDSHAKE_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub runtime_handshake_timeout_ms: u64,

    /// How long a runtime's approval request waits for a person before it is denied
    /// (milliseconds).
    #[arg(
        long,
        env = "PRYX_RUNTIME_APPROVAL_TIMEOUT_MS",
        default_value_t = 120_000
    )]
    pub runtime_approval_timeout_ms: u64,

    /// On shutdown, how long the runtime has to finish its calls and exit before SIGTERM
    /// (milliseconds).
    #[arg(long, env = "PRYX_RUNTIME_SHUTDOWN_GRACE_MS", default_value_t = 2_000)]
    pub runtime_shutdown_grace_ms: u64,

    /// After SIGTERM, how long before SIGKILL (milliseconds).
    #[arg(long, env = "PRYX_RUNTIME_KILL_GRACE_MS", default_value_t = 1_000)]
    pub runtime_kill_grace_ms: u64,

    /// Where to look for updates of this binary: a Tauri-format manifest URL (`{{target}}`,
    /// `{{arch}}`, `{{current_version}}`, `{{bundle_type}}` are filled in), tried in order.
    /// Repeatable; replaces the built-in endpoint. https://, or http:// to this machine only.
    /// Deliberately not read from config.yaml: nothing the admin API writes picks the source
    /// of the code this host runs.
    #[arg(
        long = "update-endpoint",
        value_name = "URL",
        env = "PRYX_UPDATE_ENDPOINT",
        value_delimiter = ','
    )]
    pub update_endpoints: Vec<String>,

    /// The public key updates must be signed with: the contents of the .pub file made by
    /// `tauri signer generate` (or a minisign public key). Replaces the built-in key; without
    /// any, updates are off (never unsigned).
    #[arg(long, env = "PRYX_UPDATE_PUBKEY", value_name = "KEY")]
    pub update_pubkey: Option<String>,

    /// Worker threads for the async runtime [default: 2, or fewer on a 1-core machine].
    #[arg(long, env = "PRYX_WORKER_THREADS")]
    pub threads: Option<usize>,
}

impl Options {
    /// How many async worker threads to run: a host idles most of the time, so a couple suffice.
    pub fn worker_threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(2)))
            .max(1)
    }
}

/// `--allow-host`: a host name, normalised; an empty entry becomes `""`, which the server
/// ignores.
fn parse_allowed_host(entry: &str) -> Result<String, pryx_server::InvalidHostName> {
    pryx_server::normalize_allowed_host(entry).map(Option::unwrap_or_default)
}

/// `--allow-origin`: exactly `scheme://host[:port]`, normalised; an empty entry becomes `""`,
/// which the server ignores.
fn parse_allowed_origin(entry: &str) -> Result<String, pryx_server::InvalidOrigin> {
    pryx_server::normalize_origin(entry).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("pryx-core").chain(args.iter().copied()))
    }

    #[test]
    fn allow_origin_accepts_only_scheme_host_port() {
        for bad in [
            "null",
            "*",
            "localhost:5173",
            "http://localhost:5173/app",
            "http://u@x",
        ] {
            let err = parse(&["--allow-origin", bad]).expect_err(bad).to_string();
            assert!(err.contains("scheme://host[:port]"), "{bad}: {err}");
        }
        let options = parse(&["--allow-origin", "HTTP://LocalHost:5173/"]).unwrap();
        assert_eq!(options.allowed_origins, ["http://localhost:5173"]);
    }

    #[test]
    fn empty_allow_host_entries_allow_nothing() {
        let options = parse(&["--allow-host", "", "--allow-host", "Pryx.Local"]).unwrap();
        assert_eq!(options.allowed_hosts, ["", "pryx.local"]);
        assert!(parse(&["--allow-host", "evil.example/x"]).is_err());
    }
}

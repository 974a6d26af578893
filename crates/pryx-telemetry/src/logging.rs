//! Log setup for the host binaries.

use tracing_subscriber::EnvFilter;

/// Installs a human-readable logger on stderr. The filter comes from `PRYX_LOG`, then
/// `RUST_LOG`, then `default_filter` (e.g. `info`). Stdout stays free for machine output.
/// Calling it twice is harmless.
pub fn init_logging(default_filter: &str) {
    let filter = std::env::var("PRYX_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}

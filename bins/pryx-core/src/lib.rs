//! Pryx host's composition as a library: the one place the adapters (files, runtime sidecar,
//! telemetry, updater) meet the server. `pryx-core` (headless) and `pryx-desktop` (the Tauri
//! shell) both start the host through [`start`], so the desktop embeds exactly the host that
//! runs headless.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pryx_core::StartError> {
//! use clap::Parser as _;
//! let options = pryx_core::Options::parse_from(["pryx-core", "--port", "0"]);
//! let host = pryx_core::start(options).await?;
//! println!("serving on {}", host.local_addr());
//! host.shutdown_handle().shutdown();
//! host.wait().await?;
//! # Ok(()) }
//! ```

mod compose;
pub mod options;

pub use compose::{
    StartError, StartedHost, Stopped, already_running, resolve_data_dir, restart_into_update, run,
    start,
};
pub use options::Options;

//! # pryx-update
//!
//! The updater adapter of Pryx host: implements [`pryx_core_api::Updater`] over the same
//! manifests, signatures and keys as Tauri's updater, so one release pipeline (and one key)
//! serves the headless host and the desktop app.
//!
//! - [`UpdaterConfig`]: endpoints and key (build-time defaults, overridable only by the
//!   composition root from a flag or the environment), platform, limits;
//! - [`TauriUpdater`]: the adapter; after an update is installed it raises
//!   [`TauriUpdater::restart_requested`] and the composition root restarts the process (see
//!   [`restart_command`]);
//! - [`TrustedKey`]: a public key in Tauri's or minisign's format, and signature checks.
//!
//! The protocol, the formats and how to sign a release: `docs/updater.md`.

mod config;
mod error;
mod fetch;
mod install;
mod manifest;
mod signature;
mod updater;

pub use config::{DEFAULT_ENDPOINTS, DEFAULT_PUBKEY, Platform, UpdaterConfig};
pub use error::UpdateError;
pub use install::kept_path;
pub use signature::TrustedKey;
pub use updater::TauriUpdater;

/// The command that starts `executable` again with this process's arguments (minus the program
/// name), for a composition root restarting after an update. On Unix, `exec` it to keep the
/// process id (what a service manager watches).
pub fn restart_command(executable: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(executable);
    command.args(std::env::args_os().skip(1));
    command
}

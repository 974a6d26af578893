//! # pryx-ipc
//!
//! Adapters of the [`RuntimeBridge`](pryx_core_api::RuntimeBridge) port: how the host talks to
//! the agent runtime. Read top-down, from the wire to the port:
//!
//! - [`message`]: JSON-RPC 2.0 messages as serde types, and [`parse_line`] to classify a line;
//! - [`frame`]: one message per line, with a size cap that survives any input;
//! - [`peer`]: many calls in flight both ways over one pipe pair, timeouts, fail-fast on close;
//! - [`protocol`]: the method names, params and results, and the `initialize` handshake;
//! - [`host`]: how the host serves the calls the runtime makes (approvals, events, telemetry);
//! - [`sidecar`]: [`SidecarBridge`], which spawns, supervises and restarts the runtime process;
//! - [`NoRuntime`]: a host with no runtime configured; every call fails fast;
//! - [`IpcError`]: the crate's one error type, mapped to `CoreError` at the port.
//!
//! The wire protocol is specified in `docs/ipc-protocol.md`.

#![warn(missing_docs)]

mod error;
pub mod frame;
pub mod host;
pub mod message;
mod no_runtime;
pub mod peer;
pub mod protocol;
pub mod sidecar;

pub use error::IpcError;
pub use host::{HostHandler, HostHandles};
pub use message::parse_line;
pub use no_runtime::NoRuntime;
pub use peer::{Handler, Peer, PeerConfig, Reply};
pub use sidecar::{RestartPolicy, SidecarBridge, SidecarConfig};

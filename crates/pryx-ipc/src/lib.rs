//! # pryx-ipc
//!
//! Adapters of the [`RuntimeBridge`](pryx_core_api::RuntimeBridge) port.
//!
//! - [`NoRuntime`]: a host with no runtime configured; every call fails fast with
//!   `runtime_unavailable`.

mod no_runtime;

pub use no_runtime::NoRuntime;

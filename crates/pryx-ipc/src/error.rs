//! The crate's one error type, and how it becomes a [`CoreError`] at the port boundary.
//!
//! Everything below the [`RuntimeBridge`](pryx_core_api::RuntimeBridge) port speaks
//! [`IpcError`]; the bridge converts with `From` so callers of the port only ever see the core's
//! stable codes: `runtime_unavailable`, `runtime_timeout` and `runtime_error`.

use std::time::Duration;

use pryx_core_api::CoreError;

use crate::message::{RpcError, codes};

/// Everything that can go wrong talking to the runtime.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// The runtime did not answer a call in time.
    #[error("the runtime did not answer {method} within {} ms", .timeout.as_millis())]
    Timeout {
        /// The method called.
        method: String,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The runtime answered with a JSON-RPC error.
    #[error("the runtime failed {method}: {} (code {})", .error.message, .error.code)]
    Rpc {
        /// The method called.
        method: String,
        /// The error object it sent.
        error: Box<RpcError>,
    },
    /// The runtime answered, but not in the shape the method promises.
    #[error("the runtime's answer to {method} has an unexpected shape: {reason}")]
    BadResult {
        /// The method called.
        method: String,
        /// What did not fit.
        reason: String,
    },
    /// The connection is closed: the runtime exited or the host closed it.
    #[error("the connection to the runtime is closed: {reason}")]
    Closed {
        /// Why it closed.
        reason: String,
    },
    /// Too much output is queued for the runtime: it stopped reading its stdin.
    #[error("the runtime is not reading its input ({queued} bytes queued)")]
    Backlog {
        /// Bytes waiting to be written.
        queued: usize,
    },
    /// A message could not be encoded as JSON.
    #[error("cannot encode {method}: {reason}")]
    Encode {
        /// The method being sent.
        method: String,
        /// The serializer's complaint.
        reason: String,
    },
    /// No connected, handshaken runtime can take the call right now.
    #[error("{reason}")]
    NotReady {
        /// Why (starting, restarting, failed, stopped).
        reason: String,
        /// When a retry is worth it, if known.
        retry_after: Option<Duration>,
    },
    /// The runtime program could not be started.
    #[error("cannot start the runtime {program:?}: {source}")]
    Spawn {
        /// The program that was run.
        program: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The runtime speaks an incompatible protocol (or none); restarting will not help.
    #[error("incompatible runtime: {reason}")]
    Incompatible {
        /// What does not match.
        reason: String,
    },
}

impl IpcError {
    /// Whether the error is the runtime's own answer rather than a transport failure.
    pub fn is_rpc(&self) -> bool {
        matches!(self, IpcError::Rpc { .. })
    }
}

impl From<IpcError> for CoreError {
    fn from(err: IpcError) -> Self {
        match err {
            IpcError::Timeout { method, timeout } => CoreError::RuntimeTimeout {
                method,
                timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            },
            IpcError::Rpc { method, error } => CoreError::RuntimeFailed {
                method,
                code: error.code,
                message: error.message,
                data: error.data.map(Box::new),
            },
            IpcError::BadResult { method, reason } => CoreError::RuntimeFailed {
                method,
                code: codes::INTERNAL_ERROR,
                message: format!("invalid result: {reason}"),
                data: None,
            },
            IpcError::Encode { method, reason } => {
                CoreError::Internal(format!("cannot encode a call to {method}: {reason}"))
            }
            IpcError::NotReady {
                reason,
                retry_after,
            } => CoreError::RuntimeUnavailable {
                reason,
                retry_after_secs: retry_after.map(|d| d.as_secs().max(1)),
            },
            err @ (IpcError::Closed { .. } | IpcError::Backlog { .. }) => {
                CoreError::RuntimeUnavailable {
                    reason: err.to_string(),
                    retry_after_secs: Some(1),
                }
            }
            err @ (IpcError::Spawn { .. } | IpcError::Incompatible { .. }) => {
                CoreError::RuntimeUnavailable {
                    reason: err.to_string(),
                    retry_after_secs: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_the_three_runtime_codes() {
        let timeout = IpcError::Timeout {
            method: "admin.health".into(),
            timeout: Duration::from_millis(1500),
        };
        let core = CoreError::from(timeout);
        assert_eq!(core.code(), "runtime_timeout");
        assert!(matches!(
            core,
            CoreError::RuntimeTimeout {
                timeout_ms: 1500,
                ..
            }
        ));

        let rpc = IpcError::Rpc {
            method: "x".into(),
            error: Box::new(RpcError {
                data: Some(pryx_core_api::Value::map([("field", "provider_id".into())])),
                ..RpcError::new(-32004, "no such provider")
            }),
        };
        let core = CoreError::from(rpc);
        assert!(matches!(
            core,
            CoreError::RuntimeFailed { code: -32004, .. }
        ));
        // The runtime's `data` is kept, not dropped on the way to the caller.
        let CoreError::RuntimeFailed {
            data: Some(data), ..
        } = core
        else {
            panic!("no data: {core:?}");
        };
        assert_eq!(
            data.as_map().and_then(|m| m.get("field")),
            Some(&pryx_core_api::Value::from("provider_id"))
        );

        let closed = CoreError::from(IpcError::Closed {
            reason: "exited".into(),
        });
        assert_eq!(closed.code(), "runtime_unavailable");
        let not_ready = CoreError::from(IpcError::NotReady {
            reason: "restarting".into(),
            retry_after: Some(Duration::from_millis(200)),
        });
        assert!(matches!(
            not_ready,
            CoreError::RuntimeUnavailable {
                retry_after_secs: Some(1),
                ..
            }
        ));
    }
}

//! How a peer serves the calls the other side makes to it.

use std::future::Future;
use std::pin::Pin;

use pryx_core_api::Value;

use crate::message::{Params, RpcError};

/// A boxed future answering one call.
pub type ReplyFuture = Pin<Box<dyn Future<Output = Result<Value, RpcError>> + Send + 'static>>;

/// The answer to an incoming call: ready now, or later.
///
/// `Now` answers are produced on the reader task, in the order the calls arrived — use it for
/// anything quick that never blocks (publishing an event, recording telemetry), so a stream of
/// `event.publish` calls reaches clients in order. `Later` answers run on their own task (e.g.
/// waiting for a person to approve), bounded by the peer's concurrency limit.
pub enum Reply {
    /// The answer, computed without waiting.
    Now(Result<Value, RpcError>),
    /// A future that will produce the answer.
    Later(ReplyFuture),
}

impl Reply {
    /// A `Later` reply from any suitable future.
    pub fn later(fut: impl Future<Output = Result<Value, RpcError>> + Send + 'static) -> Self {
        Reply::Later(Box::pin(fut))
    }
}

/// Serves the requests and notifications the other side sends.
///
/// `handle` is called on the reader task for every incoming call, so it must not block; return
/// [`Reply::Later`] for anything that waits. For notifications the answer is discarded.
pub trait Handler: Send + Sync + 'static {
    /// Answers `method` called with `params`.
    fn handle(&self, method: &str, params: Params) -> Reply;
}

/// A [`Handler`] that serves nothing: every call gets `-32601`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHandler;

impl Handler for NoHandler {
    fn handle(&self, method: &str, _params: Params) -> Reply {
        Reply::Now(Err(RpcError::method_not_found(method)))
    }
}

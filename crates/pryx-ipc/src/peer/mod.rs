//! A JSON-RPC peer over one pipe pair: many calls in flight both ways, ids matched concurrently.
//!
//! [`Peer::spawn`] starts two tasks: a reader that classifies every line (answers to our calls
//! go to their waiting caller through a `oneshot`; calls from the other side go to a
//! [`Handler`]; log lines are logged) and a single writer that batches queued frames into as few
//! writes as possible. Every call has a timeout. When the connection closes — end of stream, an
//! I/O error, or [`Peer::close`] — every pending call fails at once with
//! [`IpcError::Closed`].

mod handler;
mod io;

pub use handler::{Handler, NoHandler, Reply, ReplyFuture};

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::error::IpcError;
use crate::frame::{DEFAULT_MAX_FRAME_BYTES, encode_line};
use crate::message::{Id, RawValue, Response, RpcError, V2};

/// Limits of one peer.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// The longest line read; longer ones are discarded. Default 8 MiB.
    pub max_frame_bytes: usize,
    /// How many `Later` replies may run at once; beyond that calls get `-32002` (busy).
    pub max_concurrent_requests: usize,
    /// How many bytes may wait to be written before the peer counts as stuck and closes.
    pub max_queued_bytes: usize,
    /// A name for the other side in logs, e.g. `runtime pid 4242`.
    pub label: String,
}

impl Default for PeerConfig {
    fn default() -> Self {
        Self {
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            max_concurrent_requests: 256,
            max_queued_bytes: 64 * 1024 * 1024,
            label: "runtime".to_owned(),
        }
    }
}

type Answer = Result<Box<RawValue>, RpcError>;

struct State {
    close_reason: Option<String>,
    /// Why the calls in flight were last abandoned (see [`Peer::abandon_calls`]).
    abandon_reason: Option<String>,
    calls: HashMap<i64, oneshot::Sender<Answer>>,
}

struct Shared {
    state: Mutex<State>,
    next_id: AtomicI64,
    out: mpsc::UnboundedSender<Vec<u8>>,
    queued: AtomicUsize,
    closed: CancellationToken,
    config: PeerConfig,
    handler: Arc<dyn Handler>,
    permits: Arc<Semaphore>,
}

/// One end of a JSON-RPC connection. Cheap to clone; all clones share the connection.
#[derive(Clone)]
pub struct Peer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("label", &self.shared.config.label)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Peer {
    /// Starts reading `reader` and writing `writer`, serving incoming calls with `handler`.
    /// Must be called inside a Tokio runtime.
    pub fn spawn<R, W>(reader: R, writer: W, handler: Arc<dyn Handler>, config: PeerConfig) -> Peer
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                close_reason: None,
                abandon_reason: None,
                calls: HashMap::new(),
            }),
            next_id: AtomicI64::new(1),
            out,
            queued: AtomicUsize::new(0),
            closed: CancellationToken::new(),
            permits: Arc::new(Semaphore::new(config.max_concurrent_requests.max(1))),
            config,
            handler,
        });
        tokio::spawn(io::read_loop(shared.clone(), reader));
        tokio::spawn(io::write_loop(shared.clone(), writer, rx));
        Peer { shared }
    }

    /// Calls `method` and decodes its result as `T`, waiting at most `timeout`.
    pub async fn call<P, T>(
        &self,
        method: &str,
        params: &P,
        timeout: Duration,
    ) -> Result<T, IpcError>
    where
        P: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let raw = self.call_raw(method, params, timeout).await?;
        serde_json::from_str(raw.get()).map_err(|e| IpcError::BadResult {
            method: method.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Calls `method` and returns its raw result, waiting at most `timeout`.
    ///
    /// Cancel-safe: dropping the future forgets the call, and a late answer is ignored.
    pub async fn call_raw<P>(
        &self,
        method: &str,
        params: &P,
        timeout: Duration,
    ) -> Result<Box<RawValue>, IpcError>
    where
        P: Serialize + ?Sized,
    {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = encode_line(&OutRequest {
            jsonrpc: V2,
            id,
            method,
            params,
        })
        .map_err(|e| IpcError::Encode {
            method: method.to_owned(),
            reason: e.to_string(),
        })?;
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if let Some(reason) = &state.close_reason {
                return Err(IpcError::Closed {
                    reason: reason.clone(),
                });
            }
            state.calls.insert(id, tx);
        }
        let _forget = ForgetOnDrop {
            shared: &self.shared,
            id,
        };
        self.shared.send(frame)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err(error))) => Err(IpcError::Rpc {
                method: method.to_owned(),
                error: Box::new(error),
            }),
            Ok(Err(_)) => Err(IpcError::Closed {
                reason: {
                    let state = self.shared.lock();
                    state
                        .close_reason
                        .clone()
                        .or_else(|| state.abandon_reason.clone())
                        .unwrap_or_default()
                },
            }),
            Err(_) => Err(IpcError::Timeout {
                method: method.to_owned(),
                timeout,
            }),
        }
    }

    /// Sends a notification (no answer expected).
    pub fn notify<P: Serialize + ?Sized>(&self, method: &str, params: &P) -> Result<(), IpcError> {
        if let Some(reason) = self.close_reason() {
            return Err(IpcError::Closed { reason });
        }
        let frame = encode_line(&OutNotification {
            jsonrpc: V2,
            method,
            params,
        })
        .map_err(|e| IpcError::Encode {
            method: method.to_owned(),
            reason: e.to_string(),
        })?;
        self.shared.send(frame)
    }

    /// Closes the connection: stops both tasks and fails every pending call. The first reason
    /// given is kept. Idempotent.
    pub fn close(&self, reason: impl Into<String>) {
        self.shared.close(reason.into());
    }

    /// Waits until the connection is closed and returns why.
    pub async fn closed(&self) -> String {
        self.shared.closed.cancelled().await;
        self.close_reason().unwrap_or_default()
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.is_cancelled()
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<String> {
        self.shared.lock().close_reason.clone()
    }

    /// Fails every call now waiting for an answer with [`IpcError::Closed`] and `reason`, but
    /// keeps the connection open (a late answer is ignored). For a peer about to be killed
    /// whose callers should not wait for that.
    pub fn abandon_calls(&self, reason: impl Into<String>) {
        let calls = {
            let mut state = self.shared.lock();
            state.abandon_reason = Some(reason.into());
            std::mem::take(&mut state.calls)
        };
        drop(calls);
    }

    /// How many of our calls are waiting for an answer.
    pub fn pending_calls(&self) -> usize {
        self.shared.lock().calls.len()
    }

    /// Whether answers to the other side's calls are still being worked on or not yet written
    /// (e.g. a `permission.request` waiting for a person).
    pub fn answers_pending(&self) -> bool {
        let limit = self.shared.config.max_concurrent_requests.max(1);
        self.shared.permits.available_permits() < limit
            || self.shared.queued.load(Ordering::Relaxed) > 0
    }
}

#[derive(Serialize)]
struct OutRequest<'a, P: ?Sized> {
    jsonrpc: V2,
    id: i64,
    method: &'a str,
    params: &'a P,
}

#[derive(Serialize)]
struct OutNotification<'a, P: ?Sized> {
    jsonrpc: V2,
    method: &'a str,
    params: &'a P,
}

struct ForgetOnDrop<'a> {
    shared: &'a Shared,
    id: i64,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        self.shared.lock().calls.remove(&self.id);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, frame: Vec<u8>) -> Result<(), IpcError> {
        let len = frame.len();
        let queued = self.queued.fetch_add(len, Ordering::Relaxed) + len;
        if queued > self.config.max_queued_bytes {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            self.close(format!(
                "the {} stopped reading its input ({queued} bytes queued)",
                self.config.label
            ));
            return Err(IpcError::Backlog { queued });
        }
        self.out.send(frame).map_err(|_| {
            self.queued.fetch_sub(len, Ordering::Relaxed);
            IpcError::Closed {
                reason: self.lock().close_reason.clone().unwrap_or_default(),
            }
        })
    }

    fn respond(&self, id: Option<Id>, outcome: Result<pryx_core_api::Value, RpcError>) {
        match encode_line(&Response { id, outcome }) {
            Ok(frame) => {
                // A closed connection has nobody left to answer.
                let _ = self.send(frame);
            }
            Err(e) => tracing::error!(target: "pryx_ipc", error = %e, "cannot encode a response"),
        }
    }

    fn close(&self, reason: String) {
        let calls = {
            let mut state = self.lock();
            if state.close_reason.is_some() {
                return;
            }
            tracing::debug!(target: "pryx_ipc", peer = %self.config.label, %reason, "connection closed");
            state.close_reason = Some(reason);
            std::mem::take(&mut state.calls)
        };
        self.closed.cancel();
        // Dropping the senders fails every waiting call with `Closed`.
        drop(calls);
    }
}

#[cfg(test)]
mod tests;

//! `/ws`: live events, and the admin operations, on one WebSocket.
//!
//! The wire protocol is specified in `docs/ws-protocol.md`; this module is its server side:
//!
//! - [`config`]: the limits of the endpoint ([`WsConfig`]);
//! - `upgrade`: the `GET /ws` handler — query filters, the connection cap, the upgrade;
//! - `connection`, `reader`, `writer`: one task per client, a reader and a writer joined
//!   (ping, backpressure, close codes);
//! - `frame` and `inbound`: what goes over the wire, out and in;
//! - `filter`: which events a client subscribed to; `outbox`: the frames a writer sends next;
//! - `dispatch`: requests and the TUI's commands, each mapped onto one core service call;
//! - `health`: a watcher that publishes `health` when the host's health changes;
//! - `lifecycle`: the host's shutdown signal and the tracker that lets shutdown wait for
//!   clients to be told.

mod config;
mod connection;
mod dispatch;
mod filter;
mod frame;
mod health;
mod inbound;
mod lifecycle;
mod outbox;
mod reader;
mod upgrade;
mod writer;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::Semaphore;

pub use config::WsConfig;
pub(crate) use frame::event as event_frame;
pub use frame::{PROTOCOL_VERSION, close_codes};
pub(crate) use lifecycle::Lifecycle;
pub(crate) use upgrade::routes;

/// What the `/ws` endpoint shares across connections.
pub(crate) struct WsState {
    config: WsConfig,
    connections: Arc<Semaphore>,
    lifecycle: Lifecycle,
    health_watch_started: AtomicBool,
}

impl WsState {
    /// The endpoint's state with `config`, stopping when `lifecycle` says so.
    pub(crate) fn new(config: WsConfig, lifecycle: Lifecycle) -> Self {
        Self {
            connections: Arc::new(Semaphore::new(config.max_connections)),
            config,
            lifecycle,
            health_watch_started: AtomicBool::new(false),
        }
    }
}

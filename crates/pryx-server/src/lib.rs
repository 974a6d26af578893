//! # pryx-server
//!
//! The axum transport of Pryx host: on one port, the admin API under `/api/v1`, its OpenAPI
//! document, and the embedded web UI.
//!
//! - [`Host`], [`HostBuilder`], [`RunningHost`], [`ShutdownHandle`]: compose adapters into a
//!   running server (see the example on [`Host`]);
//! - [`Adapters`]: one adapter per domain port;
//! - [`EventHub`]: the in-process fan-out of events to live clients, with a replay buffer;
//! - [`WsConfig`]: the limits of `/ws` (protocol: `docs/ws-protocol.md`);
//! - [`ApiError`]: the one JSON error shape, mapped from `CoreError` in one place;
//! - [`Limits`]: request limits;
//! - [`SecurityPolicy`], [`AdminToken`]: who may talk to the host (token, Host and Origin
//!   allow-lists, browser login);
//! - [`StopSignals`]: SIGINT/SIGTERM → graceful stop, for binaries;
//! - [`openapi`]: the generated OpenAPI document.

mod error;
mod events;
mod extract;
mod host;
mod layers;
mod routes;
mod security;
mod serve;
mod signals;
mod ui;
mod ws;

pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use events::{Cursor, EventHub, Lagged, Resume, SequencedEvent, Subscription};
pub use host::{
    Adapters, DEFAULT_PORT, Host, HostBuilder, RunningHost, ServerError, ShutdownHandle, bind_std,
};
pub use layers::Limits;
pub use routes::openapi;
pub use security::{
    AdminToken, InvalidHostName, InvalidOrigin, LoginLink, MIN_TOKEN_LEN, SESSION_COOKIE,
    SecurityPolicy, WeakToken, normalize_allowed_host, normalize_origin,
};
pub use signals::StopSignals;
pub use ui::CONTENT_SECURITY_POLICY;
pub use ws::{PROTOCOL_VERSION as WS_PROTOCOL_VERSION, WsConfig, close_codes as ws_close_codes};

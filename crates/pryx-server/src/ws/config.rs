//! The limits of the `/ws` endpoint.

use std::time::Duration;

/// Limits and timings of the `/ws` endpoint. The defaults suit a desktop host serving a few
/// local clients (a TUI, the web UI, `pryx watch`).
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Connections served at once; an upgrade over the cap is refused with
    /// `503 too_many_connections`.
    pub max_connections: usize,
    /// Largest client message (and frame) accepted, in bytes; a larger one closes the
    /// connection with code 1009.
    pub max_message_bytes: usize,
    /// How many events a client may fall behind the newest before it is told `lagged` and
    /// skipped ahead (at most the event hub's capacity matters: beyond it the hub drops first).
    pub max_lag: u64,
    /// How often the server pings.
    pub ping_interval: Duration,
    /// How long past a ping interval a silent client is kept; then it is closed with 4001.
    pub pong_timeout: Duration,
    /// How long the socket may refuse data (a client that does not read) before the
    /// connection is dropped with 4000.
    pub send_timeout: Duration,
    /// Requests and commands one connection may have in flight; more are answered with
    /// `too_many_requests`.
    pub max_requests_in_flight: usize,
    /// How often health is sampled to publish `health` events on a change; zero disables.
    pub health_interval: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_message_bytes: 64 * 1024,
            max_lag: 1024,
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(20),
            send_timeout: Duration::from_secs(10),
            max_requests_in_flight: 16,
            health_interval: Duration::from_secs(2),
        }
    }
}

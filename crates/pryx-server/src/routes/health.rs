//! `GET /api/v1/health`.

use axum::extract::State;
use axum::{Extension, Json};
use pryx_core_api::{HostState, PortsHealth};
use serde::Serialize;

use super::AppState;
use crate::security::Credential;

/// The host's health. Without a credential only `status`, `version` and `uptime_ms` are
/// shown; `ports` (which may carry runtime log lines) needs the admin token or a session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct HealthReply {
    /// `ok` or `degraded`.
    pub status: HostState,
    /// The host's version.
    pub version: String,
    /// Milliseconds since the host started.
    pub uptime_ms: u64,
    /// Each port's health (authenticated callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortsHealth>,
}

/// The host's version, uptime and the status of each port. Cheap: answered from memory.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "host",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Host health", body = HealthReply))
)]
pub(crate) async fn health(
    State(app): State<AppState>,
    credential: Option<Extension<Credential>>,
) -> Json<HealthReply> {
    let health = app.services.health.health();
    let authenticated = matches!(
        credential,
        Some(Extension(Credential::Token | Credential::Session))
    );
    Json(HealthReply {
        status: health.status,
        version: health.version,
        uptime_ms: health.uptime_ms,
        ports: authenticated.then_some(health.ports),
    })
}

//! `GET /api/v1/health`.

use axum::Json;
use axum::extract::State;
use pryx_core_api::Health;

use super::AppState;

/// The host's version, uptime and the status of each port. Cheap: answered from memory.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "host",
    responses((status = 200, description = "Host health", body = Health))
)]
pub(crate) async fn health(State(app): State<AppState>) -> Json<Health> {
    Json(app.services.health.health())
}

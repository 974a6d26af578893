//! `/api/v1/providers` and `/api/v1/mcp/tools`: answered by the agent runtime;
//! `/api/v1/runtime/restart`: start it again.

use axum::Json;
use axum::extract::{Path, State};
use pryx_core_api::{McpTool, Model, Provider, RuntimeStatus};
use serde::Serialize;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

/// The runtime's model providers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProviderList {
    /// Providers.
    pub providers: Vec<Provider>,
}

/// One provider's models.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ModelList {
    /// Models.
    pub models: Vec<Model>,
}

/// The runtime's MCP tools.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ToolList {
    /// Tools, named `<server>:<tool>`.
    pub tools: Vec<McpTool>,
}

/// Model providers the runtime offers.
#[utoipa::path(
    get,
    path = "/api/v1/providers",
    tag = "runtime",
    responses(
        (status = 200, description = "Providers", body = ProviderList),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`); Retry-After only while it is starting or restarting", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn list_providers(
    State(app): State<AppState>,
) -> Result<Json<ProviderList>, ApiError> {
    Ok(Json(ProviderList {
        providers: app.services.runtime.providers().await?,
    }))
}

/// The models of one provider.
#[utoipa::path(
    get,
    path = "/api/v1/providers/{id}/models",
    tag = "runtime",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "Models", body = ModelList),
        (status = 404, description = "The runtime has no such provider (`provider_not_found`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`); Retry-After only while it is starting or restarting", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn list_provider_models(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ModelList>, ApiError> {
    Ok(Json(ModelList {
        models: app.services.runtime.provider_models(&id).await?,
    }))
}

/// MCP tools the runtime can call.
#[utoipa::path(
    get,
    path = "/api/v1/mcp/tools",
    tag = "runtime",
    responses(
        (status = 200, description = "Tools", body = ToolList),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`); Retry-After only while it is starting or restarting", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn list_mcp_tools(
    State(app): State<AppState>,
) -> Result<Json<ToolList>, ApiError> {
    Ok(Json(ToolList {
        tools: app.services.runtime.mcp_tools().await?,
    }))
}

/// Starts the agent runtime again with a fresh restart budget: a `failed` one (its budget
/// spent, or found incompatible) is spawned anew; a running one is stopped first (ask, wait,
/// SIGTERM, SIGKILL). Answers once the new run is `ready` or has failed again, at most after the
/// handshake timeout (then it is still `starting`).
#[utoipa::path(
    post,
    path = "/api/v1/runtime/restart",
    tag = "runtime",
    responses(
        (status = 200, description = "The runtime's status after the restart", body = RuntimeStatus),
        (status = 409, description = "The host runs without a runtime (`runtime_not_configured`)", body = ErrorBody),
        (status = 503, description = "The host is shutting down (`runtime_unavailable`)", body = ErrorBody)
    )
)]
pub(crate) async fn restart_runtime(
    State(app): State<AppState>,
) -> Result<Json<RuntimeStatus>, ApiError> {
    Ok(Json(app.services.runtime.restart().await?))
}

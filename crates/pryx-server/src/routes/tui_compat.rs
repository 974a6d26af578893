//! Aliases for the HTTP calls the TUI makes today (it talked to the runtime's admin API), so
//! moving it to the host only changes its port and adds the token. Each alias calls the `/api/v1`
//! handler it stands for: same service, same JSON, same errors, same auth. See
//! `docs/tui-migration.md`.
//!
//! `/health` and `/skills[/{id}]` are also paths a browser may open in the single-page UI: a
//! `GET` whose `Accept` prefers `text/html` gets the (public) UI page instead of JSON, before any
//! credential check; everything else is authenticated exactly like the route it aliases.
//!
//! The TUI's paths the host does not serve (`/mcp/...`, `/api/channels...`, skill install and
//! uninstall) answer `501 not_implemented` in the API's
//! JSON error shape (a browser navigating still gets the UI), so the TUI shows an error instead
//! of rendering an HTML page as an empty list. They are not in the OpenAPI document: they are
//! not part of the API.

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppState, health, runtime, skills};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::security::{Credential, require_auth};
use crate::ui;

/// The alias routes with their OpenAPI description. `/health` is public like
/// `/api/v1/health`; the skill aliases need a credential like `/api/v1/skills`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(tui_health))
        .route_layer(from_fn(page_or_next));
    let protected = OpenApiRouter::new()
        .routes(routes!(tui_list_skills))
        .routes(routes!(tui_get_skill))
        .routes(routes!(tui_enable_skill))
        .routes(routes!(tui_disable_skill))
        .routes(routes!(tui_list_mcp_tools))
        .routes(routes!(provider_key_status))
        .route_layer(from_fn(page_or_auth));
    let unserved = OpenApiRouter::new()
        .route("/mcp/{*rest}", any(not_served))
        .route("/skills/install", any(not_served))
        .route("/skills/uninstall", any(not_served))
        .route("/api/channels", any(not_served))
        .route("/api/channels/{*rest}", any(not_served))
        .route_layer(from_fn(page_or_auth));
    public.merge(protected).merge(unserved)
}

/// How long `/health` waits for the runtime's providers before answering without them.
const HEALTH_PROVIDERS_WAIT: Duration = Duration::from_millis(1500);

/// `/health` as the TUI reads it: the host's health plus the runtime's readiness fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TuiHealthReply {
    /// The host's health, as `/api/v1/health`.
    #[serde(flatten)]
    pub health: health::HealthReply,
    /// Ids of the configured model providers, from the runtime (authenticated callers only);
    /// empty when none is configured, or the runtime is not ready or slow to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<String>>,
    /// Whether a Pryx cloud account is logged in: always `false`, the host has no cloud login
    /// yet (authenticated callers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_logged_in: Option<bool>,
}

/// Whether a provider has its key, as the TUI's Providers screen asks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProviderKeyStatus {
    /// The provider.
    pub provider_id: String,
    /// Whether it is usable: a key is stored, or it needs none (the runtime's `configured`).
    pub configured: bool,
}

/// The answer to a TUI path the host does not serve.
async fn not_served(method: Method, uri: axum::http::Uri) -> Response {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        format!(
            "{method} {} is not served by Pryx host (see docs/tui-migration.md)",
            uri.path()
        ),
    )
    .into_response()
}

/// A browser navigating to an alias path gets the UI page; anything else goes on.
async fn page_or_next(req: Request, next: Next) -> Response {
    match browser_page(&req) {
        Some(page) => page,
        None => next.run(req).await,
    }
}

/// A browser navigating to an alias path gets the UI page; anything else must authenticate.
async fn page_or_auth(req: Request, next: Next) -> Response {
    match browser_page(&req) {
        Some(page) => page,
        None => require_auth(req, next).await,
    }
}

fn browser_page(req: &Request) -> Option<Response> {
    (req.method() == Method::GET && prefers_html(req.headers()))
        .then(|| ui::serve(req.uri().path(), req.headers()))
}

/// The body of `POST /skills/enable` and `/skills/disable`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SkillId {
    /// The skill's id.
    pub id: String,
}

/// Alias of `GET /api/v1/health` with the runtime's `providers` and `cloud_logged_in`, which
/// the TUI reads to choose between Setup Required and Ready (the UI for browsers).
#[utoipa::path(
    get,
    path = "/health",
    tag = "tui-compat",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Host health, as `/api/v1/health`, plus `providers` and `cloud_logged_in` for authenticated callers", body = TuiHealthReply))
)]
pub(crate) async fn tui_health(
    State(app): State<AppState>,
    credential: Option<Extension<Credential>>,
) -> Json<TuiHealthReply> {
    let authenticated = matches!(
        credential,
        Some(Extension(Credential::Token | Credential::Session))
    );
    let providers = if authenticated {
        Some(
            app.services
                .agent
                .configured_providers(HEALTH_PROVIDERS_WAIT)
                .await,
        )
    } else {
        None
    };
    let Json(health) = health::health(State(app), credential).await;
    Json(TuiHealthReply {
        health,
        providers,
        cloud_logged_in: authenticated.then_some(false),
    })
}

/// Alias of `GET /api/v1/mcp/tools` (the runtime's old path).
#[utoipa::path(
    get,
    path = "/mcp/tools",
    tag = "tui-compat",
    responses(
        (status = 200, description = "Tools, as `/api/v1/mcp/tools`", body = runtime::ToolList),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn tui_list_mcp_tools(State(app): State<AppState>) -> Response {
    runtime::list_mcp_tools(State(app)).await.into_response()
}

/// Whether a provider is configured (its key stored, or none needed), from the runtime's
/// provider list. Storing and deleting keys is not served yet (`405 method_not_allowed`).
#[utoipa::path(
    get,
    path = "/api/v1/providers/{id}/key",
    tag = "runtime",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider's key status", body = ProviderKeyStatus),
        (status = 404, description = "The runtime has no such provider (`provider_not_found`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn provider_key_status(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProviderKeyStatus>, ApiError> {
    let providers = app.services.runtime.providers().await?;
    let provider = providers
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(pryx_core_api::CoreError::ProviderNotFound { id })?;
    Ok(Json(ProviderKeyStatus {
        provider_id: provider.id,
        configured: provider.configured,
    }))
}

/// Alias of `GET /api/v1/skills` (the UI for browsers).
#[utoipa::path(
    get,
    path = "/skills",
    tag = "tui-compat",
    responses((status = 200, description = "Skills, as `/api/v1/skills`", body = skills::SkillList))
)]
pub(crate) async fn tui_list_skills(State(app): State<AppState>) -> Response {
    skills::list_skills(State(app)).await.into_response()
}

/// Alias of `GET /api/v1/skills/{id}` (the UI for browsers).
#[utoipa::path(
    get,
    path = "/skills/{id}",
    tag = "tui-compat",
    params(("id" = String, Path, description = "The skill's id")),
    responses(
        (status = 200, description = "The skill", body = pryx_core_api::Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn tui_get_skill(State(app): State<AppState>, id: Path<String>) -> Response {
    skills::get_skill(State(app), id).await.into_response()
}

/// Alias of `POST /api/v1/skills/{id}/enable`, with the id in the body.
#[utoipa::path(
    post,
    path = "/skills/enable",
    tag = "tui-compat",
    request_body = SkillId,
    responses(
        (status = 200, description = "The skill, now enabled", body = pryx_core_api::Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "JSON without a string `id` (`invalid_request`)", body = ErrorBody),
        (status = 409, description = "The skill is malformed (`skill_invalid`)", body = ErrorBody)
    )
)]
pub(crate) async fn tui_enable_skill(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<SkillId>,
) -> Response {
    skills::enable_skill(State(app), Path(body.id))
        .await
        .into_response()
}

/// Alias of `POST /api/v1/skills/{id}/disable`, with the id in the body.
#[utoipa::path(
    post,
    path = "/skills/disable",
    tag = "tui-compat",
    request_body = SkillId,
    responses(
        (status = 200, description = "The skill, now disabled", body = pryx_core_api::Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "JSON without a string `id` (`invalid_request`)", body = ErrorBody)
    )
)]
pub(crate) async fn tui_disable_skill(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<SkillId>,
) -> Response {
    skills::disable_skill(State(app), Path(body.id))
        .await
        .into_response()
}

/// Whether `Accept` ranks HTML above JSON (a browser navigating), rather than an API client
/// (`*/*`, `application/json`, or nothing).
fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (mut html, mut json) = (None::<f32>, None::<f32>);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match media.as_str() {
            "text/html" | "application/xhtml+xml" => &mut html,
            "application/json" => &mut json,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old| old.max(q)));
    }
    match (html, json) {
        (Some(h), Some(j)) => h > 0.0 && h > j,
        (Some(h), None) => h > 0.0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(&accept(browser)));
        assert!(prefers_html(&accept("application/json;q=0.5, text/html")));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept("text/html, application/json")));
        assert!(!prefers_html(&accept("text/html;q=0")));
        assert!(!prefers_html(&HeaderMap::new()));
    }
}

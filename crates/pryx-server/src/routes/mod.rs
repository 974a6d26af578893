//! The HTTP routes. Each handler parses, calls one core service and maps the result; the
//! OpenAPI document is generated from the same handlers.

mod agent;
mod auth;
mod config;
mod health;
mod logs;
mod runtime;
mod skills;
mod tui_compat;
mod update;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use pryx_core_api::Services;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::events::EventHub;
use crate::security::{Security, require_auth};
use crate::ui;

/// What every handler can reach.
pub(crate) struct AppContext {
    pub services: Services,
    pub hub: Arc<EventHub>,
    /// The `/ws` endpoint's limits, connection cap and shutdown signal.
    pub ws: crate::ws::WsState,
    pub security: Arc<Security>,
    /// Recent log lines for `GET /api/v1/logs`.
    pub logs: Arc<dyn pryx_core_api::LogRing>,
}

pub(crate) type AppState = Arc<AppContext>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pryx host admin API",
        description = "The local admin API of Pryx host. Errors are always \
            `{\"error\":{\"code\",\"message\",\"details\"}}` with a stable code.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "auth", description = "Browser login: one-time codes traded for a session cookie"),
        (name = "host", description = "Host health and metadata"),
        (name = "config", description = "The runtime's config.yaml, with optimistic concurrency"),
        (name = "skills", description = "Skills found on this machine and their enabled state"),
        (name = "runtime", description = "What the agent runtime offers (answered by the runtime)"),
        (name = "update", description = "Updates of the host itself, signed and verified"),
        (name = "agent", description = "Agent sessions, messages and approvals (answered through the runtime; replies stream on /ws)"),
        (name = "logs", description = "Recent log lines of the host and the runtime, redacted")
    )
)]
struct ApiDoc;

/// Declares the credentials in the OpenAPI document: the admin token and the session cookie.
struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The admin token from <data-dir>/admin.token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                format!(
                    "{}_{}",
                    crate::security::SESSION_COOKIE,
                    crate::DEFAULT_PORT
                ),
                "The browser session cookie, named pryx_session_<port> for the port the host \
                 listens on; obtained through POST /api/v1/auth/session"
                    .to_owned(),
            ))),
        );
    }
}

/// The API routes with their OpenAPI description: public ones first, then everything that
/// needs a credential.
fn api_routes() -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(auth::create_session, auth::delete_session))
        // Authenticated where they alias authenticated routes; see the module.
        .merge(tui_compat::routes());
    let protected = OpenApiRouter::new()
        .routes(routes!(auth::create_login_code))
        .routes(routes!(
            config::get_config,
            config::put_config,
            config::patch_config
        ))
        .routes(routes!(config::list_config_history))
        .routes(routes!(config::get_config_version))
        .routes(routes!(config::restore_config_version))
        .routes(routes!(skills::list_skills))
        .routes(routes!(skills::get_skill))
        .routes(routes!(skills::enable_skill))
        .routes(routes!(skills::disable_skill))
        .routes(routes!(runtime::list_providers))
        .routes(routes!(runtime::list_provider_models))
        .routes(routes!(runtime::list_mcp_tools))
        .routes(routes!(runtime::restart_runtime))
        .routes(routes!(update::check_update))
        .routes(routes!(update::apply_update))
        .routes(routes!(agent::list_sessions, agent::create_session))
        .routes(routes!(agent::get_session))
        .routes(routes!(agent::send_message))
        .routes(routes!(agent::list_approvals))
        .routes(routes!(agent::resolve_approval))
        .routes(routes!(logs::list_logs))
        .merge(crate::ws::routes())
        .route("/api/v1/openapi.json", get(openapi_json))
        .route_layer(axum::middleware::from_fn(require_auth));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public)
        .merge(protected)
}

/// Builds the full router: API routes, the OpenAPI document, the UI and the fallbacks.
pub(crate) fn router(state: AppState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    api.with_state(state)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
}

/// The OpenAPI document of the API, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

static OPENAPI_JSON: std::sync::LazyLock<Bytes> = std::sync::LazyLock::new(|| {
    Bytes::from(openapi().to_pretty_json().unwrap_or_else(|_| "{}".into()))
});

async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.clone(),
    )
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Everything no route matched: a JSON 404 under `/api`, else the UI. Takes the whole request
/// so the headers are borrowed, not cloned (the `HeaderMap` extractor copies them all, on every
/// UI request).
async fn fallback(req: Request) -> Response {
    let path = req.uri().path();
    if is_api_path(path) {
        return ApiError::not_found(path).into_response();
    }
    let method = req.method();
    if method == Method::GET || method == Method::HEAD {
        return ui::serve(path, req.headers());
    }
    not_allowed(method, path)
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    not_allowed(&method, uri.path())
}

fn not_allowed(method: &Method, path: &str) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {path}"),
    )
    .into_response()
}

//! Aliases for the HTTP calls the TUI makes today (it talked to the runtime's admin API), so
//! moving it to the host only changes its port and adds the token. Each alias calls the `/api/v1`
//! handler it stands for: same service, same JSON, same errors, same auth. See
//! `docs/tui-migration.md`.
//!
//! `/health` and `/skills[/{id}]` are also paths a browser may open in the single-page UI: a
//! `GET` whose `Accept` prefers `text/html` gets the (public) UI page instead of JSON, before any
//! credential check; everything else is authenticated exactly like the route it aliases.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppState, health, skills};
use crate::error::ErrorBody;
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
        .route_layer(from_fn(page_or_auth));
    public.merge(protected)
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

/// Alias of `GET /api/v1/health` (the UI for browsers).
#[utoipa::path(
    get,
    path = "/health",
    tag = "tui-compat",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Host health, as `/api/v1/health`", body = health::HealthReply))
)]
pub(crate) async fn tui_health(
    State(app): State<AppState>,
    credential: Option<Extension<Credential>>,
) -> Json<health::HealthReply> {
    health::health(State(app), credential).await
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

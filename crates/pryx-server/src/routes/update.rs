//! `/api/v1/update`: what the update endpoints announce; `/api/v1/update/apply`: install it.
//!
//! Where updates come from and which key they must be signed with are fixed when the host
//! starts (flags, environment, build); nothing here can change them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use pryx_core_api::{UpdateApplied, UpdateInfo, UpdateRequest};
use serde::Deserialize;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

/// Options of a check.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CheckQuery {
    /// Also report an announced version older than the running one.
    #[serde(default)]
    allow_downgrade: bool,
}

/// The running version and the one the update endpoints announce for this platform.
#[utoipa::path(
    get,
    path = "/api/v1/update",
    tag = "update",
    params(CheckQuery),
    responses(
        (status = 200, description = "The running version and, when there is one, the update (`available` is null when up to date)", body = UpdateInfo),
        (status = 400, description = "A malformed query (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "The manifest has no entry for this platform (`update_platform_missing`)", body = ErrorBody),
        (status = 409, description = "No updater, public key or endpoint configured (`update_not_configured`)", body = ErrorBody),
        (status = 502, description = "No update endpoint answered usably (`update_unavailable`)", body = ErrorBody)
    )
)]
pub(crate) async fn check_update(
    State(app): State<AppState>,
    query: Result<Query<CheckQuery>, QueryRejection>,
) -> Result<Json<UpdateInfo>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let request = UpdateRequest {
        allow_downgrade: query.allow_downgrade,
        version: None,
    };
    Ok(Json(app.services.update.check(&request).await?))
}

/// Downloads the announced update, verifies its signature before anything else, swaps the
/// binary (keeping the previous one as `<binary>.old`) and restarts the host once this answer
/// is sent. On any error nothing was changed. The body is optional.
#[utoipa::path(
    post,
    path = "/api/v1/update/apply",
    tag = "update",
    request_body(content = Option<UpdateRequest>, content_type = "application/json"),
    responses(
        (status = 200, description = "Installed; the host restarts into the new version", body = UpdateApplied),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 415, description = "A body that is not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "A body of the wrong shape or with unknown fields (`invalid_request`)", body = ErrorBody),
        (status = 404, description = "The manifest has no entry for this platform (`update_platform_missing`)", body = ErrorBody),
        (status = 409, description = "Not configured (`update_not_configured`), nothing to apply (`no_update`), a downgrade not asked for (`update_downgrade_refused`), another version than `version` announced (`update_changed`), or another apply running (`update_in_progress`)", body = ErrorBody),
        (status = 502, description = "Endpoints down (`update_unavailable`), bad signature (`update_signature_invalid`), signed for another version (`update_version_mismatch`), or a broken download (`update_download_failed`)", body = ErrorBody),
        (status = 500, description = "The verified binary could not be installed; the old one is unchanged (`update_install_failed`)", body = ErrorBody)
    )
)]
pub(crate) async fn apply_update(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UpdateApplied>, ApiError> {
    let request = parse_request(&headers, &body)?;
    Ok(Json(app.services.update.apply(&request).await?))
}

/// No body means the defaults; a body must be JSON naming only known fields.
fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<UpdateRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(UpdateRequest::default());
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json (or no body)",
        ));
    }
    // `null` is "no options", like an empty body.
    serde_json::from_slice::<Option<UpdateRequest>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            if e.is_data() {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    e.to_string(),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string())
            }
        })
}

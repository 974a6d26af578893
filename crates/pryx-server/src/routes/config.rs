//! `GET|PUT|PATCH /api/v1/config`: the config document with its revision as an `ETag`; and
//! `/api/v1/config/history`: the versions it replaced, to read and restore.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pryx_core_api::{Config, ConfigView, HistoryEntry, HistoryView, Value};

use super::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, IfMatch};

/// A config view sent with its revision as the `ETag`.
pub(crate) struct ConfigResponse(ConfigView);

impl IntoResponse for ConfigResponse {
    fn into_response(self) -> Response {
        let etag = HeaderValue::from_str(&format!("\"{}\"", self.0.revision)).ok();
        let mut response = Json(self.0).into_response();
        if let Some(etag) = etag {
            response.headers_mut().insert(header::ETAG, etag);
        }
        response
    }
}

/// The config with secrets redacted, and its revision (also the `ETag`).
#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "config",
    responses(
        (status = 200, description = "The config", body = ConfigView,
            headers(("ETag" = String, description = "The revision, for If-Match"))),
        (status = 500, description = "The stored config cannot be read (`config_unreadable`)", body = ErrorBody)
    )
)]
pub(crate) async fn get_config(State(app): State<AppState>) -> Result<ConfigResponse, ApiError> {
    Ok(ConfigResponse(app.services.config.get().await?))
}

/// Replaces the whole config. `If-Match` with the revision read is required. Values equal to
/// `<redacted>` keep the stored secret; keys the host does not know are kept as sent.
#[utoipa::path(
    put,
    path = "/api/v1/config",
    tag = "config",
    // The If-Match pattern: one entity tag of visible ASCII, quoted or bare, optionally weak;
    // no `*`, no list (a subset of what `extract::IfMatch` accepts).
    params(("If-Match" = String, Header, pattern = r#"^(W/)?("[!#-+\--~]+"|[!#-)+\--~][!#-+\--~]*)$"#,
        description = "The revision this write replaces, as returned in the ETag (one tag; `*` and lists are refused)")),
    request_body(content = Object, description = "The whole config document (the `config` member of GET)"),
    responses(
        (status = 200, description = "Written", body = ConfigView,
            headers(("ETag" = String, description = "The new revision"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 409, description = "Stale If-Match (`config_conflict`); details.current_revision and the ETag name the current one", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid config (`config_invalid`); details.fields lists each path", body = ErrorBody),
        (status = 428, description = "No If-Match (`precondition_required`)", body = ErrorBody),
        (status = 500, description = "Storage failed; nothing was written", body = ErrorBody)
    )
)]
pub(crate) async fn put_config(
    State(app): State<AppState>,
    IfMatch(if_match): IfMatch,
    ApiJson(config): ApiJson<Config>,
) -> Result<ConfigResponse, ApiError> {
    Ok(ConfigResponse(
        app.services.config.replace(config, if_match).await?,
    ))
}

/// Changes part of the config with a JSON Merge Patch (RFC 7396): keys in the patch are set,
/// `null` removes a key, nested objects merge. `If-Match` is optional: with it the patch applies
/// only to that revision; without it, to the newest.
#[utoipa::path(
    patch,
    path = "/api/v1/config",
    tag = "config",
    params(("If-Match" = Option<String>, Header, pattern = r#"^(W/)?("[!#-+\--~]+"|[!#-)+\--~][!#-+\--~]*)$"#,
        description = "Apply only to this revision (one tag, as returned in the ETag)")),
    request_body(content = Object, description = "A JSON Merge Patch",
        content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Written", body = ConfigView,
            headers(("ETag" = String, description = "The new revision"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 409, description = "Stale If-Match (`config_conflict`)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid result (`config_invalid`)", body = ErrorBody),
        (status = 500, description = "Storage failed; nothing was written", body = ErrorBody)
    )
)]
pub(crate) async fn patch_config(
    State(app): State<AppState>,
    IfMatch(if_match): IfMatch,
    ApiJson(patch): ApiJson<Value>,
) -> Result<ConfigResponse, ApiError> {
    Ok(ConfigResponse(
        app.services.config.patch(patch, if_match).await?,
    ))
}

/// The versions of the config the host replaced and kept (the newest 50), newest first. Every
/// write through the API, and every restore, keeps the version it replaced.
#[utoipa::path(
    get,
    path = "/api/v1/config/history",
    tag = "config",
    responses(
        (status = 200, description = "The kept versions, newest first", body = HistoryList),
        (status = 500, description = "Storage failed", body = ErrorBody)
    )
)]
pub(crate) async fn list_config_history(
    State(app): State<AppState>,
) -> Result<Json<HistoryList>, ApiError> {
    Ok(Json(HistoryList {
        entries: app.services.config.history().await?,
    }))
}

/// One kept version, secrets redacted like the config itself; `config` is `null` and `error`
/// says why when the version does not parse (e.g. a hand edit caught half-written).
#[utoipa::path(
    get,
    path = "/api/v1/config/history/{id}",
    tag = "config",
    params(("id" = String, Path, description = "The version's id, from the history list")),
    responses(
        (status = 200, description = "The version", body = HistoryView),
        (status = 404, description = "No such version (`history_not_found`)", body = ErrorBody),
        (status = 500, description = "Storage failed", body = ErrorBody)
    )
)]
pub(crate) async fn get_config_version(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HistoryView>, ApiError> {
    Ok(Json(app.services.config.history_version(&id).await?))
}

/// Makes a kept version the config again. `If-Match` with the current revision is required;
/// the version the restore replaces is kept in turn, so a restore can be undone.
#[utoipa::path(
    post,
    path = "/api/v1/config/history/{id}/restore",
    tag = "config",
    params(
        ("id" = String, Path, description = "The version's id, from the history list"),
        ("If-Match" = String, Header, pattern = r#"^(W/)?("[!#-+\--~]+"|[!#-)+\--~][!#-+\--~]*)$"#,
            description = "The current revision, which the restore replaces")
    ),
    responses(
        (status = 200, description = "Restored", body = ConfigView,
            headers(("ETag" = String, description = "The new revision"))),
        (status = 400, description = "Malformed If-Match", body = ErrorBody),
        (status = 404, description = "No such version (`history_not_found`)", body = ErrorBody),
        (status = 409, description = "Stale If-Match (`config_conflict`)", body = ErrorBody),
        (status = 422, description = "The version is not a valid config (`config_invalid`)", body = ErrorBody),
        (status = 428, description = "No If-Match (`precondition_required`)", body = ErrorBody),
        (status = 500, description = "Storage failed; nothing was written", body = ErrorBody)
    )
)]
pub(crate) async fn restore_config_version(
    State(app): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<ConfigResponse, ApiError> {
    Ok(ConfigResponse(
        app.services.config.restore(&id, if_match).await?,
    ))
}

/// The kept versions of the config.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct HistoryList {
    /// Newest first.
    entries: Vec<HistoryEntry>,
}

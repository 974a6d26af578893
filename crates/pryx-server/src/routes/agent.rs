//! `/api/v1/sessions` and `/api/v1/approvals`: the agent, answered through the runtime bridge.
//! Sending a message only starts the reply; it streams on `/ws` as `session.message` events.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pryx_core_api::{Approval, SentMessage, Session, SessionDetail};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJsonObject;

/// The runtime's sessions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SessionList {
    /// Sessions, in the runtime's order.
    pub sessions: Vec<Session>,
}

/// The body of `POST /api/v1/sessions`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSession {
    /// A title (at most 200 characters); the runtime picks one when absent.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: Option<String>,
}

/// The body of `POST /api/v1/sessions/{id}/messages`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMessage {
    /// The text to send: not blank, at most 16,384 characters.
    #[schema(min_length = 1, max_length = 16384, pattern = r"\S")]
    pub content: String,
}

/// The approval requests waiting for a person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ApprovalList {
    /// Pending requests, oldest id first.
    pub approvals: Vec<Approval>,
}

/// The body of `POST /api/v1/approvals/{id}/resolve`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    /// `true` lets the action go ahead; `false` denies it.
    pub approved: bool,
}

/// An answered approval.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Resolved {
    /// The approval.
    pub approval_id: String,
    /// The answer given.
    pub approved: bool,
    /// Who held it: `host` (a runtime's `permission.request`) or `runtime` (tracked there).
    pub held_by: String,
}

/// The agent's sessions.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "agent",
    responses(
        (status = 200, description = "Sessions", body = SessionList),
        (status = 502, description = "The runtime answered with an error or an unreadable result (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn list_sessions(
    State(app): State<AppState>,
) -> Result<Json<SessionList>, ApiError> {
    Ok(Json(SessionList {
        sessions: app.services.agent.sessions().await?,
    }))
}

/// Starts a session.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "agent",
    request_body = NewSession,
    responses(
        (status = 201, description = "The new session", body = Session),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "A title that is not a string or too long (`invalid_request`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error, e.g. it cannot create sessions (`runtime_error`, `details.runtime_code` -32601)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn create_session(
    State(app): State<AppState>,
    ApiJsonObject(body): ApiJsonObject<NewSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let session = app.services.agent.create_session(body.title).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// One session with its messages.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    tag = "agent",
    params(("id" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session and its messages", body = SessionDetail),
        (status = 404, description = "The runtime has no such session (`session_not_found`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn get_session(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SessionDetail>, ApiError> {
    Ok(Json(app.services.agent.session(&id).await?))
}

/// Sends a message to a session. Answers once the runtime accepted it; the reply streams on
/// `/ws` as `session.message` events (`{content, done}`) of this session.
#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/messages",
    tag = "agent",
    params(("id" = String, Path, description = "The session's id")),
    request_body = NewMessage,
    responses(
        (status = 202, description = "Accepted; the reply follows on /ws", body = SentMessage),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 404, description = "The runtime has no such session (`session_not_found`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "No `content`, blank, or too long (`invalid_request`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 503, description = "No runtime ready (`runtime_unavailable`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn send_message(
    State(app): State<AppState>,
    Path(id): Path<String>,
    ApiJsonObject(body): ApiJsonObject<NewMessage>,
) -> Result<(StatusCode, Json<SentMessage>), ApiError> {
    let sent = app.services.agent.send(Some(&id), &body.content).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// The approval requests waiting for a person (raised by the runtime's `permission.request`).
#[utoipa::path(
    get,
    path = "/api/v1/approvals",
    tag = "agent",
    responses((status = 200, description = "Pending approvals", body = ApprovalList))
)]
pub(crate) async fn list_approvals(State(app): State<AppState>) -> Json<ApprovalList> {
    Json(ApprovalList {
        approvals: app.services.agent.pending_approvals(),
    })
}

/// Answers an approval: one waiting in the host is answered there, any other is passed to the
/// runtime (for approvals it tracks itself).
#[utoipa::path(
    post,
    path = "/api/v1/approvals/{id}/resolve",
    tag = "agent",
    params(("id" = String, Path, description = "The approval's id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Answered", body = Resolved),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorBody),
        (status = 404, description = "Not pending: answered, expired or unknown (`approval_not_found`)", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "No boolean `approved` (`invalid_request`)", body = ErrorBody),
        (status = 502, description = "The runtime answered with an error (`runtime_error`)", body = ErrorBody),
        (status = 504, description = "The runtime did not answer in time (`runtime_timeout`)", body = ErrorBody)
    )
)]
pub(crate) async fn resolve_approval(
    State(app): State<AppState>,
    Path(id): Path<String>,
    ApiJsonObject(body): ApiJsonObject<Decision>,
) -> Result<Json<Resolved>, ApiError> {
    let held = app.services.agent.resolve(&id, body.approved).await?;
    Ok(Json(Resolved {
        approval_id: id,
        approved: body.approved,
        held_by: match held {
            pryx_core_api::Resolution::Host => "host",
            pryx_core_api::Resolution::Runtime => "runtime",
        }
        .to_owned(),
    }))
}

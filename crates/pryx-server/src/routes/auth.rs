//! The browser login: `POST /api/v1/auth/login-codes` (authenticated) mints a one-time code;
//! the page trades it at `POST /api/v1/auth/session` for an HttpOnly session cookie.

use axum::Extension;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::security::OriginChecked;

/// A one-time login code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LoginCode {
    /// The code: valid once, for `expires_in_secs`.
    pub code: String,
    /// Seconds until it expires.
    pub expires_in_secs: u64,
    /// The UI address with the code in its fragment (never sent to a server, never in a
    /// Referer): open it in the browser.
    pub login_url: String,
}

/// What the page sends to trade a code for a session.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SessionRequest {
    /// The login code from the URL fragment.
    pub code: String,
}

/// Mints a one-time login code for opening the UI in a browser.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login-codes",
    tag = "auth",
    responses(
        (status = 201, description = "A login code", body = LoginCode),
        (status = 401, description = "No or wrong admin token", body = ErrorBody)
    )
)]
pub(crate) async fn create_login_code(
    State(app): State<AppState>,
) -> (StatusCode, axum::Json<LoginCode>) {
    let link = app.security.login_link();
    (
        StatusCode::CREATED,
        axum::Json(LoginCode {
            code: link.code,
            expires_in_secs: link.expires_in.as_secs(),
            login_url: link.url,
        }),
    )
}

/// Trades a login code for a browser session (an HttpOnly, SameSite=Strict cookie named
/// `pryx_session_<port>`). Only from the host's own page: the request must carry the host's
/// Origin, checked before any of the body is read; without a credential the body may have at
/// most 4 KiB. The code dies on first use.
#[utoipa::path(
    post,
    path = "/api/v1/auth/session",
    tag = "auth",
    security(()),
    request_body = SessionRequest,
    responses(
        (status = 204, description = "Logged in; the session cookie is set"),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Unknown, used or expired code (`login_code_invalid`)", body = ErrorBody),
        (status = 403, description = "Not from the host's own page (`origin_required`)", body = ErrorBody),
        (status = 413, description = "A body over 4 KiB (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "JSON of the wrong shape", body = ErrorBody)
    )
)]
pub(crate) async fn create_session(
    State(app): State<AppState>,
    origin: Option<Extension<OriginChecked>>,
    request: Request,
) -> Result<Response, ApiError> {
    // Before the body: a request from elsewhere costs the host no read at all.
    if origin.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_required",
            "log in from the host's own page: the request must carry its Origin",
        ));
    }
    let ApiJson(body) = ApiJson::<SessionRequest>::from_request(request, &()).await?;
    let (session, ttl) = app.security.logins.redeem(&body.code).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login_code_invalid",
            "the login code is unknown, used or expired",
        )
    })?;
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        app.security.cookie_name,
        ttl.as_secs()
    );
    Ok(with_cookie(StatusCode::NO_CONTENT, &cookie))
}

/// Ends the browser session and clears its cookie; WebSocket connections opened with the
/// session are closed (code 4002).
#[utoipa::path(
    delete,
    path = "/api/v1/auth/session",
    tag = "auth",
    security(()),
    responses(
        (status = 204, description = "Logged out (also when there was no session)"),
        (status = 403, description = "A browser session without the host's Origin (`origin_required`)", body = ErrorBody)
    )
)]
pub(crate) async fn delete_session(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let name = app.security.cookie_name.as_str();
    for value in headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for pair in value.split(';') {
            match pair.trim().split_once('=') {
                Some((cookie, id)) if cookie == name => app.security.logins.end_session(id),
                _ => {}
            }
        }
    }
    with_cookie(
        StatusCode::NO_CONTENT,
        &format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    )
}

fn with_cookie(status: StatusCode, cookie: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

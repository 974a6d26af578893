//! `GET /ws`: checks the query filters and the connection cap, then upgrades.

use axum::Extension;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::connection::{self, Opening};
use super::filter::{self, Filter};
use super::health;
use crate::error::{ApiError, ErrorBody};
use crate::routes::AppState;
use crate::security::SessionId;

/// Bytes read from the socket at a time. Client messages are small (a larger one is still
/// read whole: the buffer grows to the frame's length), and tungstenite allocates and zeroes
/// this buffer for every connection up front, so it is most of an idle connection's memory.
const READ_BUFFER: usize = 2 * 1024;
/// Frames are gathered up to this size before a write to the socket.
const WRITE_BUFFER: usize = 16 * 1024;
/// The write buffer's hard limit: one frame larger than this cannot be sent.
const MAX_WRITE_BUFFER: usize = 16 * 1024 * 1024;

/// The `/ws` route with its OpenAPI description.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(websocket))
}

/// Live events and admin operations on one WebSocket (protocol: `docs/ws-protocol.md`).
/// The query sets the initial subscription and filters, and resumes after a disconnect.
#[utoipa::path(
    get,
    path = "/ws",
    tag = "events",
    params(
        ("event" = Option<Vec<String>>, Query, description = "Subscribe to an event name or \
            prefix (`config.*`); repeat or comma-separate; none means every event"),
        ("session_id" = Option<String>, Query, description = "Only events of this session \
            (events without a session still pass)"),
        ("surface" = Option<String>, Query, description = "Only events whose payload \
            `surface` is this (events without one still pass)"),
        ("last_seq" = Option<u64>, Query, description = "Resume: replay events after this seq, \
            or get `resync`"),
        ("epoch" = Option<String>, Query, description = "The `epoch` of the hello the \
            `last_seq` came from; another epoch means `resync`"),
        ("batch" = Option<bool>, Query, description = "`1`: events ready together arrive as \
            one `events` frame")
    ),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "A bad filter (`invalid_query`) or not a WebSocket \
            upgrade (`websocket_required`)", body = ErrorBody),
        (status = 503, description = "Too many connections (`too_many_connections`)", body = ErrorBody)
    )
)]
pub(crate) async fn websocket(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    session: Option<Extension<SessionId>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let mut opening = parse_query(query.as_deref().unwrap_or(""))
        .map_err(|why| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", why))?;
    // Opened with a browser session: the socket closes when the session ends.
    opening.session_ended =
        session.and_then(|Extension(SessionId(id))| app.security.logins.ended_signal(&id));
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "websocket_required",
            rejection.body_text(),
        )
    })?;
    let permit = app
        .ws
        .connections
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_connections",
                format!(
                    "the host serves at most {} WebSocket connections; close one and retry",
                    app.ws.config.max_connections
                ),
            )
        })?;
    health::ensure_watching(&app);
    let max = app.ws.config.max_message_bytes;
    Ok(upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| {
            let lifecycle = app.ws.lifecycle.clone();
            lifecycle.track(connection::serve(socket, app, opening, permit))
        }))
}

/// Reads `event` (repeated or comma-separated), `session_id`, `surface`, `last_seq`, `epoch`,
/// `batch`; other parameters are ignored.
fn parse_query(query: &str) -> Result<Opening, String> {
    let mut names = Vec::new();
    let mut session_id = None;
    let mut surface = None;
    let mut last_seq = None;
    let mut epoch = None;
    let mut coalesce = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "event" | "events" => names.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            ),
            "session_id" => session_id = Some(value.into_owned()).filter(|s| !s.is_empty()),
            "surface" => surface = Some(value.into_owned()).filter(|s| !s.is_empty()),
            "last_seq" => {
                let seq = value
                    .parse::<u64>()
                    .map_err(|_| format!("last_seq must be a whole number, got {value:?}"))?;
                last_seq = Some(seq);
            }
            "epoch" => epoch = Some(value.into_owned()).filter(|s| !s.is_empty()),
            "batch" => coalesce = matches!(value.as_ref(), "1" | "true"),
            _ => {}
        }
    }
    let mut filter = Filter::new(filter::parse_all(&names)?)?;
    filter.session_id = session_id;
    filter.surface = surface;
    Ok(Opening {
        filter,
        resume: last_seq.map(|seq| (seq, epoch)),
        coalesce,
        session_ended: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_filters_become_the_opening() {
        let o = parse_query(
            "event=config.*&event=health,skills.changed&session_id=s1&last_seq=7&epoch=e",
        )
        .unwrap();
        assert_eq!(o.filter.names(), ["config.*", "health", "skills.changed"]);
        assert_eq!(o.filter.session_id.as_deref(), Some("s1"));
        assert_eq!(o.resume, Some((7, Some("e".to_owned()))));
        assert_eq!(parse_query("").unwrap().filter.names(), ["*"]);
        assert!(parse_query("event=bad%20name").is_err());
        assert!(parse_query("last_seq=-1").is_err());
    }
}

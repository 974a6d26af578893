//! `GET /api/v1/logs`: recent log lines from the host's bounded ring, already redacted.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use pryx_core_api::{LogLevel, LogLine, LogQuery, LogSource, Map};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::error::{ApiError, ErrorBody};

/// The filters, all optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LogParams {
    /// Only lines at this level or more serious: `trace`, `debug`, `info`, `warn`, `error`.
    #[param(pattern = "^(trace|debug|info|warn|error)$")]
    level: Option<String>,
    /// Only lines from `host`, `runtime` or `runtime-stderr`.
    #[param(pattern = "^(host|runtime|runtime-stderr)$")]
    source: Option<String>,
    /// Only lines written at or after this time: milliseconds since the Unix epoch (as the
    /// schema says), or an RFC 3339 time such as `2026-12-01T20:00:00Z`.
    #[param(value_type = Option<u64>, minimum = 0, maximum = 253_402_300_799_999_u64)]
    since: Option<String>,
    /// At most this many lines, the most recent (1-1000, default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// One line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LogLineView {
    /// Increasing within one host run.
    seq: u64,
    /// RFC 3339, UTC, milliseconds.
    ts: String,
    level: LogLevel,
    source: LogSource,
    /// The module or logger that wrote it.
    target: String,
    message: String,
    /// Structured fields.
    #[schema(value_type = Object)]
    fields: Map,
}

/// Recent lines, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LogList {
    lines: Vec<LogLineView>,
    /// How many lines the host keeps; older ones are gone.
    capacity: usize,
    /// Lines let go since the host started.
    evicted: u64,
}

/// The latest `since` in milliseconds: the end of the year 9999 (as in the OpenAPI document).
const MAX_SINCE_MS: u64 = 253_402_300_799_999;

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
}

fn parse(p: LogParams) -> Result<LogQuery, ApiError> {
    let level = p
        .level
        .map(|l| {
            LogLevel::parse(&l).ok_or_else(|| {
                bad(format!(
                    "level {l:?} is not one of trace, debug, info, warn, error"
                ))
            })
        })
        .transpose()?;
    let source = p
        .source
        .map(|s| {
            LogSource::parse(&s).ok_or_else(|| {
                bad(format!(
                    "source {s:?} is not one of host, runtime, runtime-stderr"
                ))
            })
        })
        .transpose()?;
    let since = p
        .since
        .map(|s| match s.parse::<u64>() {
            Ok(ms) if ms <= MAX_SINCE_MS => {
                Ok(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
            }
            Ok(_) => Err(bad(format!(
                "since {s:?} is after the year 9999 (at most {MAX_SINCE_MS} ms)"
            ))),
            Err(_) => humantime::parse_rfc3339_weak(&s).map_err(|_| {
                bad(format!(
                    "since {s:?} is neither milliseconds since the epoch nor an RFC 3339 time"
                ))
            }),
        })
        .transpose()?;
    let limit = p
        .limit
        .map(|l| match l.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n),
            _ => Err(bad(format!("limit {l:?} is not a number from 1 to 1000"))),
        })
        .transpose()?;
    Ok(LogQuery {
        level,
        source,
        since,
        limit,
    })
}

fn view(line: LogLine) -> LogLineView {
    LogLineView {
        seq: line.seq,
        ts: humantime::format_rfc3339_millis(line.timestamp).to_string(),
        level: line.level,
        source: line.source,
        target: line.target,
        message: line.message,
        fields: line.fields,
    }
}

/// Recent log lines of the host and the runtime (its `log` notifications and its stderr),
/// redacted, from a bounded in-memory ring. Live lines arrive as `log` events on `/ws`.
#[utoipa::path(
    get,
    path = "/api/v1/logs",
    tag = "logs",
    params(LogParams),
    responses(
        (status = 200, description = "Recent lines, oldest first", body = LogList),
        (status = 400, description = "A filter is malformed (`invalid_query`)", body = ErrorBody)
    )
)]
pub(crate) async fn list_logs(
    State(app): State<AppState>,
    Query(params): Query<LogParams>,
) -> Result<Json<LogList>, ApiError> {
    let page = app.logs.recent(&parse(params)?);
    Ok(Json(LogList {
        lines: page.lines.into_iter().map(view).collect(),
        capacity: page.capacity,
        evicted: page.evicted,
    }))
}

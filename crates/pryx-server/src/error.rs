//! Errors at the HTTP edge: every failure leaves as one JSON shape,
//! `{"error":{"code":"…","message":"…","details":{…}}}`, with a stable `code`.
//! [`CoreError`] is mapped to a status here and nowhere else.

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pryx_core_api::CoreError;
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `config_conflict`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// Extra data for some codes (`fields` for `config_invalid`, `current_revision` for
    /// `config_conflict`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// An error response: status, code, message and optional details and headers.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    /// The JSON 404 for a path under `/api` that no route serves.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no API route at {path}"),
        )
    }

    /// A client's malformed request header.
    pub fn invalid_header(name: &str, why: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_header",
            format!("header {name}: {why}"),
        )
    }

    /// The status this error is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub(crate) fn with_header(mut self, name: header::HeaderName, value: String) -> Self {
        if let Ok(v) = HeaderValue::from_str(&value) {
            self.headers.push((name, v));
        }
        self
    }
}

/// The code and status for a bare status produced by a layer (body limit, timeout, ...).
pub(crate) fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "error",
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        let message = err.to_string();
        let code = err.code();
        let status = match &err {
            CoreError::ConfigConflict { .. } | CoreError::SkillInvalid { .. } => {
                StatusCode::CONFLICT
            }
            CoreError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            CoreError::ConfigInvalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            CoreError::SkillNotFound { .. }
            | CoreError::ProviderNotFound { .. }
            | CoreError::ApprovalNotFound { .. }
            | CoreError::HistoryNotFound { .. }
            | CoreError::SessionNotFound { .. } => StatusCode::NOT_FOUND,
            CoreError::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            CoreError::RuntimeUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            CoreError::RuntimeNotConfigured { .. } => StatusCode::CONFLICT,
            CoreError::RuntimeTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            CoreError::RuntimeFailed { .. } => StatusCode::BAD_GATEWAY,
            CoreError::ConfigUnreadable { .. } | CoreError::Storage(_) | CoreError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            CoreError::UpdateNotConfigured { .. }
            | CoreError::UpdateDowngradeRefused { .. }
            | CoreError::NoUpdate { .. }
            | CoreError::UpdateChanged { .. }
            | CoreError::UpdateInProgress => StatusCode::CONFLICT,
            CoreError::UpdatePlatformMissing { .. } => StatusCode::NOT_FOUND,
            CoreError::UpdateUnavailable { .. }
            | CoreError::UpdateSignatureInvalid { .. }
            | CoreError::UpdateVersionMismatch { .. }
            | CoreError::UpdateDownloadFailed { .. } => StatusCode::BAD_GATEWAY,
            CoreError::UpdateInstallFailed { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let api = ApiError::new(status, code, message);
        match err {
            CoreError::ConfigConflict { current, .. } => api
                .with_header(header::ETAG, format!("\"{current}\""))
                .with_details(serde_json::json!({ "current_revision": current.0 })),
            CoreError::ConfigInvalid { fields } => {
                api.with_details(serde_json::json!({ "fields": fields }))
            }
            // Only a runtime that is coming back (starting, restarting) suggests a retry time; a
            // failed, stopped or absent one does not.
            CoreError::RuntimeUnavailable {
                retry_after_secs: Some(secs),
                ..
            } => api.with_header(header::RETRY_AFTER, secs.to_string()),
            // The runtime's own `data` travels on, redacted like everything leaving the host.
            CoreError::RuntimeFailed { code, data, .. } => {
                let mut details = serde_json::json!({ "runtime_code": code });
                if let Some(mut data) = data {
                    pryx_core_api::config::redact_outbound(&mut data);
                    details["runtime_data"] = serde_json::to_value(data).unwrap_or_default();
                }
                api.with_details(details)
            }
            CoreError::UpdateDowngradeRefused { current, announced } => {
                api.with_details(serde_json::json!({ "current": current, "announced": announced }))
            }
            CoreError::UpdateVersionMismatch { announced, signed } => {
                api.with_details(serde_json::json!({ "announced": announced, "signed": signed }))
            }
            _ => api,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match &rejection {
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            JsonRejection::JsonDataError(_) => "invalid_request",
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            _ => code_for_status(status),
        };
        ApiError::new(status, code, rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

#[cfg(test)]
mod runtime_failed_tests {
    use super::*;
    use pryx_core_api::Value;

    #[test]
    fn the_runtimes_error_data_reaches_details_redacted() {
        let data = Value::map([
            ("api_key", Value::from("sk-live-0123456789abcdef")),
            ("retry_in_s", Value::Int(30)),
        ]);
        let api = ApiError::from(CoreError::RuntimeFailed {
            method: "chat.send".into(),
            code: -32050,
            message: "quota exceeded".into(),
            data: Some(Box::new(data)),
        });
        assert_eq!(api.status(), StatusCode::BAD_GATEWAY);
        let details = api.details.expect("details");
        assert_eq!(details["runtime_code"], -32050);
        assert_eq!(details["runtime_data"]["retry_in_s"], 30);
        assert_eq!(
            details["runtime_data"]["api_key"],
            pryx_core_api::config::REDACTED
        );
        // Without data, only the code.
        let api = ApiError::from(CoreError::RuntimeFailed {
            method: "x".into(),
            code: -32601,
            message: "no".into(),
            data: None,
        });
        assert_eq!(
            api.details.unwrap(),
            serde_json::json!({"runtime_code": -32601})
        );
    }
}

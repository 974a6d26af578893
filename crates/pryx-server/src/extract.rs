//! Request extractors that fail with [`ApiError`] instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use pryx_core_api::Revision;

use crate::error::ApiError;

/// A JSON body; a malformed one is a structured `invalid_json` / `invalid_request` /
/// `unsupported_media_type` / `payload_too_large` error.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// Like [`ApiJson`], for bodies that must be a JSON **object**: serde would otherwise accept a
/// JSON array for a struct (field by position), so `[]` would pass as "no fields". Anything
/// but an object is `422 invalid_request`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJsonObject<T>(pub T);

impl<S, T> FromRequest<S> for ApiJsonObject<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(value) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "the body must be a JSON object",
            ));
        }
        serde_json::from_value(value)
            .map(ApiJsonObject)
            .map_err(|e| {
                ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    e.to_string(),
                )
            })
    }
}

/// The revision named by an `If-Match` header, if one was sent. Accepts one entity tag,
/// quoted or bare; `*` and lists are refused with `invalid_header` (send the revision you read).
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<Revision>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = raw
            .to_str()
            .map_err(|_| ApiError::invalid_header("If-Match", "not visible ASCII"))?
            .trim();
        let tag = text.strip_prefix("W/").unwrap_or(text);
        let tag = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag);
        let well_formed = tag
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',');
        if tag.is_empty() || tag == "*" || !well_formed {
            return Err(ApiError::invalid_header(
                "If-Match",
                "send exactly one revision, as returned in the ETag of GET /api/v1/config",
            ));
        }
        Ok(IfMatch(Some(Revision(tag.to_owned()))))
    }
}

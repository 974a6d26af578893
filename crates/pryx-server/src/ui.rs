//! The embedded web UI: files from `local-web/dist` compiled into the binary, served with the
//! right content type, validators and security headers, with SPA fallback to `index.html`.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../../local-web/dist"]
struct UiFiles;

/// The Content-Security-Policy of every UI response: no inline script, nothing from elsewhere,
/// no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Asset {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
    cache_control: HeaderValue,
}

static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    UiFiles::iter()
        .filter_map(|path| {
            let file = UiFiles::get(&path)?;
            let mime = mime_guess::from_path(path.as_ref()).first_or_octet_stream();
            let content_type =
                if mime.type_() == "text" || mime.essence_str() == "application/javascript" {
                    format!("{}; charset=utf-8", mime.essence_str())
                } else {
                    mime.essence_str().to_owned()
                };
            let hash = file.metadata.sha256_hash();
            let etag = format!("\"{}\"", hex16(&hash));
            // Vite puts content-hashed files under assets/: those never change.
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            Some((
                path.to_string(),
                Asset {
                    body: match file.data {
                        std::borrow::Cow::Borrowed(b) => Bytes::from_static(b),
                        std::borrow::Cow::Owned(v) => Bytes::from(v),
                    },
                    content_type: HeaderValue::from_str(&content_type).ok()?,
                    etag: HeaderValue::from_str(&etag).ok()?,
                    cache_control: HeaderValue::from_static(cache),
                },
            ))
        })
        .collect()
});

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Serves the UI file at `path`; paths that look like routes (no file extension) get
/// `index.html` so the single-page app can route them; missing files are a 404.
pub fn serve(path: &str, request_headers: &HeaderMap) -> Response {
    let relative = path.trim_start_matches('/');
    let asset = match ASSETS.get(relative) {
        Some(asset) => asset,
        None if relative.is_empty() || !last_segment_has_extension(relative) => {
            match ASSETS.get("index.html") {
                Some(index) => index,
                None => {
                    return ApiError::new(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "the UI is not built",
                    )
                    .into_response();
                }
            }
        }
        None => {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no UI file at {path}"),
            )
            .into_response();
        }
    };
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == asset.etag.as_bytes());
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(asset.body.clone()))
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, asset.content_type.clone());
    headers.insert(header::ETAG, asset.etag.clone());
    headers.insert(header::CACHE_CONTROL, asset.cache_control.clone());
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|segment| segment.contains('.'))
}

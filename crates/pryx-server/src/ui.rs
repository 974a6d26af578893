//! The embedded web UI: files from `local-web/dist` compiled into the binary, served with the
//! right content type, validators and security headers, with SPA fallback to `index.html`.
//!
//! The Vite build stores a brotli (`.br`) and a gzip (`.gz`) copy next to each text file
//! (`local-web/scripts/compress.mjs`); a request gets the smallest one its `Accept-Encoding`
//! allows, so the host never compresses at run time. Those copies are never served under
//! their own names. Content-hashed files under `assets/` are `immutable`; everything else
//! (`index.html`) is `no-cache`, revalidated by its `ETag`.

mod encoding;

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use rust_embed::RustEmbed;

use crate::error::ApiError;
use encoding::Encoding;

#[derive(RustEmbed)]
#[folder = "../../local-web/dist"]
struct UiFiles;

/// The Content-Security-Policy of every UI response: no inline script, nothing from elsewhere,
/// no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One stored form of a file: its bytes and the validator that names exactly them.
struct Variant {
    body: Bytes,
    etag: HeaderValue,
}

/// A UI file and its precompressed forms.
struct Asset {
    content_type: HeaderValue,
    cache_control: HeaderValue,
    identity: Variant,
    compressed: Vec<(Encoding, Variant)>,
}

impl Asset {
    fn variant(&self, encoding: Encoding) -> &Variant {
        self.compressed
            .iter()
            .find(|(e, _)| *e == encoding)
            .map_or(&self.identity, |(_, v)| v)
    }

    fn encodings(&self) -> Vec<Encoding> {
        self.compressed.iter().map(|(e, _)| *e).collect()
    }
}

const COMPRESSED: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

fn is_compressed_copy(path: &str) -> bool {
    COMPRESSED
        .iter()
        .any(|e| path.ends_with(&format!(".{}", e.suffix())))
}

fn embedded_bytes(path: &str) -> Option<(Bytes, [u8; 32])> {
    let file = UiFiles::get(path)?;
    let hash = file.metadata.sha256_hash();
    let body = match file.data {
        std::borrow::Cow::Borrowed(b) => Bytes::from_static(b),
        std::borrow::Cow::Owned(v) => Bytes::from(v),
    };
    Some((body, hash))
}

fn variant(body: Bytes, hash: &[u8], suffix: &str) -> Option<Variant> {
    let tag = if suffix.is_empty() {
        format!("\"{}\"", hex16(hash))
    } else {
        format!("\"{}-{suffix}\"", hex16(hash))
    };
    Some(Variant {
        body,
        etag: HeaderValue::from_str(&tag).ok()?,
    })
}

fn load_asset(path: &str) -> Option<Asset> {
    let (body, hash) = embedded_bytes(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.essence_str() == "application/javascript" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    };
    // Vite puts content-hashed files under assets/: those never change.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let compressed = COMPRESSED
        .iter()
        .filter_map(|&encoding| {
            let (bytes, _) = embedded_bytes(&format!("{path}.{}", encoding.suffix()))?;
            // The validator names the plain content and the encoding: a change of either
            // changes it.
            Some((encoding, variant(bytes, &hash, encoding.suffix())?))
        })
        .collect();
    Some(Asset {
        content_type: HeaderValue::from_str(&content_type).ok()?,
        cache_control: HeaderValue::from_static(cache),
        identity: variant(body, &hash, "")?,
        compressed,
    })
}

static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    UiFiles::iter()
        .filter(|path| !is_compressed_copy(path))
        .filter_map(|path| Some((path.to_string(), load_asset(&path)?)))
        .collect()
});

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Serves the UI file at `path`; paths that look like routes (no file extension) get
/// `index.html` so the single-page app can route them; missing files are a 404. The body is
/// the brotli or gzip copy when `Accept-Encoding` allows it (`Vary: Accept-Encoding`).
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
    let accept = request_headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let chosen = encoding::choose(accept, &asset.encodings());
    let variant = asset.variant(chosen);
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| etag_listed(tags, &variant.etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(variant.body.clone()))
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, asset.content_type.clone());
    headers.insert(header::ETAG, variant.etag.clone());
    headers.insert(header::CACHE_CONTROL, asset.cache_control.clone());
    if !asset.compressed.is_empty() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(coding) = chosen.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Whether an `If-None-Match` list names `etag` (or is `*`); weak tags compare weakly.
fn etag_listed(tags: &str, etag: &HeaderValue) -> bool {
    let want = etag.as_bytes();
    tags.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == want)
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|segment| segment.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let tag = HeaderValue::from_static("\"abc\"");
        assert!(etag_listed("\"abc\"", &tag));
        assert!(etag_listed("\"x\", W/\"abc\"", &tag));
        assert!(etag_listed("*", &tag));
        assert!(!etag_listed("\"abc-br\"", &tag));
        assert!(!etag_listed("", &tag));
    }

    #[test]
    fn compressed_copies_are_not_files_of_their_own() {
        assert!(is_compressed_copy("assets/index-x.js.br"));
        assert!(is_compressed_copy("index.html.gz"));
        assert!(!is_compressed_copy("assets/index-x.js"));
        assert!(ASSETS.keys().all(|path| !is_compressed_copy(path)));
    }

    #[test]
    fn every_text_file_of_the_build_has_both_precompressed_copies() {
        let index = ASSETS.get("index.html").expect("dist/ holds index.html");
        assert_eq!(index.encodings(), COMPRESSED);
        for (path, asset) in ASSETS.iter() {
            if path.ends_with(".js") || path.ends_with(".css") || path.ends_with(".html") {
                assert_eq!(asset.encodings(), COMPRESSED, "{path}");
            }
        }
    }
}

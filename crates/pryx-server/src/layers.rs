//! Cross-cutting HTTP concerns as layers, applied once around the whole router: panics and
//! bare statuses become the JSON error shape, requests time out, responses carry safe headers.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{ApiError, code_for_status};
use crate::security::{GuardLayer, Security};

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with `request_timeout`.
    pub request_timeout: Duration,
    /// Longest a client may take to send its request headers (slow-loris defence).
    pub header_read_timeout: Duration,
    /// Largest request head (request line + headers) accepted, in bytes.
    pub max_header_bytes: usize,
    /// Most connections open at once; more are closed on accept.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            max_connections: 1024,
        }
    }
}

/// Wraps `router` in the host's standard layers, the security guard innermost.
///
/// The layers form one statically typed stack applied with a single [`Router::layer`]: axum
/// boxes a route once per `Router::layer` call and clones that box on every request, so eight
/// separate calls cost eight boxed services and futures per request where one stack costs one.
/// The order, outermost first, is the order the layers see a request.
pub(crate) fn apply(router: Router, limits: &Limits, security: Arc<Security>) -> Router {
    let stack = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(request_spans())
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the timeout, so the timeout's bare 408 gets the JSON shape too.
        .layer(MapResponseLayer::new(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(GuardLayer::new(security));
    router.layer(stack)
}

/// What a panicking handler answers: the standard error shape, not a dropped connection.
fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the host hit a bug handling this request",
    )
    .into_response()
}

/// Gives an error status that some layer produced without a JSON body (e.g. a body-limit 413)
/// the standard error shape, so every error a client sees is the same JSON.
fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut fresh = ApiError::new(status, code_for_status(status), message).into_response();
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = response.headers().get(&name) {
            fresh.headers_mut().insert(name, v.clone());
        }
    }
    fresh
}

/// One `http.request` span per request (target `pryx_http`), named by method and matched route
/// and closed with the status, for telemetry export and request metrics. Nothing is logged;
/// with no exporter listening the span is disabled at its call site and costs next to nothing.
type RequestSpans = tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    RequestSpan,
    (),
    RecordStatus,
    (),
    (),
    (),
>;

fn request_spans() -> RequestSpans {
    tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RecordStatus)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// Opens the `http.request` span.
#[derive(Debug, Clone, Copy)]
struct RequestSpan;

impl<B> tower_http::trace::MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> tracing::Span {
        let route = request
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or("(unmatched)", |m| m.as_str());
        let method = request.method().as_str();
        tracing::info_span!(
            target: "pryx_http",
            "http.request",
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            http.request.method = method,
            http.route = route,
            http.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        )
    }
}

/// Records the status on the span.
#[derive(Debug, Clone, Copy)]
struct RecordStatus;

impl<B> tower_http::trace::OnResponse<B> for RecordStatus {
    fn on_response(
        self,
        response: &axum::http::Response<B>,
        _latency: Duration,
        span: &tracing::Span,
    ) {
        let status = response.status();
        span.record("http.response.status_code", status.as_u16());
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
    }
}

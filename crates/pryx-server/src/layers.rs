//! Cross-cutting HTTP concerns as layers, applied once around the whole router: panics and
//! bare statuses become the JSON error shape, requests time out, and every response (API
//! answers, errors of any layer, the UI) carries the security headers.

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

/// The Content-Security-Policy of every response that is not a UI page: an API answer is
/// data, so nothing may load from it and nothing may frame it.
pub(crate) const API_CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with `request_timeout`.
    pub request_timeout: Duration,
    /// Longest a connection may take to send a complete request head, counted from when it
    /// opened or finished its previous request: slow-loris clients and sockets that send
    /// nothing are closed after this.
    pub header_read_timeout: Duration,
    /// Largest request head (request line + headers) accepted, in bytes.
    pub max_header_bytes: usize,
    /// Most connections open at once. At the cap a newcomer takes the place of the
    /// longest-idle (or credential-less) connection; only when every connection serves an
    /// authenticated request is a newcomer closed on accept.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(5),
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
        // The UI sets its own, wider policy; everything else (API answers, errors) gets one
        // that lets nothing load and nothing frame it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
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

/// Request telemetry, for export only: an `http.request` span (target `pryx_http`, named by
/// method and matched route, closed with the status) and, when the response is ready, one
/// `http.response` event with method, route, status and latency (what request metrics count).
/// Nothing is logged; with no exporter listening both are disabled at their call sites and the
/// layer costs one check per request.
#[derive(Debug, Clone, Copy)]
struct RequestTelemetryLayer;

impl<S> tower::Layer<S> for RequestTelemetryLayer {
    type Service = RequestTelemetry<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestTelemetry { inner }
    }
}

fn request_spans() -> RequestTelemetryLayer {
    RequestTelemetryLayer
}

#[derive(Debug, Clone)]
struct RequestTelemetry<S> {
    inner: S,
}

/// What the response event needs, kept only while someone listens.
struct Watched {
    span: tracing::Span,
    method: axum::http::Method,
    route: Option<axum::extract::MatchedPath>,
    started: std::time::Instant,
}

impl<S, B, RB> tower::Service<axum::http::Request<B>> for RequestTelemetry<S>
where
    S: tower::Service<axum::http::Request<B>, Response = axum::http::Response<RB>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = RequestTelemetryFuture<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        // Someone listens for the response event only when export is on.
        if !tracing::enabled!(
            kind: tracing::metadata::Kind::EVENT,
            target: "pryx_http",
            tracing::Level::INFO
        ) {
            return RequestTelemetryFuture {
                inner: self.inner.call(request),
                watched: None,
            };
        }
        let route = request
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .cloned();
        let method = request.method().clone();
        let route_text = route.as_ref().map_or("(unmatched)", |m| m.as_str());
        let span = tracing::info_span!(
            target: "pryx_http",
            "http.request",
            otel.name = %format_args!("{method} {route_text}"),
            otel.kind = "server",
            http.request.method = method.as_str(),
            http.route = route_text,
            http.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        RequestTelemetryFuture {
            inner,
            watched: Some(Watched {
                span,
                method,
                route,
                started: std::time::Instant::now(),
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner response future, inside the request span when there is one.
    struct RequestTelemetryFuture<F> {
        #[pin]
        inner: F,
        watched: Option<Watched>,
    }
}

impl<F, RB, E> std::future::Future for RequestTelemetryFuture<F>
where
    F: std::future::Future<Output = Result<axum::http::Response<RB>, E>>,
{
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let Some(watched) = this.watched.as_ref() else {
            return this.inner.poll(cx);
        };
        let _entered = watched.span.enter();
        let std::task::Poll::Ready(output) = this.inner.poll(cx) else {
            return std::task::Poll::Pending;
        };
        let status = match &output {
            Ok(response) => response.status().as_u16(),
            Err(_) => 500,
        };
        watched.span.record("http.response.status_code", status);
        if status >= 500 {
            watched.span.record("otel.status_code", "ERROR");
        }
        // The only event of target `pryx_http`: one per response.
        tracing::info!(
            target: "pryx_http",
            method = watched.method.as_str(),
            route = watched.route.as_ref().map_or("(unmatched)", |m| m.as_str()),
            status,
            duration_us = watched.started.elapsed().as_micros() as u64,
        );
        std::task::Poll::Ready(output)
    }
}

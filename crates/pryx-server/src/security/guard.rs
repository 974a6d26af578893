//! The guard layer: Host check, credential check and Origin check on every request.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};
use tower::{Layer, Service};

use super::Security;
use crate::error::ApiError;
use crate::serve::ConnectionActivity;

/// Most body bytes a request without a credential may send (the login exchange needs under
/// 100): a larger declared body is refused before it is read, a longer chunked one when it
/// passes this. Keeps what anonymous clients can make the host buffer tiny.
pub(crate) const ANONYMOUS_BODY_LIMIT: usize = 4 * 1024;

/// How a request authenticated, put in its extensions by [`GuardLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// No credential.
    Anonymous,
    /// The admin token.
    Token,
    /// A browser session cookie.
    Session,
}

/// The session a [`Credential::Session`] request authenticated with, in its extensions.
#[derive(Debug, Clone)]
pub(crate) struct SessionId(pub String);

/// Set in a request's extensions when it carried an `Origin` that is one of ours.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OriginChecked;

/// The guard as a tower layer: refuses foreign `Host`s, wrong credentials and foreign
/// `Origin`s before a handler runs, and tells the handler how the request authenticated.
///
/// A plain [`Service`] rather than an `axum::middleware::from_fn`: that helper boxes the
/// inner service and the future on every request, and the guard sits on every request.
#[derive(Clone)]
pub(crate) struct GuardLayer {
    security: Arc<Security>,
}

impl GuardLayer {
    pub(crate) fn new(security: Arc<Security>) -> Self {
        Self { security }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            security: self.security.clone(),
        }
    }
}

/// The service [`GuardLayer`] wraps around each route.
#[derive(Clone)]
pub(crate) struct Guard<S> {
    inner: S,
    security: Arc<Security>,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        match admit(&self.security, &mut req) {
            Ok(()) => Either::Right(self.inner.call(req)),
            Err(refusal) => Either::Left(ready(Ok(refusal.into_response()))),
        }
    }
}

/// The guard's decision: `Ok` lets the request on (its [`Credential`], and [`OriginChecked`]
/// when it carried one of our origins, put in its extensions); `Err` is the refusal to send.
fn admit(security: &Security, req: &mut Request) -> Result<(), ApiError> {
    check_host(security, req)?;
    let headers = req.headers();
    let (credential, session) = credential(security, headers)?;
    if credential != Credential::Anonymous {
        // The owner's request: its connection keeps its place at the connection cap.
        if let Some(activity) = req.extensions().get::<Arc<ConnectionActivity>>() {
            activity.authenticated();
        }
    }
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("\u{0}"));
    let origin_ok = match origin {
        Some(origin) => security.origin_allowed(origin),
        None => false,
    };
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_websocket_upgrade(headers);
    if changes_state {
        if origin.is_some() && !origin_ok {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "requests from other web origins may not change anything here",
            ));
        }
        if origin.is_none() && credential == Credential::Session {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_required",
                "a browser session may change things only from the host's own page (send Origin)",
            ));
        }
    }
    if credential == Credential::Anonymous {
        limit_anonymous_body(req)?;
    }
    req.extensions_mut().insert(credential);
    if let Some(session) = session {
        req.extensions_mut().insert(session);
    }
    if origin_ok {
        req.extensions_mut().insert(OriginChecked);
    }
    Ok(())
}

/// Holds a request without a credential to [`ANONYMOUS_BODY_LIMIT`]: refused at once when it
/// declares more, cut off (413 where it is read) when a chunked body grows past it.
fn limit_anonymous_body(req: &mut Request) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > ANONYMOUS_BODY_LIMIT as u64) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "without a credential a request body may have at most {ANONYMOUS_BODY_LIMIT} bytes"
            ),
        ));
    }
    let body = std::mem::take(req.body_mut());
    *req.body_mut() = Body::new(http_body_util::Limited::new(body, ANONYMOUS_BODY_LIMIT));
    Ok(())
}

/// Refuses a request not addressed to this host: its one `Host` header, and the authority of
/// an absolute-form target (`GET http://name/…`) if it has one, must each name this host.
/// Two `Host` headers are a bad request (RFC 9112 §3.2).
fn check_host(security: &Security, req: &Request) -> Result<(), ApiError> {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_host",
            "send exactly one Host header",
        ));
    }
    let host = host.and_then(|h| h.to_str().ok()).unwrap_or("");
    let target_ok = match req.uri().authority() {
        None => true,
        Some(authority) => {
            req.uri().scheme_str() == Some("http") && security.host_allowed(authority.as_str())
        }
    };
    if !target_ok || !security.host_allowed(host) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "host_not_allowed",
            "this host only answers requests addressed to localhost, 127.0.0.1, [::1] or a configured name",
        ));
    }
    Ok(())
}

/// Lets only authenticated requests through to the routes it wraps.
pub(crate) async fn require_auth(req: Request, next: Next) -> Response {
    match req.extensions().get::<Credential>() {
        Some(Credential::Token | Credential::Session) => next.run(req).await,
        _ => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the admin token as `Authorization: Bearer <token>` (it is in admin.token in the data directory)",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// How `headers` authenticate, with the session id for a session cookie.
fn credential(
    security: &Security,
    headers: &HeaderMap,
) -> Result<(Credential, Option<SessionId>), ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let presented = value.as_bytes().strip_prefix(b"Bearer ").unwrap_or(b"");
        if !presented.is_empty() && security.token.matches(presented) {
            return Ok((Credential::Token, None));
        }
        let mut err = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the admin token is not valid",
        );
        err = err.with_header(
            header::WWW_AUTHENTICATE,
            "Bearer error=\"invalid_token\"".into(),
        );
        return Err(err);
    }
    let session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == security.cookie_name)
        .map(|(_, value)| value);
    match session {
        Some(id) if security.logins.session_valid(id) => {
            Ok((Credential::Session, Some(SessionId(id.to_owned()))))
        }
        _ => Ok((Credential::Anonymous, None)),
    }
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

//! The HTTP client the OTLP exporters send through: reqwest (rustls), run on the host's Tokio
//! runtime whatever thread the exporter calls from, and recording each outcome for health.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};
use opentelemetry_http::{HttpClient, HttpError};

use super::switch::ExportSwitch;
use crate::redact::Redactor;

/// Export counters and the last outcome, shared by the client, the queues and health.
#[derive(Debug, Default)]
pub struct ExportStats {
    /// Items waiting in the span and log queues.
    pub queued: AtomicU64,
    /// Items (and metric collections) given up on.
    pub dropped: AtomicU64,
    /// Requests that succeeded.
    pub exports: AtomicU64,
    /// Requests that failed.
    pub failures: AtomicU64,
    /// When a request last succeeded, already in RFC 3339 (health asks on every call; an
    /// export succeeds a few times a minute).
    last_success: Mutex<Option<String>>,
    last_error: Mutex<Option<String>>,
}

impl ExportStats {
    /// Records a successful request; clears the last error.
    pub fn success(&self) {
        self.exports.fetch_add(1, Ordering::Relaxed);
        *self.last_success.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(crate::rfc3339(SystemTime::now()));
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    /// Records a failure, redacted.
    pub fn failure(&self, what: &str) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let text = Redactor::default().text(what).into_owned();
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
    }
    /// When a request last succeeded (RFC 3339).
    pub fn last_success(&self) -> Option<String> {
        self.last_success
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
    /// The last failure, until a success.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// An [`HttpClient`] over reqwest that records outcomes in [`ExportStats`].
#[derive(Debug, Clone)]
pub struct RecordingClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    stats: std::sync::Arc<ExportStats>,
    switch: std::sync::Arc<ExportSwitch>,
}

impl RecordingClient {
    /// A client on `runtime` that gives up on one request after `timeout`.
    pub fn new(
        runtime: tokio::runtime::Handle,
        timeout: Duration,
        stats: std::sync::Arc<ExportStats>,
        switch: std::sync::Arc<ExportSwitch>,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(2)
            .build()
            .map_err(|e| format!("cannot build the export HTTP client: {e}"))?;
        Ok(Self {
            client,
            runtime,
            stats,
            switch,
        })
    }
}

#[async_trait]
impl HttpClient for RecordingClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        if self.switch.is_paused() {
            // Export was turned off while running: what was queued goes nowhere.
            return Ok(Response::builder().status(200).body(Bytes::new())?);
        }
        let client = self.client.clone();
        let path = request.uri().path().to_owned();
        let request = reqwest::Request::try_from(request)?;
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            // OTLP answers are small; cap what is read from a misbehaving endpoint.
            let body = response.bytes().await?;
            let body = body.slice(..body.len().min(64 * 1024));
            Ok::<_, reqwest::Error>((status, headers, body))
        });
        let outcome = sent.await.map_err(|e| Box::new(e) as HttpError)?;
        let (status, headers, body) = match outcome {
            Ok(parts) => parts,
            Err(e) => {
                let e = e.without_url();
                self.stats.failure(&format!("{path}: {}", without_url(&e)));
                return Err(Box::new(e));
            }
        };
        if status.is_success() {
            self.stats.success();
        } else {
            let retry = headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(|v| format!(", Retry-After {v}"))
                .unwrap_or_default();
            self.stats
                .failure(&format!("{path}: HTTP {}{retry}", status.as_u16()));
        }
        let mut response = Response::builder().status(status.as_u16());
        if let Some(h) = response.headers_mut() {
            *h = headers;
        }
        Ok(response.body(body)?)
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

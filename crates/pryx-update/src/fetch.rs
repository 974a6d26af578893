//! HTTP: the manifest from the first endpoint that answers, and the artifact, both bounded in
//! size and time.

use std::time::Duration;

use reqwest::{Client, StatusCode, Url};

use crate::config::{Platform, UpdaterConfig};
use crate::error::UpdateError;
use crate::manifest::{self, Release};

/// What the endpoints say.
pub(crate) enum Announcement {
    /// An endpoint answered `204 No Content`: nothing for this version.
    Nothing,
    /// An endpoint announced this release.
    Release(Release),
}

/// A URL as it may be shown: without credentials, query or fragment.
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn shown(url: &str) -> String {
    Url::parse(url).map_or_else(|_| "<bad url>".into(), |u| display_url(&u))
}

/// The HTTP client of the updater: no redirects to plain HTTP, rustls, a user agent.
pub(crate) fn client(config: &UpdaterConfig) -> Result<Client, UpdateError> {
    Client::builder()
        .user_agent(concat!("pryx-host-updater/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10).min(config.manifest_timeout))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 10 {
                attempt.error("too many redirects")
            } else if attempt.url().scheme() != "https" && !is_loopback(attempt.url()) {
                attempt.error("a redirect to plain HTTP is not followed")
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|e| UpdateError::NotConfigured(format!("cannot build the HTTP client: {e}")))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Asks each endpoint in order; the first that answers `204` or a well-formed manifest
/// decides. Every failure is kept for the error if none does.
pub(crate) async fn announcement(
    client: &Client,
    endpoints: &[String],
    config: &UpdaterConfig,
) -> Result<Announcement, UpdateError> {
    let mut failures = Vec::new();
    for url in endpoints {
        match one_endpoint(client, url, config, &config.platform).await {
            Ok(found) => return found,
            Err(why) => {
                tracing::warn!(endpoint = %shown(url), %why, "update endpoint failed; trying the next");
                failures.push(format!("{}: {why}", shown(url)));
            }
        }
    }
    Err(UpdateError::Unavailable(failures))
}

async fn one_endpoint(
    client: &Client,
    url: &str,
    config: &UpdaterConfig,
    platform: &Platform,
) -> Result<Result<Announcement, UpdateError>, String> {
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(config.manifest_timeout)
        .send()
        .await
        .map_err(describe)?;
    match response.status() {
        StatusCode::NO_CONTENT => return Ok(Ok(Announcement::Nothing)),
        StatusCode::OK => {}
        other => return Err(format!("answered HTTP {other}")),
    }
    let body = read_bounded(response, config.max_manifest_bytes, "manifest").await?;
    Ok(manifest::parse(&body, platform)?.map(Announcement::Release))
}

async fn read_bounded(
    mut response: reqwest::Response,
    max: u64,
    what: &str,
) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > max) {
        return Err(format!("the {what} is larger than {max} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() as u64 + chunk.len() as u64 > max {
            return Err(format!("the {what} is larger than {max} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Downloads the artifact into memory (bounded by [`UpdaterConfig::max_artifact_bytes`]),
/// whole or not at all: a body shorter than its announced length, a larger one than allowed,
/// an HTTP error or a timeout fails. The caller verifies the bytes before anything touches the
/// disk.
pub(crate) async fn download(
    client: &Client,
    release: &Release,
    config: &UpdaterConfig,
) -> Result<Vec<u8>, UpdateError> {
    let fail = |why: String| UpdateError::Download(format!("{}: {why}", shown(&release.url)));
    let url = Url::parse(&release.url).map_err(|e| fail(e.to_string()))?;
    if url.scheme() != "https" && !(url.scheme() == "http" && is_loopback(&url)) {
        return Err(fail("the artifact must be served over https://".into()));
    }
    let work = async {
        let response = client
            .get(url)
            .send()
            .await
            .map_err(describe)?
            .error_for_status()
            .map_err(describe)?;
        let expected = response.content_length();
        let body = read_bounded(response, config.max_artifact_bytes, "artifact").await?;
        if let Some(n) = expected {
            if body.len() as u64 != n {
                return Err(format!("truncated: {} of {n} bytes arrived", body.len()));
            }
        }
        Ok(body)
    };
    let body = tokio::time::timeout(config.download_timeout, work)
        .await
        .map_err(|_| {
            fail(format!(
                "not done within {} s",
                config.download_timeout.as_secs()
            ))
        })?
        .map_err(fail)?;
    if body.is_empty() {
        return Err(fail("the artifact is empty".into()));
    }
    Ok(body)
}

/// A reqwest error as a sentence, without the URL (shown separately, without its query).
fn describe(err: reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_body() || err.is_decode() {
        "the body broke off"
    } else if err.is_redirect() {
        "bad redirect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let err = err.without_url();
    if cause.is_empty() {
        format!("{kind} ({err})")
    } else {
        format!("{kind} ({cause})")
    }
}

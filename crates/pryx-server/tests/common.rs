//! Shared setup: a real host on an ephemeral port over the in-memory fixture adapters.

#![allow(dead_code)]

use std::sync::Arc;

use pryx_server::{Adapters, AdminToken, EventHub, Host, HostBuilder, RunningHost, SecurityPolicy};
use pryx_testkit::{Fixture, TestAdapters};

pub struct TestHost {
    pub host: RunningHost,
    pub base: String,
    /// A client that sends the admin token on every request.
    pub client: reqwest::Client,
    /// A client that sends no credential.
    pub anonymous: reqwest::Client,
    pub adapters: TestAdapters,
    pub hub: Arc<EventHub>,
    pub token: AdminToken,
}

impl TestHost {
    pub async fn start() -> Self {
        Self::start_with(Fixture::default()).await
    }

    pub async fn start_with(fixture: Fixture) -> Self {
        Self::start_custom(fixture, |b| b).await
    }

    /// Starts a host after `customize` adjusted its builder (token and port already set).
    pub async fn start_custom(
        fixture: Fixture,
        customize: impl FnOnce(HostBuilder) -> HostBuilder,
    ) -> Self {
        let t = fixture.adapters();
        let hub = EventHub::new(64);
        let token = AdminToken::generate();
        let builder = host_builder(&t, hub.clone(), &token);
        let host = customize(builder).start().await.expect("host starts");
        let base = format!("http://{}", host.local_addr());
        let client = bearer_client(&token);
        Self {
            host,
            base,
            client,
            anonymous: reqwest::Client::new(),
            adapters: t,
            hub,
            token,
        }
    }

    /// Starts a host whose security policy `adjust` changed (the token is already set).
    pub async fn start_with_policy(adjust: impl FnOnce(&mut SecurityPolicy)) -> Self {
        Self::start_custom(Fixture::default(), |b| {
            let mut policy = SecurityPolicy::new(b.admin_token().clone());
            adjust(&mut policy);
            b.security(policy)
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The host's own origin, as its page would send it.
    pub fn origin(&self) -> String {
        self.base.clone()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// A host builder over `t` on an ephemeral loopback port, publishing to `hub`, accepting `token`.
pub fn host_builder(t: &TestAdapters, hub: Arc<EventHub>, token: &AdminToken) -> HostBuilder {
    let adapters = Adapters {
        config: t.config.clone(),
        skills: t.skills.clone(),
        runtime: t.runtime.clone(),
        telemetry: t.telemetry.clone(),
    };
    Host::builder(adapters)
        .bind("127.0.0.1:0".parse().unwrap())
        .event_hub(hub)
        .security(SecurityPolicy::new(token.clone()))
}

/// An HTTP client that sends `token` as `Authorization: Bearer` on every request.
pub fn bearer_client(token: &AdminToken) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", token.expose());
    headers.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Reads a JSON body, asserting the status first.
pub async fn json(response: reqwest::Response, status: u16) -> serde_json::Value {
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "unexpected status, body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts the standard error shape and returns the code.
pub async fn error_code(response: reqwest::Response, status: u16) -> String {
    let body = json(response, status).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

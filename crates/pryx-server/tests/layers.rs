//! The standard layers, end to end: a handler that panics or overruns the time limit still
//! answers in the JSON error shape with the security headers, and the host keeps serving.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{error_code, json};
use pryx_core_api::{CoreError, PortHealth, Skill, SkillRegistry};
use pryx_server::{Adapters, AdminToken, Host, Limits, RunningHost, SecurityPolicy};
use pryx_testkit::Fixture;

/// A skill registry whose listing misbehaves.
enum Misbehaving {
    Panics,
    Hangs,
}

#[async_trait]
impl SkillRegistry for Misbehaving {
    async fn list(&self) -> Result<Vec<Skill>, CoreError> {
        match self {
            Misbehaving::Panics => panic!("a bug in an adapter"),
            Misbehaving::Hangs => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(Vec::new())
            }
        }
    }
    async fn get(&self, id: &str) -> Result<Skill, CoreError> {
        Err(CoreError::SkillNotFound { id: id.to_owned() })
    }
    async fn set_enabled(&self, id: &str, _enabled: bool) -> Result<Skill, CoreError> {
        Err(CoreError::SkillNotFound { id: id.to_owned() })
    }
    fn health(&self) -> PortHealth {
        PortHealth::ok("misbehaving")
    }
}

async fn start(skills: Misbehaving) -> (RunningHost, String, reqwest::Client) {
    let t = Fixture::default().adapters();
    let adapters = Adapters {
        config: t.config,
        skills: Arc::new(skills),
        runtime: t.runtime,
        telemetry: t.telemetry,
    };
    let token = AdminToken::generate();
    let host = Host::builder(adapters)
        .bind("127.0.0.1:0".parse().unwrap())
        .security(SecurityPolicy::new(token.clone()))
        .limits(Limits {
            request_timeout: Duration::from_millis(200),
            ..Limits::default()
        })
        .start()
        .await
        .expect("host starts");
    let base = format!("http://{}", host.local_addr());
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer {}", token.expose());
    headers.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    (host, base, client)
}

fn assert_safe_headers(res: &reqwest::Response) {
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_panicking_handler_is_a_json_500_and_the_host_keeps_serving() {
    let (host, base, client) = start(Misbehaving::Panics).await;
    let res = client
        .get(format!("{base}/api/v1/skills"))
        .send()
        .await
        .unwrap();
    assert_safe_headers(&res);
    assert_eq!(error_code(res, 500).await, "internal_error");
    let health = client
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_safe_headers(&health);
    assert_eq!(json(health, 200).await["status"], "ok");
    host.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_handler_over_the_time_limit_is_a_json_408() {
    let (host, base, client) = start(Misbehaving::Hangs).await;
    let res = client
        .get(format!("{base}/api/v1/skills"))
        .send()
        .await
        .unwrap();
    assert_safe_headers(&res);
    assert_eq!(error_code(res, 408).await, "request_timeout");
    host.shutdown().await.unwrap();
}

#[tokio::test]
async fn refusals_by_the_guard_carry_the_safe_headers_too() {
    let (host, base, client) = start(Misbehaving::Panics).await;
    let res = client
        .get(format!("{base}/api/v1/health"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_safe_headers(&res);
    assert_eq!(error_code(res, 403).await, "host_not_allowed");
    let res = reqwest::get(format!("{base}/api/v1/skills")).await.unwrap();
    assert_safe_headers(&res);
    assert_eq!(error_code(res, 401).await, "unauthorized");
    host.shutdown().await.unwrap();
}

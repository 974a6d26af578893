//! `/api/v1/update` and `/api/v1/update/apply` over a real socket: thin handlers over the
//! update service, errors mapped to stable codes, nothing configurable from the API.

mod common;

use std::sync::Arc;

use common::{TestHost, error_code, json};
use pryx_core_api::{
    CoreError, MockUpdater, UpdateApplied, UpdateInfo, UpdateRequest, UpdateService,
};
use pryx_testkit::Fixture;

fn info(available: Option<&str>) -> UpdateInfo {
    UpdateInfo {
        current: "1.0.0".into(),
        available: available.map(str::to_owned),
        notes: Some("notes".into()),
        pub_date: None,
        platform: "linux-x86_64".into(),
    }
}

async fn host_with(updater: MockUpdater) -> TestHost {
    TestHost::start_custom(Fixture::default(), |b| {
        b.updates(UpdateService::new(Arc::new(updater)))
    })
    .await
}

#[tokio::test]
async fn without_an_updater_both_routes_say_not_configured() {
    let h = TestHost::start().await;
    assert_eq!(
        error_code(h.get("/api/v1/update").await, 409).await,
        "update_not_configured"
    );
    let apply = h
        .client
        .post(h.url("/api/v1/update/apply"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(apply, 409).await, "update_not_configured");
}

#[tokio::test]
async fn a_check_reports_current_and_available_and_passes_the_downgrade_flag() {
    let mut updater = MockUpdater::new();
    updater
        .expect_check()
        .withf(|r: &UpdateRequest| !r.allow_downgrade)
        .times(1)
        .returning(|_| Ok(info(Some("1.2.0"))));
    updater
        .expect_check()
        .withf(|r: &UpdateRequest| r.allow_downgrade)
        .times(1)
        .returning(|_| Ok(info(Some("0.9.0"))));
    let h = host_with(updater).await;
    let body = json(h.get("/api/v1/update").await, 200).await;
    assert_eq!(body["current"], "1.0.0");
    assert_eq!(body["available"], "1.2.0");
    assert_eq!(body["platform"], "linux-x86_64");
    let body = json(h.get("/api/v1/update?allow_downgrade=true").await, 200).await;
    assert_eq!(body["available"], "0.9.0");
    let bad = h.get("/api/v1/update?allow_downgrade=maybe").await;
    assert_eq!(error_code(bad, 400).await, "invalid_query");
}

#[tokio::test]
async fn apply_takes_no_body_or_a_json_one_and_answers_what_was_installed() {
    let mut updater = MockUpdater::new();
    updater
        .expect_apply()
        .withf(|r: &UpdateRequest| *r == UpdateRequest::default())
        .times(1)
        .returning(|_| {
            Ok(UpdateApplied {
                previous: "1.0.0".into(),
                installed: "1.2.0".into(),
                restart_needed: true,
                previous_kept_as: Some("/opt/pryx-core.old".into()),
            })
        });
    updater
        .expect_apply()
        .withf(|r: &UpdateRequest| r.allow_downgrade && r.version.as_deref() == Some("0.9.0"))
        .times(1)
        .returning(|_| {
            Err(CoreError::UpdateSignatureInvalid {
                reason: "the downloaded bytes do not match the signature".into(),
            })
        });
    let h = host_with(updater).await;
    let url = h.url("/api/v1/update/apply");
    let body = json(h.client.post(&url).send().await.unwrap(), 200).await;
    assert_eq!(body["installed"], "1.2.0");
    assert_eq!(body["restart_needed"], true);

    let asked = serde_json::json!({"allow_downgrade": true, "version": "0.9.0"});
    let refused = h.client.post(&url).json(&asked).send().await.unwrap();
    assert_eq!(error_code(refused, 502).await, "update_signature_invalid");

    // Nothing about where updates come from can be sent.
    let endpoint = serde_json::json!({"endpoint": "https://evil.example/m.json"});
    let refused = h.client.post(&url).json(&endpoint).send().await.unwrap();
    assert_eq!(error_code(refused, 422).await, "invalid_request");
    let text = h.client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(error_code(text, 415).await, "unsupported_media_type");
}

#[tokio::test]
async fn refusals_map_to_stable_codes_with_details() {
    let mut updater = MockUpdater::new();
    updater.expect_apply().times(1).returning(|_| {
        Err(CoreError::UpdateDowngradeRefused {
            current: "1.0.0".into(),
            announced: "0.9.0".into(),
        })
    });
    updater.expect_check().times(1).returning(|_| {
        Err(CoreError::UpdatePlatformMissing {
            platform: "linux-x86_64".into(),
        })
    });
    let h = host_with(updater).await;
    let response = h
        .client
        .post(h.url("/api/v1/update/apply"))
        .send()
        .await
        .unwrap();
    let body = json(response, 409).await;
    assert_eq!(body["error"]["code"], "update_downgrade_refused");
    assert_eq!(body["error"]["details"]["announced"], "0.9.0");
    assert_eq!(
        error_code(h.get("/api/v1/update").await, 404).await,
        "update_platform_missing"
    );
}

#[tokio::test]
async fn both_routes_need_a_credential_and_are_in_the_openapi_document() {
    let h = host_with(MockUpdater::new()).await;
    let anonymous = h
        .anonymous
        .get(h.url("/api/v1/update"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let anonymous = h
        .anonymous
        .post(h.url("/api/v1/update/apply"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let doc = json(h.get("/api/v1/openapi.json").await, 200).await;
    assert!(doc["paths"]["/api/v1/update"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/update/apply"]["post"].is_object());
}

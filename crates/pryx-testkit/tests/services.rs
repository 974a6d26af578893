//! The core's services over the testkit adapters: what a host does, observed through them.

use std::sync::Arc;

use pryx_core_api::{ChangeNotice, Revision, Services, TelemetryKind, Value};
use pryx_testkit::{Fixture, MemoryEvents};

fn services() -> (pryx_testkit::TestAdapters, Arc<MemoryEvents>, Services) {
    let adapters = Fixture::default().adapters();
    let events = Arc::new(MemoryEvents::new());
    let services = Services::new(adapters.ports(events.clone()), "test");
    (adapters, events, services)
}

#[tokio::test]
async fn a_config_write_is_stored_announced_and_counted() {
    let (adapters, events, services) = services();
    let view = services.config.get().await.unwrap();
    assert_eq!(
        view.config.get_path("channels.telegram.bot_token"),
        Some(&Value::from(pryx_core_api::config::REDACTED))
    );
    let patch = Value::map([("model_name", Value::from("gpt-4o"))]);
    let written = services
        .config
        .patch(patch, Some(view.revision))
        .await
        .unwrap();
    assert_eq!(written.revision.0, "mem-2");
    assert_eq!(
        adapters.runtime.notices(),
        [ChangeNotice::ConfigChanged {
            revision: Revision("mem-2".into()),
            changed: vec!["model_name".into()],
        }]
    );
    assert_eq!(events.names(), ["config.changed"]);
    let records = adapters.telemetry.records();
    assert!(
        records
            .iter()
            .any(|r| r.kind == TelemetryKind::Metric && r.name == "config.writes")
    );
    let stored = adapters.config.snapshot().config;
    assert_eq!(
        stored.get_path("channels.telegram.bot_token"),
        Some(&Value::from("123456789:fixture-telegram-bot-token")),
        "the secret survives a write of the redacted view"
    );
}

#[tokio::test]
async fn a_stale_write_conflicts() {
    let (adapters, _, services) = services();
    let stale = services.config.get().await.unwrap().revision;
    adapters.config.write_behind_the_back(Default::default());
    let err = services
        .config
        .patch(Value::map([("model_name", Value::from("x"))]), Some(stale))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "config_conflict");
}

#[tokio::test]
async fn skills_toggle_and_refuse_a_malformed_one() {
    let (adapters, events, services) = services();
    assert!(
        services
            .skills
            .set_enabled("weather", true)
            .await
            .unwrap()
            .enabled
    );
    assert_eq!(
        adapters.runtime.notices(),
        [ChangeNotice::SkillToggled {
            id: "weather".into(),
            enabled: true
        }]
    );
    assert_eq!(events.names(), ["skills.changed"]);
    let err = services
        .skills
        .set_enabled("broken-skill", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "skill_invalid");
    let err = services.skills.get("nope").await.unwrap_err();
    assert_eq!(err.code(), "skill_not_found");
}

//! Fixtures: the embedded default loads and is valid; bad fixtures fail clearly; adapters
//! built from a fixture serve its data.

use std::io::Write;

use pryx_core_api::config::{redact, validate};
use pryx_core_api::{
    ConfigStore, PortState, RuntimeBridge, RuntimeState, SkillRegistry, TelemetrySink, Value,
};
use pryx_testkit::{Fixture, RuntimeMode, TestkitError};

#[test]
fn default_fixture_loads_and_its_config_is_valid() {
    let fixture = Fixture::default();
    let config = fixture
        .config
        .as_ref()
        .expect("the default stores a config");
    validate(config).expect("the default config passes validation");
    for key in ["model_provider", "model_name", "ollama_endpoint"] {
        assert!(config.get_path(key).is_some(), "{key} is set");
    }
    let (_, redacted) = redact(config);
    assert_eq!(redacted, ["channels.telegram.bot_token"]);
    assert_eq!(fixture.skills.len(), 4);
    assert_eq!(fixture.providers.len(), 3);
    assert_eq!(fixture.mcp_tools.len(), 3);
    assert!(fixture.mcp_tools.iter().all(|t| t.name.contains(':')));
    assert!(
        fixture
            .mcp_tools
            .iter()
            .all(|t| matches!(t.input_schema, Some(Value::Map(_))))
    );
    assert_eq!(fixture.runtime, RuntimeMode::Ready);
}

#[tokio::test]
async fn default_adapters_serve_the_fixture() {
    let adapters = Fixture::default().adapters();

    let snap = adapters.config.load().await.unwrap();
    assert!(snap.persisted);
    assert_eq!(snap.revision.0, "mem-1");
    assert_eq!(adapters.config.health().adapter, "memory");

    let skills = adapters.skills.list().await.unwrap();
    let ids: Vec<_> = skills.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["broken-skill", "git-helper", "pdf-tools", "weather"]);
    let broken = &skills[0];
    assert!(broken.error.is_some() && !broken.eligible);
    let pdf = &skills[2];
    assert!(!pdf.eligible && pdf.error.is_none());
    assert_eq!(pdf.missing.bins, ["pdftotext"]);
    assert!(skills[1].enabled && skills[1].eligible);
    assert_eq!(adapters.skills.health().status, PortState::Degraded);

    let runtime = &adapters.runtime;
    assert_eq!(runtime.status().state, RuntimeState::Ready);
    let providers: Vec<_> = runtime
        .providers()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(providers, ["openai", "anthropic", "ollama"]);
    for id in &providers {
        assert!(!runtime.provider_models(id).await.unwrap().is_empty());
    }
    let sessions = runtime.call("sessions.list", Value::Null).await.unwrap();
    assert!(matches!(&sessions.as_map().unwrap()["sessions"], Value::List(l) if l.len() == 2));

    assert_eq!(adapters.telemetry.health().adapter, "memory");
}

#[tokio::test]
async fn each_call_to_adapters_gives_fresh_state() {
    let fixture = Fixture::default();
    let first = fixture.adapters();
    first.skills.set_enabled("weather", true).await.unwrap();
    let second = fixture.adapters();
    assert!(!second.skills.get("weather").await.unwrap().enabled);
}

#[tokio::test]
async fn runtime_down_and_absent_config_are_honoured() {
    let fixture = Fixture::from_json("inline", r#"{"runtime":"down"}"#).unwrap();
    let adapters = fixture.adapters();
    assert_eq!(adapters.runtime.status().state, RuntimeState::Unavailable);
    assert_eq!(
        adapters.runtime.providers().await.unwrap_err().code(),
        "runtime_unavailable"
    );
    let snap = adapters.config.load().await.unwrap();
    assert!(!snap.persisted);
    assert!(snap.config.0.is_empty());
    assert_eq!(Fixture::empty(), Fixture::from_json("x", "{}").unwrap());
}

#[test]
fn a_type_error_names_the_origin_path_and_line() {
    let text = "{\n  \"skills\": [\n    {\"id\": \"a\", \"enabled\": \"yes\"}\n  ]\n}";
    let err = Fixture::from_json("bad.json", text).unwrap_err();
    let TestkitError::Parse {
        origin,
        json_path,
        line,
        ..
    } = &err
    else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(origin, "bad.json");
    assert_eq!(json_path, "skills[0].enabled");
    assert_eq!(*line, 3);
    let shown = err.to_string();
    assert!(
        shown.contains("bad.json") && shown.contains("skills[0].enabled"),
        "{shown}"
    );
}

#[test]
fn syntax_errors_unknown_fields_and_trailing_text_are_refused() {
    let cases = [
        ("{\n\"skills\": [,]\n}", 2),
        ("{\"skils\": []}", 1),
        ("{\"runtime\": \"sleepy\"}", 1),
        ("{}\n{}", 2),
    ];
    for (text, expected_line) in cases {
        match Fixture::from_json("t.json", text) {
            Err(TestkitError::Parse { line, .. }) => assert_eq!(line, expected_line, "{text}"),
            other => panic!("{text}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn inconsistent_fixtures_are_refused_with_a_path() {
    let cases = [
        (r#"{"skills":[{"id":"a"},{"id":"a"}]}"#, "skills[1].id"),
        (
            r#"{"skills":[{"id":"a","error":"x","eligible":true}]}"#,
            "skills[0].eligible",
        ),
        (
            r#"{"providers":[{"id":"p","name":"P"}],"models":{"q":[]}}"#,
            "models.q",
        ),
        (
            r#"{"mcp_tools":[{"name":"no-server"}]}"#,
            "mcp_tools[0].name",
        ),
        (r#"{"sessions":[{"title":"no id"}]}"#, "sessions[0]"),
    ];
    for (text, expected) in cases {
        match Fixture::from_json("t.json", text) {
            Err(TestkitError::Inconsistent { json_path, .. }) => {
                assert_eq!(json_path, expected, "{text}")
            }
            other => panic!("{text}: expected an inconsistency, got {other:?}"),
        }
    }
}

#[test]
fn from_path_names_the_file_in_errors() {
    let missing = std::env::temp_dir().join("pryx-testkit-no-such-fixture.json");
    let err = Fixture::from_path(&missing).unwrap_err();
    assert!(matches!(err, TestkitError::Read { .. }));
    assert!(
        err.to_string()
            .contains("pryx-testkit-no-such-fixture.json")
    );

    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(file, "{{\n  \"providers\": 3\n}}").unwrap();
    let err = Fixture::from_path(file.path()).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains(&file.path().display().to_string()),
        "{shown}"
    );
    assert!(
        shown.contains("providers") && shown.contains("line 2"),
        "{shown}"
    );

    let mut good = tempfile::NamedTempFile::new().unwrap();
    write!(good, r#"{{"runtime":"down"}}"#).unwrap();
    assert_eq!(
        Fixture::from_path(good.path()).unwrap().runtime,
        RuntimeMode::Down
    );
}

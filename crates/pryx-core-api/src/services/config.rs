//! Reading and writing the config: redaction on the way out; secret restoration, validation
//! and optimistic concurrency on the way in.

use std::sync::Arc;

use crate::config::{
    Config, ConfigSnapshot, ConfigView, FieldError, HistoryEntry, HistoryView, KeptConfig,
    Revision, merge_patch, redact, restore_secrets, validate,
};
use crate::error::CoreError;
use crate::event::Event;
use crate::runtime::ChangeNotice;
use crate::services::Ports;
use crate::telemetry::TelemetryRecord;
use crate::value::Value;

/// How often a patch without `If-Match` is re-applied when a writer outside this host (a
/// person's editor) changed the file in between. Writers inside the host never cause a retry:
/// they are serialised.
const PATCH_ATTEMPTS: usize = 3;

/// Read and change the config.
///
/// Every write of one service (and its clones) runs alone, from reading the current revision to
/// storing the new one: clients of the same host never conflict with each other unless they
/// name a stale revision themselves.
#[derive(Clone)]
pub struct ConfigService {
    ports: Ports,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl ConfigService {
    pub(crate) fn new(ports: Ports) -> Self {
        Self {
            ports,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The config as a client may see it: secrets redacted, with its revision.
    pub async fn get(&self) -> Result<ConfigView, CoreError> {
        Ok(view(self.ports.config.load().await?))
    }

    /// Replaces the whole document. `if_match` is required: a client must say which revision
    /// it replaces. Values equal to the redaction marker keep the stored secret.
    pub async fn replace(
        &self,
        mut incoming: Config,
        if_match: Option<Revision>,
    ) -> Result<ConfigView, CoreError> {
        let expected = if_match.ok_or(CoreError::PreconditionRequired)?;
        let _writer = self.writer.lock().await;
        let current = self.ports.config.load().await?;
        if current.revision != expected {
            return Err(CoreError::ConfigConflict {
                expected,
                current: current.revision,
            });
        }
        restore_secrets(&mut incoming, &current.config).map_err(invalid)?;
        self.write(current, incoming).await
    }

    /// Applies a JSON Merge Patch (RFC 7396) to the document. With `if_match`, the patch applies
    /// only to that revision; without it, it is re-applied to the newest revision if another
    /// writer got in first.
    pub async fn patch(
        &self,
        patch: Value,
        if_match: Option<Revision>,
    ) -> Result<ConfigView, CoreError> {
        if !matches!(patch, Value::Map(_)) {
            return Err(invalid(vec![FieldError::new(
                "",
                format!("a merge patch must be an object, got a {}", patch.kind()),
            )]));
        }
        let _writer = self.writer.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self.ports.config.load().await?;
            if let Some(expected) = &if_match {
                if *expected != current.revision {
                    return Err(CoreError::ConfigConflict {
                        expected: expected.clone(),
                        current: current.revision,
                    });
                }
            }
            let mut doc = Value::Map(current.config.0.clone());
            merge_patch(&mut doc, &patch);
            let Value::Map(map) = doc else {
                return Err(CoreError::Internal(
                    "merge of two maps gave a non-map".into(),
                ));
            };
            let mut incoming = Config(map);
            restore_secrets(&mut incoming, &current.config).map_err(invalid)?;
            match self.write(current, incoming).await {
                Err(CoreError::ConfigConflict { .. })
                    if if_match.is_none() && attempt < PATCH_ATTEMPTS =>
                {
                    continue;
                }
                other => return other,
            }
        }
    }

    /// The kept versions the config replaced, newest first.
    pub async fn history(&self) -> Result<Vec<HistoryEntry>, CoreError> {
        self.ports.config.history().await
    }

    /// One kept version, redacted like the config itself.
    pub async fn history_version(&self, id: &str) -> Result<HistoryView, CoreError> {
        let entry = self.entry(id).await?;
        Ok(match self.ports.config.history_entry(id).await? {
            KeptConfig::Parsed(config) => {
                let (config, redacted) = redact(&config);
                HistoryView {
                    entry,
                    config: Some(config),
                    redacted,
                    error: None,
                }
            }
            KeptConfig::Unreadable(reason) => HistoryView {
                entry,
                config: None,
                redacted: Vec::new(),
                error: Some(reason),
            },
        })
    }

    /// Makes a kept version the config again. `if_match` is required, as for a replace: the
    /// client names the revision it replaces. The version replaced by the restore is kept in
    /// turn, so a restore can be undone.
    pub async fn restore(
        &self,
        id: &str,
        if_match: Option<Revision>,
    ) -> Result<ConfigView, CoreError> {
        let expected = if_match.ok_or(CoreError::PreconditionRequired)?;
        let kept = match self.ports.config.history_entry(id).await? {
            KeptConfig::Parsed(config) => config,
            KeptConfig::Unreadable(reason) => {
                return Err(invalid(vec![FieldError::new(
                    "",
                    format!("version {id} cannot be restored: it is not a valid config ({reason})"),
                )]));
            }
        };
        let _writer = self.writer.lock().await;
        let current = self.ports.config.load().await?;
        if current.revision != expected {
            return Err(CoreError::ConfigConflict {
                expected,
                current: current.revision,
            });
        }
        self.write(current, kept).await
    }

    async fn entry(&self, id: &str) -> Result<HistoryEntry, CoreError> {
        self.ports
            .config
            .history()
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| CoreError::HistoryNotFound { id: id.to_owned() })
    }

    async fn write(
        &self,
        current: ConfigSnapshot,
        incoming: Config,
    ) -> Result<ConfigView, CoreError> {
        validate(&incoming).map_err(invalid)?;
        if current.persisted && incoming == current.config {
            return Ok(view(current));
        }
        let changed = changed_keys(&current.config, &incoming);
        let revision = self.ports.config.save(&incoming, &current.revision).await?;
        self.ports
            .telemetry
            .record(TelemetryRecord::metric("config.writes", 1));
        if changed
            .iter()
            .any(|k| TELEMETRY_SETTINGS.contains(&k.as_str()))
        {
            self.ports.telemetry.config_changed(&incoming);
        }
        self.ports.events.publish(Event::new(
            "config.changed",
            Value::map([
                ("revision", Value::from(revision.0.clone())),
                ("changed", Value::from(changed.clone())),
            ]),
        ));
        // Best effort: a runtime that is down reloads the file when it starts anyway.
        let _ = self
            .ports
            .runtime
            .notify(ChangeNotice::ConfigChanged {
                revision: revision.clone(),
                changed,
            })
            .await;
        Ok(view(ConfigSnapshot {
            config: incoming,
            revision,
            persisted: true,
        }))
    }
}

fn view(snapshot: ConfigSnapshot) -> ConfigView {
    let (config, redacted) = redact(&snapshot.config);
    ConfigView {
        revision: snapshot.revision,
        persisted: snapshot.persisted,
        config,
        redacted,
    }
}

fn invalid(fields: Vec<FieldError>) -> CoreError {
    CoreError::ConfigInvalid { fields }
}

/// The top-level keys the telemetry sink reads.
const TELEMETRY_SETTINGS: [&str; 2] = ["telemetry", "telemetry_disabled"];

/// Top-level keys added, removed or changed (names only: values may be secrets).
fn changed_keys(old: &Config, new: &Config) -> Vec<String> {
    let mut keys: Vec<String> = new
        .0
        .iter()
        .filter(|(k, v)| old.0.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    keys.extend(old.0.keys().filter(|k| !new.0.contains_key(*k)).cloned());
    keys
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ports::{
        MockConfigStore, MockEventPublisher, MockRuntimeBridge, MockSkillRegistry,
        MockTelemetrySink,
    };

    /// A service over a store holding `stored`, whose telemetry sink expects `config_changed`
    /// exactly `telemetry_calls` times.
    fn service(stored: &str, telemetry_calls: usize) -> ConfigService {
        let stored: Config = serde_json::from_str(stored).unwrap();
        let mut store = MockConfigStore::new();
        store.expect_load().returning(move || {
            Ok(ConfigSnapshot {
                config: stored.clone(),
                revision: Revision("r1".into()),
                persisted: true,
            })
        });
        store
            .expect_save()
            .returning(|_, _| Ok(Revision("r2".into())));
        let mut telemetry = MockTelemetrySink::new();
        telemetry.expect_record().return_const(());
        telemetry
            .expect_config_changed()
            .times(telemetry_calls)
            .return_const(());
        let mut events = MockEventPublisher::new();
        events.expect_publish().return_const(());
        let mut runtime = MockRuntimeBridge::new();
        runtime.expect_notify().returning(|_| Ok(()));
        ConfigService::new(Ports {
            config: Arc::new(store),
            skills: Arc::new(MockSkillRegistry::new()),
            runtime: Arc::new(runtime),
            telemetry: Arc::new(telemetry),
            events: Arc::new(events),
        })
    }

    fn patch(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn a_telemetry_change_is_told_to_the_sink() {
        let config = service(r#"{"model":"a"}"#, 1);
        config
            .patch(patch(r#"{"telemetry":{"enabled":false}}"#), None)
            .await
            .unwrap();
        let config = service(r#"{"telemetry":{"enabled":false}}"#, 1);
        config
            .patch(patch(r#"{"telemetry":null}"#), None)
            .await
            .unwrap();
        let config = service(r#"{}"#, 1);
        config
            .patch(patch(r#"{"telemetry_disabled":true}"#), None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn other_changes_are_not() {
        let config = service(r#"{"telemetry":{"enabled":false}}"#, 0);
        config.patch(patch(r#"{"model":"b"}"#), None).await.unwrap();
        // Saving the same telemetry settings again changes nothing.
        config
            .patch(patch(r#"{"telemetry":{"enabled":false}}"#), None)
            .await
            .unwrap();
    }
}

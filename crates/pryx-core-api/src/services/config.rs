//! Reading and writing the config: redaction on the way out; secret restoration, validation
//! and optimistic concurrency on the way in.

use crate::config::{
    Config, ConfigSnapshot, ConfigView, FieldError, Revision, merge_patch, redact, restore_secrets,
    validate,
};
use crate::error::CoreError;
use crate::event::Event;
use crate::runtime::ChangeNotice;
use crate::services::Ports;
use crate::telemetry::TelemetryRecord;
use crate::value::Value;

/// How often a patch without `If-Match` is re-applied when another writer got in first.
const PATCH_ATTEMPTS: usize = 3;

/// Read and change the config.
#[derive(Clone)]
pub struct ConfigService {
    ports: Ports,
}

impl ConfigService {
    pub(crate) fn new(ports: Ports) -> Self {
        Self { ports }
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
        self.ports.events.publish(Event::new(
            "config.changed",
            Value::map([
                ("revision", Value::from(revision.0.clone())),
                ("changed", Value::from(changed)),
            ]),
        ));
        // Best effort: a runtime that is down reloads the file when it starts anyway.
        let _ = self
            .ports
            .runtime
            .notify(ChangeNotice::ConfigChanged {
                revision: revision.clone(),
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

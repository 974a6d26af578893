//! The config store in memory.

use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{
    Config, ConfigSnapshot, ConfigStore, CoreError, HistoryEntry, KeptConfig, PortHealth,
    PortState, Revision,
};

use crate::lock;

/// A [`ConfigStore`] holding one document in memory.
///
/// Keeps the promises of the file store: `save` is atomic (one lock covers the check and the
/// write) and conditional (a stale `expected` fails with [`CoreError::ConfigConflict`] and
/// changes nothing). Revisions are `mem-0` (nothing stored), then `mem-1`, `mem-2`, ... one per
/// write. Each replaced persisted document is kept (the newest [`MEMORY_HISTORY_LEN`]) with ids
/// `mem-<revision counter>`. Health reports adapter `memory`.
#[derive(Debug)]
pub struct MemoryConfigStore {
    state: Mutex<State>,
}

/// How many replaced versions a [`MemoryConfigStore`] keeps.
pub const MEMORY_HISTORY_LEN: usize = 50;

#[derive(Debug)]
struct State {
    history: Vec<(HistoryEntry, Config)>,
    config: Config,
    counter: u64,
    persisted: bool,
    unreadable: Option<String>,
    saves: u64,
}

impl State {
    fn revision(&self) -> Revision {
        Revision(format!("mem-{}", self.counter))
    }

    fn unreadable(&self) -> Result<(), CoreError> {
        match &self.unreadable {
            Some(reason) => Err(CoreError::ConfigUnreadable {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

impl MemoryConfigStore {
    /// A store where `config` is already stored: revision `mem-1`, `persisted: true`.
    pub fn new(config: Config) -> Self {
        Self::with_state(config, 1, true)
    }

    /// A store with nothing stored yet: loads give `defaults` with revision `mem-0` and
    /// `persisted: false` until the first save.
    pub fn unpersisted(defaults: Config) -> Self {
        Self::with_state(defaults, 0, false)
    }

    fn with_state(config: Config, counter: u64, persisted: bool) -> Self {
        Self {
            state: Mutex::new(State {
                history: Vec::new(),
                config,
                counter,
                persisted,
                unreadable: None,
                saves: 0,
            }),
        }
    }

    /// What is stored now, without going through the port.
    pub fn snapshot(&self) -> ConfigSnapshot {
        let state = lock(&self.state);
        ConfigSnapshot {
            config: state.config.clone(),
            revision: state.revision(),
            persisted: state.persisted,
        }
    }

    /// Replaces the document as another writer would (someone editing the file by hand),
    /// bumping the revision; returns the new revision. Clears [`Self::set_unreadable`].
    pub fn write_behind_the_back(&self, config: Config) -> Revision {
        let mut state = lock(&self.state);
        state.config = config;
        state.counter += 1;
        state.persisted = true;
        state.unreadable = None;
        state.revision()
    }

    /// Makes the stored document unreadable (`Some(reason)`), as a broken hand-edited file
    /// is: loads and saves fail with [`CoreError::ConfigUnreadable`] and health is `error`.
    /// `None` makes it readable again.
    pub fn set_unreadable(&self, reason: Option<String>) {
        lock(&self.state).unreadable = reason;
    }

    /// How many saves succeeded through the port.
    pub fn saves(&self) -> u64 {
        lock(&self.state).saves
    }
}

impl Default for MemoryConfigStore {
    /// An empty store with nothing persisted.
    fn default() -> Self {
        Self::unpersisted(Config::default())
    }
}

#[async_trait]
impl ConfigStore for MemoryConfigStore {
    async fn load(&self) -> Result<ConfigSnapshot, CoreError> {
        lock(&self.state).unreadable()?;
        Ok(self.snapshot())
    }

    async fn save(&self, config: &Config, expected: &Revision) -> Result<Revision, CoreError> {
        let mut state = lock(&self.state);
        state.unreadable()?;
        let current = state.revision();
        if &current != expected {
            return Err(CoreError::ConfigConflict {
                expected: expected.clone(),
                current,
            });
        }
        if state.persisted {
            let entry = HistoryEntry {
                id: format!("mem-{}", state.counter),
                replaced_at: format!("1970-01-01T00:00:{:02}.000Z", state.counter % 60),
                size: state.config.0.len() as u64,
            };
            let replaced = state.config.clone();
            state.history.insert(0, (entry, replaced));
            state.history.truncate(MEMORY_HISTORY_LEN);
        }
        state.config = config.clone();
        state.counter += 1;
        state.persisted = true;
        state.saves += 1;
        Ok(state.revision())
    }

    async fn history(&self) -> Result<Vec<HistoryEntry>, CoreError> {
        Ok(lock(&self.state)
            .history
            .iter()
            .map(|(entry, _)| entry.clone())
            .collect())
    }

    async fn history_entry(&self, id: &str) -> Result<KeptConfig, CoreError> {
        lock(&self.state)
            .history
            .iter()
            .find(|(entry, _)| entry.id == id)
            .map(|(_, config)| KeptConfig::Parsed(config.clone()))
            .ok_or_else(|| CoreError::HistoryNotFound { id: id.to_owned() })
    }

    fn health(&self) -> PortHealth {
        match &lock(&self.state).unreadable {
            Some(reason) => PortHealth::with(PortState::Error, "memory", reason.clone()),
            None => PortHealth::ok("memory"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Value;

    fn config(json: &str) -> Config {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn seeded_store_is_persisted_at_mem_1() {
        let store = MemoryConfigStore::new(config(r#"{"model_name":"a"}"#));
        let snap = store.load().await.unwrap();
        assert_eq!(snap.revision, Revision("mem-1".into()));
        assert!(snap.persisted);
        assert_eq!(snap.config.get_path("model_name"), Some(&Value::from("a")));
        assert_eq!(store.health(), PortHealth::ok("memory"));
    }

    #[tokio::test]
    async fn unpersisted_store_becomes_persisted_on_first_save() {
        let store = MemoryConfigStore::default();
        let snap = store.load().await.unwrap();
        assert!(!snap.persisted);
        assert_eq!(snap.revision.0, "mem-0");
        let rev = store
            .save(&config(r#"{"x":1}"#), &snap.revision)
            .await
            .unwrap();
        assert_eq!(rev.0, "mem-1");
        let snap = store.load().await.unwrap();
        assert!(snap.persisted);
        assert_eq!(snap.revision, rev);
        assert_eq!(store.saves(), 1);
    }

    #[tokio::test]
    async fn stale_save_conflicts_and_changes_nothing() {
        let store = MemoryConfigStore::new(config(r#"{"x":1}"#));
        let first = store.load().await.unwrap().revision;
        let second = store.save(&config(r#"{"x":2}"#), &first).await.unwrap();
        let err = store.save(&config(r#"{"x":3}"#), &first).await.unwrap_err();
        assert_eq!(
            err,
            CoreError::ConfigConflict {
                expected: first,
                current: second.clone()
            }
        );
        let snap = store.load().await.unwrap();
        assert_eq!(snap.revision, second);
        assert_eq!(snap.config, config(r#"{"x":2}"#));
    }

    #[tokio::test]
    async fn a_write_behind_the_back_makes_the_old_revision_stale() {
        let store = MemoryConfigStore::new(Config::default());
        let before = store.load().await.unwrap().revision;
        let after = store.write_behind_the_back(config(r#"{"y":true}"#));
        assert_ne!(before, after);
        let err = store.save(&Config::default(), &before).await.unwrap_err();
        assert_eq!(err.code(), "config_conflict");
    }

    #[tokio::test]
    async fn concurrent_saves_on_one_revision_let_exactly_one_win() {
        let store = std::sync::Arc::new(MemoryConfigStore::new(Config::default()));
        let rev = store.load().await.unwrap().revision;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (store, rev) = (store.clone(), rev.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .save(&config(&format!(r#"{{"writer":{i}}}"#)), &rev)
                    .await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);
        assert_eq!(store.load().await.unwrap().revision.0, "mem-2");
    }

    #[tokio::test]
    async fn unreadable_store_refuses_loads_and_saves() {
        let store = MemoryConfigStore::new(Config::default());
        let rev = store.load().await.unwrap().revision;
        store.set_unreadable(Some("line 3: bad indentation".into()));
        assert_eq!(store.load().await.unwrap_err().code(), "config_unreadable");
        assert_eq!(
            store
                .save(&Config::default(), &rev)
                .await
                .unwrap_err()
                .code(),
            "config_unreadable"
        );
        assert_eq!(store.health().status, PortState::Error);
        store.set_unreadable(None);
        assert!(store.save(&Config::default(), &rev).await.is_ok());
    }
}

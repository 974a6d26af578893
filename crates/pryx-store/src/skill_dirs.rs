//! [`SkillDirectories`]: the [`SkillRegistry`] port over skill directories and `skills.yaml`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, PortState, Skill, SkillRegistry};

use crate::enabled::{EnabledFile, WriteError};
use crate::error::blocking;
use crate::probe::MachineProbe;
use crate::roots::SkillRoots;
use crate::scan::ScanOutcome;
use crate::skill_index::{REFRESH_INTERVAL, SkillIndex, Source};

const ADAPTER: &str = "directories";
/// How often a toggle is re-applied when skills.yaml changed on disk while it was written.
const TOGGLE_ATTEMPTS: usize = 5;
/// How many ids of malformed skills the health detail names.
const NAMED_IN_HEALTH: usize = 5;

/// Skills found as `SKILL.md` files under [`SkillRoots`], with the enabled set in
/// `skills.yaml`.
///
/// Promises, on top of [`SkillRegistry`]'s:
/// - No request scans the directories. A background thread keeps an index: it looks at the
///   roots every [`REFRESH_INTERVAL`] (re-reading only `SKILL.md` files whose size, times or
///   inode changed), so new, edited and removed skills show within about half a second. A scan
///   that takes `t` is followed by a pause of at least `4 × t`, so the index never uses more than
///   a fifth of a core. Requests read the newest index; only the very first ones after start
///   wait for the first scan. The thread stops when the registry is dropped.
/// - A root that does not exist is skipped. A `SKILL.md` that cannot be read (too large, a
///   front matter nested too deep or over 64 KiB, invalid) is listed with its `error`,
///   `eligible: false`, and the id of its front matter `name` or else of its directory (made
///   safe: control and invisible characters become `_`); the health turns `degraded` and
///   counts them.
/// - `eligible` means the file parsed and the [`MachineProbe`] finds every required program
///   and a non-empty value for every required variable; `missing` lists the rest.
/// - [`set_enabled`](SkillRegistry::set_enabled) rewrites `skills.yaml` atomically, keeping its
///   other keys; enabling writes `<id>: true`, disabling deletes the key; the index is refreshed
///   before it answers. Writes from this process are serialised. A `skills.yaml` that cannot be
///   read is never overwritten: while it is broken every skill lists as disabled and toggling
///   (either way) fails with a storage error.
pub struct SkillDirectories {
    source: Arc<Source>,
    index: SkillIndex,
    write_lock: tokio::sync::Mutex<()>,
}

impl SkillDirectories {
    /// A registry over `roots`, checking requirements with `probe`. Starts the index thread,
    /// which scans at once and then every [`REFRESH_INTERVAL`].
    pub fn new(roots: SkillRoots, probe: MachineProbe) -> Self {
        Self::with_refresh_interval(roots, probe, REFRESH_INTERVAL)
    }

    /// Like [`SkillDirectories::new`], looking at the disk every `interval` instead.
    pub fn with_refresh_interval(
        roots: SkillRoots,
        probe: MachineProbe,
        interval: Duration,
    ) -> Self {
        let source = Arc::new(Source { roots, probe });
        Self {
            index: SkillIndex::start(Arc::clone(&source), interval),
            source,
            write_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The directories and `skills.yaml` this registry reads.
    pub fn roots(&self) -> &SkillRoots {
        &self.source.roots
    }

    /// Makes the index look at the disk now and waits for that scan: afterwards every change
    /// made before the call shows.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        self.index.refresh().await.map(drop)
    }

    async fn skills(&self) -> Result<Vec<Skill>, CoreError> {
        Ok(self.index.current().await?.outcome.skills.clone())
    }

    async fn find(&self, id: &str) -> Result<Skill, CoreError> {
        let indexed = self.index.current().await?;
        indexed
            .outcome
            .skills
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| CoreError::SkillNotFound { id: id.to_owned() })
    }
}

impl std::fmt::Debug for SkillDirectories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkillDirectories")
            .field("roots", &self.source.roots)
            .field("probe", &self.source.probe)
            .finish_non_exhaustive()
    }
}

fn health_of(outcome: &ScanOutcome) -> PortHealth {
    let broken: Vec<&str> = outcome
        .skills
        .iter()
        .filter(|s| s.error.is_some())
        .map(|s| s.id.as_str())
        .collect();
    let mut parts = Vec::new();
    if !broken.is_empty() {
        let mut named = broken
            .iter()
            .take(NAMED_IN_HEALTH)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if broken.len() > NAMED_IN_HEALTH {
            named.push_str(", ...");
        }
        let noun = if broken.len() == 1 { "skill" } else { "skills" };
        parts.push(format!(
            "{} {noun} could not be read ({named})",
            broken.len()
        ));
    }
    parts.extend(outcome.problems.iter().cloned());
    if parts.is_empty() {
        PortHealth::ok(ADAPTER)
    } else {
        PortHealth::with(PortState::Degraded, ADAPTER, parts.join("; "))
    }
}

#[async_trait]
impl SkillRegistry for SkillDirectories {
    async fn list(&self) -> Result<Vec<Skill>, CoreError> {
        self.skills().await
    }

    async fn get(&self, id: &str) -> Result<Skill, CoreError> {
        self.find(id).await
    }

    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<Skill, CoreError> {
        let _guard = self.write_lock.lock().await;
        let skill = self.find(id).await?;
        let path = self.source.roots.enabled_file.clone();
        let key = skill.id.clone();
        blocking(move || {
            // A person editing skills.yaml at the same instant wins: read their version again
            // and apply the toggle to it.
            for _ in 0..TOGGLE_ATTEMPTS {
                let mut file = EnabledFile::read(&path)?;
                if !file.set_enabled(&key, enabled) {
                    return Ok(());
                }
                match file.write(&path) {
                    Ok(()) => {
                        tracing::debug!(id = %key, enabled, "skills.yaml written");
                        return Ok(());
                    }
                    Err(WriteError::Changed) => continue,
                    Err(WriteError::Failed(e)) => return Err(e),
                }
            }
            Err(CoreError::Storage(format!(
                "{} kept changing while it was written; try again",
                path.display()
            )))
        })
        .await?;
        self.index.refresh().await?;
        let mut skill = self.find(id).await.unwrap_or(skill);
        skill.enabled = enabled;
        Ok(skill)
    }

    fn health(&self) -> PortHealth {
        match self.index.latest() {
            Some(indexed) => health_of(&indexed.outcome),
            None => PortHealth::ok(ADAPTER),
        }
    }
}

//! [`SkillDirectories`]: the [`SkillRegistry`] port over skill directories and `skills.yaml`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, PortState, Skill, SkillRegistry};

use crate::enabled::{EnabledFile, WriteError};
use crate::error::blocking;
use crate::probe::MachineProbe;
use crate::roots::SkillRoots;
use crate::scan::{ScanOutcome, scan};

const ADAPTER: &str = "directories";
/// How often a toggle is re-applied when skills.yaml changed on disk while it was written.
const TOGGLE_ATTEMPTS: usize = 5;
/// How many ids of malformed skills the health detail names.
const NAMED_IN_HEALTH: usize = 5;

/// Skills found as `SKILL.md` files under [`SkillRoots`], with the enabled set in
/// `skills.yaml`.
///
/// Promises, on top of [`SkillRegistry`]'s:
/// - Every call to [`list`](SkillRegistry::list) or [`get`](SkillRegistry::get) scans the
///   directories again (on the blocking pool), so new, edited and removed skills show at once.
/// - A root that does not exist is skipped. A `SKILL.md` that cannot be read is listed with its
///   `error`, `eligible: false`, and the id of its front matter `name` or else of its
///   directory; the health turns `degraded` and counts them.
/// - `eligible` means the file parsed and the [`MachineProbe`] finds every required program
///   and a non-empty value for every required variable; `missing` lists the rest.
/// - [`set_enabled`](SkillRegistry::set_enabled) rewrites `skills.yaml` atomically, keeping its
///   other keys; enabling writes `<id>: true`, disabling deletes the key. Writes from this
///   process are serialised. A `skills.yaml` that cannot be read is never overwritten: while it
///   is broken every skill lists as disabled and toggling fails with a storage error.
pub struct SkillDirectories {
    shared: Arc<Shared>,
    write_lock: tokio::sync::Mutex<()>,
    health: Mutex<PortHealth>,
}

struct Shared {
    roots: SkillRoots,
    probe: MachineProbe,
}

impl SkillDirectories {
    /// A registry over `roots`, checking requirements with `probe`. Touches nothing on disk
    /// until called.
    pub fn new(roots: SkillRoots, probe: MachineProbe) -> Self {
        Self {
            shared: Arc::new(Shared { roots, probe }),
            write_lock: tokio::sync::Mutex::new(()),
            health: Mutex::new(PortHealth::ok(ADAPTER)),
        }
    }

    /// The directories and `skills.yaml` this registry reads.
    pub fn roots(&self) -> &SkillRoots {
        &self.shared.roots
    }

    async fn scan(&self) -> Result<Vec<Skill>, CoreError> {
        let shared = Arc::clone(&self.shared);
        let outcome = blocking(move || Ok(scan(&shared.roots, &shared.probe))).await?;
        *self.health.lock().unwrap_or_else(|e| e.into_inner()) = health_of(&outcome);
        Ok(outcome.skills)
    }
}

impl std::fmt::Debug for SkillDirectories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkillDirectories")
            .field("roots", &self.shared.roots)
            .field("probe", &self.shared.probe)
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
        self.scan().await
    }

    async fn get(&self, id: &str) -> Result<Skill, CoreError> {
        self.scan()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| CoreError::SkillNotFound { id: id.to_owned() })
    }

    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<Skill, CoreError> {
        let _guard = self.write_lock.lock().await;
        let mut skill = self.get(id).await?;
        let path = self.shared.roots.enabled_file.clone();
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
        skill.enabled = enabled;
        Ok(skill)
    }

    fn health(&self) -> PortHealth {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

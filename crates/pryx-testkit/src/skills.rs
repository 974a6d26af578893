//! The skill registry in memory.

use std::collections::BTreeSet;
use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, PortState, Skill, SkillRegistry};

use crate::lock;

/// A [`SkillRegistry`] over a fixed list of skills, with the enabled set in memory.
///
/// Lists are sorted by id with one entry per id (a later skill in the input replaces an
/// earlier one with the same id, as a higher-precedence root would). Unknown ids fail with
/// [`CoreError::SkillNotFound`]. Like the file registry, it records the switch as asked and
/// leaves the rules (a malformed skill cannot be enabled) to the core's `SkillService`.
/// Health reports adapter `memory`, `degraded` while some skill has an `error`.
#[derive(Debug)]
pub struct MemorySkillRegistry {
    skills: Vec<Skill>,
    enabled: Mutex<BTreeSet<String>>,
}

impl MemorySkillRegistry {
    /// A registry of `skills`; those with `enabled: true` start enabled.
    pub fn new(skills: impl IntoIterator<Item = Skill>) -> Self {
        let mut by_id: Vec<Skill> = Vec::new();
        for skill in skills {
            match by_id.iter_mut().find(|s| s.id == skill.id) {
                Some(slot) => *slot = skill,
                None => by_id.push(skill),
            }
        }
        by_id.sort_by(|a, b| a.id.cmp(&b.id));
        let enabled = by_id
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.id.clone())
            .collect();
        Self {
            skills: by_id,
            enabled: Mutex::new(enabled),
        }
    }

    /// The ids enabled now, sorted.
    pub fn enabled_ids(&self) -> Vec<String> {
        lock(&self.enabled).iter().cloned().collect()
    }

    fn with_state(&self, skill: &Skill, enabled: &BTreeSet<String>) -> Skill {
        Skill {
            enabled: enabled.contains(&skill.id),
            ..skill.clone()
        }
    }

    fn find(&self, id: &str) -> Result<&Skill, CoreError> {
        self.skills
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| CoreError::SkillNotFound { id: id.to_owned() })
    }
}

#[async_trait]
impl SkillRegistry for MemorySkillRegistry {
    async fn list(&self) -> Result<Vec<Skill>, CoreError> {
        let enabled = lock(&self.enabled);
        Ok(self
            .skills
            .iter()
            .map(|s| self.with_state(s, &enabled))
            .collect())
    }

    async fn get(&self, id: &str) -> Result<Skill, CoreError> {
        let skill = self.find(id)?;
        Ok(self.with_state(skill, &lock(&self.enabled)))
    }

    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<Skill, CoreError> {
        let skill = self.find(id)?;
        let mut set = lock(&self.enabled);
        if enabled {
            set.insert(id.to_owned());
        } else {
            set.remove(id);
        }
        Ok(self.with_state(skill, &set))
    }

    fn health(&self) -> PortHealth {
        let broken: Vec<&str> = self
            .skills
            .iter()
            .filter(|s| s.error.is_some())
            .map(|s| s.id.as_str())
            .collect();
        if broken.is_empty() {
            PortHealth::ok("memory")
        } else {
            PortHealth::with(
                PortState::Degraded,
                "memory",
                format!(
                    "{} skill(s) cannot be read: {}",
                    broken.len(),
                    broken.join(", ")
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::{SkillRequirements, SkillSource};

    fn skill(id: &str, enabled: bool, error: Option<&str>) -> Skill {
        Skill {
            id: id.into(),
            source: SkillSource::Bundled,
            name: id.into(),
            title: None,
            description: None,
            version: None,
            author: None,
            emoji: None,
            path: None,
            enabled,
            eligible: error.is_none(),
            requires: SkillRequirements::default(),
            missing: SkillRequirements::default(),
            error: error.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn lists_sorted_by_id_with_one_entry_per_id() {
        let mut workspace_b = skill("b", false, None);
        workspace_b.source = SkillSource::Workspace;
        let reg = MemorySkillRegistry::new([
            skill("c", false, None),
            skill("b", true, None),
            skill("a", false, None),
            workspace_b,
        ]);
        let list = reg.list().await.unwrap();
        let ids: Vec<_> = list.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(list[1].source, SkillSource::Workspace);
    }

    #[tokio::test]
    async fn toggles_are_remembered() {
        let reg = MemorySkillRegistry::new([skill("a", false, None), skill("b", true, None)]);
        assert_eq!(reg.enabled_ids(), ["b"]);
        assert!(reg.set_enabled("a", true).await.unwrap().enabled);
        assert!(!reg.set_enabled("b", false).await.unwrap().enabled);
        assert!(reg.get("a").await.unwrap().enabled);
        assert!(!reg.list().await.unwrap()[1].enabled);
        assert_eq!(reg.enabled_ids(), ["a"]);
    }

    #[tokio::test]
    async fn unknown_ids_are_not_found() {
        let reg = MemorySkillRegistry::new([skill("a", false, None)]);
        let expected = CoreError::SkillNotFound { id: "zz".into() };
        assert_eq!(reg.get("zz").await.unwrap_err(), expected);
        assert_eq!(reg.set_enabled("zz", true).await.unwrap_err(), expected);
        assert!(reg.enabled_ids().is_empty());
    }

    #[tokio::test]
    async fn malformed_skills_are_listed_and_degrade_health() {
        let reg = MemorySkillRegistry::new([skill("ok", false, None)]);
        assert_eq!(reg.health(), PortHealth::ok("memory"));
        let reg = MemorySkillRegistry::new([skill("bad", false, Some("no front matter"))]);
        assert_eq!(reg.list().await.unwrap().len(), 1);
        let health = reg.health();
        assert_eq!(health.status, PortState::Degraded);
        assert_eq!(health.adapter, "memory");
        assert!(health.detail.unwrap().contains("bad"));
    }
}

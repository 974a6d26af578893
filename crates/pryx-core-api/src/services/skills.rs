//! Listing skills and switching them on and off.

use crate::error::CoreError;
use crate::event::Event;
use crate::runtime::ChangeNotice;
use crate::services::Ports;
use crate::skills::Skill;
use crate::value::Value;

/// List and toggle skills.
#[derive(Clone)]
pub struct SkillService {
    ports: Ports,
}

impl SkillService {
    pub(crate) fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// Every skill, malformed ones included (with their error).
    pub async fn list(&self) -> Result<Vec<Skill>, CoreError> {
        self.ports.skills.list().await
    }

    /// One skill.
    pub async fn get(&self, id: &str) -> Result<Skill, CoreError> {
        self.ports.skills.get(id).await
    }

    /// Switches a skill on or off. A skill whose SKILL.md cannot be read cannot be enabled
    /// (it can always be disabled). The registry is always asked to record the switch, also
    /// when the skill already looks as asked: a registry that cannot read its enabled set
    /// (a broken `skills.yaml`) lists every skill as disabled, and a disable must then fail
    /// with its error instead of answering success while changing nothing. Events and the
    /// runtime notice go out only when the state changed.
    pub async fn set_enabled(&self, id: &str, enabled: bool) -> Result<Skill, CoreError> {
        let skill = self.ports.skills.get(id).await?;
        if enabled {
            if let Some(error) = &skill.error {
                return Err(CoreError::SkillInvalid {
                    id: id.to_owned(),
                    reason: error.clone(),
                });
            }
        }
        let was_enabled = skill.enabled;
        let skill = self.ports.skills.set_enabled(id, enabled).await?;
        if was_enabled == enabled {
            return Ok(skill);
        }
        self.ports.events.publish(Event::new(
            "skills.changed",
            Value::map([("id", Value::from(id)), ("enabled", Value::Bool(enabled))]),
        ));
        let _ = self
            .ports
            .runtime
            .notify(ChangeNotice::SkillToggled {
                id: id.to_owned(),
                enabled,
            })
            .await;
        Ok(skill)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ports::{
        MockConfigStore, MockEventPublisher, MockRuntimeBridge, MockSkillRegistry,
        MockTelemetrySink,
    };
    use crate::skills::{SkillRequirements, SkillSource};

    fn skill(enabled: bool) -> Skill {
        Skill {
            id: "notes".into(),
            source: SkillSource::Managed,
            name: "notes".into(),
            title: None,
            description: None,
            version: None,
            author: None,
            emoji: None,
            path: None,
            enabled,
            eligible: true,
            requires: SkillRequirements::default(),
            missing: SkillRequirements::default(),
            error: None,
        }
    }

    fn service(skills: MockSkillRegistry, events: usize) -> SkillService {
        let mut publisher = MockEventPublisher::new();
        publisher.expect_publish().times(events).return_const(());
        let mut runtime = MockRuntimeBridge::new();
        runtime.expect_notify().times(events).returning(|_| Ok(()));
        SkillService::new(Ports {
            config: Arc::new(MockConfigStore::new()),
            skills: Arc::new(skills),
            runtime: Arc::new(runtime),
            telemetry: Arc::new(MockTelemetrySink::new()),
            events: Arc::new(publisher),
        })
    }

    /// While `skills.yaml` is unreadable every skill lists as disabled; disabling one must
    /// report the registry's error, not a success that changed nothing.
    #[tokio::test]
    async fn a_disable_while_the_enabled_set_is_unreadable_fails() {
        let mut skills = MockSkillRegistry::new();
        skills.expect_get().returning(|_| Ok(skill(false)));
        skills.expect_set_enabled().times(1).returning(|_, _| {
            Err(CoreError::Storage(
                "skills.yaml cannot be read: not a map".into(),
            ))
        });
        let err = service(skills, 0)
            .set_enabled("notes", false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "storage_error");
    }

    #[tokio::test]
    async fn a_switch_to_the_current_state_publishes_nothing() {
        let mut skills = MockSkillRegistry::new();
        skills.expect_get().returning(|_| Ok(skill(true)));
        skills
            .expect_set_enabled()
            .times(1)
            .returning(|_, e| Ok(skill(e)));
        let svc = service(skills, 0);
        assert!(svc.set_enabled("notes", true).await.unwrap().enabled);
    }

    #[tokio::test]
    async fn a_real_switch_publishes_and_notifies_once() {
        let mut skills = MockSkillRegistry::new();
        skills.expect_get().returning(|_| Ok(skill(false)));
        skills
            .expect_set_enabled()
            .times(1)
            .returning(|_, e| Ok(skill(e)));
        let svc = service(skills, 1);
        assert!(svc.set_enabled("notes", true).await.unwrap().enabled);
    }
}

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
    /// (it can always be disabled). Toggling to the state it is already in changes nothing.
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
        if skill.enabled == enabled {
            return Ok(skill);
        }
        let skill = self.ports.skills.set_enabled(id, enabled).await?;
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

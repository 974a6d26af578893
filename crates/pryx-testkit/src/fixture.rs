//! Fixtures: JSON descriptions of a known host, and the adapters built from them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use pryx_core_api::{
    Config, EventPublisher, McpTool, Model, Ports, Provider, Skill, SkillRequirements, SkillSource,
    Value,
};
use serde::Deserialize;

use crate::{
    FixtureRuntime, MemoryConfigStore, MemorySkillRegistry, MemoryTelemetry, TestkitError,
};

/// The embedded default fixture.
const DEFAULT_JSON: &str = include_str!("../fixtures/default.json");

/// A known host, as JSON:
///
/// ```json
/// {"config": {...}, "skills": [...], "providers": [...], "models": {"openai": [...]},
///  "mcp_tools": [...], "sessions": [...], "runtime": "ready"}
/// ```
///
/// Every field is optional; unknown fields are refused so a typo fails loudly.
/// [`Fixture::default`] is the embedded `fixtures/default.json`; [`Fixture::empty`] has nothing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The stored config document; absent or `null` means nothing is stored yet (the store
    /// answers an empty document with `persisted: false`). Not validated: a fixture may seed
    /// an invalid document on purpose.
    #[serde(default)]
    pub config: Option<Config>,
    /// The skills, in any order.
    #[serde(default)]
    pub skills: Vec<SkillFixture>,
    /// The model providers the runtime offers.
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// The models of each provider, by provider id.
    #[serde(default)]
    pub models: BTreeMap<String, Vec<Model>>,
    /// The MCP tools the runtime offers, named `<server>:<tool>`.
    #[serde(default)]
    pub mcp_tools: Vec<McpTool>,
    /// The sessions the runtime answers `sessions.list` with: maps with a string `id`.
    #[serde(default)]
    pub sessions: Vec<Value>,
    /// Whether the runtime is up.
    #[serde(default)]
    pub runtime: RuntimeMode,
}

/// Whether a fixture's runtime is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeMode {
    /// Status `ready`; answers from the fixture.
    #[default]
    Ready,
    /// Status `unavailable`; every call fails with `RuntimeUnavailable`.
    Down,
}

/// A skill as a fixture describes it: [`Skill`] with defaults for what a test rarely cares
/// about.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillFixture {
    /// Stable id.
    pub id: String,
    /// Where it was found; `bundled` when absent.
    #[serde(default = "bundled")]
    pub source: SkillSource,
    /// Display name; the id when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// One-line description.
    #[serde(default)]
    pub description: Option<String>,
    /// Version string.
    #[serde(default)]
    pub version: Option<String>,
    /// Author.
    #[serde(default)]
    pub author: Option<String>,
    /// An emoji for lists.
    #[serde(default)]
    pub emoji: Option<String>,
    /// A display path.
    #[serde(default)]
    pub path: Option<String>,
    /// Whether it starts enabled.
    #[serde(default)]
    pub enabled: bool,
    /// Whether this machine meets its requirements; when absent, true unless it has an
    /// `error` or something `missing`.
    #[serde(default)]
    pub eligible: Option<bool>,
    /// What it requires.
    #[serde(default)]
    pub requires: SkillRequirementsFixture,
    /// The requirements this machine does not meet.
    #[serde(default)]
    pub missing: SkillRequirementsFixture,
    /// Why it could not be read, for a malformed skill.
    #[serde(default)]
    pub error: Option<String>,
}

/// [`SkillRequirements`] with both lists optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRequirementsFixture {
    /// Programs that must be on `PATH`.
    #[serde(default)]
    pub bins: Vec<String>,
    /// Environment variables that must be set.
    #[serde(default)]
    pub env: Vec<String>,
}

fn bundled() -> SkillSource {
    SkillSource::Bundled
}

impl SkillRequirementsFixture {
    fn is_empty(&self) -> bool {
        self.bins.is_empty() && self.env.is_empty()
    }

    fn to_requirements(&self) -> SkillRequirements {
        SkillRequirements {
            bins: self.bins.clone(),
            env: self.env.clone(),
        }
    }
}

impl SkillFixture {
    /// The [`Skill`] this describes, defaults filled in.
    pub fn to_skill(&self) -> Skill {
        Skill {
            id: self.id.clone(),
            source: self.source,
            name: self.name.clone().unwrap_or_else(|| self.id.clone()),
            title: self.title.clone(),
            description: self.description.clone(),
            version: self.version.clone(),
            author: self.author.clone(),
            emoji: self.emoji.clone(),
            path: self.path.clone(),
            enabled: self.enabled,
            eligible: self
                .eligible
                .unwrap_or(self.error.is_none() && self.missing.is_empty()),
            requires: self.requires.to_requirements(),
            missing: self.missing.to_requirements(),
            error: self.error.clone(),
        }
    }
}

/// One adapter per port, built from a [`Fixture`], each kept concrete so a test can inspect it
/// (`runtime.notices()`, `telemetry.records()`, ...). Clone an `Arc` into an `Arc<dyn Port>`
/// to compose a host.
#[derive(Debug, Clone)]
pub struct TestAdapters {
    /// The config store.
    pub config: Arc<MemoryConfigStore>,
    /// The skill registry.
    pub skills: Arc<MemorySkillRegistry>,
    /// The agent runtime.
    pub runtime: Arc<FixtureRuntime>,
    /// The telemetry sink.
    pub telemetry: Arc<MemoryTelemetry>,
}

impl TestAdapters {
    /// The core's [`Ports`] over these adapters and `events`, to build `Services` directly.
    pub fn ports(&self, events: Arc<dyn EventPublisher>) -> Ports {
        Ports {
            config: self.config.clone(),
            skills: self.skills.clone(),
            runtime: self.runtime.clone(),
            telemetry: self.telemetry.clone(),
            events,
        }
    }
}

impl Default for Fixture {
    /// The embedded default fixture (`fixtures/default.json`): a config with upstream keys,
    /// a channel bot token (a secret) and an unknown key; four skills (one malformed, one
    /// ineligible); three providers with models; three MCP tools; two sessions; the runtime up.
    fn default() -> Self {
        Self::from_json("embedded", DEFAULT_JSON)
            .unwrap_or_else(|e| panic!("the embedded default fixture is broken: {e}"))
    }
}

impl Fixture {
    /// A fixture with nothing: no stored config, no skills, a ready runtime offering nothing.
    pub fn empty() -> Self {
        Self {
            config: None,
            skills: Vec::new(),
            providers: Vec::new(),
            models: BTreeMap::new(),
            mcp_tools: Vec::new(),
            sessions: Vec::new(),
            runtime: RuntimeMode::Ready,
        }
    }

    /// Reads a fixture from a JSON file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, TestkitError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TestkitError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&path.display().to_string(), &text)
    }

    /// Parses a fixture from JSON text; `origin` names it in errors (e.g. a file name).
    pub fn from_json(origin: &str, text: &str) -> Result<Self, TestkitError> {
        let parse_error = |json_path: String, error: serde_json::Error| {
            let location = format!(" at line {} column {}", error.line(), error.column());
            let message = error.to_string();
            TestkitError::Parse {
                origin: origin.to_owned(),
                json_path,
                line: error.line(),
                column: error.column(),
                message: message
                    .strip_suffix(&location)
                    .unwrap_or(&message)
                    .to_owned(),
            }
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let fixture: Fixture = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let json_path = e.path().to_string();
            parse_error(json_path, e.into_inner())
        })?;
        de.end().map_err(|e| parse_error(".".into(), e))?;
        fixture.check(origin)?;
        Ok(fixture)
    }

    /// Fresh adapters seeded with this fixture (each call gives independent state).
    pub fn adapters(&self) -> TestAdapters {
        let config = match &self.config {
            Some(config) => MemoryConfigStore::new(config.clone()),
            None => MemoryConfigStore::default(),
        };
        let runtime = FixtureRuntime::new(
            self.providers.clone(),
            self.models.clone(),
            self.mcp_tools.clone(),
        )
        .with_sessions(self.sessions.clone());
        runtime.set_down(self.runtime == RuntimeMode::Down);
        TestAdapters {
            config: Arc::new(config),
            skills: Arc::new(MemorySkillRegistry::new(
                self.skills.iter().map(SkillFixture::to_skill),
            )),
            runtime: Arc::new(runtime),
            telemetry: Arc::new(MemoryTelemetry::new()),
        }
    }

    /// Refuses a fixture that contradicts itself.
    fn check(&self, origin: &str) -> Result<(), TestkitError> {
        let fail = |json_path: String, message: String| {
            Err(TestkitError::Inconsistent {
                origin: origin.to_owned(),
                json_path,
                message,
            })
        };
        let mut ids = BTreeSet::new();
        for (i, skill) in self.skills.iter().enumerate() {
            if !ids.insert(skill.id.as_str()) {
                return fail(
                    format!("skills[{i}].id"),
                    format!("two skills have id {:?}", skill.id),
                );
            }
            if skill.eligible == Some(true) && (skill.error.is_some() || !skill.missing.is_empty())
            {
                return fail(
                    format!("skills[{i}].eligible"),
                    "a skill with an error or missing requirements cannot be eligible".into(),
                );
            }
        }
        let mut providers = BTreeSet::new();
        for (i, provider) in self.providers.iter().enumerate() {
            if !providers.insert(provider.id.as_str()) {
                return fail(
                    format!("providers[{i}].id"),
                    format!("two providers have id {:?}", provider.id),
                );
            }
        }
        if let Some(id) = self
            .models
            .keys()
            .find(|id| !providers.contains(id.as_str()))
        {
            return fail(
                format!("models.{id}"),
                format!("models are given for {id:?}, which is not among the providers"),
            );
        }
        for (i, tool) in self.mcp_tools.iter().enumerate() {
            let named = tool
                .name
                .split_once(':')
                .is_some_and(|(server, name)| !server.is_empty() && !name.is_empty());
            if !named {
                return fail(
                    format!("mcp_tools[{i}].name"),
                    format!("must be <server>:<tool>, got {:?}", tool.name),
                );
            }
        }
        for (i, session) in self.sessions.iter().enumerate() {
            if session
                .as_map()
                .and_then(|m| m.get("id")?.as_str())
                .is_none()
            {
                return fail(
                    format!("sessions[{i}]"),
                    "a session must be an object with a string \"id\"".into(),
                );
            }
        }
        Ok(())
    }
}

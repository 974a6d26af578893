//! The fixture the admin methods answer from: a JSON file, or the built-in default.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

const DEFAULT: &str = include_str!("../fixtures/default.json");

/// What the runtime pretends to have.
#[derive(Debug, Clone, Deserialize)]
pub struct Fixture {
    /// `admin.config.get`.
    #[serde(default)]
    pub config: Map<String, Value>,
    /// `admin.providers.list`.
    #[serde(default)]
    pub providers: Vec<Value>,
    /// `admin.providers.models`, by provider id.
    #[serde(default)]
    pub models: Map<String, Value>,
    /// `admin.mcp.list`.
    #[serde(default)]
    pub mcp_tools: Vec<Value>,
    /// `admin.skills.list`.
    #[serde(default)]
    pub skills: Vec<Value>,
}

/// Loads `path`, or the default when `None`.
pub fn load(path: Option<&Path>) -> Result<Fixture, String> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read the fixture {}: {e}", p.display()))?,
        None => DEFAULT.to_owned(),
    };
    serde_json::from_str(&text).map_err(|e| format!("the fixture is not valid: {e}"))
}

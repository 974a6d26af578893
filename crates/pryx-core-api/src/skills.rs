//! Skills: directories with a `SKILL.md` that teach the agent something, found under several
//! roots and switched on or off by the user.

/// Where a skill was found. A later root wins over an earlier one for the same id:
/// bundled < managed < workspace.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SkillSource {
    /// Shipped next to the host binary.
    Bundled,
    /// Installed for this user (`<data-dir>/skills`).
    Managed,
    /// Belongs to the current project (`<cwd>/.pryx/skills`).
    Workspace,
    /// Offered by a remote catalogue (reported by the runtime).
    Remote,
}

/// What a skill needs from the machine to be usable.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillRequirements {
    /// Programs that must be on `PATH`.
    pub bins: Vec<String>,
    /// Environment variables that must be set.
    pub env: Vec<String>,
}

/// One skill as the user sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skill {
    /// Stable id: the `name` in the front matter (the directory name when that is unreadable).
    pub id: String,
    /// Which root it came from.
    pub source: SkillSource,
    /// Display name.
    pub name: String,
    /// Human title, when the skill gives one.
    pub title: Option<String>,
    /// One-line description.
    pub description: Option<String>,
    /// Version string, when given.
    pub version: Option<String>,
    /// Author, when given.
    pub author: Option<String>,
    /// An emoji for lists, when given.
    pub emoji: Option<String>,
    /// Where the skill lives (a display path; may be absent for remote skills).
    pub path: Option<String>,
    /// Whether the user has switched it on.
    pub enabled: bool,
    /// Whether this machine meets its requirements (and it parsed).
    pub eligible: bool,
    /// What it requires.
    pub requires: SkillRequirements,
    /// The requirements this machine does not meet.
    pub missing: SkillRequirements,
    /// Why the skill could not be read, when it could not. Such a skill is listed, never hidden.
    pub error: Option<String>,
}

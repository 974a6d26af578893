//! [`SkillRoots`]: where skills are looked for and where the enabled set is kept.

use std::path::{Path, PathBuf};

use pryx_core_api::SkillSource;

/// Env var naming the bundled skills directory.
pub const ENV_BUNDLED_SKILLS_DIR: &str = "PRYX_BUNDLED_SKILLS_DIR";
/// Env var naming the managed (per-user) skills directory.
pub const ENV_MANAGED_SKILLS_DIR: &str = "PRYX_MANAGED_SKILLS_DIR";
/// Env var naming the `skills.yaml` file.
pub const ENV_SKILLS_CONFIG_PATH: &str = "PRYX_SKILLS_CONFIG_PATH";
/// Env var naming the workspace (project) directory whose `.pryx/skills` holds its skills.
pub const ENV_WORKSPACE_ROOT: &str = "PRYX_WORKSPACE_ROOT";
/// The file name of the enabled set inside the data directory.
pub const SKILLS_FILE_NAME: &str = "skills.yaml";

/// The skill directories, lowest precedence first, and the `skills.yaml` that records which
/// skills are enabled (`enabled_skills: {<id>: true}`).
///
/// When two roots hold a skill with the same id, the later root's copy is the one listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoots {
    /// `(source, directory)` pairs in precedence order (later wins). Missing ones are skipped.
    pub roots: Vec<(SkillSource, PathBuf)>,
    /// The `skills.yaml` holding the enabled set.
    pub enabled_file: PathBuf,
}

impl SkillRoots {
    /// Roots exactly as given.
    pub fn new(roots: Vec<(SkillSource, PathBuf)>, enabled_file: impl Into<PathBuf>) -> Self {
        Self {
            roots,
            enabled_file: enabled_file.into(),
        }
    }

    /// The layout the Pryx runtime uses: bundled = `<exe_dir>/bundled-skills` (left out when
    /// `exe_dir` is `None`), managed = `<data_dir>/skills`, workspace = `<cwd>/.pryx/skills`,
    /// and `<data_dir>/skills.yaml`.
    pub fn standard(data_dir: impl Into<PathBuf>, exe_dir: Option<PathBuf>, cwd: PathBuf) -> Self {
        let data_dir = data_dir.into();
        let mut roots = Vec::with_capacity(3);
        if let Some(exe_dir) = exe_dir {
            roots.push((SkillSource::Bundled, exe_dir.join("bundled-skills")));
        }
        roots.push((SkillSource::Managed, data_dir.join("skills")));
        roots.push((SkillSource::Workspace, workspace_skills(&cwd)));
        Self::new(roots, data_dir.join(SKILLS_FILE_NAME))
    }

    /// Applies the runtime's environment overrides, read through `lookup` (pass
    /// `|k| std::env::var(k).ok()`): [`ENV_BUNDLED_SKILLS_DIR`], [`ENV_MANAGED_SKILLS_DIR`],
    /// [`ENV_WORKSPACE_ROOT`] (its `.pryx/skills`) and [`ENV_SKILLS_CONFIG_PATH`]. Blank
    /// values are ignored. An override replaces that source's root, or adds it in its place
    /// in the precedence order.
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = get(ENV_BUNDLED_SKILLS_DIR) {
            self.set_root(SkillSource::Bundled, dir);
        }
        if let Some(dir) = get(ENV_MANAGED_SKILLS_DIR) {
            self.set_root(SkillSource::Managed, dir);
        }
        if let Some(dir) = get(ENV_WORKSPACE_ROOT) {
            self.set_root(SkillSource::Workspace, workspace_skills(&dir));
        }
        if let Some(file) = get(ENV_SKILLS_CONFIG_PATH) {
            self.enabled_file = file;
        }
        self
    }

    /// Sets the directory of `source`: replaces its entry, or inserts one after every root of
    /// lower precedence.
    pub fn set_root(&mut self, source: SkillSource, dir: PathBuf) {
        if let Some(entry) = self.roots.iter_mut().find(|(s, _)| *s == source) {
            entry.1 = dir;
        } else {
            let at = self.roots.iter().take_while(|(s, _)| *s < source).count();
            self.roots.insert(at, (source, dir));
        }
    }

    /// The directory of `source`, if it has one.
    pub fn root(&self, source: SkillSource) -> Option<&Path> {
        self.roots
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, p)| p.as_path())
    }
}

fn workspace_skills(dir: &Path) -> PathBuf {
    dir.join(".pryx").join("skills")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_layout_and_env_overrides() {
        let roots = SkillRoots::standard("/d", Some("/bin".into()), "/w".into());
        assert_eq!(
            roots.roots,
            [
                (SkillSource::Bundled, PathBuf::from("/bin/bundled-skills")),
                (SkillSource::Managed, PathBuf::from("/d/skills")),
                (SkillSource::Workspace, PathBuf::from("/w/.pryx/skills")),
            ]
        );
        assert_eq!(roots.enabled_file, PathBuf::from("/d/skills.yaml"));

        let roots = SkillRoots::standard("/d", None, "/w".into()).with_env(|k| match k {
            ENV_BUNDLED_SKILLS_DIR => Some("/b".into()),
            ENV_MANAGED_SKILLS_DIR => Some("  ".into()),
            ENV_WORKSPACE_ROOT => Some("/proj".into()),
            ENV_SKILLS_CONFIG_PATH => Some("/etc/skills.yaml".into()),
            _ => None,
        });
        assert_eq!(
            roots.roots,
            [
                (SkillSource::Bundled, PathBuf::from("/b")),
                (SkillSource::Managed, PathBuf::from("/d/skills")),
                (SkillSource::Workspace, PathBuf::from("/proj/.pryx/skills")),
            ]
        );
        assert_eq!(roots.enabled_file, PathBuf::from("/etc/skills.yaml"));
        assert_eq!(roots.root(SkillSource::Remote), None);
    }
}

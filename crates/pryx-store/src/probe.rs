//! [`MachineProbe`]: what a skill's requirements are checked against.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pryx_core_api::SkillRequirements;

/// Looks up an environment variable by name.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The parts of the machine a skill may require: the program directories of `PATH` and the
/// environment. Injectable, so tests need not change the process environment.
#[derive(Clone)]
pub struct MachineProbe {
    /// Directories searched for programs, in order (the entries of `PATH`).
    pub path_dirs: Vec<PathBuf>,
    /// Environment lookup: the value of a variable, `None` when unset.
    pub env: EnvLookup,
}

impl MachineProbe {
    /// A probe over the given directories and environment lookup.
    pub fn new(
        path_dirs: Vec<PathBuf>,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            path_dirs,
            env: Arc::new(env),
        }
    }

    /// A probe of this process: `PATH` as it is now, and the live environment.
    pub fn from_process() -> Self {
        let path_dirs = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        Self::new(path_dirs, |name| std::env::var(name).ok())
    }

    /// Whether `program` can be run: a name found as an executable file in one of
    /// [`path_dirs`](Self::path_dirs), or a path (containing a separator) to an executable file.
    pub fn has_program(&self, program: &str) -> bool {
        if program.is_empty() {
            return false;
        }
        if program.contains('/') || program.contains(std::path::MAIN_SEPARATOR) {
            return is_executable(Path::new(program));
        }
        self.path_dirs.iter().any(|dir| {
            let candidate = dir.join(program);
            is_executable(&candidate)
                || (cfg!(windows) && is_executable(&candidate.with_extension("exe")))
        })
    }

    /// Whether the variable `name` is set to a non-empty value.
    pub fn has_env(&self, name: &str) -> bool {
        (self.env)(name).is_some_and(|v| !v.is_empty())
    }

    /// The part of `requires` this machine does not meet (empty when it meets all of it).
    /// Blank entries are ignored.
    pub fn missing(&self, requires: &SkillRequirements) -> SkillRequirements {
        let unmet = |items: &[String], met: &dyn Fn(&str) -> bool| -> Vec<String> {
            items
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty() && !met(s))
                .map(str::to_owned)
                .collect()
        };
        SkillRequirements {
            bins: unmet(&requires.bins, &|b| self.has_program(b)),
            env: unmet(&requires.env, &|e| self.has_env(e)),
        }
    }
}

impl fmt::Debug for MachineProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineProbe")
            .field("path_dirs", &self.path_dirs)
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn finds_only_executable_files_and_non_empty_variables() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("tool");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("data"), "").unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        let probe = MachineProbe::new(vec![dir.path().to_path_buf()], |n| match n {
            "SET" => Some("x".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        });
        assert!(probe.has_program("tool"));
        assert!(probe.has_program(exe.to_str().unwrap()));
        assert!(!probe.has_program("data"));
        assert!(!probe.has_program("folder"));
        assert!(!probe.has_program("absent"));
        let missing = probe.missing(&SkillRequirements {
            bins: vec!["tool".into(), " ".into(), "data".into()],
            env: vec!["SET".into(), "EMPTY".into(), "UNSET".into()],
        });
        assert_eq!(missing.bins, ["data"]);
        assert_eq!(missing.env, ["EMPTY", "UNSET"]);
    }
}

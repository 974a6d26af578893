//! What `pryx doctor` reports: a [`Finding`] per check, how bad it is, the command that fixes
//! it, and the [`Repair`] `--fix` may apply.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, but worth knowing or fixing.
    Warn,
    /// Breaks something (the host refuses to start, a command fails).
    Problem,
    /// Could not be checked now (e.g. no host runs).
    Skip,
}

impl Level {
    /// The stable word used in `--json`.
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Problem => "problem",
            Level::Skip => "skip",
        }
    }
}

/// A change `doctor --fix` may make (after backing up what it touches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Set the permission bits of a file or directory.
    Chmod { path: PathBuf, mode: u32 },
    /// Remove a stale file.
    Remove { path: PathBuf },
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Which check (`data_dir`, `token`, `port`, ...).
    pub check: &'static str,
    /// How bad.
    pub level: Level,
    /// What was found.
    pub message: String,
    /// The command (or step) that fixes it.
    pub fix: Option<String>,
    /// What `--fix` would do.
    pub repair: Option<Repair>,
}

impl Finding {
    pub(crate) fn new(check: &'static str, level: Level, message: impl Into<String>) -> Self {
        Self {
            check,
            level,
            message: message.into(),
            fix: None,
            repair: None,
        }
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub(crate) fn repair(mut self, repair: Repair) -> Self {
        self.repair = Some(repair);
        self
    }

    /// The `--json` form.
    pub fn to_json(&self) -> Json {
        json!({"check": self.check, "level": self.level.word(), "message": self.message,
            "fix": self.fix, "fixable": self.repair.is_some()})
    }
}

/// What the checks need to know.
pub struct Inputs<'a> {
    /// The data directory.
    pub dir: &'a Path,
    /// The port a started host would use.
    pub port: u16,
    /// `PRYX_RUNTIME`, if set.
    pub runtime: Option<PathBuf>,
}

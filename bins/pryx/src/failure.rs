//! [`Failure`]: why a command did not succeed, with the stable exit code scripts can test
//! (documented in `docs/cli.md`).

use std::fmt;

use serde_json::{Value as Json, json};

/// The exit codes of `pryx`. Their numbers are stable: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1: anything not covered below (an I/O error, a host-side failure).
    Error = 1,
    /// 2: the command line was wrong (clap uses it too).
    Usage = 2,
    /// 3: no Pryx host is running for this data directory.
    NoHost = 3,
    /// 4: the token is missing, unsafe, or refused by the host.
    Auth = 4,
    /// 5: the thing asked for does not exist (a skill, a provider, a kept config).
    NotFound = 5,
    /// 6: a conflict: the config changed meanwhile, or the host's state does not allow it.
    Conflict = 6,
    /// 7: invalid input or an invalid config (the host said 422, or local validation failed).
    Invalid = 7,
    /// 8: the agent runtime is unavailable, failed or timed out.
    Runtime = 8,
    /// 9: this host does not offer the feature (its route answers 404 `not_found`).
    Unsupported = 9,
    /// 10: a check found problems (`doctor`, `service status` of a missing service).
    Problems = 10,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failed command: a stable `code` (the host's error code when it came from the host), a
/// sentence for a person, and the command that fixes it when there is one.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The exit status.
    pub exit: Exit,
    /// A stable, machine-readable reason (`no_host`, `config_conflict`, ...).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// What to run or do about it.
    pub fix: Option<String>,
    /// Extra structured data (the host's `details`, field errors).
    pub details: Json,
    /// The command already printed its report (e.g. `doctor`); only the exit code is left.
    pub shown: bool,
}

impl Failure {
    /// A failure with no fix and no details.
    pub fn new(exit: Exit, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            exit,
            code: code.into(),
            message: message.into(),
            fix: None,
            details: Json::Null,
            shown: false,
        }
    }

    /// A failure whose report the command printed itself: nothing more is printed.
    pub fn shown(exit: Exit, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            shown: true,
            ..Self::new(exit, code, message)
        }
    }

    /// A generic failure (exit 1).
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Exit::Error, "error", message)
    }

    /// Adds the command (or step) that fixes it.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Json) -> Self {
        self.details = details;
        self
    }

    /// The `--json` form: `{"error": {code, message, fix, exit_code, details}}`.
    pub fn to_json(&self) -> Json {
        json!({"error": {
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "exit_code": self.exit.code(),
            "details": self.details,
        }})
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self::error(err.to_string())
    }
}

/// The result of a command.
pub type Outcome<T = ()> = Result<T, Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        let codes = [
            (Exit::Error, 1),
            (Exit::Usage, 2),
            (Exit::NoHost, 3),
            (Exit::Auth, 4),
            (Exit::NotFound, 5),
            (Exit::Conflict, 6),
            (Exit::Invalid, 7),
            (Exit::Runtime, 8),
            (Exit::Unsupported, 9),
            (Exit::Problems, 10),
        ];
        for (exit, code) in codes {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
        let json = Failure::new(Exit::NoHost, "no_host", "none")
            .with_fix("pryx")
            .to_json();
        assert_eq!(json["error"]["exit_code"], 3);
        assert_eq!(json["error"]["fix"], "pryx");
    }
}

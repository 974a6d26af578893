//! What goes wrong loading a fixture.

use std::path::PathBuf;

/// An error of this crate: a fixture that cannot be read, parsed or used.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// The fixture file cannot be read.
    #[error("cannot read fixture {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The fixture is not valid JSON, or does not have the fixture's shape.
    #[error("fixture {origin} is invalid at {json_path} (line {line}, column {column}): {message}")]
    Parse {
        /// The file, or `embedded` / the name given to [`Fixture::from_json`](crate::Fixture::from_json).
        origin: String,
        /// Where in the document, e.g. `skills[2].requires.bins` (`.` for the root).
        json_path: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The fixture parses but contradicts itself (e.g. two skills with one id).
    #[error("fixture {origin} is inconsistent at {json_path}: {message}")]
    Inconsistent {
        /// The file, or `embedded` / the name given to [`Fixture::from_json`](crate::Fixture::from_json).
        origin: String,
        /// Where in the document, e.g. `models.openrouter`.
        json_path: String,
        /// What is wrong.
        message: String,
    },
}

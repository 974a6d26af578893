//! `skills.yaml`: the enabled set, `enabled_skills: {<id>: true}`. A skill not listed is
//! disabled; disabling deletes its key. Every other key in the file is kept.

use std::path::Path;

use pryx_core_api::{CoreError, Map, Value};

use crate::history::{DEFAULT_HISTORY_LEN, History};
use crate::read::{MAX_DOCUMENT_LEN, read_optional};
use crate::replace::{Replace, ReplaceError};

const KEY: &str = "enabled_skills";
/// `skills.yaml` holds no secrets; the data directory is private anyway.
const MODE: u32 = 0o644;

/// The parsed `skills.yaml` document.
#[derive(Debug, Default)]
pub(crate) struct EnabledFile {
    doc: Map,
    /// The bytes it was read from (`None`: no file), which a write must still find on disk.
    base: Option<Vec<u8>>,
}

/// Why writing `skills.yaml` did not happen.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The file changed on disk since it was read (a person edited it): read it again.
    Changed,
    /// Anything else.
    Failed(CoreError),
}

impl EnabledFile {
    /// Reads the file; a missing or empty one is an empty set. A file that is not a YAML map
    /// with a map under `enabled_skills` is an error, so it is never overwritten.
    pub(crate) fn read(path: &Path) -> Result<Self, CoreError> {
        let Some(bytes) = read_optional(path, MAX_DOCUMENT_LEN)? else {
            return Ok(Self::default());
        };
        let unreadable =
            |why: String| CoreError::Storage(format!("{} cannot be read: {why}", path.display()));
        let doc = match serde_yaml_ng::from_slice::<Option<Value>>(&bytes) {
            Ok(None | Some(Value::Null)) => Map::new(),
            Ok(Some(Value::Map(doc))) => doc,
            Ok(Some(other)) => {
                return Err(unreadable(format!(
                    "the top level must be a map, got a {}",
                    other.kind()
                )));
            }
            Err(e) => return Err(unreadable(e.to_string())),
        };
        match doc.get(KEY) {
            None | Some(Value::Null | Value::Map(_)) => Ok(Self {
                doc,
                base: Some(bytes),
            }),
            Some(other) => Err(unreadable(format!(
                "`{KEY}` must be a map, got a {}",
                other.kind()
            ))),
        }
    }

    /// Whether `id` is enabled (its value is `true`).
    pub(crate) fn is_enabled(&self, id: &str) -> bool {
        matches!(self.set().and_then(|m| m.get(id)), Some(Value::Bool(true)))
    }

    fn set(&self) -> Option<&Map> {
        self.doc.get(KEY).and_then(Value::as_map)
    }

    /// Records `id` as enabled (`true`) or removes it; says whether anything changed.
    pub(crate) fn set_enabled(&mut self, id: &str, enabled: bool) -> bool {
        let entry = self
            .doc
            .entry(KEY.to_owned())
            .or_insert_with(|| Value::Map(Map::new()));
        if !matches!(entry, Value::Map(_)) {
            *entry = Value::Map(Map::new());
        }
        let Value::Map(set) = entry else {
            return false;
        };
        if enabled {
            set.insert(id.to_owned(), Value::Bool(true)) != Some(Value::Bool(true))
        } else {
            set.shift_remove(id).is_some()
        }
    }

    /// Writes the document atomically to `path`, only while the file still holds what it was
    /// read from; the replaced version is kept in `history/skills.yaml/` beside it.
    pub(crate) fn write(&self, path: &Path) -> Result<(), WriteError> {
        let text = serde_yaml_ng::to_string(&Value::Map(self.doc.clone())).map_err(|e| {
            WriteError::Failed(CoreError::Internal(format!(
                "cannot render skills.yaml: {e}"
            )))
        })?;
        let replace = Replace {
            path,
            bytes: text.as_bytes(),
            mode: MODE,
            base: self.base.as_deref(),
            history: &History::for_file(path, DEFAULT_HISTORY_LEN),
            max_len: MAX_DOCUMENT_LEN,
        };
        match replace.run() {
            Ok(()) => Ok(()),
            Err(ReplaceError::Changed) => Err(WriteError::Changed),
            Err(ReplaceError::Store(e)) => Err(WriteError::Failed(e.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_keeps_other_keys_and_deletes_on_disable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skills.yaml");
        std::fs::write(
            &path,
            "note: keep me\nenabled_skills:\n  a: true\n  b: false\n",
        )
        .unwrap();
        let mut file = EnabledFile::read(&path).unwrap();
        assert!(file.is_enabled("a"));
        assert!(!file.is_enabled("b"));
        assert!(file.set_enabled("c", true));
        assert!(!file.set_enabled("c", true));
        assert!(file.set_enabled("a", false));
        assert!(!file.set_enabled("zzz", false));
        file.write(&path).map_err(|e| format!("{e:?}")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "note: keep me\nenabled_skills:\n  b: false\n  c: true\n"
        );
    }

    #[test]
    fn missing_and_empty_files_are_empty_sets_and_broken_ones_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skills.yaml");
        assert!(!EnabledFile::read(&path).unwrap().is_enabled("a"));
        std::fs::write(&path, "").unwrap();
        assert!(!EnabledFile::read(&path).unwrap().is_enabled("a"));
        for bad in ["[1]", "enabled_skills: [a]", "a: [", "enabled_skills: yes"] {
            std::fs::write(&path, bad).unwrap();
            assert!(EnabledFile::read(&path).is_err(), "{bad:?}");
        }
    }
}

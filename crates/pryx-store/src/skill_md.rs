//! The `SKILL.md` format: a pure function from a file's text to a parsed skill or the reason it
//! cannot be read.
//!
//! Layout: an optional UTF-8 byte-order mark, a `---` line, YAML front matter, a `---` line,
//! then the markdown body (the skill's prompt). Line ends may be `\n` or `\r\n`. The front
//! matter needs `name` (the skill's id) and may have `description`, `title`, `version`,
//! `author` and a `metadata` block; the Pryx part of that block sits under `metadata.pryx`,
//! or under `metadata.openclaw` for skills written for OpenClaw (`pryx` wins when both exist).
//! `metadata` may also be given as a string holding a YAML/JSON map. Unknown keys are ignored.

use pryx_core_api::{Map, SkillRequirements, Value};

mod limits;

use limits::check_yaml_bounds;

/// The longest skill id accepted, in characters.
pub const MAX_SKILL_ID_LEN: usize = 128;

/// A `SKILL.md` that was read successfully.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillDoc {
    /// The skill's id and display name (front matter `name`, trimmed; a safe id).
    pub name: String,
    /// `title`, when given and not blank.
    pub title: Option<String>,
    /// `description`, trimmed, when given and not blank.
    pub description: Option<String>,
    /// `version`, when given (a number is kept as its text).
    pub version: Option<String>,
    /// `author`, when given and not blank.
    pub author: Option<String>,
    /// `metadata.pryx.emoji`, when given.
    pub emoji: Option<String>,
    /// `metadata.pryx.type` (`tool`, `agent`, ...), when given.
    pub kind: Option<String>,
    /// `metadata.pryx.requires`: programs and environment variables it needs.
    pub requires: SkillRequirements,
    /// `metadata.pryx.install`: install recipes, kept as data.
    pub install: Vec<Value>,
    /// The markdown after the front matter, without its leading blank lines.
    pub body: String,
}

/// Why a `SKILL.md` could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillDocError {
    /// The front matter's `name` when it could be read and is a safe id, so the broken skill
    /// can still be listed under its own id.
    pub name: Option<String>,
    /// What is wrong, in a sentence.
    pub reason: String,
}

impl std::fmt::Display for SkillDocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for SkillDocError {}

/// Parses the text of a `SKILL.md`. Never panics, whatever the input.
pub fn parse_skill_md(text: &str) -> Result<SkillDoc, SkillDocError> {
    let fail = |reason: String| SkillDocError { name: None, reason };
    let (front, body) = split_front_matter(text).map_err(|r| fail(r.to_owned()))?;
    check_yaml_bounds(front).map_err(|why| fail(format!("the front matter {why}")))?;
    let front: Value = serde_yaml_ng::from_str(front)
        .map_err(|e| fail(format!("the front matter is not valid YAML: {e}")))?;
    let fields = match front {
        Value::Map(map) => map,
        Value::Null => return Err(fail("the front matter is empty; `name` is required".into())),
        other => {
            return Err(fail(format!(
                "the front matter must be a map of keys, got a {}",
                other.kind()
            )));
        }
    };
    let name = match fields.get("name") {
        None | Some(Value::Null) => return Err(fail("the front matter has no `name`".into())),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(other) => {
            return Err(fail(format!("`name` must be text, got a {}", other.kind())));
        }
    };
    if name.is_empty() {
        return Err(fail("`name` is blank".into()));
    }
    check_skill_id(&name).map_err(fail)?;
    read_fields(&fields, name.clone(), body).map_err(|reason| SkillDocError {
        name: Some(name),
        reason,
    })
}

/// Checks that `id` can name a skill: not blank, at most [`MAX_SKILL_ID_LEN`] characters, no
/// `/` or `\`, no control, bidirectional-override or invisible format characters (see
/// [`is_unsafe_id_char`]), and not `.` or `..`.
pub fn check_skill_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        Err("the skill name is blank".into())
    } else if id.chars().count() > MAX_SKILL_ID_LEN {
        Err(format!(
            "the skill name is longer than {MAX_SKILL_ID_LEN} characters"
        ))
    } else if id.contains(['/', '\\']) || id == "." || id == ".." {
        Err(format!("the skill name {id:?} looks like a path"))
    } else if id.chars().any(is_unsafe_id_char) {
        Err(format!(
            "the skill name {:?} has control or invisible characters",
            id.escape_default().to_string()
        ))
    } else {
        Ok(())
    }
}

/// Characters an id must not hold because they change how text around them shows in a
/// terminal, a log or a page: control characters (newlines, escapes), bidirectional overrides
/// and isolates, zero-width and other invisible format characters.
pub fn is_unsafe_id_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{00AD}'
        )
}

/// Splits the text into front matter and body, or says why it has no front matter.
fn split_front_matter(text: &str) -> Result<(&str, &str), &'static str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let front_start = match lines.next() {
        Some(first) if is_fence(first) => first.len(),
        _ => return Err("no front matter: the file must start with a `---` line"),
    };
    let mut start = front_start;
    for line in lines {
        if is_fence(line) {
            let body = text[start + line.len()..].trim_start_matches(['\r', '\n']);
            return Ok((&text[front_start..start], body));
        }
        start += line.len();
    }
    Err("the front matter is not closed by a `---` line")
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

fn read_fields(fields: &Map, name: String, body: &str) -> Result<SkillDoc, String> {
    let metadata = pryx_block(fields.get("metadata"))?;
    let meta = |key: &str| metadata.as_ref().and_then(|m| m.get(key));
    let requires = match meta("requires") {
        None | Some(Value::Null) => SkillRequirements::default(),
        Some(Value::Map(req)) => SkillRequirements {
            bins: text_list("metadata.pryx.requires.bins", req.get("bins"))?,
            env: text_list("metadata.pryx.requires.env", req.get("env"))?,
        },
        Some(other) => return Err(wrong("metadata.pryx.requires", "a map", other)),
    };
    let install = match meta("install") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items.clone(),
        Some(Value::Map(one)) => vec![Value::Map(one.clone())],
        Some(other) => return Err(wrong("metadata.pryx.install", "a list", other)),
    };
    Ok(SkillDoc {
        name,
        title: text("title", fields.get("title"))?,
        description: text("description", fields.get("description"))?,
        version: version(fields.get("version"))?,
        author: text("author", fields.get("author"))?,
        emoji: text("metadata.pryx.emoji", meta("emoji"))?,
        kind: text("metadata.pryx.type", meta("type"))?,
        requires,
        install,
        body: body.to_owned(),
    })
}

/// The Pryx metadata block: `metadata.pryx`, else `metadata.openclaw`.
fn pryx_block(metadata: Option<&Value>) -> Result<Option<Map>, String> {
    let parsed;
    let map = match metadata {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Map(m)) => m,
        Some(Value::String(s)) => {
            check_yaml_bounds(s).map_err(|why| format!("`metadata` is text that {why}"))?;
            parsed = serde_yaml_ng::from_str::<Value>(s)
                .map_err(|e| format!("`metadata` is text that is not a YAML map: {e}"))?;
            match &parsed {
                Value::Map(m) => m,
                Value::Null => return Ok(None),
                other => return Err(wrong("metadata", "a map", other)),
            }
        }
        Some(other) => return Err(wrong("metadata", "a map", other)),
    };
    for key in ["pryx", "openclaw"] {
        match map.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::Map(block)) => return Ok(Some(block.clone())),
            Some(other) => return Err(wrong(&format!("metadata.{key}"), "a map", other)),
        }
    }
    Ok(None)
}

fn wrong(path: &str, expected: &str, got: &Value) -> String {
    format!("`{path}` must be {expected}, got a {}", got.kind())
}

/// Optional text: absent, null and blank are `None`.
fn text(path: &str, value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(other) => Err(wrong(path, "text", other)),
    }
}

/// `version` may be written as text or as a number (`version: 2`).
fn version(value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        Some(Value::Int(i)) => Ok(Some(i.to_string())),
        Some(Value::Float(f)) => Ok(Some(f.to_string())),
        other => text("version", other),
    }
}

/// A list of text; a single text counts as a list of one.
fn text_list(path: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong(&format!("{path}.{i}"), "text", other)),
            })
            .collect(),
        Some(other) => Err(wrong(path, "a list of text", other)),
    }
}

#[cfg(test)]
mod tests;

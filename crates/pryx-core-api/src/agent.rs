//! The agent's sessions, messages and approvals as clients see them, and how they are read
//! from the runtime's answers (which are the runtime's JSON, in either naming style: the
//! upstream runtime writes `updatedAt`, others `updated_at`).

use crate::value::{Map, Value};

/// One conversation with the agent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// The runtime's id of the session.
    pub id: String,
    /// Its title; the id when the runtime gives none (so a client can always show one).
    pub title: String,
    /// When it started (RFC 3339, as the runtime wrote it).
    pub created_at: Option<String>,
    /// When it last changed (RFC 3339, as the runtime wrote it).
    pub updated_at: Option<String>,
    /// What it cost so far, in US dollars, when the runtime tracks it.
    pub cost: Option<f64>,
    /// Tokens used so far, when the runtime tracks them.
    pub tokens: Option<u64>,
}

/// One message of a session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// The runtime's id of the message, when it has one.
    pub id: Option<String>,
    /// Who wrote it: `user`, `assistant`, `system`, `tool`, ...
    pub role: String,
    /// Its text.
    pub content: String,
    /// When it was written (RFC 3339), when known.
    pub created_at: Option<String>,
}

/// A session with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDetail {
    /// The session.
    pub session: Session,
    /// Its messages, oldest first (empty when the runtime lists none).
    pub messages: Vec<Message>,
}

/// What the runtime said when it accepted a message; the reply streams on `/ws`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentMessage {
    /// The session the message went to (the runtime's choice when none was named).
    pub session_id: String,
    /// The runtime's id of the message, when it gives one.
    pub message_id: Option<String>,
}

/// An approval request waiting for a person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The id to answer with.
    pub approval_id: String,
    /// The session asking, when known.
    pub session_id: Option<String>,
    /// The tool it wants to run, when it is a tool call.
    pub tool: Option<String>,
    /// A sentence for the person deciding.
    pub reason: String,
    /// What the agent means to do, when it said.
    pub intent: Option<String>,
    /// The tool's arguments, redacted.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: Value,
}

/// An approval's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// It was waiting in the host (a `permission.request`) and is now answered.
    Host,
    /// The host did not hold it; the runtime, which tracks it, accepted the answer.
    Runtime,
}

/// Reads a session from the runtime's JSON; `None` when it has no string `id`.
pub(crate) fn session_from(value: &Value) -> Option<Session> {
    let map = value.as_map()?;
    let id = text(map, &["id", "session_id", "sessionId"])?;
    let title = text(map, &["title", "name"]).filter(|t| !t.is_empty());
    Some(Session {
        title: title.unwrap_or_else(|| id.clone()),
        id,
        created_at: text(map, &["created_at", "createdAt"]),
        updated_at: text(map, &["updated_at", "updatedAt"]),
        cost: field(map, &["cost"]).and_then(number),
        tokens: field(map, &["tokens"])
            .and_then(Value::as_i64)
            .and_then(|n| u64::try_from(n).ok()),
    })
}

/// Reads a message from the runtime's JSON; `None` when it has no string `content`.
pub(crate) fn message_from(value: &Value) -> Option<Message> {
    let map = value.as_map()?;
    Some(Message {
        id: text(map, &["id", "message_id"]),
        role: text(map, &["role"]).unwrap_or_else(|| "assistant".to_owned()),
        content: text(map, &["content"])?,
        created_at: text(map, &["created_at", "createdAt"]),
    })
}

/// The first of `keys` present in `map`, as a string (numbers are written out).
pub(crate) fn text(map: &Map, keys: &[&str]) -> Option<String> {
    match field(map, keys)? {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// The first of `keys` present (and not null) in `map`.
pub(crate) fn field<'a>(map: &'a Map, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| map.get(*k).filter(|v| !matches!(v, Value::Null)))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) if f.is_finite() => Some(*f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_read_in_either_naming_style_and_always_have_a_title() {
        let upstream = Value::map([
            ("id", Value::from("s1")),
            ("title", Value::from("Plan the trip")),
            ("updatedAt", Value::from("2026-01-02T03:04:05Z")),
            ("cost", Value::Float(0.25)),
            ("tokens", Value::Int(1200)),
        ]);
        let s = session_from(&upstream).unwrap();
        assert_eq!(s.title, "Plan the trip");
        assert_eq!(s.updated_at.as_deref(), Some("2026-01-02T03:04:05Z"));
        assert_eq!((s.cost, s.tokens), (Some(0.25), Some(1200)));

        let bare = Value::map([("id", Value::from("s2")), ("messages", Value::Int(3))]);
        let s = session_from(&bare).unwrap();
        assert_eq!((s.title.as_str(), s.updated_at), ("s2", None));
        assert_eq!(
            session_from(&Value::map([("title", Value::from("x"))])),
            None
        );
        assert_eq!(session_from(&Value::from("s3")), None);
    }

    #[test]
    fn messages_need_content() {
        let m = message_from(&Value::map([
            ("role", Value::from("user")),
            ("content", Value::from("hi")),
        ]))
        .unwrap();
        assert_eq!((m.role.as_str(), m.content.as_str()), ("user", "hi"));
        assert_eq!(
            message_from(&Value::map([("role", Value::from("user"))])),
            None
        );
    }
}

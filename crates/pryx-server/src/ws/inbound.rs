//! What clients send: protocol messages (`subscribe`, `unsubscribe`, `resume`, `ping`,
//! `request`) and the commands the TUI sends today (`{event|type, session_id, payload,
//! approval_id, approved}`; the TUI's camelCase `sessionId`/`approvalId` and a payload given as
//! top-level fields are accepted too). Parsing never panics and unknown fields are ignored.

use serde::Deserialize;
use serde_json::Value as Json;

use super::filter::{self, Pattern};

/// A parsed client message.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// Add (or, with `replace`, set) event patterns.
    Subscribe {
        id: Option<Json>,
        patterns: Vec<Pattern>,
        replace: bool,
    },
    /// Remove event patterns.
    Unsubscribe {
        id: Option<Json>,
        patterns: Vec<Pattern>,
    },
    /// Replay what was missed after `last_seq`, or resync.
    Resume {
        last_seq: u64,
        epoch: Option<String>,
    },
    /// An application-level ping, answered with `pong`.
    Ping { id: Option<Json> },
    /// An id-matched request for one operation.
    Request {
        id: Json,
        method: String,
        params: Json,
    },
    /// A command in the TUI's current shape.
    Command(Command),
}

/// A TUI command: `chat.send`, `approval.resolve`, `sessions.list`, `session.resume`, ...
#[derive(Debug)]
pub(crate) struct Command {
    pub name: String,
    pub id: Option<Json>,
    pub session_id: Option<String>,
    pub payload: Json,
    pub approval_id: Option<String>,
    pub approved: Option<bool>,
}

/// Why a client message was refused, with the id to echo when one could be read.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub id: Option<Json>,
    pub code: &'static str,
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    #[serde(rename = "type")]
    kind: Option<String>,
    event: Option<String>,
    id: Option<Json>,
    method: Option<String>,
    params: Option<Json>,
    events: Option<Json>,
    replace: bool,
    last_seq: Option<u64>,
    epoch: Option<String>,
    #[serde(alias = "sessionId")]
    session_id: Option<String>,
    payload: Option<Json>,
    #[serde(alias = "approvalId")]
    approval_id: Option<String>,
    approved: Option<bool>,
}

/// The fields of a command that are its envelope, not its data.
const ENVELOPE: &[&str] = &[
    "type",
    "event",
    "id",
    "session_id",
    "sessionId",
    "approval_id",
    "approvalId",
    "approved",
];

/// Parses one text message.
pub(crate) fn parse(text: &str) -> Result<Inbound, Rejected> {
    let json: Json = serde_json::from_str(text).map_err(|e| reject(None, "invalid_json", e))?;
    if !json.is_object() {
        return Err(reject(
            None,
            "invalid_message",
            "a message must be a JSON object",
        ));
    }
    let id = json.get("id").cloned();
    let raw: Raw = serde_json::from_value(json.clone())
        .map_err(|e| reject(id.clone(), "invalid_message", e))?;
    if let Some(id) = &raw.id {
        if !(id.is_string() || id.is_number()) {
            return Err(reject(
                None,
                "invalid_message",
                "`id` must be a string or a number",
            ));
        }
    }
    let id = raw.id.clone();
    match raw.kind.as_deref() {
        Some("subscribe") => Ok(Inbound::Subscribe {
            patterns: patterns(&raw).map_err(|m| reject(id.clone(), "invalid_message", m))?,
            replace: raw.replace,
            id,
        }),
        Some("unsubscribe") => Ok(Inbound::Unsubscribe {
            patterns: patterns(&raw).map_err(|m| reject(id.clone(), "invalid_message", m))?,
            id,
        }),
        Some("resume") => Ok(Inbound::Resume {
            last_seq: raw.last_seq.ok_or_else(|| {
                reject(
                    id,
                    "invalid_message",
                    "`resume` needs `last_seq` (a number)",
                )
            })?,
            epoch: raw.epoch,
        }),
        Some("ping") => Ok(Inbound::Ping { id }),
        Some("request") => {
            let id = id.ok_or_else(|| {
                reject(
                    None,
                    "invalid_message",
                    "a request needs an `id` to answer to",
                )
            })?;
            let method = raw.method.filter(|m| !m.is_empty()).ok_or_else(|| {
                reject(
                    Some(id.clone()),
                    "invalid_message",
                    "a request needs a `method`",
                )
            })?;
            Ok(Inbound::Request {
                id,
                method,
                params: raw.params.unwrap_or(Json::Null),
            })
        }
        kind => {
            let name = raw
                .event
                .or_else(|| kind.filter(|k| *k != "event").map(str::to_owned))
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    reject(
                        id.clone(),
                        "invalid_message",
                        "say what to do with `type` (subscribe, unsubscribe, resume, ping, \
                         request) or name a command in `event`",
                    )
                })?;
            let name = command_name(&name).ok_or_else(|| {
                reject(
                    id.clone(),
                    "unknown_type",
                    format!(
                        "unknown message type {name:?}: send one of subscribe, unsubscribe, \
                         resume, ping, request, or a command ({})",
                        COMMANDS.join(", ")
                    ),
                )
            })?;
            Ok(Inbound::Command(Command {
                name: name.to_owned(),
                id,
                session_id: raw.session_id,
                payload: raw.payload.unwrap_or_else(|| top_level_payload(json)),
                approval_id: raw.approval_id,
                approved: raw.approved,
            }))
        }
    }
}

/// The TUI commands `/ws` accepts (in `type` or `event`); nothing else is passed on.
pub(crate) const COMMANDS: &[&str] = &[
    "chat.send",
    "chat.message",
    "sessions.list",
    "session.resume",
    "approval.resolve",
    "approval.response",
];

/// The command a client's name stands for: the TUI's chat screen sends `chat.message` for
/// `chat.send` and `approval.response` for `approval.resolve`. `None` for any other name.
fn command_name(name: &str) -> Option<&'static str> {
    match name {
        "chat.send" | "chat.message" => Some("chat.send"),
        "approval.resolve" | "approval.response" => Some("approval.resolve"),
        "sessions.list" => Some("sessions.list"),
        "session.resume" => Some("session.resume"),
        _ => None,
    }
}

/// A command sent without `payload` carries its data as top-level fields (the TUI's
/// `{"type":"chat.message","sessionId":"s","content":"hi"}`): those fields, minus the envelope.
fn top_level_payload(json: Json) -> Json {
    let Json::Object(mut map) = json else {
        return Json::Null;
    };
    map.retain(|key, _| !ENVELOPE.contains(&key.as_str()));
    if map.is_empty() {
        Json::Null
    } else {
        Json::Object(map)
    }
}

fn patterns(raw: &Raw) -> Result<Vec<Pattern>, String> {
    let names: Vec<String> = match &raw.events {
        Some(Json::String(one)) => vec![one.clone()],
        Some(Json::Array(many)) => many
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("`events` must be a list of strings")?,
        None => raw.event.clone().into_iter().collect(),
        Some(_) => return Err("`events` must be a string or a list of strings".into()),
    };
    if names.is_empty() {
        return Err("name the events in `events`, e.g. [\"config.*\"]".into());
    }
    if names.len() > filter::MAX_PATTERNS {
        return Err(format!("at most {} events at once", filter::MAX_PATTERNS));
    }
    filter::parse_all(&names)
}

fn reject(id: Option<Json>, code: &'static str, why: impl std::fmt::Display) -> Rejected {
    Rejected {
        id,
        code,
        message: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocol_messages_parse() {
        let sub = parse(r#"{"type":"subscribe","events":["config.*","health"],"id":1}"#);
        assert!(
            matches!(sub, Ok(Inbound::Subscribe { patterns, id: Some(_), .. }) if patterns.len() == 2)
        );
        let req = parse(r#"{"type":"request","id":"a","method":"health"}"#).unwrap();
        assert!(matches!(req, Inbound::Request { id, params: Json::Null, .. } if id == json!("a")));
        assert!(matches!(
            parse(r#"{"type":"resume","last_seq":4}"#),
            Ok(Inbound::Resume {
                last_seq: 4,
                epoch: None
            })
        ));
    }

    #[test]
    fn tui_commands_parse_from_event_or_type() {
        for text in [
            r#"{"event":"chat.send","session_id":"s","payload":{"content":"hi"}}"#,
            r#"{"type":"chat.send","session_id":"s","payload":{"content":"hi"}}"#,
            r#"{"type":"event","event":"chat.send","session_id":"s","payload":{"content":"hi"}}"#,
        ] {
            let Ok(Inbound::Command(c)) = parse(text) else {
                panic!("{text}")
            };
            assert_eq!(
                (c.name.as_str(), c.session_id.as_deref()),
                ("chat.send", Some("s"))
            );
        }
    }

    #[test]
    fn the_tuis_camel_case_and_top_level_fields_are_understood() {
        let text = r#"{"type":"chat.message","sessionId":"s1","content":"hi"}"#;
        let Ok(Inbound::Command(c)) = parse(text) else {
            panic!("{text}")
        };
        assert_eq!(c.session_id.as_deref(), Some("s1"));
        assert_eq!(
            c.name, "chat.send",
            "chat.message is the TUI's name for chat.send"
        );
        assert_eq!(c.payload, json!({"content": "hi"}));
        let text = r#"{"type":"approval.response","approvalId":"apr-1","approved":true}"#;
        let Ok(Inbound::Command(c)) = parse(text) else {
            panic!("{text}")
        };
        assert_eq!(
            (c.approval_id.as_deref(), c.approved),
            (Some("apr-1"), Some(true))
        );
        assert_eq!(c.payload, Json::Null);
    }

    #[test]
    fn malformed_messages_are_rejected_with_codes() {
        let code = |t: &str| parse(t).unwrap_err().code;
        assert_eq!(code("{"), "invalid_json");
        assert_eq!(code("[1]"), "invalid_message");
        assert_eq!(
            code(r#"{"type":"request","method":"x"}"#),
            "invalid_message"
        );
        assert_eq!(
            code(r#"{"type":"subscribe","events":[1]}"#),
            "invalid_message"
        );
        assert_eq!(
            code(r#"{"type":"subscribe","events":["bad pattern"]}"#),
            "invalid_message"
        );
        assert_eq!(code(r#"{"type":"resume"}"#), "invalid_message");
        assert_eq!(code(r#"{"payload":{}}"#), "invalid_message");
        assert_eq!(code(r#"{"type":"ping","id":{"a":1}}"#), "invalid_message");
        assert_eq!(code(r#"{"type":"ping","last_seq":-1}"#), "invalid_message");
        assert_eq!(
            code(r#"{"type":"config.save","payload":{}}"#),
            "unknown_type"
        );
        assert_eq!(code(r#"{"event":"admin.shutdown"}"#), "unknown_type");
        assert_eq!(code(r#"{"type":"initialize","id":3}"#), "unknown_type");
        let rejected = parse(r#"{"type":"request","id":7}"#).unwrap_err();
        assert_eq!(rejected.id, Some(json!(7)));
    }
}

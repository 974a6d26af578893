//! Events: what changed, published for live clients (the `/ws` socket, the UI, the TUI).

use std::time::SystemTime;

use crate::value::Value;

/// Something that happened, named like `config.changed` or `session.message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Dotted event name; the part before the first dot is its family.
    pub name: String,
    /// The agent session it belongs to, if any.
    pub session_id: Option<String>,
    /// Event data.
    pub payload: Value,
    /// When it happened.
    pub timestamp: SystemTime,
}

impl Event {
    /// An event named `name` with `payload`, happening now.
    pub fn new(name: impl Into<String>, payload: Value) -> Self {
        Self {
            name: name.into(),
            session_id: None,
            payload,
            timestamp: SystemTime::now(),
        }
    }
}

//! Events: what changed, published for live clients (the `/ws` socket, the UI, the TUI).

use std::time::SystemTime;

use crate::config::redact_outbound;
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

    /// This event as it may leave the host: its payload redacted with the rule of
    /// [`redact_outbound`] (values under secret keys replaced, credentials in text scrubbed).
    /// Every event publisher that hands events to clients applies it, whoever produced them.
    pub fn redacted(mut self) -> Self {
        redact_outbound(&mut self.payload);
        self
    }
}

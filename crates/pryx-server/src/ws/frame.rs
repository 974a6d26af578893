//! What the server sends: every frame is one JSON text message with a `type`. Event frames are
//! serialized once per event and shared by every client that receives them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use pryx_core_api::{CoreError, Event, Value};
use serde::Serialize;
use serde_json::{Value as Json, json};

/// The version of the `/ws` protocol this server speaks (`protocol` in `hello`, `version` in
/// every event frame).
pub const PROTOCOL_VERSION: u32 = 1;

/// The close codes the server uses (see `docs/ws-protocol.md`).
pub mod close_codes {
    /// The host is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The client broke the WebSocket protocol.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A client message exceeded the size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The socket did not accept data for the send timeout (the client is not reading).
    pub const SLOW_CONSUMER: u16 = 4000;
    /// The client answered no ping within the timeout.
    pub const PING_TIMEOUT: u16 = 4001;
    /// The browser session the socket was opened with ended (logout).
    pub const SESSION_ENDED: u16 = 4002;
}

#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
    payload: &'a Value,
    timestamp: String,
    version: u32,
}

/// The latest instant RFC 3339 can show (9999-12-31T23:59:59Z).
const MAX_RFC3339_SECS: u64 = 253_402_300_799;

/// `time` as RFC 3339 UTC with milliseconds; out-of-range times are clamped.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let since = since.min(Duration::from_secs(MAX_RFC3339_SECS));
    humantime::format_rfc3339_millis(UNIX_EPOCH + since).to_string()
}

/// The `event` frame of the event numbered `seq`.
pub(crate) fn event(seq: u64, event: &Event) -> Utf8Bytes {
    let frame = EventFrame {
        kind: "event",
        seq,
        event: &event.name,
        session_id: event.session_id.as_deref(),
        payload: &event.payload,
        timestamp: rfc3339(event.timestamp),
        version: PROTOCOL_VERSION,
    };
    text(&frame)
}

/// Serializes a frame.
pub(crate) fn text(frame: &impl Serialize) -> Utf8Bytes {
    match serde_json::to_string(frame) {
        Ok(text) => Utf8Bytes::from(text),
        // Only a map with non-string keys can fail, and `Value` has none.
        Err(err) => Utf8Bytes::from(
            json!({"type": "error", "error": {"code": "internal_error", "message": err.to_string()}})
                .to_string(),
        ),
    }
}

/// What `hello` tells a client about the connection it just opened.
pub(crate) struct Hello<'a> {
    pub version: &'a str,
    pub epoch: &'a str,
    pub last_seq: u64,
    pub subscriptions: Vec<String>,
    pub session_id: Option<&'a str>,
    pub surface: Option<&'a str>,
    pub max_message_bytes: usize,
    pub ping_interval_ms: u64,
}

/// The first frame on every connection.
pub(crate) fn hello(h: Hello<'_>) -> Utf8Bytes {
    text(&json!({
        "type": "hello",
        "server": {"name": "pryx-host", "version": h.version},
        "protocol": PROTOCOL_VERSION,
        "epoch": h.epoch,
        "last_seq": h.last_seq,
        "subscriptions": h.subscriptions,
        "filters": {"session_id": h.session_id, "surface": h.surface},
        "limits": {"max_message_bytes": h.max_message_bytes, "ping_interval_ms": h.ping_interval_ms},
    }))
}

/// Events were skipped because the client fell behind.
pub(crate) fn lagged(missed: u64) -> Utf8Bytes {
    text(&json!({"type": "lagged", "missed": missed}))
}

/// The client must re-read state; events after `last_seq` follow.
pub(crate) fn resync(reason: &str, last_seq: u64) -> Utf8Bytes {
    text(&json!({"type": "resync", "reason": reason, "last_seq": last_seq}))
}

/// The current subscriptions, after a change.
pub(crate) fn subscriptions(id: Option<&Json>, names: Vec<String>) -> Utf8Bytes {
    text(&with_id(
        json!({"type": "subscriptions", "subscriptions": names}),
        id,
    ))
}

/// The answer to an application-level `ping`.
pub(crate) fn pong(id: Option<&Json>) -> Utf8Bytes {
    text(&with_id(json!({"type": "pong"}), id))
}

/// A problem with a client message that is not tied to a request.
pub(crate) fn error(id: Option<&Json>, code: &str, message: &str) -> Utf8Bytes {
    text(&with_id(
        json!({"type": "error", "error": {"code": code, "message": message}}),
        id,
    ))
}

/// Adds `id` to a frame when the client sent one.
pub(crate) fn with_id(mut frame: Json, id: Option<&Json>) -> Json {
    if let (Some(id), Some(map)) = (id, frame.as_object_mut()) {
        map.insert("id".into(), id.clone());
    }
    frame
}

/// The `error` object for a core error: its stable code, a sentence, and details for some codes.
pub(crate) fn core_error(err: &CoreError) -> Json {
    let details = match err {
        CoreError::ConfigConflict { current, .. } => Some(json!({"current_revision": current.0})),
        CoreError::ConfigInvalid { fields } => Some(json!({"fields": fields})),
        CoreError::RuntimeUnavailable {
            retry_after_secs: Some(secs),
            ..
        } => Some(json!({"retry_after_secs": secs})),
        CoreError::RuntimeFailed { code, .. } => Some(json!({"runtime_code": code})),
        _ => None,
    };
    let mut body = json!({"code": err.code(), "message": err.to_string()});
    if let (Some(details), Some(map)) = (details, body.as_object_mut()) {
        map.insert("details".into(), details);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_frames_have_the_documented_shape() {
        let mut event = Event::new("session.message", Value::map([("done", Value::Bool(true))]));
        event.session_id = Some("s1".into());
        event.timestamp = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let hub = crate::events::EventHub::new(4);
        pryx_core_api::EventPublisher::publish(&*hub, event);
        let mut rx = hub.subscribe_after(Some(0));
        let Some(crate::events::Resume::Replay(events)) = rx.resume.take() else {
            panic!("replay expected")
        };
        let frame: Json = serde_json::from_str(events[0].wire()).unwrap();
        assert_eq!(
            frame,
            json!({"type": "event", "seq": 1, "event": "session.message", "session_id": "s1",
                "payload": {"done": true}, "timestamp": "2023-11-14T22:13:20.123Z", "version": 1})
        );
    }

    #[test]
    fn timestamps_out_of_range_are_clamped_not_panics() {
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(rfc3339(before), "1970-01-01T00:00:00.000Z");
        let far = UNIX_EPOCH + Duration::from_secs(MAX_RFC3339_SECS * 2);
        assert!(rfc3339(far).starts_with("9999-12-31T23:59:59"));
    }
}

//! How `pryx watch` prints frames: one line per event for a person, or the frame as it came.

use serde_json::Value as Json;

/// The longest payload summary printed on a human line.
const SUMMARY_CHARS: usize = 120;

/// `seq time event session payload-summary`, e.g.
/// `    12 10:04:05.123Z config.changed - {"changed":["model_name"],"revision":"r2"}`.
pub fn event_line(frame: &Json) -> String {
    let seq = frame["seq"].as_u64().unwrap_or(0);
    let timestamp = frame["timestamp"].as_str().unwrap_or("");
    let time = timestamp.split_once('T').map_or(timestamp, |(_, t)| t);
    let event = frame["event"].as_str().unwrap_or("?");
    let session = frame["session_id"].as_str().unwrap_or("-");
    let payload = summary(&frame["payload"]);
    format!("{seq:>6} {time} {event} {session} {payload}")
}

/// The payload as compact JSON, cut to [`SUMMARY_CHARS`] characters.
fn summary(payload: &Json) -> String {
    let text = match payload {
        Json::Null => return "-".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(SUMMARY_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_lines_are_compact_and_bounded() {
        let frame = json!({"type": "event", "seq": 12, "event": "session.message",
            "session_id": "s1", "timestamp": "2026-11-25T10:04:05.123Z",
            "payload": {"content": "hi", "done": false}, "version": 1});
        assert_eq!(
            event_line(&frame),
            r#"    12 10:04:05.123Z session.message s1 {"content":"hi","done":false}"#
        );
        let long = json!({"seq": 1, "event": "x", "payload": "y".repeat(500)});
        let line = event_line(&long);
        assert!(line.ends_with('…') && line.chars().count() < 150, "{line}");
        assert!(event_line(&json!({"seq": 2, "event": "x"})).ends_with("x - -"));
    }
}

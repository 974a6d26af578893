//! What a connection's writer sends next, in order. With coalescing on (`?batch=1`), event
//! frames that are ready together go out as one `events` frame — the pre-serialized event
//! frames joined, never re-serialized — which saves a WebSocket frame (and a parse on the
//! client) per event when many clients each receive many events.

use axum::extract::ws::{Message, Utf8Bytes};

/// A coalesced frame is closed once it holds this many bytes of events.
const MAX_COALESCED_BYTES: usize = 64 * 1024;

/// Frames waiting to be written.
pub(crate) struct Outbox {
    messages: Vec<Message>,
    events: Vec<Utf8Bytes>,
    event_bytes: usize,
    coalesce: bool,
}

impl Outbox {
    /// An empty outbox; `coalesce` joins event frames ready together into one frame.
    pub(crate) fn new(coalesce: bool) -> Self {
        Self {
            messages: Vec::new(),
            events: Vec::new(),
            event_bytes: 0,
            coalesce,
        }
    }

    /// Queues an `event` frame.
    pub(crate) fn event(&mut self, frame: Utf8Bytes) {
        if self.coalesce {
            if self.event_bytes + frame.len() > MAX_COALESCED_BYTES {
                self.seal();
            }
            self.event_bytes += frame.len();
            self.events.push(frame);
        } else {
            self.messages.push(Message::Text(frame));
        }
    }

    /// Queues any other frame (after the events queued before it).
    pub(crate) fn text(&mut self, frame: Utf8Bytes) {
        self.push(Message::Text(frame));
    }

    /// Queues a message (after the events queued before it).
    pub(crate) fn push(&mut self, message: Message) {
        self.seal();
        self.messages.push(message);
    }

    /// How many frames and events are queued.
    pub(crate) fn len(&self) -> usize {
        self.messages.len() + self.events.len()
    }

    /// Takes everything queued, in order.
    pub(crate) fn take(&mut self) -> std::vec::Drain<'_, Message> {
        self.seal();
        self.messages.drain(..)
    }

    /// Drops everything queued.
    pub(crate) fn clear(&mut self) {
        self.messages.clear();
        self.events.clear();
        self.event_bytes = 0;
    }

    /// Turns the queued events into one frame: a lone event as it is, several as
    /// `{"type":"events","events":[<event frame>,...]}`.
    fn seal(&mut self) {
        self.event_bytes = 0;
        match self.events.len() {
            0 => {}
            1 => {
                let frame = self.events.pop().unwrap_or_default();
                self.messages.push(Message::Text(frame));
            }
            _ => {
                const HEAD: &str = r#"{"type":"events","events":["#;
                let size = HEAD.len() + 2 + self.events.iter().map(|e| e.len() + 1).sum::<usize>();
                let mut joined = String::with_capacity(size);
                joined.push_str(HEAD);
                for (i, frame) in self.events.drain(..).enumerate() {
                    if i > 0 {
                        joined.push(',');
                    }
                    joined.push_str(frame.as_str());
                }
                joined.push_str("]}");
                self.messages.push(Message::Text(joined.into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(outbox: &mut Outbox) -> Vec<String> {
        outbox
            .take()
            .map(|m| match m {
                Message::Text(t) => t.as_str().to_owned(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn coalesced_events_keep_their_order_around_other_frames() {
        let mut outbox = Outbox::new(true);
        outbox.event(r#"{"seq":1}"#.into());
        outbox.event(r#"{"seq":2}"#.into());
        outbox.text(r#"{"type":"resync"}"#.into());
        outbox.event(r#"{"seq":3}"#.into());
        assert_eq!(outbox.len(), 2 + 1);
        assert_eq!(
            texts(&mut outbox),
            [
                r#"{"type":"events","events":[{"seq":1},{"seq":2}]}"#,
                r#"{"type":"resync"}"#,
                r#"{"seq":3}"#,
            ]
        );
        assert_eq!(outbox.len(), 0);
    }

    #[test]
    fn coalesced_frames_stay_bounded() {
        let mut outbox = Outbox::new(true);
        let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(40 * 1024));
        for _ in 0..3 {
            outbox.event(big.clone().into());
        }
        let frames = texts(&mut outbox);
        assert_eq!(
            frames.len(),
            3,
            "each 40 KiB event closes the previous frame"
        );
    }

    #[test]
    fn without_coalescing_every_event_is_its_own_frame() {
        let mut outbox = Outbox::new(false);
        outbox.event(r#"{"seq":1}"#.into());
        outbox.event(r#"{"seq":2}"#.into());
        assert_eq!(texts(&mut outbox), [r#"{"seq":1}"#, r#"{"seq":2}"#]);
    }
}

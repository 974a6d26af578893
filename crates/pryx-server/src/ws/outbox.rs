//! What a connection's writer sends next, in order. With coalescing on (`?batch=1`), event
//! frames that are ready together go out as one `events` frame — the pre-serialized event
//! frames joined, never re-serialized — which saves a WebSocket frame (and a parse on the
//! client) per event when many clients each receive many events.

use axum::extract::ws::{Message, Utf8Bytes};

/// A coalesced frame is closed once it holds this many bytes of events.
const MAX_COALESCED_BYTES: usize = 64 * 1024;

/// The head of a coalesced frame; the events follow, comma-separated, then `]}`.
const HEAD: &str = r#"{"type":"events","events":["#;

/// Frames waiting to be written. Allocates nothing until something is queued, and hands its
/// buffers to the messages it makes, so an idle connection's outbox is a few words.
pub(crate) struct Outbox {
    messages: Vec<Message>,
    /// Coalescing: the first event of the frame being gathered (sent as it is when alone).
    first: Option<Utf8Bytes>,
    /// Coalescing: the frame being gathered, once it holds two events or more.
    joined: String,
    /// How many events `first` and `joined` hold.
    events: usize,
    coalesce: bool,
}

impl Outbox {
    /// An empty outbox; `coalesce` joins event frames ready together into one frame.
    pub(crate) fn new(coalesce: bool) -> Self {
        Self {
            messages: Vec::new(),
            first: None,
            joined: String::new(),
            events: 0,
            coalesce,
        }
    }

    /// Queues an `event` frame (shared; coalesced events are copied into the joined frame).
    pub(crate) fn event(&mut self, frame: &Utf8Bytes) {
        if !self.coalesce {
            self.messages.push(Message::Text(frame.clone()));
            return;
        }
        match self.events {
            0 => self.first = Some(frame.clone()),
            _ => {
                if self.gathered_bytes() + frame.len() > MAX_COALESCED_BYTES {
                    self.seal();
                    return self.event(frame);
                }
                if self.events == 1 {
                    let first = self.first.take().unwrap_or_default();
                    self.joined
                        .reserve(HEAD.len() + first.len() + frame.len() + 3);
                    self.joined.push_str(HEAD);
                    self.joined.push_str(first.as_str());
                }
                self.joined.push(',');
                self.joined.push_str(frame.as_str());
            }
        }
        self.events += 1;
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
        self.messages.len() + self.events
    }

    /// Takes everything queued, in order.
    pub(crate) fn take(&mut self) -> std::vec::Drain<'_, Message> {
        self.seal();
        self.messages.drain(..)
    }

    /// Drops everything queued, and the memory it held.
    pub(crate) fn clear(&mut self) {
        self.messages = Vec::new();
        self.first = None;
        self.joined = String::new();
        self.events = 0;
    }

    fn gathered_bytes(&self) -> usize {
        self.first.as_ref().map_or(self.joined.len(), |f| f.len())
    }

    /// Turns the gathered events into one frame: a lone event as it is, several as
    /// `{"type":"events","events":[<event frame>,...]}`.
    fn seal(&mut self) {
        match self.events {
            0 => {}
            1 => {
                let frame = self.first.take().unwrap_or_default();
                self.messages.push(Message::Text(frame));
            }
            _ => {
                self.joined.push_str("]}");
                let joined = std::mem::take(&mut self.joined);
                self.messages.push(Message::Text(joined.into()));
            }
        }
        self.events = 0;
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
        outbox.event(&r#"{"seq":1}"#.into());
        outbox.event(&r#"{"seq":2}"#.into());
        outbox.text(r#"{"type":"resync"}"#.into());
        outbox.event(&r#"{"seq":3}"#.into());
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
            outbox.event(&big.clone().into());
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
        outbox.event(&r#"{"seq":1}"#.into());
        outbox.event(&r#"{"seq":2}"#.into());
        assert_eq!(texts(&mut outbox), [r#"{"seq":1}"#, r#"{"seq":2}"#]);
    }
}

//! The in-process event hub: every event published by a core service or an adapter gets a
//! sequence number and is fanned out to live subscribers (the `/ws` clients).

use std::sync::{Arc, Mutex};

use pryx_core_api::{Event, EventPublisher};
use tokio::sync::broadcast;

/// An event with its place in the host's event order.
#[derive(Debug, Clone, PartialEq)]
pub struct SequencedEvent {
    /// Strictly increasing, starting at 1, never reused while the host runs.
    pub seq: u64,
    /// The event.
    pub event: Event,
}

/// Fans events out to subscribers. Publishing never blocks: a subscriber that falls more than
/// the hub's capacity behind loses the oldest events and is told so when it next receives.
pub struct EventHub {
    tx: broadcast::Sender<Arc<SequencedEvent>>,
    last_seq: Mutex<u64>,
}

impl EventHub {
    /// The default number of events a subscriber may fall behind.
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// A hub where a subscriber may fall `capacity` events behind.
    pub fn new(capacity: usize) -> Arc<Self> {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Arc::new(Self {
            tx,
            last_seq: Mutex::new(0),
        })
    }

    /// A new subscription that sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SequencedEvent>> {
        self.tx.subscribe()
    }

    /// The sequence number of the last event published (0 before the first).
    pub fn last_seq(&self) -> u64 {
        *self.last_seq.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventPublisher for EventHub {
    fn publish(&self, event: Event) {
        // Numbering and sending under one lock keeps the order subscribers see equal to `seq`.
        let mut last = self.last_seq.lock().unwrap_or_else(|p| p.into_inner());
        *last += 1;
        let _ = self.tx.send(Arc::new(SequencedEvent { seq: *last, event }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Value;

    #[tokio::test]
    async fn subscribers_see_events_in_sequence() {
        let hub = EventHub::new(16);
        let mut rx = hub.subscribe();
        hub.publish(Event::new("a", Value::Null));
        hub.publish(Event::new("b", Value::Null));
        assert_eq!(rx.recv().await.unwrap().seq, 1);
        let second = rx.recv().await.unwrap();
        assert_eq!((second.seq, second.event.name.as_str()), (2, "b"));
        assert_eq!(hub.last_seq(), 2);
    }
}

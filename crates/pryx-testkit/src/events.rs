//! An event publisher that keeps what it is given.

use std::sync::Mutex;

use pryx_core_api::{Event, EventPublisher};

use crate::lock;

/// An [`EventPublisher`] that keeps every event in memory, for tests of the core services.
#[derive(Debug, Default)]
pub struct MemoryEvents {
    events: Mutex<Vec<Event>>,
}

impl MemoryEvents {
    /// An empty publisher.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events published so far, oldest first.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// The names of the events published so far, oldest first.
    pub fn names(&self) -> Vec<String> {
        lock(&self.events).iter().map(|e| e.name.clone()).collect()
    }
}

impl EventPublisher for MemoryEvents {
    fn publish(&self, event: Event) {
        lock(&self.events).push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Value;

    #[test]
    fn keeps_events_in_order() {
        let events = MemoryEvents::new();
        events.publish(Event::new("config.changed", Value::Null));
        events.publish(Event::new("skills.changed", Value::Null));
        assert_eq!(events.names(), ["config.changed", "skills.changed"]);
        assert_eq!(events.events().len(), 2);
    }
}

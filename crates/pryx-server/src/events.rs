//! The in-process event hub: every event published by a core service or an adapter gets a
//! sequence number, is kept in a bounded replay buffer, and is fanned out to live subscribers
//! (the `/ws` clients).
//!
//! Publishing takes one short, uncontended-in-practice lock (number, remember, send) and never
//! waits for a subscriber: a subscriber that falls behind loses the oldest events and is told so
//! when it next receives. Reading the last sequence number is lock-free.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::extract::ws::Utf8Bytes;
use pryx_core_api::{Event, EventPublisher};
use tokio::sync::broadcast;

/// An event with its place in the host's event order.
#[derive(Debug, Clone)]
pub struct SequencedEvent {
    /// Strictly increasing, starting at 1, never reused while the hub lives.
    pub seq: u64,
    /// The event.
    pub event: Event,
    /// The event's `/ws` frame, serialized once and shared by every client.
    wire: OnceLock<Utf8Bytes>,
}

impl SequencedEvent {
    /// The wire form of this event, made by `render` the first time it is needed.
    pub(crate) fn wire(&self, render: impl FnOnce(&SequencedEvent) -> Utf8Bytes) -> Utf8Bytes {
        self.wire.get_or_init(|| render(self)).clone()
    }
}

impl PartialEq for SequencedEvent {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq && self.event == other.event
    }
}

/// Where a resuming subscriber starts.
#[derive(Debug)]
pub enum Resume {
    /// The subscriber missed these events (possibly none); they follow directly on its seq.
    Replay(Vec<Arc<SequencedEvent>>),
    /// Events the subscriber missed are no longer kept; it must re-read state.
    TooOld {
        /// The oldest sequence number still kept (0 when nothing is kept).
        oldest_kept: u64,
    },
    /// The subscriber names a sequence number this hub never issued (it talked to an earlier
    /// host run); it must re-read state.
    Unknown,
}

/// A live subscription, attached atomically after an optional replay.
#[derive(Debug)]
pub struct Subscription {
    /// Events published after `last_seq`, in order.
    pub receiver: broadcast::Receiver<Arc<SequencedEvent>>,
    /// The sequence number of the last event published before the subscription started.
    pub last_seq: u64,
    /// What the subscriber missed, when it asked to resume.
    pub resume: Option<Resume>,
}

struct Ring {
    events: VecDeque<Arc<SequencedEvent>>,
    capacity: usize,
}

/// Fans events out to subscribers and keeps the most recent ones for subscribers that
/// reconnect. Publishing never blocks on a subscriber.
pub struct EventHub {
    tx: broadcast::Sender<Arc<SequencedEvent>>,
    ring: Mutex<Ring>,
    last_seq: AtomicU64,
    epoch: String,
}

impl EventHub {
    /// The default number of events a subscriber may fall behind, and of events kept for
    /// replay.
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// A hub where a subscriber may fall `capacity` events behind, keeping the last
    /// `capacity` events for replay.
    pub fn new(capacity: usize) -> Arc<Self> {
        Self::with_replay(capacity, capacity)
    }

    /// A hub where a live subscriber may fall `capacity` events behind and the last `replay`
    /// events are kept for subscribers that resume (0 keeps none).
    pub fn with_replay(capacity: usize, replay: usize) -> Arc<Self> {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Arc::new(Self {
            tx,
            ring: Mutex::new(Ring {
                events: VecDeque::with_capacity(replay.min(1024)),
                capacity: replay,
            }),
            last_seq: AtomicU64::new(0),
            epoch: format!("{:016x}", fastrand::u64(..)),
        })
    }

    /// A new subscription that sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SequencedEvent>> {
        self.tx.subscribe()
    }

    /// A subscription that first catches up: with `after = Some(n)`, [`Subscription::resume`]
    /// holds every kept event after `n` (or why that is impossible), and the receiver continues
    /// exactly where the replay ends — no gap, no duplicate.
    pub fn subscribe_after(&self, after: Option<u64>) -> Subscription {
        let ring = self.lock();
        let last_seq = self.last_seq.load(Ordering::Acquire);
        let receiver = self.tx.subscribe();
        let resume = after.map(|after| replay(&ring, after, last_seq));
        Subscription {
            receiver,
            last_seq,
            resume,
        }
    }

    /// How many live subscriptions there are (one per connected `/ws` client). Lock-free.
    pub fn subscriber_count(&self) -> usize {
        self.tx.receiver_count()
    }

    /// The sequence number of the last event published (0 before the first). Lock-free.
    pub fn last_seq(&self) -> u64 {
        self.last_seq.load(Ordering::Acquire)
    }

    /// A random id of this hub, different on every host run. A subscriber that resumes with a
    /// sequence number from another epoch must resync instead.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn replay(ring: &Ring, after: u64, last_seq: u64) -> Resume {
    if after > last_seq {
        return Resume::Unknown;
    }
    if after == last_seq {
        return Resume::Replay(Vec::new());
    }
    let oldest_kept = ring.events.front().map_or(0, |e| e.seq);
    if oldest_kept == 0 || after + 1 < oldest_kept {
        return Resume::TooOld { oldest_kept };
    }
    let skip = (after + 1 - oldest_kept) as usize;
    Resume::Replay(ring.events.iter().skip(skip).cloned().collect())
}

impl EventPublisher for EventHub {
    fn publish(&self, event: Event) {
        // Whoever published it (a core service, the runtime, a test), an event leaves the host
        // only redacted.
        let event = event.redacted();
        // Numbering, remembering and sending under one lock keeps the order every subscriber
        // sees equal to `seq`, and lets `subscribe_after` attach without a gap.
        let mut ring = self.lock();
        let seq = self.last_seq.load(Ordering::Relaxed) + 1;
        let event = Arc::new(SequencedEvent {
            seq,
            event,
            wire: OnceLock::new(),
        });
        if ring.capacity > 0 {
            if ring.events.len() == ring.capacity {
                ring.events.pop_front();
            }
            ring.events.push_back(event.clone());
        }
        self.last_seq.store(seq, Ordering::Release);
        let _ = self.tx.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Value;

    fn publish(hub: &EventHub, n: usize) {
        for i in 0..n {
            hub.publish(Event::new(format!("e{i}"), Value::Null));
        }
    }

    fn seqs(resume: Option<Resume>) -> Vec<u64> {
        match resume {
            Some(Resume::Replay(events)) => events.iter().map(|e| e.seq).collect(),
            other => panic!("expected a replay, got {other:?}"),
        }
    }

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

    #[tokio::test]
    async fn resume_replays_what_was_missed_then_continues_live() {
        let hub = EventHub::new(8);
        publish(&hub, 5);
        let mut sub = hub.subscribe_after(Some(2));
        assert_eq!(sub.last_seq, 5);
        assert_eq!(seqs(sub.resume), [3, 4, 5]);
        publish(&hub, 1);
        assert_eq!(sub.receiver.recv().await.unwrap().seq, 6);
        assert!(seqs(hub.subscribe_after(Some(6)).resume).is_empty());
    }

    #[test]
    fn resume_past_the_buffer_or_from_another_run_needs_a_resync() {
        let hub = EventHub::with_replay(8, 4);
        publish(&hub, 10);
        assert_eq!(seqs(hub.subscribe_after(Some(6)).resume), [7, 8, 9, 10]);
        assert!(matches!(
            hub.subscribe_after(Some(5)).resume,
            Some(Resume::TooOld { oldest_kept: 7 })
        ));
        assert!(matches!(
            hub.subscribe_after(Some(11)).resume,
            Some(Resume::Unknown)
        ));
        let none = EventHub::with_replay(8, 0);
        publish(&none, 1);
        assert!(matches!(
            none.subscribe_after(Some(0)).resume,
            Some(Resume::TooOld { oldest_kept: 0 })
        ));
    }

    #[test]
    fn every_hub_has_its_own_epoch() {
        assert_ne!(EventHub::new(1).epoch(), EventHub::new(1).epoch());
    }
}

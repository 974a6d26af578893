//! The in-process event hub: every event published by a core service or an adapter gets a
//! sequence number, is serialised once into its `/ws` frame, and is stored in one shared ring
//! that every live subscriber (a `/ws` client) reads through its own [`Cursor`].
//!
//! Publishing takes one short lock among publishers (number, serialise, store) and never waits
//! for a subscriber; it then wakes the waiting cursors. Subscribers only read: a cursor is a
//! sequence number, so a subscriber that falls behind costs nothing but its place, and one that
//! falls more than the ring behind is told so (`Lagged`) and skips to the newest event in O(1).
//! The same ring is the replay buffer for subscribers that resume after a disconnect.

mod cursor;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwapOption;
use axum::extract::ws::Utf8Bytes;
use pryx_core_api::{Event, EventPublisher};
use tokio::sync::Notify;

pub use cursor::{Cursor, Lagged};

/// Waiting cursors are spread over this many wake lists, so registering a waiter and waking
/// them do not all queue on one lock.
const WAKE_SHARDS: usize = 8;

/// An event with its place in the host's event order.
#[derive(Debug)]
pub struct SequencedEvent {
    /// Strictly increasing, starting at 1, never reused while the hub lives.
    pub seq: u64,
    /// The event.
    pub event: Event,
    /// The event's `/ws` frame, serialised once when it was published and shared by every
    /// client.
    wire: Utf8Bytes,
}

impl SequencedEvent {
    /// The wire form of this event (its `/ws` `event` frame).
    pub(crate) fn wire(&self) -> &Utf8Bytes {
        &self.wire
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
    /// Reads the events published after `last_seq`, in order.
    pub cursor: Cursor,
    /// The sequence number of the last event published before the subscription started.
    pub last_seq: u64,
    /// What the subscriber missed, when it asked to resume.
    pub resume: Option<Resume>,
}

/// Fans events out to subscribers and keeps the most recent ones for subscribers that
/// reconnect. Publishing never blocks on a subscriber.
pub struct EventHub {
    /// Event `seq` lives in slot `seq & mask` until `slots.len()` newer events replace it.
    slots: Box<[ArcSwapOption<SequencedEvent>]>,
    mask: u64,
    /// How many of the newest events a resuming subscriber may replay.
    replay: u64,
    /// Held by a publisher while it numbers and stores an event (and by `subscribe_after`
    /// while it copies a replay), so the order in the ring is the order of `seq`.
    publishing: Mutex<()>,
    last_seq: AtomicU64,
    wakers: [Notify; WAKE_SHARDS],
    subscribers: AtomicUsize,
    next_shard: AtomicUsize,
    epoch: String,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("ring", &self.slots.len())
            .field("last_seq", &self.last_seq())
            .field("subscribers", &self.subscriber_count())
            .finish_non_exhaustive()
    }
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

    /// A hub where a live subscriber may fall at least `capacity` events behind (the ring
    /// holds `max(capacity, replay)` rounded up to a power of two) and the last `replay`
    /// events are kept for subscribers that resume (0 keeps none).
    pub fn with_replay(capacity: usize, replay: usize) -> Arc<Self> {
        let size = capacity.max(replay).max(1).next_power_of_two();
        Arc::new(Self {
            slots: (0..size).map(|_| ArcSwapOption::empty()).collect(),
            mask: size as u64 - 1,
            replay: replay as u64,
            publishing: Mutex::new(()),
            last_seq: AtomicU64::new(0),
            wakers: std::array::from_fn(|_| Notify::new()),
            subscribers: AtomicUsize::new(0),
            next_shard: AtomicUsize::new(0),
            epoch: format!("{:016x}", fastrand::u64(..)),
        })
    }

    /// A new cursor that reads every event published from now on.
    pub fn subscribe(self: &Arc<Self>) -> Cursor {
        Cursor::new(self.clone(), self.last_seq())
    }

    /// A subscription that first catches up: with `after = Some(n)`, [`Subscription::resume`]
    /// holds every kept event after `n` (or why that is impossible), and the cursor continues
    /// exactly where the replay ends — no gap, no duplicate.
    pub fn subscribe_after(self: &Arc<Self>, after: Option<u64>) -> Subscription {
        let _publishing = self.lock();
        let last_seq = self.last_seq.load(Ordering::Acquire);
        let resume = after.map(|after| self.replay(after, last_seq));
        Subscription {
            cursor: Cursor::new(self.clone(), last_seq),
            last_seq,
            resume,
        }
    }

    /// How many live cursors there are (one per connected `/ws` client). Lock-free.
    pub fn subscriber_count(&self) -> usize {
        self.subscribers.load(Ordering::Relaxed)
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

    /// How many events the ring holds: a cursor further behind than this has lost events.
    pub fn ring_size(&self) -> usize {
        self.slots.len()
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.publishing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot(&self, seq: u64) -> &ArcSwapOption<SequencedEvent> {
        &self.slots[(seq & self.mask) as usize]
    }

    /// The events after `after` up to `last_seq`; called with the publishing lock held, so
    /// none of them is replaced meanwhile.
    fn replay(&self, after: u64, last_seq: u64) -> Resume {
        if after > last_seq {
            return Resume::Unknown;
        }
        if after == last_seq {
            return Resume::Replay(Vec::new());
        }
        let kept = self.replay.min(last_seq);
        let oldest_kept = if kept == 0 { 0 } else { last_seq - kept + 1 };
        if oldest_kept == 0 || after + 1 < oldest_kept {
            return Resume::TooOld { oldest_kept };
        }
        let mut events = Vec::with_capacity((last_seq - after) as usize);
        for seq in after + 1..=last_seq {
            match self.slot(seq).load_full() {
                Some(event) if event.seq == seq => events.push(event),
                // Not reachable while `replay` ≤ the ring, which `with_replay` ensures.
                _ => return Resume::TooOld { oldest_kept },
            }
        }
        Resume::Replay(events)
    }

    fn wake(&self) {
        for waiters in &self.wakers {
            waiters.notify_waiters();
        }
    }
}

impl EventPublisher for EventHub {
    fn publish(&self, event: Event) {
        // Whoever published it (a core service, the runtime, a test), an event leaves the host
        // only redacted.
        let event = event.redacted();
        {
            // Numbering and storing under one lock keeps the ring in `seq` order and lets
            // `subscribe_after` attach without a gap.
            let _publishing = self.lock();
            let seq = self.last_seq.load(Ordering::Relaxed) + 1;
            let wire = crate::ws::event_frame(seq, &event);
            let event = Arc::new(SequencedEvent { seq, event, wire });
            self.slot(seq).store(Some(event));
            // Release: a cursor that reads this `last_seq` also sees the slot just stored.
            self.last_seq.store(seq, Ordering::Release);
        }
        self.wake();
    }
}

#[cfg(test)]
mod tests;

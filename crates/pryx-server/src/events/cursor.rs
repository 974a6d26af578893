//! A subscriber's place in the hub's ring: the sequence number of the last event it handled.
//! Reading copies nothing and takes no lock; waiting registers on one of the hub's wake lists.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{EventHub, SequencedEvent, WAKE_SHARDS};

/// The cursor fell more than the ring behind: `missed` events were lost, and it now stands at
/// the newest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged {
    /// How many events the cursor skipped.
    pub missed: u64,
}

/// Reads the hub's events in `seq` order, from a starting point on. Dropping it unsubscribes.
#[derive(Debug)]
pub struct Cursor {
    hub: Arc<EventHub>,
    /// The seq of the last event handled (read or skipped).
    seq: u64,
    shard: usize,
}

impl Cursor {
    pub(super) fn new(hub: Arc<EventHub>, seq: u64) -> Self {
        hub.subscribers.fetch_add(1, Ordering::Relaxed);
        let shard = hub.next_shard.fetch_add(1, Ordering::Relaxed) % WAKE_SHARDS;
        Self { hub, seq, shard }
    }

    /// The seq of the last event this cursor handled (read or skipped).
    pub fn position(&self) -> u64 {
        self.seq
    }

    /// How many published events this cursor has not handled yet.
    pub fn behind(&self) -> u64 {
        self.hub.last_seq().saturating_sub(self.seq)
    }

    /// Returns once an event after the cursor has been published (at once if one already
    /// is). Cancel-safe: dropping the future loses nothing.
    pub async fn ready(&self) {
        loop {
            // Registered before the check: a publish between the check and the wait still
            // wakes this future (`notify_waiters` wakes every `Notified` created before it).
            let published = self.hub.wakers[self.shard].notified();
            if self.hub.last_seq() > self.seq {
                return;
            }
            published.await;
        }
    }

    /// Hands `each` up to `max` of the events after the cursor, in order, without copying
    /// them, and moves past them; returns how many. When the next event was already replaced
    /// in the ring (the cursor fell more than the ring behind), skips to the newest event and
    /// says how many were lost, after the events handed out before.
    pub fn read(
        &mut self,
        max: usize,
        mut each: impl FnMut(&SequencedEvent),
    ) -> Result<usize, Lagged> {
        let last = self.hub.last_seq();
        let mut taken = 0;
        while self.seq < last && taken < max {
            let next = self.seq + 1;
            let slot = self.hub.slot(next).load();
            match slot.as_deref() {
                Some(event) if event.seq == next => each(event),
                // A newer event took its slot.
                _ => return Err(self.skip_to_newest()),
            }
            self.seq = next;
            taken += 1;
        }
        Ok(taken)
    }

    /// The next event, once there is one; `Lagged` when events were lost first (the next
    /// call continues after the newest event).
    pub async fn recv(&mut self) -> Result<Arc<SequencedEvent>, Lagged> {
        loop {
            if let Some(event) = self.try_recv()? {
                return Ok(event);
            }
            self.ready().await;
        }
    }

    /// The next event if one was published, without waiting.
    pub fn try_recv(&mut self) -> Result<Option<Arc<SequencedEvent>>, Lagged> {
        if self.hub.last_seq() <= self.seq {
            return Ok(None);
        }
        let next = self.seq + 1;
        match self.hub.slot(next).load_full() {
            Some(event) if event.seq == next => {
                self.seq = next;
                Ok(Some(event))
            }
            _ => Err(self.skip_to_newest()),
        }
    }

    /// Skips every event not handled yet; says how many that were.
    pub fn skip_to_newest(&mut self) -> Lagged {
        let last = self.hub.last_seq();
        let missed = last.saturating_sub(self.seq);
        self.seq = self.seq.max(last);
        Lagged { missed }
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.hub.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

//! The connection table: at most `max` connections, and a newcomer at the cap takes the place
//! of the connection that has been idle (between requests, or still sending its request head)
//! or busy with a request without a credential for the longest. Connections busy with an
//! authenticated request are never displaced, so idle or anonymous sockets can never keep the
//! owner out; only when every slot serves an authenticated request is a connection refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

/// Between requests, or reading a request head: displaceable.
const IDLE: u8 = 0;
/// Serving a request that carries no credential: displaceable.
const ANONYMOUS: u8 = 1;
/// Serving an authenticated request: never displaced.
const AUTHENTICATED: u8 = 2;

/// What one connection is doing, as the table sees it. Shared between the accept loop, the
/// connection's service and (through request extensions) the security guard.
pub(crate) struct ConnectionActivity {
    phase: AtomicU8,
    /// When the phase last changed, on the table's clock: the oldest displaceable goes first.
    since: AtomicU64,
    clock: Arc<AtomicU64>,
}

impl ConnectionActivity {
    fn set(&self, phase: u8) {
        self.phase.store(phase, Ordering::Relaxed);
        let tick = self.clock.fetch_add(1, Ordering::Relaxed);
        self.since.store(tick, Ordering::Relaxed);
    }

    /// A request head arrived; until the guard says otherwise it has no credential.
    pub(crate) fn request_started(&self) {
        self.set(ANONYMOUS);
    }

    /// The request in progress carries a valid credential: this connection keeps its slot.
    pub(crate) fn authenticated(&self) {
        self.phase.store(AUTHENTICATED, Ordering::Relaxed);
    }

    /// The request was answered; the connection waits for the next head.
    pub(crate) fn request_finished(&self) {
        self.set(IDLE);
    }

    fn displaceable(&self) -> bool {
        self.phase.load(Ordering::Relaxed) != AUTHENTICATED
    }
}

struct Entry {
    activity: Arc<ConnectionActivity>,
    displaced: CancellationToken,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    entries: HashMap<u64, Entry>,
}

/// The open connections, capped.
pub(crate) struct ConnectionTable {
    max: usize,
    clock: Arc<AtomicU64>,
    table: Mutex<Table>,
}

/// A connection's place in the table; dropping it frees the place.
pub(crate) struct Slot {
    id: u64,
    table: Arc<ConnectionTable>,
    /// What the connection is doing; handed to its service.
    pub activity: Arc<ConnectionActivity>,
    /// Cancelled when a newcomer took this connection's place: close it.
    pub displaced: CancellationToken,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.table.lock().entries.remove(&self.id);
    }
}

impl ConnectionTable {
    /// A table of at most `max` connections.
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            clock: Arc::default(),
            table: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a new connection: a free one, else the one of the longest-idle (or
    /// anonymous) connection, which is told to close; `None` when every place serves an
    /// authenticated request. The second value says whether a connection was displaced.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<(Slot, bool)> {
        let mut table = self.lock();
        let mut displaced_one = false;
        if table.entries.len() >= self.max {
            let oldest = table
                .entries
                .iter()
                .filter(|(_, e)| e.activity.displaceable())
                .min_by_key(|(_, e)| e.activity.since.load(Ordering::Relaxed))
                .map(|(id, _)| *id)?;
            if let Some(entry) = table.entries.remove(&oldest) {
                entry.displaced.cancel();
            }
            displaced_one = true;
        }
        let id = table.next_id;
        table.next_id += 1;
        let activity = Arc::new(ConnectionActivity {
            phase: AtomicU8::new(IDLE),
            since: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
            clock: self.clock.clone(),
        });
        let displaced = CancellationToken::new();
        table.entries.insert(
            id,
            Entry {
                activity: activity.clone(),
                displaced: displaced.clone(),
            },
        );
        drop(table);
        let slot = Slot {
            id,
            table: self.clone(),
            activity,
            displaced,
        };
        Some((slot, displaced_one))
    }
}

/// Lets a log line through at most once per interval, counting what it held back.
pub(crate) struct RateLimitedLog {
    interval: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl RateLimitedLog {
    /// At most one line per `interval`.
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new((None, 0)),
        }
    }

    /// Whether to write the line now (`Some(how many were held back since the last one)`).
    pub(crate) fn allow(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (last, held_back) = &mut *state;
        if last.is_some_and(|at| now.saturating_duration_since(at) < self.interval) {
            *held_back += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(held_back))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newcomer_displaces_the_longest_idle_never_an_authenticated_one() {
        let table = ConnectionTable::new(3);
        let (a, _) = table.admit().unwrap();
        let (b, _) = table.admit().unwrap();
        let (c, _) = table.admit().unwrap();
        a.activity.request_started();
        a.activity.authenticated();
        b.activity.request_started(); // anonymous since after c went idle
        let (d, displaced) = table.admit().unwrap();
        assert!(displaced);
        assert!(c.displaced.is_cancelled(), "c was idle the longest");
        assert!(!a.displaced.is_cancelled() && !b.displaced.is_cancelled());
        drop(c);
        let (_e, _) = table.admit().unwrap();
        assert!(b.displaced.is_cancelled(), "then the anonymous one");
        d.activity.request_started();
        d.activity.authenticated();
        drop(b);
        // a and d are authenticated, e idle: e goes, then nothing can.
        let (f, _) = table.admit().unwrap();
        f.activity.request_started();
        f.activity.authenticated();
        assert!(table.admit().is_none(), "every place serves the owner");
        drop(a);
        assert!(table.admit().is_some(), "a freed place is free");
    }

    #[test]
    fn the_log_line_is_written_once_per_interval() {
        let log = RateLimitedLog::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(log.allow(t0), Some(0));
        for i in 1..100 {
            assert_eq!(log.allow(t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(log.allow(t0 + Duration::from_secs(10)), Some(99));
        assert_eq!(log.allow(t0 + Duration::from_secs(11)), None);
    }
}

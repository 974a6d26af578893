//! Live `log` events for `/ws` clients, bounded so a log flood never floods the clients: only
//! lines at or above a level threshold (`info` by default) are published, at most
//! [`LiveLimits::per_second`] a second with a burst of [`LiveLimits::burst`]; lines over the
//! limit are counted and the next published event says how many were skipped.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use pryx_core_api::{Event, EventPublisher, LogLevel, LogLine};

use crate::capture::line_value;

/// The name of the events carrying log lines.
pub const LOG_EVENT: &str = "log";

/// How many `log` events `/ws` clients get.
#[derive(Debug, Clone, Copy)]
pub struct LiveLimits {
    /// Lines below this level are not published.
    pub min_level: LogLevel,
    /// Sustained events per second.
    pub per_second: f64,
    /// Events allowed in a burst.
    pub burst: f64,
}

impl Default for LiveLimits {
    fn default() -> Self {
        Self {
            min_level: LogLevel::Info,
            per_second: 20.0,
            burst: 100.0,
        }
    }
}

/// Publishes log lines as `log` events once an [`EventPublisher`] is attached.
#[derive(Default)]
pub struct LivePublisher {
    target: OnceLock<Arc<dyn EventPublisher>>,
    limits: LiveLimits,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    skipped: u64,
}

impl Default for Bucket {
    fn default() -> Self {
        Self {
            tokens: LiveLimits::default().burst,
            last: Instant::now(),
            skipped: 0,
        }
    }
}

impl LivePublisher {
    /// A publisher with `limits`, not attached yet.
    pub fn new(limits: LiveLimits) -> Self {
        Self {
            target: OnceLock::new(),
            limits,
            bucket: Mutex::new(Bucket {
                tokens: limits.burst,
                last: Instant::now(),
                skipped: 0,
            }),
        }
    }

    /// Starts publishing to `publisher` (the first call wins).
    pub fn attach(&self, publisher: Arc<dyn EventPublisher>) {
        let _ = self.target.set(publisher);
    }

    /// Publishes `line` if it passes the threshold and the rate limit.
    pub fn offer(&self, line: &LogLine) {
        let Some(target) = self.target.get() else {
            return;
        };
        if line.level < self.limits.min_level {
            return;
        }
        let skipped = {
            let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let refill = now.duration_since(b.last).as_secs_f64() * self.limits.per_second;
            b.tokens = (b.tokens + refill).min(self.limits.burst);
            b.last = now;
            if b.tokens < 1.0 {
                b.skipped += 1;
                return;
            }
            b.tokens -= 1.0;
            std::mem::take(&mut b.skipped)
        };
        let mut payload = line_value(line);
        if skipped > 0 {
            if let pryx_core_api::Value::Map(map) = &mut payload {
                map.insert("skipped_before".into(), (skipped as i64).into());
            }
        }
        target.publish(Event::new(LOG_EVENT, payload));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use pryx_core_api::{LogSource, Map, Value};

    use super::*;

    #[derive(Default)]
    struct Kept(Mutex<Vec<Event>>);

    impl EventPublisher for Kept {
        fn publish(&self, event: Event) {
            self.0.lock().unwrap().push(event);
        }
    }

    fn line(level: LogLevel) -> LogLine {
        LogLine {
            seq: 1,
            timestamp: std::time::SystemTime::now(),
            level,
            source: LogSource::Host,
            target: "t".into(),
            message: "m".into(),
            fields: Map::new(),
        }
    }

    #[test]
    fn a_flood_is_cut_to_the_burst_and_the_skipped_lines_are_counted() {
        let kept = Arc::new(Kept::default());
        let live = LivePublisher::new(LiveLimits {
            min_level: LogLevel::Info,
            per_second: 1.0,
            burst: 10.0,
        });
        live.offer(&line(LogLevel::Info)); // not attached yet: nothing
        live.attach(kept.clone());
        for _ in 0..10_000 {
            live.offer(&line(LogLevel::Info));
        }
        live.offer(&line(LogLevel::Debug));
        let published = kept.0.lock().unwrap().len();
        assert!((10..=11).contains(&published), "{published} events");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        live.offer(&line(LogLevel::Error));
        let events = kept.0.lock().unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.name, "log");
        let Value::Map(p) = &last.payload else {
            panic!("{:?}", last.payload)
        };
        assert!(p["skipped_before"].as_i64().unwrap() >= 9_989, "{p:?}");
        assert_eq!(p["level"], Value::from("error"));
    }
}

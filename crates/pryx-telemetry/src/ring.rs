//! The bounded in-memory ring of recent log lines behind `GET /api/v1/logs`.

use std::collections::VecDeque;
use std::sync::Mutex;

use pryx_core_api::{LogLine, LogPage, LogQuery, LogRing};

/// The most recent [`MemoryLogRing::capacity`] lines; older ones are evicted. Memory is bounded
/// by the capacity times the longest line the capture layer keeps (see `capture`).
#[derive(Debug)]
pub struct MemoryLogRing {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    lines: VecDeque<LogLine>,
    evicted: u64,
}

impl MemoryLogRing {
    /// How many lines the host keeps by default.
    pub const DEFAULT_CAPACITY: usize = 2000;
    /// Most lines one query returns.
    pub const MAX_LIMIT: usize = 1000;

    /// A ring keeping at most `capacity` lines (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    /// The most lines it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `line`, evicting the oldest when full.
    pub fn push(&self, line: LogLine) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while inner.lines.len() >= self.capacity {
            inner.lines.pop_front();
            inner.evicted += 1;
        }
        inner.lines.push_back(line);
    }
}

impl LogRing for MemoryLogRing {
    fn recent(&self, query: &LogQuery) -> LogPage {
        let limit = query.limit.unwrap_or(Self::MAX_LIMIT).min(Self::MAX_LIMIT);
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut lines: Vec<LogLine> = inner
            .lines
            .iter()
            .rev()
            .filter(|l| query.matches(l))
            .take(limit)
            .cloned()
            .collect();
        lines.reverse();
        LogPage {
            lines,
            capacity: self.capacity,
            evicted: inner.evicted,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use pryx_core_api::{LogLevel, LogSource, Map};

    use super::*;

    fn line(seq: u64, level: LogLevel, source: LogSource) -> LogLine {
        LogLine {
            seq,
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(seq),
            level,
            source,
            target: "t".into(),
            message: format!("m{seq}"),
            fields: Map::new(),
        }
    }

    #[test]
    fn keeps_the_newest_and_filters() {
        let ring = MemoryLogRing::new(3);
        ring.push(line(1, LogLevel::Error, LogSource::Host));
        ring.push(line(2, LogLevel::Info, LogSource::Runtime));
        ring.push(line(3, LogLevel::Warn, LogSource::RuntimeStderr));
        ring.push(line(4, LogLevel::Error, LogSource::Runtime));
        let all = ring.recent(&LogQuery::default());
        assert_eq!(
            all.lines.iter().map(|l| l.seq).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(all.evicted, 1);
        let q = LogQuery {
            level: Some(LogLevel::Warn),
            ..LogQuery::default()
        };
        assert_eq!(ring.recent(&q).lines.len(), 2);
        let q = LogQuery {
            source: Some(LogSource::Runtime),
            limit: Some(1),
            ..LogQuery::default()
        };
        assert_eq!(ring.recent(&q).lines[0].seq, 4);
        let q = LogQuery {
            since: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(3)),
            ..LogQuery::default()
        };
        assert_eq!(ring.recent(&q).lines.len(), 2);
    }
}

//! A telemetry sink that keeps what it is given.

use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{CoreError, PortHealth, TelemetryRecord, TelemetrySink};

use crate::lock;

/// A [`TelemetrySink`] that keeps records in memory, up to a capacity past which it drops
/// new ones (and counts them), as a sink that cannot keep up does. Health reports adapter
/// `memory`.
#[derive(Debug)]
pub struct MemoryTelemetry {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    records: Vec<TelemetryRecord>,
    dropped: u64,
    flushes: u64,
}

impl MemoryTelemetry {
    /// How many records a sink keeps by default before it drops.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A sink keeping up to [`Self::DEFAULT_CAPACITY`] records.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A sink keeping up to `capacity` records.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    /// The records kept, oldest first.
    pub fn records(&self) -> Vec<TelemetryRecord> {
        lock(&self.state).records.clone()
    }

    /// How many records were dropped because the sink was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.state).dropped
    }

    /// How many times `flush` was called.
    pub fn flushes(&self) -> u64 {
        lock(&self.state).flushes
    }
}

impl Default for MemoryTelemetry {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl TelemetrySink for MemoryTelemetry {
    fn record(&self, record: TelemetryRecord) {
        let mut state = lock(&self.state);
        if state.records.len() < self.capacity {
            state.records.push(record);
        } else {
            state.dropped += 1;
        }
    }

    async fn flush(&self) -> Result<(), CoreError> {
        lock(&self.state).flushes += 1;
        Ok(())
    }

    fn health(&self) -> PortHealth {
        PortHealth::ok("memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_records_in_order_and_drops_when_full() {
        let sink = MemoryTelemetry::with_capacity(2);
        for i in 0..3 {
            sink.record(TelemetryRecord::metric("config.writes", i));
        }
        let names: Vec<_> = sink.records().into_iter().map(|r| r.value).collect();
        assert_eq!(names, [0.into(), 1.into()]);
        assert_eq!(sink.dropped(), 1);
        sink.flush().await.unwrap();
        assert_eq!(sink.flushes(), 1);
        assert_eq!(sink.health(), PortHealth::ok("memory"));
    }
}

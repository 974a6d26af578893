//! # pryx-testkit
//!
//! In-memory adapters of every Pryx host port, seeded from a [`Fixture`]: deterministic, with
//! no files, processes or network, for integration tests and the `pryx-harness` binary.
//!
//! - [`Fixture`]: a JSON description of a known host (config, skills, providers, models, MCP
//!   tools, sessions, runtime up or down); [`Fixture::default`] is the embedded
//!   `fixtures/default.json`, [`Fixture::from_path`] reads one from disk;
//! - [`TestAdapters`]: what [`Fixture::adapters`] builds, one adapter per port;
//! - [`MemoryConfigStore`]: a [`ConfigStore`](pryx_core_api::ConfigStore) with revisions
//!   `mem-1`, `mem-2`, ...;
//! - [`MemorySkillRegistry`]: a [`SkillRegistry`](pryx_core_api::SkillRegistry) over a fixed
//!   list of skills;
//! - [`FixtureRuntime`]: a [`RuntimeBridge`](pryx_core_api::RuntimeBridge) that answers from the
//!   fixture, or is down, and records what it was told;
//! - [`MemoryTelemetry`]: a [`TelemetrySink`](pryx_core_api::TelemetrySink) that keeps records;
//! - [`MemoryEvents`]: an [`EventPublisher`](pryx_core_api::EventPublisher) that keeps events;
//! - [`TestkitError`]: what goes wrong loading a fixture.

mod config_store;
mod error;
mod events;
mod fixture;
mod runtime;
mod skills;
mod telemetry;

pub use config_store::MemoryConfigStore;
pub use error::TestkitError;
pub use events::MemoryEvents;
pub use fixture::{Fixture, RuntimeMode, SkillFixture, SkillRequirementsFixture, TestAdapters};
pub use runtime::FixtureRuntime;
pub use skills::MemorySkillRegistry;
pub use telemetry::MemoryTelemetry;

/// Locks a mutex, ignoring poisoning: every critical section here leaves the data consistent.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

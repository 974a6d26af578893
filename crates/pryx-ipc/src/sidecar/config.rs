//! What the sidecar supervisor is told: the command to run, timeouts and the restart policy.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::frame::DEFAULT_MAX_FRAME_BYTES;

/// How to run and supervise the runtime process. Build with [`SidecarConfig::new`] and adjust
/// the public fields.
#[derive(Debug, Clone)]
pub struct SidecarConfig {
    /// The runtime program (a path, or a name looked up on `PATH`).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables (the host's environment is inherited).
    pub env: Vec<(String, String)>,
    /// Its working directory; the host's when `None`.
    pub cwd: Option<PathBuf>,
    /// How long one call may take. Default 10 s.
    pub call_timeout: Duration,
    /// How long the runtime has to answer `initialize`. Default 10 s.
    pub handshake_timeout: Duration,
    /// How long an approval request waits for a person before it is denied. Default 120 s.
    pub approval_timeout: Duration,
    /// After `shutdown`, how long the runtime has to exit before SIGTERM. Default 2 s.
    pub shutdown_grace: Duration,
    /// After SIGTERM, how long before SIGKILL. Default 1 s.
    pub kill_grace: Duration,
    /// How often to send the liveness `ping` once it is ready; each ping may take this long to
    /// be answered. Zero turns liveness checks off. Default 2 s.
    pub ping_interval: Duration,
    /// After this many pings in a row went unanswered, the runtime is `unresponsive`: calls fail
    /// at once and it is killed and restarted. It is noticed within
    /// `(ping_misses + 1) × ping_interval` of its last answer (8 s by default). Default 3.
    pub ping_misses: u32,
    /// When and how often to restart it.
    pub restart: RestartPolicy,
    /// The longest line read from the runtime; longer ones are discarded. Default 8 MiB.
    pub max_frame_bytes: usize,
    /// How many of its last stderr lines to keep for health. Default 50.
    pub stderr_lines: usize,
    /// The host's name, sent in `initialize`. Default `pryx-core`, the host binary's name.
    pub host_name: String,
    /// The host's version, sent in `initialize`.
    pub host_version: String,
    /// The data directory, sent in `initialize` (protocol 1.1).
    pub data_dir: Option<PathBuf>,
    /// The config file the host writes, sent in `initialize` (protocol 1.1).
    pub config_path: Option<PathBuf>,
    /// The config's revision when the host started, sent in the first `initialize` (later
    /// ones send the revision of the last `config.changed`).
    pub config_revision: Option<String>,
}

impl SidecarConfig {
    /// A config that runs `program` with the defaults.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            call_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            approval_timeout: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(2),
            kill_grace: Duration::from_secs(1),
            ping_interval: Duration::from_secs(2),
            ping_misses: 3,
            restart: RestartPolicy::default(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            stderr_lines: 50,
            host_name: "pryx-core".to_owned(),
            host_version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: None,
            config_path: None,
            config_revision: None,
        }
    }

    /// The same config with `args`.
    pub fn with_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }
}

/// Restart with exponential backoff and jitter, within a budget.
///
/// The n-th restart within `window` waits `base * 2^n` (at most `max`), scaled by a random
/// factor in `1 ± jitter`. When `max_restarts` restarts already happened within `window`, the
/// supervisor gives up and marks the runtime `failed`.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartPolicy {
    /// The first delay. Default 250 ms.
    pub base: Duration,
    /// The longest delay. Default 30 s.
    pub max: Duration,
    /// Random spread of each delay, as a fraction (0.2 = ±20 %). Default 0.2.
    pub jitter: f64,
    /// How many restarts `window` allows. Default 5.
    pub max_restarts: u32,
    /// The sliding window the budget counts restarts in. Default 120 s.
    pub window: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            max: Duration::from_secs(30),
            jitter: 0.2,
            max_restarts: 5,
            window: Duration::from_secs(120),
        }
    }
}

impl RestartPolicy {
    /// The delay before restart number `attempt` (0-based) within the window.
    pub fn delay(&self, attempt: u32) -> Duration {
        let doubled = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(30)))
            .min(self.max);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + jitter * (fastrand::f64() * 2.0 - 1.0);
        doubled.mul_f64(factor).min(self.max)
    }
}

/// Counts restarts in the sliding window.
#[derive(Debug)]
pub(crate) struct RestartBudget {
    policy: RestartPolicy,
    recent: VecDeque<Instant>,
}

impl RestartBudget {
    pub(crate) fn new(policy: RestartPolicy) -> Self {
        Self {
            policy,
            recent: VecDeque::new(),
        }
    }

    /// Records a restart at `now` and returns its delay, or `None` when the budget is spent.
    pub(crate) fn next_delay(&mut self, now: Instant) -> Option<(u32, Duration)> {
        while let Some(first) = self.recent.front() {
            if now.duration_since(*first) > self.policy.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        let attempt = u32::try_from(self.recent.len()).unwrap_or(u32::MAX);
        if attempt >= self.policy.max_restarts {
            return None;
        }
        self.recent.push_back(now);
        Some((attempt, self.policy.delay(attempt)))
    }

    pub(crate) fn policy(&self) -> &RestartPolicy {
        &self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_jitter_and_stop_at_max() {
        let policy = RestartPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            jitter: 0.2,
            ..RestartPolicy::default()
        };
        for attempt in 0..6u32 {
            let nominal = (100u64 << attempt).min(1000) as f64;
            for _ in 0..50 {
                let d = policy.delay(attempt).as_secs_f64() * 1000.0;
                assert!(
                    d >= nominal * 0.8 - 0.001 && d <= nominal * 1.2 + 0.001,
                    "{d}"
                );
                assert!(d <= 1000.0 + 0.001);
            }
        }
        assert!(policy.delay(u32::MAX) <= policy.max);
    }

    #[test]
    fn the_budget_is_spent_within_the_window_and_refills_after_it() {
        let mut budget = RestartBudget::new(RestartPolicy {
            max_restarts: 2,
            window: Duration::from_secs(10),
            ..RestartPolicy::default()
        });
        let t0 = Instant::now();
        assert_eq!(budget.next_delay(t0).unwrap().0, 0);
        assert_eq!(budget.next_delay(t0).unwrap().0, 1);
        assert!(budget.next_delay(t0 + Duration::from_secs(5)).is_none());
        assert_eq!(
            budget.next_delay(t0 + Duration::from_secs(11)).unwrap().0,
            0
        );
    }
}

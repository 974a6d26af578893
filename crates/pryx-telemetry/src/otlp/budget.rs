//! Which spans become OTLP spans. Every `ipc.call` span does; `http.request` spans do up to a
//! budget per second (token bucket), so a flood of cheap requests (health polling, a load test)
//! costs a few hundred exported spans a second, not one per request. Request metrics still
//! count every request (they come from the spans whatever the budget says).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{Context, Filter};

/// Admits every IPC span and at most `per_second` request spans a second (burst of the same).
pub(crate) struct SpanBudget(TokenBucket);

impl SpanBudget {
    pub(crate) fn new(per_second: u32) -> Self {
        Self(TokenBucket::new(per_second))
    }
}

/// `per_second` tokens a second, a burst of as many. Lock-free (the generic cell rate
/// algorithm: one "theoretical arrival time" in an atomic): when the budget is spent, which is
/// every request but a few hundred a second under load, `take` is one clock read and one
/// atomic load, with no write to a shared cache line.
pub(crate) struct TokenBucket {
    origin: Instant,
    /// Nanoseconds one token stands for.
    interval: u64,
    /// How far ahead of now the arrival time may run: the burst, less one token.
    tolerance: u64,
    /// The theoretical arrival time of the next token, in nanoseconds since `origin`.
    arrival: AtomicU64,
}

impl TokenBucket {
    pub(crate) fn new(per_second: u32) -> Self {
        let per_second = u64::from(per_second);
        let interval = 1_000_000_000u64.checked_div(per_second).unwrap_or(u64::MAX);
        Self {
            origin: Instant::now(),
            interval,
            tolerance: interval.saturating_mul(per_second.saturating_sub(1)),
            arrival: AtomicU64::new(0),
        }
    }

    /// Takes a token if there is one.
    pub(crate) fn take(&self) -> bool {
        if self.interval == u64::MAX {
            return false;
        }
        let now = self.origin.elapsed().as_nanos() as u64;
        let mut arrival = self.arrival.load(Ordering::Relaxed);
        loop {
            if arrival > now.saturating_add(self.tolerance) {
                return false;
            }
            let next = arrival.max(now).saturating_add(self.interval);
            match self.arrival.compare_exchange_weak(
                arrival,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => arrival = current,
            }
        }
    }
}

fn ours(meta: &Metadata<'_>) -> bool {
    meta.is_span()
        && (meta.target() == crate::HTTP_SPAN_TARGET || meta.target() == crate::IPC_SPAN_TARGET)
}

impl<S> Filter<S> for SpanBudget {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        if !ours(meta) {
            return false;
        }
        meta.target() == crate::IPC_SPAN_TARGET || self.0.take()
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if ours(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refills_over_time() {
        let b = TokenBucket::new(10);
        let first: usize = (0..100).filter(|_| b.take()).count();
        assert_eq!(first, 10);
        std::thread::sleep(std::time::Duration::from_millis(250));
        let later: usize = (0..100).filter(|_| b.take()).count();
        assert!((2..=4).contains(&later), "{later}");
    }

    #[test]
    fn a_zero_budget_admits_nothing_and_threads_share_one_budget() {
        assert!(!TokenBucket::new(0).take());
        let b = std::sync::Arc::new(TokenBucket::new(50));
        let taken: usize = (0..4)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || (0..1000).filter(|_| b.take()).count())
            })
            .map(|t| t.join().unwrap())
            .sum();
        // The burst, plus what refilled while the threads ran (well under a second).
        assert!((50..=60).contains(&taken), "{taken}");
    }
}

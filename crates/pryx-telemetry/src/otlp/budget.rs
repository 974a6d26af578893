//! Which spans become OTLP spans. Every `ipc.call` span does; `http.request` spans do up to a
//! budget per second (token bucket), so a flood of cheap requests (health polling, a load test)
//! costs a few hundred exported spans a second, not one per request. Request metrics still
//! count every request (they come from the spans whatever the budget says).

use std::sync::Mutex;
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

/// `per_second` tokens a second, a burst of as many.
pub(crate) struct TokenBucket {
    per_second: f64,
    bucket: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        Self {
            per_second,
            bucket: Mutex::new((per_second, Instant::now())),
        }
    }

    /// Takes a token if there is one.
    pub(crate) fn take(&self) -> bool {
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(b.1).as_secs_f64() * self.per_second;
        b.0 = (b.0 + refill).min(self.per_second);
        b.1 = now;
        if b.0 >= 1.0 {
            b.0 -= 1.0;
            true
        } else {
            false
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
}

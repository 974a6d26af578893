//! `--stream-tokens-per-sec`: after the handshake, publish `bench.token` events at a fixed
//! rate, each stamped with CLOCK_MONOTONIC as it is written to stdout, so a `/ws` client on the
//! same machine can time what the host adds between the runtime's write and its own read
//! (the chat-path bench, `cargo bench -p pryx-runtime-ref --bench chat_path`).

use std::time::{Duration, Instant};

use crate::io::Out;

/// Starts a thread that publishes `per_sec` tokens a second, paced by the clock (a late token
/// is sent at once, never skipped), until the process exits.
pub fn start(out: Out, per_sec: u64) {
    let period_ns = 1_000_000_000 / per_sec.clamp(1, 1_000_000_000);
    let spawned = std::thread::Builder::new()
        .name("tokens".into())
        .spawn(move || {
            let started = Instant::now();
            for n in 1u64.. {
                let due = started + Duration::from_nanos(period_ns.saturating_mul(n));
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                out.token(n);
            }
        });
    if let Err(e) = spawned {
        eprintln!("pryx-runtime-ref: cannot start the token stream: {e}");
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the same clock in every process of the machine.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given, which lives on this stack.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

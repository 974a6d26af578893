//! `pryx stop`: a clean stop of the host of this data directory: SIGTERM to the pid in
//! `host.lock` (only once it is checked to be a live `pryx-core`), then wait until it exited.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::process;

/// Stops the host and waits up to `timeout_secs` for it to exit.
pub async fn run(ctx: &Ctx, timeout_secs: u64) -> Outcome {
    let record = process::read_lock(&ctx.data_dir);
    let pid = record
        .pid
        .filter(|pid| process::is_alive(*pid) && process::is_pryx_host(*pid))
        .ok_or_else(|| ctx.no_host())?;
    let started = Instant::now();
    process::terminate(pid).map_err(|e| Failure::error(format!("cannot signal pid {pid}: {e}")))?;
    let deadline = started + Duration::from_secs(timeout_secs);
    while process::is_alive(pid) {
        if Instant::now() >= deadline {
            return Err(Failure::new(
                Exit::Error,
                "stop_timeout",
                format!("the host (pid {pid}) did not exit within {timeout_secs} s"),
            )
            .with_fix(format!("kill -KILL {pid}")));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let waited = started.elapsed().as_millis() as u64;
    let value = json!({"stopped": true, "pid": pid, "waited_ms": waited});
    ctx.out.emit(&value, || {
        println!("stopped the host (pid {pid}) in {waited} ms")
    });
    Ok(())
}

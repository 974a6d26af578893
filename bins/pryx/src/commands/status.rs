//! `pryx status`: which host runs for this data directory, and the state of its parts.

use serde_json::{Value as Json, json};

use crate::context::Ctx;
use crate::failure::Outcome;
use crate::output::cell;

/// Prints the host's pid, address, version, uptime and each port's state.
pub async fn run(ctx: &Ctx) -> Outcome {
    let host = match ctx.host() {
        Ok(host) => host,
        Err(failure) => {
            let lock = crate::process::read_lock(&ctx.data_dir);
            return Err(failure.with_details(json!({
                "data_dir": ctx.data_dir.display().to_string(),
                "running": false,
                "lock_pid": lock.pid,
            })));
        }
    };
    let client = ctx.client()?;
    let health = client.get("/api/v1/health").await?.body;
    let value = json!({
        "running": true,
        "pid": host.pid,
        "addr": host.addr.to_string(),
        "url": format!("http://{}/", host.addr),
        "data_dir": ctx.data_dir.display().to_string(),
        "health": health,
    });
    ctx.out.emit(&value, || {
        let out = &ctx.out;
        println!(
            "Pryx host {} {} — pid {}, http://{}/, up {}",
            health["version"].as_str().unwrap_or("?"),
            out.state(health["status"].as_str().unwrap_or("?")),
            host.pid,
            host.addr,
            uptime(health["uptime_ms"].as_u64().unwrap_or(0)),
        );
        println!("data dir: {}", ctx.data_dir.display());
        let rows = port_rows(&health["ports"], out);
        println!(
            "{}",
            out.table(&["part", "state", "adapter", "detail"], rows)
        );
    });
    Ok(())
}

fn port_rows(ports: &Json, out: &crate::output::Output) -> Vec<Vec<String>> {
    let Some(ports) = ports.as_object() else {
        return Vec::new();
    };
    ports
        .iter()
        .map(|(name, port)| {
            let state = port["status"]
                .as_str()
                .or(port["state"].as_str())
                .unwrap_or("?");
            let adapter = if name == "runtime" {
                let version = port["version"].as_str().unwrap_or("");
                let pid = port["pid"]
                    .as_u64()
                    .map(|p| format!(" pid {p}"))
                    .unwrap_or_default();
                format!("{version}{pid}")
            } else {
                cell(&port["adapter"])
            };
            vec![
                name.clone(),
                out.state(state),
                adapter,
                cell(&port["detail"]),
            ]
        })
        .collect()
}

/// `1h 2m`, `3m 4s`, `5s`.
fn uptime(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uptime_reads_like_a_person_says_it() {
        assert_eq!(super::uptime(5_400), "5s");
        assert_eq!(super::uptime(185_000), "3m 5s");
        assert_eq!(super::uptime(7_380_000), "2h 3m");
    }
}

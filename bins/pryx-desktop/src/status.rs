//! The tray's status lines, read from the host's `GET /health` (the host's own view, never a
//! guess): a host that does not answer reads as not answering, whatever it said before.

use serde_json::Value;

/// The two status lines of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLines {
    /// `Host: …` — whether it answers, whether it is ours or attached, its overall status.
    pub host: String,
    /// `Runtime: …` — the runtime port's state as the host reports it.
    pub runtime: String,
}

/// Whose host the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Started in this process; Quit stops it.
    Embedded,
    /// A headless host that was already running; Quit leaves it running.
    Attached,
}

impl StatusLines {
    /// Before the host is known.
    pub fn starting() -> Self {
        Self {
            host: "Host: starting…".into(),
            runtime: "Runtime: unknown".into(),
        }
    }

    /// When there is no host (it could not start).
    pub fn failed() -> Self {
        Self {
            host: "Host: not running (see the window)".into(),
            runtime: "Runtime: not running".into(),
        }
    }

    /// From the latest health poll: `Ok(body)` when the host answered, `Err(why)` when not.
    pub fn from_health(owner: Ownership, port: u16, health: Result<&Value, &str>) -> Self {
        let whose = match owner {
            Ownership::Embedded => "in this app",
            Ownership::Attached => "attached",
        };
        match health {
            Err(why) => Self {
                host: format!("Host: not answering on port {port} ({why})"),
                runtime: "Runtime: unknown".into(),
            },
            Ok(body) => {
                let status = body["status"].as_str().unwrap_or("unknown");
                let version = body["version"].as_str().unwrap_or("?");
                let runtime = runtime_state(&body["ports"]["runtime"]);
                Self {
                    host: format!("Host: {status} on port {port}, {whose} (v{version})"),
                    runtime: format!("Runtime: {runtime}"),
                }
            }
        }
    }
}

/// The runtime's state as health reports it (`{state, detail, pid, restarts, …}`): the state,
/// then why, which process, and how often it was restarted, when there is something to say.
fn runtime_state(port: &Value) -> String {
    let state = port["state"].as_str().unwrap_or("unknown");
    let mut facts = Vec::new();
    if let Some(detail) = port["detail"].as_str().filter(|d| !d.is_empty()) {
        facts.push(detail.to_owned());
    }
    if let Some(pid) = port["pid"].as_u64() {
        facts.push(format!("pid {pid}"));
    }
    match port["restarts"].as_u64() {
        Some(1) => facts.push("1 restart".into()),
        Some(n) if n > 1 => facts.push(format!("{n} restarts")),
        _ => {}
    }
    if facts.is_empty() {
        state.to_owned()
    } else {
        format!("{state} ({})", facts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_healthy_embedded_host_with_a_ready_runtime() {
        let body = json!({"status":"ok","version":"0.1.0",
            "ports":{"runtime":{"state":"ready","detail":null,"pid":77,"restarts":0}}});
        let lines = StatusLines::from_health(Ownership::Embedded, 4242, Ok(&body));
        assert_eq!(lines.host, "Host: ok on port 4242, in this app (v0.1.0)");
        assert_eq!(lines.runtime, "Runtime: ready (pid 77)");
        let body = json!({"status":"ok","version":"0.1.0",
            "ports":{"runtime":{"state":"ready","pid":78,"restarts":2}}});
        let lines = StatusLines::from_health(Ownership::Embedded, 4242, Ok(&body));
        assert_eq!(lines.runtime, "Runtime: ready (pid 78, 2 restarts)");
    }

    #[test]
    fn a_degraded_attached_host_says_why_the_runtime_is_down() {
        let body = json!({"status":"degraded","version":"0.1.0",
            "ports":{"runtime":{"state":"unavailable","detail":"no runtime configured","restarts":0}}});
        let lines = StatusLines::from_health(Ownership::Attached, 42424, Ok(&body));
        assert_eq!(
            lines.host,
            "Host: degraded on port 42424, attached (v0.1.0)"
        );
        assert_eq!(
            lines.runtime,
            "Runtime: unavailable (no runtime configured)"
        );
    }

    #[test]
    fn a_host_that_stopped_answering_is_not_reported_ok() {
        let lines = StatusLines::from_health(Ownership::Embedded, 1, Err("connection refused"));
        assert_eq!(
            lines.host,
            "Host: not answering on port 1 (connection refused)"
        );
        assert_eq!(lines.runtime, "Runtime: unknown");
    }
}

//! The checks of `pryx doctor` that ask the running host or the machine: the port, the
//! runtime, `pryx-core`, the config's validity, skills and the telemetry endpoint.

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use super::doctor_findings::{Finding, Inputs, Level};
use crate::client::ApiClient;
use crate::{data_dir, process};

/// The port: the running host answers with this token, or a new one could listen.
pub async fn port(inputs: &Inputs<'_>) -> Vec<Finding> {
    if let Some(host) = process::find(inputs.dir) {
        let Ok(token) = data_dir::trusted_token(inputs.dir) else {
            return vec![Finding::new(
                "port",
                Level::Skip,
                "cannot ask the host without a trusted token",
            )];
        };
        let Ok(client) = ApiClient::new(host.addr, token) else {
            return Vec::new();
        };
        return match client.get("/api/v1/health").await {
            Ok(_) => vec![Finding::new(
                "port",
                Level::Ok,
                format!(
                    "the host answers on {} with this data directory's token",
                    host.addr
                ),
            )],
            Err(f) if f.exit == crate::failure::Exit::Auth => vec![
                Finding::new(
                    "port",
                    Level::Problem,
                    format!(
                        "the host on {} refuses this data directory's token",
                        host.addr
                    ),
                )
                .fix("`pryx stop && pryx` (the token was replaced while it ran)"),
            ],
            Err(f) => vec![
                Finding::new(
                    "port",
                    Level::Problem,
                    format!("the host on {} does not answer: {}", host.addr, f.message),
                )
                .fix("`pryx stop && pryx`"),
            ],
        };
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], inputs.port));
    match TcpListener::bind(addr) {
        Ok(_) => vec![Finding::new("port", Level::Ok, format!("port {} is free for a host", inputs.port))],
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => vec![Finding::new("port", Level::Problem,
            format!("port {} is taken by another program, so a host cannot start there", inputs.port))
            .fix(format!("stop what listens there (`ss -ltnp 'sport = :{0}'`), or start with `pryx --port 0`", inputs.port))],
        Err(e) => vec![Finding::new("port", Level::Warn, format!("cannot test port {}: {e}", inputs.port))],
    }
}

/// The runtime: its state in the running host, or the program a new host would start.
pub fn runtime(inputs: &Inputs<'_>, health: Option<&Json>) -> Vec<Finding> {
    if let Some(runtime) = health.map(|h| &h["ports"]["runtime"]) {
        let state = runtime["state"].as_str().unwrap_or("?");
        let detail = runtime["detail"].as_str().unwrap_or("");
        return vec![match state {
            "ready" => Finding::new(
                "runtime",
                Level::Ok,
                format!(
                    "the agent runtime is ready ({})",
                    runtime["version"].as_str().unwrap_or("?")
                ),
            ),
            "starting" | "restarting" => Finding::new(
                "runtime",
                Level::Warn,
                format!("the agent runtime is {state}"),
            ),
            "unavailable" => Finding::new(
                "runtime",
                Level::Warn,
                format!("the host runs without an agent runtime ({detail})"),
            )
            .fix("`pryx stop && pryx --runtime <program>` (or set PRYX_RUNTIME)"),
            _ => Finding::new(
                "runtime",
                Level::Problem,
                format!("the agent runtime is {state}: {detail}"),
            )
            .fix("`pryx runtime restart`; `pryx logs` shows why it stopped"),
        }];
    }
    match &inputs.runtime {
        None => vec![
            Finding::new(
                "runtime",
                Level::Warn,
                "no agent runtime configured: chat, providers and MCP tools will be unavailable",
            )
            .fix("set PRYX_RUNTIME=/path/to/runtime (or pass `pryx --runtime <program>`)"),
        ],
        Some(program) => match find_program(program) {
            Some(path) => vec![Finding::new(
                "runtime",
                Level::Ok,
                format!("the runtime program {} exists", path.display()),
            )],
            None => vec![
                Finding::new(
                    "runtime",
                    Level::Problem,
                    format!(
                        "the runtime program {} is not found or not executable",
                        program.display()
                    ),
                )
                .fix("point PRYX_RUNTIME at the runtime's executable"),
            ],
        },
    }
}

/// `pryx-core` itself.
pub fn core_binary() -> Finding {
    match super::start::core_binary() {
        Ok(path) => Finding::new(
            "core",
            Level::Ok,
            format!("pryx-core is {}", path.display()),
        ),
        Err(f) => Finding::new("core", Level::Problem, f.message).fix(f.fix.unwrap_or_default()),
    }
}

/// `config.yaml` read and validated like the host does.
pub async fn config(dir: &Path) -> Finding {
    let path = dir.join("config.yaml");
    match super::config::check_file(&path).await {
        Ok(report) if report["valid"] == true && report["exists"] == false => Finding::new(
            "config",
            Level::Ok,
            "no config.yaml yet: the defaults apply",
        ),
        Ok(report) if report["valid"] == true => {
            Finding::new("config", Level::Ok, format!("{} is valid", path.display()))
        }
        Ok(report) => {
            let errors: Vec<String> = report["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["path"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect();
            Finding::new(
                "config",
                Level::Problem,
                format!("{} is not valid: {}", path.display(), errors.join("; ")),
            )
            .fix("`pryx config edit`, or `pryx config history` then `pryx config restore <id>`")
        }
        Err(f) => Finding::new("config", Level::Problem, f.message)
            .fix(format!("check {}", path.display())),
    }
}

/// Skills the running host could not read.
pub fn skills(list: Option<&Json>) -> Vec<Finding> {
    let Some(list) = list else {
        return vec![Finding::new(
            "skills",
            Level::Skip,
            "no host runs: start one with `pryx` to check the skills",
        )];
    };
    let broken: Vec<Finding> = list["skills"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["error"].is_string())
        .map(|s| {
            Finding::new(
                "skills",
                Level::Warn,
                format!(
                    "skill {} cannot be read: {}",
                    s["id"].as_str().unwrap_or("?"),
                    s["error"].as_str().unwrap_or("")
                ),
            )
            .fix(format!(
                "fix or remove {}",
                s["path"].as_str().unwrap_or("its SKILL.md")
            ))
        })
        .collect();
    if broken.is_empty() {
        vec![Finding::new(
            "skills",
            Level::Ok,
            format!(
                "{} skills, none broken",
                list["skills"].as_array().map_or(0, Vec::len)
            ),
        )]
    } else {
        broken
    }
}

/// The telemetry endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`), when one is set: a URL that
/// accepts connections.
pub fn telemetry(endpoint: Option<String>) -> Finding {
    let Some(endpoint) = endpoint.filter(|e| !e.trim().is_empty()) else {
        return Finding::new(
            "telemetry",
            Level::Ok,
            "no telemetry endpoint set (OTEL_EXPORTER_OTLP_ENDPOINT): nothing is exported",
        );
    };
    let Some(authority) = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
    else {
        return Finding::new(
            "telemetry",
            Level::Problem,
            format!("the telemetry endpoint {endpoint:?} is not an http(s) URL"),
        )
        .fix("export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318");
    };
    let authority = authority.split('/').next().unwrap_or_default();
    let https = endpoint.starts_with("https://");
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:{}", if https { 443 } else { 80 })
    };
    let reachable = with_port
        .to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok());
    if reachable {
        Finding::new(
            "telemetry",
            Level::Ok,
            format!("the telemetry endpoint {endpoint} accepts connections"),
        )
    } else {
        Finding::new(
            "telemetry",
            Level::Warn,
            format!("the telemetry endpoint {endpoint} does not accept connections"),
        )
        .fix("start the collector, or unset OTEL_EXPORTER_OTLP_ENDPOINT")
    }
}

/// A program by path, or by name on `PATH`, that is an executable file.
pub fn find_program(program: &Path) -> Option<PathBuf> {
    let executable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            p.is_file()
        }
    };
    if program.components().count() > 1 || program.is_absolute() {
        return executable(program).then(|| program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_telemetry_endpoint_is_checked_only_when_set() {
        assert_eq!(telemetry(None).level, Level::Ok);
        assert_eq!(telemetry(Some("ftp://x".into())).level, Level::Problem);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(
            telemetry(Some(format!("http://127.0.0.1:{port}/v1/traces"))).level,
            Level::Ok
        );
        drop(listener);
        assert_eq!(
            telemetry(Some(format!("http://127.0.0.1:{port}"))).level,
            Level::Warn
        );
    }
}

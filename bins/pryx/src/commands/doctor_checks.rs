//! The checks of `pryx doctor`, each giving its findings with the command that fixes them and,
//! where it is safe to do automatically, the [`Repair`] `--fix` applies.

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::client::ApiClient;
use crate::data_dir::{self, TOKEN_FILE};
use crate::process::{self, LOCK_FILE, PORT_FILE};

/// The files in the data directory the host checks before trusting them.
pub const CHECKED_FILES: [&str; 5] = [
    "config.yaml",
    "skills.yaml",
    TOKEN_FILE,
    LOCK_FILE,
    PORT_FILE,
];
/// Shortest token the host accepts.
const MIN_TOKEN_LEN: usize = 32;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, but worth knowing or fixing.
    Warn,
    /// Breaks something (the host refuses to start, a command fails).
    Problem,
    /// Could not be checked now (e.g. no host runs).
    Skip,
}

impl Level {
    /// The stable word used in `--json`.
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Problem => "problem",
            Level::Skip => "skip",
        }
    }
}

/// A change `doctor --fix` may make (after backing up what it touches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Set the permission bits of a file or directory.
    Chmod { path: PathBuf, mode: u32 },
    /// Remove a stale file.
    Remove { path: PathBuf },
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Which check (`data_dir`, `token`, `port`, ...).
    pub check: &'static str,
    /// How bad.
    pub level: Level,
    /// What was found.
    pub message: String,
    /// The command (or step) that fixes it.
    pub fix: Option<String>,
    /// What `--fix` would do.
    pub repair: Option<Repair>,
}

impl Finding {
    fn new(check: &'static str, level: Level, message: impl Into<String>) -> Self {
        Self {
            check,
            level,
            message: message.into(),
            fix: None,
            repair: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn repair(mut self, repair: Repair) -> Self {
        self.repair = Some(repair);
        self
    }

    /// The `--json` form.
    pub fn to_json(&self) -> Json {
        json!({"check": self.check, "level": self.level.word(), "message": self.message,
            "fix": self.fix, "fixable": self.repair.is_some()})
    }
}

/// What the checks need to know.
pub struct Inputs<'a> {
    /// The data directory.
    pub dir: &'a Path,
    /// The port a started host would use.
    pub port: u16,
    /// `PRYX_RUNTIME`, if set.
    pub runtime: Option<PathBuf>,
}

/// Ownership and modes of the directory and everything above it.
#[cfg(unix)]
pub fn data_dir(dir: &Path) -> Vec<Finding> {
    use std::os::unix::fs::MetadataExt;
    let name = "data_dir";
    let shown = dir.display();
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(_) => {
            return vec![
                Finding::new(name, Level::Warn, format!("{shown} does not exist yet"))
                    .fix("`pryx` creates it (mode 0700) when it starts the host"),
            ];
        }
    };
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(dir) {
            Ok(m) => m,
            Err(_) => {
                return vec![
                    Finding::new(name, Level::Problem, format!("{shown} is a broken link"))
                        .fix(format!("rm {shown}")),
                ];
            }
        }
    } else {
        meta
    };
    if !meta.is_dir() {
        return vec![
            Finding::new(name, Level::Problem, format!("{shown} is not a directory"))
                .fix("pass a directory with --data-dir"),
        ];
    }
    let mut found = Vec::new();
    let mode = meta.mode() & 0o7777;
    if meta.uid() != data_dir::current_uid() {
        found.push(
            Finding::new(
                name,
                Level::Problem,
                format!(
                    "{shown} is owned by uid {}, not by you: the host refuses it",
                    meta.uid()
                ),
            )
            .fix(format!("sudo chown -R $(id -u) {shown}")),
        );
    } else if mode & 0o022 != 0 {
        found.push(
            Finding::new(
                name,
                Level::Problem,
                format!(
                    "{shown} is writable by other users (mode {mode:04o}): the host refuses it"
                ),
            )
            .fix(format!("chmod 700 {shown}"))
            .repair(Repair::Chmod {
                path: dir.to_path_buf(),
                mode: 0o700,
            }),
        );
    } else if mode & 0o077 != 0 {
        found.push(
            Finding::new(
                name,
                Level::Warn,
                format!("{shown} can be read by other users (mode {mode:04o})"),
            )
            .fix(format!("chmod 700 {shown}"))
            .repair(Repair::Chmod {
                path: dir.to_path_buf(),
                mode: 0o700,
            }),
        );
    }
    if let Ok(real) = std::fs::canonicalize(dir) {
        for ancestor in real.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(ancestor) else {
                continue;
            };
            let owner_ok = meta.uid() == data_dir::current_uid() || meta.uid() == 0;
            let open = meta.mode() & 0o022 != 0 && meta.mode() & 0o1000 == 0;
            if !owner_ok || open {
                found.push(Finding::new(name, Level::Problem, format!(
                    "{} above the data directory is {} (mode {:04o}): another user could replace the data directory, so the host refuses it",
                    ancestor.display(),
                    if owner_ok { "writable by other users" } else { "owned by another user" },
                    meta.mode() & 0o7777)).fix("use a data directory inside your home directory (the default ~/.pryx)"));
                break;
            }
        }
    }
    if found.is_empty() {
        found.push(Finding::new(
            name,
            Level::Ok,
            format!("{shown} is yours, mode {mode:04o}"),
        ));
    }
    found
}

/// Ownership and modes of the files the host checks; the token's presence and strength.
#[cfg(unix)]
pub fn files(dir: &Path) -> Vec<Finding> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    for file in CHECKED_FILES {
        let path = dir.join(file);
        let shown = path.display();
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if link.file_type().is_symlink() {
            let inside = std::fs::canonicalize(&path)
                .ok()
                .zip(std::fs::canonicalize(dir).ok())
                .is_some_and(|(target, dir)| target.starts_with(dir));
            if !inside {
                found.push(
                    Finding::new(
                        "files",
                        Level::Problem,
                        format!("{shown} is a link out of the data directory: the host refuses it"),
                    )
                    .fix(format!(
                        "rm {shown} (or replace it with a copy of the file)"
                    )),
                );
                continue;
            }
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = meta.mode() & 0o7777;
        if !meta.is_file() {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!("{shown} is not a regular file"),
                )
                .fix(format!("rm -r {shown}")),
            );
        } else if meta.uid() != data_dir::current_uid() {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!("{shown} is owned by uid {}, not by you", meta.uid()),
                )
                .fix(format!("sudo chown $(id -u) {shown}")),
            );
        } else if mode & 0o022 != 0 {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!(
                        "{shown} is writable by other users (mode {mode:04o}): the host refuses it"
                    ),
                )
                .fix(format!("chmod 600 {shown}"))
                .repair(Repair::Chmod {
                    path: path.clone(),
                    mode: 0o600,
                }),
            );
        } else if file == TOKEN_FILE && mode & 0o044 != 0 {
            found.push(
                Finding::new(
                    "token",
                    Level::Warn,
                    format!("{shown} can be read by other users (mode {mode:04o})"),
                )
                .fix(format!("chmod 600 {shown}"))
                .repair(Repair::Chmod {
                    path: path.clone(),
                    mode: 0o600,
                }),
            );
        }
    }
    if found.is_empty() {
        found.push(Finding::new(
            "files",
            Level::Ok,
            "the data directory's files are yours and not writable by others",
        ));
    }
    let token = dir.join(TOKEN_FILE);
    match data_dir::admin_token(dir) {
        Ok(None) => found.push(
            Finding::new(
                "token",
                Level::Warn,
                format!("no token in {} yet", token.display()),
            )
            .fix("`pryx` starts the host, which creates it"),
        ),
        Ok(Some(t)) if t.len() < MIN_TOKEN_LEN => found.push(
            Finding::new(
                "token",
                Level::Warn,
                format!(
                    "the token in {} is too short; the host replaces it at its next start",
                    token.display()
                ),
            )
            .fix("`pryx stop && pryx`"),
        ),
        Ok(Some(_)) => found.push(Finding::new("token", Level::Ok, "admin.token is present")),
        Err(why) => found.push(
            Finding::new("token", Level::Problem, why)
                .fix(format!("chmod 600 {}", token.display())),
        ),
    }
    found
}

/// Whether a host holds the lock; stale files of a crashed one.
pub fn lock(dir: &Path) -> Vec<Finding> {
    let record = process::read_lock(dir);
    let port_file = dir.join(PORT_FILE);
    match (record.pid, process::find(dir)) {
        (_, Some(host)) => vec![Finding::new(
            "lock",
            Level::Ok,
            format!(
                "a host runs for this data directory: pid {}, {}",
                host.pid, host.addr
            ),
        )],
        (Some(pid), None) if process::is_alive(pid) && process::is_pryx_core(pid) => vec![
            Finding::new(
                "lock",
                Level::Warn,
                format!("pryx-core pid {pid} holds the lock but has not announced its address"),
            )
            .fix("wait a moment; if it stays so: `pryx stop` then `pryx`"),
        ],
        (_, None) if port_file.exists() => vec![
            Finding::new(
                "lock",
                Level::Warn,
                format!(
                    "no host runs, but {} was left by one that crashed",
                    port_file.display()
                ),
            )
            .fix(format!("rm {}", port_file.display()))
            .repair(Repair::Remove { path: port_file }),
        ],
        _ => vec![Finding::new(
            "lock",
            Level::Ok,
            "no host runs for this data directory (no stale files)",
        )],
    }
}

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

#[cfg(not(unix))]
pub fn data_dir(_dir: &Path) -> Vec<Finding> {
    Vec::new()
}

#[cfg(not(unix))]
pub fn files(_dir: &Path) -> Vec<Finding> {
    Vec::new()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_world_writable_data_dir_and_file_are_problems_with_their_chmod() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let found = data_dir(&dir);
        assert_eq!(found[0].level, Level::Problem, "{found:?}");
        assert_eq!(
            found[0].fix.as_deref(),
            Some(format!("chmod 700 {}", dir.display()).as_str())
        );
        assert_eq!(
            found[0].repair,
            Some(Repair::Chmod {
                path: dir.clone(),
                mode: 0o700
            })
        );

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(data_dir(&dir)[0].level, Level::Ok);
        let config = dir.join("config.yaml");
        std::fs::write(&config, "{}").unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
        let found = files(&dir);
        assert_eq!(found[0].level, Level::Problem, "{found:?}");
        assert_eq!(
            found[0].repair,
            Some(Repair::Chmod {
                path: config,
                mode: 0o600
            })
        );
    }

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

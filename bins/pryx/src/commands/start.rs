//! `pryx` (no subcommand) and `pryx open`: make sure a host runs for the data directory —
//! reuse the one holding `host.lock`, or start `pryx-core` in the background and wait until
//! it holds the lock and listens — then open the web UI logged in through a fresh one-time
//! code. The code travels in the URL's fragment, which never reaches a server.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::cli::StartArgs;
use crate::client::ApiClient;
use crate::context::Ctx;
use crate::data_dir;
use crate::failure::{Exit, Failure, Outcome};
use crate::process::{self, RunningHost};

/// How long a started host may take to hold the lock and listen.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// The log file of a host `pryx` started, in the data directory.
pub const HOST_LOG: &str = "host.log";

/// `pryx`: ensure a host, then open (or print) a login link.
pub async fn run(ctx: &Ctx, start: &StartArgs, open_browser: bool) -> Outcome {
    let (host, started) = ensure_host(&ctx.data_dir, start)?;
    let client = ApiClient::new(host.addr, data_dir::trusted_token(&ctx.data_dir)?)?;
    login(ctx, &client, host, started, open_browser).await
}

/// `pryx open`: a login link for the running host (never starts one).
pub async fn open(ctx: &Ctx, open_browser: bool) -> Outcome {
    let host = ctx.host()?;
    let client = ctx.client()?;
    login(ctx, &client, host, false, open_browser).await
}

async fn login(
    ctx: &Ctx,
    client: &ApiClient,
    host: RunningHost,
    started: bool,
    open_browser: bool,
) -> Outcome {
    let code = client.post("/api/v1/auth/login-codes", None).await?.body;
    let url = code["login_url"]
        .as_str()
        .ok_or_else(|| Failure::error("the host's login code answer has no login_url"))?
        .to_owned();
    let opened = if open_browser {
        match open_in_browser(&url) {
            Ok(()) => Json::Bool(true),
            Err(why) => {
                if !ctx.out.json {
                    eprintln!("pryx: could not open a browser ({why}); open the link yourself");
                }
                Json::Bool(false)
            }
        }
    } else {
        Json::Bool(false)
    };
    let value = json!({
        "pid": host.pid,
        "addr": host.addr.to_string(),
        "started": started,
        "data_dir": ctx.data_dir.display().to_string(),
        "url": url,
        "expires_in_secs": code["expires_in_secs"],
        "opened": opened,
    });
    ctx.out.emit(&value, || {
        let how = if started { "started" } else { "running" };
        println!(
            "Pryx host {how}: pid {}, http://{}/ (data dir {})",
            host.pid,
            host.addr,
            ctx.data_dir.display()
        );
        println!("Log in to the web UI with this one-time link (valid 60 s, single use):");
        println!("  {url}");
    });
    Ok(())
}

/// The running host for `dir`, or one started now (`true`). Never a second host: the started
/// `pryx-core` takes the lock itself, and one that loses a race to another start exits and
/// the winner is used.
pub fn ensure_host(dir: &Path, start: &StartArgs) -> Outcome<(RunningHost, bool)> {
    if let Some(host) = process::find_waiting(dir, Duration::from_secs(5)) {
        return Ok((host, false));
    }
    let core = core_binary()?;
    create_private_dir(dir)?;
    let log_path = dir.join(HOST_LOG);
    let log = open_log(&log_path)?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);

    let mut command = Command::new(&core);
    command.arg("--data-dir").arg(dir);
    if let Some(port) = start.port {
        command.arg("--port").arg(port.to_string());
    }
    if let Some(runtime) = &start.runtime {
        command.arg("--runtime").arg(runtime);
    }
    for arg in &start.runtime_args {
        command.arg(format!("--runtime-arg={arg}"));
    }
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    detach(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| Failure::error(format!("cannot start {}: {e}", core.display())))?;

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let record = process::read_lock(dir);
        if record.pid == Some(child.id()) {
            if let Some(addr) = record.addr {
                return Ok((
                    RunningHost {
                        pid: child.id(),
                        addr,
                    },
                    true,
                ));
            }
        }
        if let Some(status) = child.try_wait()? {
            // Another `pryx` (or a service) may have started the host first: use it.
            if let Some(host) = process::find_waiting(dir, Duration::from_secs(5)) {
                return Ok((host, false));
            }
            let tail = log_tail(&log_path, log_start);
            return Err(Failure::new(
                Exit::Error,
                "host_start_failed",
                format!("pryx-core exited ({status}) before it listened:\n{tail}"),
            )
            .with_fix(format!("see {} and `pryx doctor`", log_path.display())));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::new(
                Exit::Error,
                "host_start_timeout",
                format!(
                    "pryx-core did not listen within {} s:\n{}",
                    START_TIMEOUT.as_secs(),
                    log_tail(&log_path, log_start)
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `PRYX_CORE_BIN`, else `pryx-core` next to this executable, else on `PATH`.
pub fn core_binary() -> Outcome<PathBuf> {
    if let Some(path) = std::env::var_os("PRYX_CORE_BIN").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let name = format!("pryx-core{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)));
    if let Some(path) = beside.filter(|p| p.is_file()) {
        return Ok(path);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Failure::error("cannot find pryx-core (next to pryx, or on PATH)")
                .with_fix("install pryx-core beside pryx, or set PRYX_CORE_BIN=/path/to/pryx-core")
        })
}

fn create_private_dir(dir: &Path) -> Outcome {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Failure::error(format!("cannot create {}: {e}", dir.display())))
}

fn open_log(path: &Path) -> Outcome<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
        .open(path)
        .map_err(|e| Failure::error(format!("cannot open {}: {e}", path.display())))
}

/// The last lines the started host wrote.
fn log_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(path) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.take(64 * 1024).read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(12)..];
    if tail.is_empty() {
        "(no output)".into()
    } else {
        tail.iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The host outlives this command and the terminal: its own session, no terminal signals.
#[cfg(unix)]
fn detach(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent's state.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn detach(_command: &mut Command) {}

/// Opens `url` with `$BROWSER` (a command; `%s` is replaced by the URL, else it is appended),
/// else the desktop's opener (`open`, `xdg-open`, `start`).
pub fn open_in_browser(url: &str) -> Result<(), String> {
    let browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let mut command = match browser {
        Some(browser) => {
            let first = browser.split(':').next().unwrap_or_default();
            let mut words = first.split_whitespace();
            let program = words.next().ok_or("BROWSER is empty")?;
            let mut command = Command::new(program);
            let args: Vec<&str> = words.collect();
            let has_slot = args.iter().any(|a| a.contains("%s"));
            command.args(args.iter().map(|a| a.replace("%s", url)));
            if !has_slot {
                command.arg(url);
            }
            command
        }
        None if cfg!(target_os = "macos") => {
            let mut command = Command::new("open");
            command.arg(url);
            command
        }
        None if cfg!(windows) => {
            let mut command = Command::new("cmd");
            command.args(["/C", "start", "", url]);
            command
        }
        None => {
            let graphical = ["DISPLAY", "WAYLAND_DISPLAY"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
            if !graphical {
                return Err("no graphical session (DISPLAY / WAYLAND_DISPLAY unset)".into());
            }
            let mut command = Command::new("xdg-open");
            command.arg(url);
            command
        }
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Openers return at once; a browser run directly keeps running, which is fine.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the opener exited with {status}")),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

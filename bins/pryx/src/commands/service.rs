//! `pryx service install|uninstall|status`: the host as a service of the login session — a
//! systemd user unit on Linux, a launchd agent on macOS.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value as Json, json};

use super::service_files::{self as files, LAUNCHD_LABEL, SYSTEMD_UNIT, ServiceSpec};
use crate::cli::{ServiceCommand, StartArgs};
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::process;

/// The service manager of this platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manager {
    Systemd,
    Launchd,
}

impl Manager {
    fn here() -> Outcome<Self> {
        if cfg!(target_os = "macos") {
            Ok(Self::Launchd)
        } else if cfg!(target_os = "linux") {
            Ok(Self::Systemd)
        } else {
            Err(Failure::new(
                Exit::Unsupported,
                "service_unsupported",
                "services are supported on Linux (systemd) and macOS (launchd)",
            ))
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Systemd => "systemd",
            Self::Launchd => "launchd",
        }
    }

    /// Where the unit / agent file lives.
    fn file(self) -> Outcome<PathBuf> {
        let home = directories::BaseDirs::new()
            .ok_or_else(|| Failure::error("cannot find your home directory"))?;
        Ok(match self {
            Self::Systemd => {
                let config = std::env::var_os("XDG_CONFIG_HOME")
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| home.home_dir().join(".config"), PathBuf::from);
                config.join("systemd/user").join(SYSTEMD_UNIT)
            }
            Self::Launchd => home
                .home_dir()
                .join("Library/LaunchAgents")
                .join(format!("{LAUNCHD_LABEL}.plist")),
        })
    }
}

/// Runs one service subcommand.
pub async fn run(ctx: &Ctx, command: ServiceCommand) -> Outcome {
    let manager = Manager::here()?;
    let file = manager.file()?;
    match command {
        ServiceCommand::Install { start, files_only } => {
            install(ctx, manager, &file, &start, files_only)
        }
        ServiceCommand::Uninstall { files_only } => uninstall(ctx, manager, &file, files_only),
        ServiceCommand::Status => status(ctx, manager, &file),
    }
}

fn install(
    ctx: &Ctx,
    manager: Manager,
    file: &Path,
    start: &StartArgs,
    files_only: bool,
) -> Outcome {
    let core = super::start::core_binary()?;
    let core = std::fs::canonicalize(&core).unwrap_or(core);
    let runtime = start.runtime.as_ref().map(|r| {
        super::doctor_probes::find_program(r)
            .map_or_else(|| r.clone(), |p| std::fs::canonicalize(&p).unwrap_or(p))
    });
    let spec = ServiceSpec {
        core,
        data_dir: ctx.data_dir.clone(),
        port: start.port,
        runtime,
        runtime_args: start.runtime_args.clone(),
    };
    let text = match manager {
        Manager::Systemd => {
            let unit = files::systemd_unit(&spec)
                .map_err(|m| Failure::new(Exit::Invalid, "service_invalid", m))?;
            files::check_unit(&unit).map_err(|e| {
                Failure::error(format!("the unit breaks systemd's rules: {}", e.join("; ")))
            })?;
            unit
        }
        Manager::Launchd => files::launchd_plist(&spec),
    };
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, &text)?;
    std::fs::rename(&tmp, file)?;

    let running = process::find(&ctx.data_dir);
    let mut commands: Vec<Vec<String>> = match manager {
        Manager::Systemd => vec![
            argv(&["systemctl", "--user", "daemon-reload"]),
            argv(&[
                "systemctl",
                "--user",
                "enable",
                if running.is_some() { "" } else { "--now" },
                SYSTEMD_UNIT,
            ]),
        ],
        Manager::Launchd => vec![vec![
            "launchctl".into(),
            "bootstrap".into(),
            format!("gui/{}", uid()),
            file.display().to_string(),
        ]],
    };
    for command in &mut commands {
        command.retain(|a| !a.is_empty());
    }
    let mut ran = Vec::new();
    if !files_only {
        for command in &commands {
            run_manager(command)?;
            ran.push(command.join(" "));
        }
    }
    let value = json!({
        "installed": true, "manager": manager.name(), "file": file.display().to_string(),
        "binary": spec.core.display().to_string(), "data_dir": spec.data_dir.display().to_string(),
        "ran": ran, "started": !files_only && running.is_none(),
    });
    ctx.out.emit(&value, || {
        println!("wrote {}", file.display());
        println!("  runs {} for {}", spec.core.display(), spec.data_dir.display());
        if files_only {
            let steps: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
            println!("  to start it: {}", steps.join(" && "));
        } else if let Some(host) = running {
            println!("  a host already runs (pid {}); the service takes over at next login, or now after `pryx stop` and `systemctl --user start {SYSTEMD_UNIT}`", host.pid);
        } else {
            println!("  started and enabled at login");
        }
    });
    Ok(())
}

fn uninstall(ctx: &Ctx, manager: Manager, file: &Path, files_only: bool) -> Outcome {
    if !file.exists() {
        return Err(Failure::new(
            Exit::NotFound,
            "service_not_installed",
            format!("no service file at {}", file.display()),
        ));
    }
    let mut ran = Vec::new();
    if !files_only {
        let command = match manager {
            Manager::Systemd => argv(&["systemctl", "--user", "disable", "--now", SYSTEMD_UNIT]),
            Manager::Launchd => vec![
                "launchctl".into(),
                "bootout".into(),
                format!("gui/{}/{LAUNCHD_LABEL}", uid()),
            ],
        };
        run_manager(&command)?;
        ran.push(command.join(" "));
    }
    std::fs::remove_file(file)?;
    if !files_only && manager == Manager::Systemd {
        let reload = argv(&["systemctl", "--user", "daemon-reload"]);
        run_manager(&reload)?;
        ran.push(reload.join(" "));
    }
    let value = json!({"installed": false, "file": file.display().to_string(), "ran": ran});
    ctx.out
        .emit(&value, || println!("removed {}", file.display()));
    Ok(())
}

fn status(ctx: &Ctx, manager: Manager, file: &Path) -> Outcome {
    let text = std::fs::read_to_string(file).ok();
    let argv = text.as_deref().and_then(|t| match manager {
        Manager::Systemd => files::exec_start(t),
        Manager::Launchd => files::plist_arguments(t),
    });
    let binary = argv.as_ref().and_then(|a| a.first().cloned());
    let data_dir = argv.as_ref().and_then(|a| {
        a.iter()
            .position(|x| x == "--data-dir")
            .and_then(|i| a.get(i + 1).cloned())
    });
    let active = text.as_ref().map(|_| active_state(manager));
    let value = json!({
        "installed": text.is_some(),
        "manager": manager.name(),
        "file": file.display().to_string(),
        "binary": binary,
        "binary_exists": binary.as_ref().map(|b| Path::new(b).is_file()),
        "data_dir": data_dir,
        "this_data_dir": data_dir.as_deref().map(|d| Path::new(d) == ctx.data_dir),
        "active": active,
    });
    ctx.out.emit(&value, || {
        if text.is_none() {
            println!(
                "no service installed ({} absent); `pryx service install` adds one",
                file.display()
            );
            return;
        }
        println!("service file: {}", file.display());
        println!("      binary: {}", binary.as_deref().unwrap_or("?"));
        println!("    data dir: {}", data_dir.as_deref().unwrap_or("?"));
        println!(
            "       state: {}",
            active.as_ref().and_then(Json::as_str).unwrap_or("unknown")
        );
    });
    if text.is_none() {
        return Err(Failure::shown(
            Exit::Problems,
            "service_not_installed",
            "no service installed",
        ));
    }
    Ok(())
}

/// `active`, `inactive`, `failed`, ... or `unknown` when the manager cannot be asked.
fn active_state(manager: Manager) -> Json {
    let output = match manager {
        Manager::Systemd => Command::new("systemctl")
            .args(["--user", "is-active", SYSTEMD_UNIT])
            .output(),
        Manager::Launchd => Command::new("launchctl")
            .args(["print", &format!("gui/{}/{LAUNCHD_LABEL}", uid())])
            .output(),
    };
    match (manager, output) {
        (Manager::Systemd, Ok(out)) => {
            let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            Json::String(if state.is_empty() {
                "unknown".into()
            } else {
                state
            })
        }
        (Manager::Launchd, Ok(out)) => Json::String(
            if out.status.success() {
                "loaded"
            } else {
                "not loaded"
            }
            .into(),
        ),
        (_, Err(_)) => Json::String("unknown".into()),
    }
}

fn run_manager(command: &[String]) -> Outcome {
    let output = Command::new(&command[0])
        .args(&command[1..])
        .output()
        .map_err(|e| {
            Failure::error(format!("cannot run {}: {e}", command[0]))
                .with_fix("use --files-only and start the service yourself")
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(Failure::error(format!(
        "`{}` failed: {}",
        command.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    ))
    .with_fix("is a user session manager running? `--files-only` writes the file without it"))
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[cfg(unix)]
fn uid() -> u32 {
    crate::data_dir::current_uid()
}

#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

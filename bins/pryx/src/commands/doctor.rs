//! `pryx doctor [--fix]`: runs the checks of [`super::doctor_checks`], prints each finding
//! with the command that fixes it, and with `--fix` applies the safe repairs — after copying
//! every file it touches, and the old modes, into `<data-dir>/backups/doctor-<time>/`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value as Json, json};

use super::doctor_checks as checks;
use super::doctor_findings::{Finding, Inputs, Level, Repair};
use super::doctor_probes as probes;
use crate::client::ApiClient;
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::{data_dir, process};

/// Runs every check (and the repairs with `fix`); exit 10 while problems remain.
pub async fn run(ctx: &Ctx, fix: bool) -> Outcome {
    let mut findings = collect(ctx).await;
    let mut fixed = Vec::new();
    let mut backup = None;
    if fix {
        let repairs: Vec<Repair> = findings.iter().filter_map(|f| f.repair.clone()).collect();
        if !repairs.is_empty() {
            let dir = back_up(&ctx.data_dir, &repairs)?;
            for repair in &repairs {
                apply(repair)?;
                fixed.push(describe(repair));
            }
            backup = Some(dir);
            findings = collect(ctx).await;
        }
    }
    let problems = findings
        .iter()
        .filter(|f| f.level == Level::Problem)
        .count();
    let warnings = findings.iter().filter(|f| f.level == Level::Warn).count();
    let report = json!({
        "data_dir": ctx.data_dir.display().to_string(),
        "checks": findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
        "problems": problems,
        "warnings": warnings,
        "fixed": fixed,
        "backup": backup.as_ref().map(|p| p.display().to_string()),
    });
    ctx.out.emit(&report, || {
        print_report(ctx, &findings, &fixed, backup.as_deref(), fix)
    });
    if problems > 0 {
        return Err(Failure::shown(
            Exit::Problems,
            "problems_found",
            format!("{problems} problems"),
        ));
    }
    Ok(())
}

async fn collect(ctx: &Ctx) -> Vec<Finding> {
    let dir = &ctx.data_dir;
    let port = std::env::var("PRYX_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(42424);
    let inputs = Inputs {
        dir,
        port,
        runtime: std::env::var_os("PRYX_RUNTIME")
            .filter(|r| !r.is_empty())
            .map(PathBuf::from),
    };
    let mut findings = checks::data_dir(dir);
    findings.extend(checks::files(dir));
    findings.extend(checks::lock(dir));
    findings.extend(probes::port(&inputs).await);
    let (health, skills) = from_host(dir).await;
    findings.extend(probes::runtime(&inputs, health.as_ref()));
    findings.push(probes::core_binary());
    findings.push(probes::config(dir).await);
    findings.extend(probes::skills(skills.as_ref()));
    findings.push(probes::telemetry(
        std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok(),
    ));
    findings
}

/// The running host's health and skills, when one runs and answers.
async fn from_host(dir: &Path) -> (Option<Json>, Option<Json>) {
    let Some(host) = process::find(dir) else {
        return (None, None);
    };
    let Ok(token) = data_dir::trusted_token(dir) else {
        return (None, None);
    };
    let Ok(client) = ApiClient::new(host.addr, token) else {
        return (None, None);
    };
    let health = client.get("/api/v1/health").await.ok().map(|r| r.body);
    let skills = client.get("/api/v1/skills").await.ok().map(|r| r.body);
    (health, skills)
}

/// Copies what the repairs touch, with the old modes, into a new backup directory.
fn back_up(dir: &Path, repairs: &[Repair]) -> Outcome<PathBuf> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let backup = dir.join("backups").join(format!("doctor-{stamp}"));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&backup).map_err(|e| {
        Failure::error(format!(
            "cannot create the backup {}: {e}",
            backup.display()
        ))
    })?;
    let mut entries = Vec::new();
    for repair in repairs {
        let (path, action) = match repair {
            Repair::Chmod { path, mode } => (path, format!("chmod {mode:o}")),
            Repair::Remove { path } => (path, "remove".to_owned()),
        };
        let mode = mode_of(path);
        let mut copy = Json::Null;
        if path.is_file() {
            let name = path
                .file_name()
                .map_or("file".into(), |n| n.to_string_lossy().into_owned());
            let target = backup.join(&name);
            std::fs::copy(path, &target)
                .map_err(|e| Failure::error(format!("cannot back up {}: {e}", path.display())))?;
            copy = Json::String(target.display().to_string());
        }
        entries.push(json!({"path": path.display().to_string(), "mode_before": mode.map(|m| format!("{m:04o}")), "action": action, "copy": copy}));
    }
    let manifest = json!({"created_ms": stamp as u64, "changes": entries});
    std::fs::write(backup.join("manifest.json"), format!("{manifest:#}\n"))?;
    Ok(backup)
}

fn apply(repair: &Repair) -> Outcome {
    match repair {
        #[cfg(unix)]
        Repair::Chmod { path, mode } => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
                .map_err(|e| Failure::error(format!("chmod {}: {e}", path.display())))
        }
        #[cfg(not(unix))]
        Repair::Chmod { .. } => Ok(()),
        Repair::Remove { path } => std::fs::remove_file(path)
            .map_err(|e| Failure::error(format!("rm {}: {e}", path.display()))),
    }
}

fn describe(repair: &Repair) -> String {
    match repair {
        Repair::Chmod { path, mode } => format!("chmod {mode:o} {}", path.display()),
        Repair::Remove { path } => format!("rm {}", path.display()),
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

fn print_report(
    ctx: &Ctx,
    findings: &[Finding],
    fixed: &[String],
    backup: Option<&Path>,
    fix: bool,
) {
    let out = &ctx.out;
    println!("pryx doctor: {}", ctx.data_dir.display());
    for change in fixed {
        println!("  fixed: {change}");
    }
    if let Some(backup) = backup {
        println!("  backup of what changed: {}", backup.display());
    }
    for finding in findings {
        println!(
            "{:>8} {:<9} {}",
            out.state(finding.level.word()),
            finding.check,
            finding.message
        );
        if finding.level != Level::Ok {
            if let Some(fix) = &finding.fix {
                println!("{:>18} {fix}", "fix:");
            }
        }
    }
    let fixable = findings.iter().any(|f| f.repair.is_some());
    if fixable && !fix {
        println!("`pryx doctor --fix` repairs what is marked fixable (after a backup)");
    }
}

//! `pryx config edit`: the config as YAML in `$VISUAL`/`$EDITOR`, written back with
//! `If-Match` on the revision it was read at. When someone changed the config meanwhile the
//! write is refused and the edit kept in a file, never lost and never written over theirs.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::Method;
use serde_json::{Value as Json, json};

use super::config::yaml;
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};

const HEADER: &str = "\
# Pryx config (config.yaml). Save and quit to apply; quit without saving to change nothing.
# Secrets show as \"<redacted>\": leave them so to keep the stored value.
";

/// Opens the editor and applies the result.
pub async fn run(ctx: &Ctx) -> Outcome {
    let client = ctx.client()?;
    let current = client.get("/api/v1/config").await?;
    let revision = current
        .etag
        .clone()
        .or_else(|| current.body["revision"].as_str().map(str::to_owned))
        .ok_or_else(|| Failure::error("the host did not say the config's revision"))?;
    let original = format!("{HEADER}{}", yaml(&current.body["config"]));

    let dir = tempfile::Builder::new().prefix("pryx-config-").tempdir()?;
    let copy = dir.path().join("config.yaml");
    write_private(&copy, &original)?;
    run_editor(&copy)?;
    let edited = std::fs::read_to_string(&copy)?;
    if edited == original {
        let value = json!({"changed": false, "revision": revision});
        ctx.out.emit(&value, || println!("no change"));
        return Ok(());
    }
    let document: Json = match serde_yaml_ng::from_str(&edited) {
        Ok(doc @ Json::Object(_)) => doc,
        Ok(_) => {
            return Err(keep(
                dir,
                Exit::Invalid,
                "config_invalid",
                "the edited config is not a map of keys",
            ));
        }
        Err(err) => {
            return Err(keep(
                dir,
                Exit::Invalid,
                "config_invalid",
                &format!("the edit is not valid YAML: {err}"),
            ));
        }
    };
    match client
        .call(
            Method::PUT,
            "/api/v1/config",
            Some(document),
            Some(&revision),
        )
        .await
    {
        Ok(reply) => {
            let value = json!({"changed": true, "revision": reply.body["revision"]});
            ctx.out.emit(&value, || {
                println!(
                    "config written (revision {})",
                    reply.body["revision"].as_str().unwrap_or("?")
                );
            });
            Ok(())
        }
        Err(failure) if failure.exit == Exit::Conflict => {
            let kept = keep_path(dir);
            Err(Failure::new(
                Exit::Conflict,
                "config_conflict",
                format!(
                    "the config changed while you edited it (now revision {}); nothing was \
                     written. Your edit is kept in {}",
                    failure.details["current_revision"].as_str().unwrap_or("?"),
                    kept.display()
                ),
            )
            .with_fix("run `pryx config edit` again (it starts from the current version) and redo your change")
            .with_details(json!({"kept": kept, "current_revision": failure.details["current_revision"]})))
        }
        Err(failure) => {
            let kept = keep_path(dir);
            Err(Failure {
                message: format!(
                    "{}\nYour edit is kept in {}",
                    failure.message,
                    kept.display()
                ),
                ..failure
            })
        }
    }
}

/// Runs `$VISUAL`, `$EDITOR` or `vi` on `path` through the shell (so `code --wait` works).
fn run_editor(path: &Path) -> Outcome {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|e| Failure::error(format!("cannot run the editor {editor:?}: {e}")))?;
    if !status.success() {
        return Err(Failure::error(format!(
            "the editor {editor:?} exited with {status}; nothing was written"
        )));
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Outcome {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options.open(path)?.write_all(text.as_bytes())?;
    Ok(())
}

/// Keeps the edited copy (its directory is no longer removed) and says where it is.
fn keep_path(dir: tempfile::TempDir) -> PathBuf {
    dir.keep().join("config.yaml")
}

fn keep(dir: tempfile::TempDir, exit: Exit, code: &str, why: &str) -> Failure {
    let kept = keep_path(dir);
    Failure::new(
        exit,
        code,
        format!(
            "{why}; nothing was written. Your edit is kept in {}",
            kept.display()
        ),
    )
    .with_fix("fix it and run `pryx config edit` again")
}

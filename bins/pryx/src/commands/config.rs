//! `pryx config get|set|validate|history|restore` (`edit` is in [`super::config_edit`]).

use std::path::{Path, PathBuf};

use pryx_core_api::ConfigStore;
use reqwest::Method;
use serde_json::{Value as Json, json};

use super::segment;
use crate::cli::ConfigCommand;
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::output::cell;

/// Runs one config subcommand.
pub async fn run(ctx: &Ctx, command: ConfigCommand) -> Outcome {
    match command {
        ConfigCommand::Get { key } => get(ctx, key).await,
        ConfigCommand::Set { key, value, string } => set(ctx, &key, &value, string).await,
        ConfigCommand::Edit => super::config_edit::run(ctx).await,
        ConfigCommand::Validate { file } => validate(ctx, file).await,
        ConfigCommand::History { id: None } => history(ctx).await,
        ConfigCommand::History { id: Some(id) } => version(ctx, &id).await,
        ConfigCommand::Restore { id } => restore(ctx, &id).await,
    }
}

async fn get(ctx: &Ctx, key: Option<String>) -> Outcome {
    let view = ctx.client()?.get("/api/v1/config").await?.body;
    let Some(key) = key else {
        ctx.out.emit(&view, || print!("{}", yaml(&view["config"])));
        return Ok(());
    };
    let value = lookup(&view["config"], &key).ok_or_else(|| {
        Failure::new(
            Exit::NotFound,
            "config_key_not_found",
            format!("the config has no key {key:?}"),
        )
        .with_fix("`pryx config get` prints the whole document")
    })?;
    let result = json!({"key": key, "value": value, "revision": view["revision"]});
    ctx.out.emit(&result, || match value {
        Json::String(text) => println!("{text}"),
        Json::Object(_) | Json::Array(_) => print!("{}", yaml(value)),
        other => println!("{other}"),
    });
    Ok(())
}

async fn set(ctx: &Ctx, key: &str, raw: &str, string: bool) -> Outcome {
    let value = if string {
        Json::String(raw.to_owned())
    } else {
        serde_json::from_str(raw).unwrap_or_else(|_| Json::String(raw.to_owned()))
    };
    let patch = nested_patch(key, value)?;
    let client = ctx.client()?;
    let reply = client
        .call(Method::PATCH, "/api/v1/config", Some(patch), None)
        .await?;
    let view = reply.body;
    let result =
        json!({"key": key, "value": lookup(&view["config"], key), "revision": view["revision"]});
    ctx.out.emit(&result, || {
        println!("{key} set (revision {})", cell(&view["revision"]));
    });
    Ok(())
}

/// `a.b.c` = v as the merge patch `{"a": {"b": {"c": v}}}`.
pub fn nested_patch(key: &str, value: Json) -> Outcome<Json> {
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(Failure::new(
            Exit::Usage,
            "bad_key",
            format!("{key:?} is not a dotted key such as model_name or channels.telegram.enabled"),
        ));
    }
    Ok(key
        .rsplit('.')
        .fold(value, |inner, part| json!({ part: inner })))
}

/// The value at a dotted key.
fn lookup<'a>(config: &'a Json, key: &str) -> Option<&'a Json> {
    key.split('.').try_fold(config, |node, part| node.get(part))
}

/// A JSON value as YAML for a person.
pub fn yaml(value: &Json) -> String {
    serde_yaml_ng::to_string(value).unwrap_or_else(|_| format!("{value:#}\n"))
}

/// Checks a config file offline, with the host's own reader and rules.
async fn validate(ctx: &Ctx, file: Option<PathBuf>) -> Outcome {
    let path = file.unwrap_or_else(|| ctx.data_dir.join("config.yaml"));
    let report = check_file(&path).await?;
    if report["valid"] == Json::Bool(true) {
        ctx.out
            .emit(&report, || println!("{}: valid", path.display()));
        return Ok(());
    }
    let fields = report["errors"].as_array().cloned().unwrap_or_default();
    let lines: Vec<String> = fields
        .iter()
        .map(|f| format!("  {}: {}", cell(&f["path"]), cell(&f["message"])))
        .collect();
    Err(Failure::new(
        Exit::Invalid,
        "config_invalid",
        format!(
            "{} is not a valid config:\n{}",
            path.display(),
            lines.join("\n")
        ),
    )
    .with_fix("`pryx config edit`, or `pryx config history` and `pryx config restore <id>`")
    .with_details(report))
}

/// `{file, valid, errors: [{path, message}]}` for the config at `path`, read as the host reads
/// `config.yaml` (size cap, YAML rules) and validated with the host's rules. A missing file
/// is valid (the defaults apply).
pub async fn check_file(path: &Path) -> Outcome<Json> {
    let missing = !path.exists();
    let errors = if missing {
        Vec::new()
    } else {
        let dir = tempfile::Builder::new()
            .prefix("pryx-validate-")
            .tempdir()?;
        std::fs::copy(path, dir.path().join("config.yaml"))
            .map_err(|e| Failure::error(format!("cannot read {}: {e}", path.display())))?;
        let store = pryx_store::FileConfigStore::new(dir.path());
        match store.load().await {
            Ok(snapshot) => match pryx_core_api::config::validate(&snapshot.config) {
                Ok(()) => Vec::new(),
                Err(fields) => fields
                    .iter()
                    .map(|f| json!({"path": f.path, "message": f.message}))
                    .collect(),
            },
            Err(err) => vec![json!({"path": "", "message": err.to_string()})],
        }
    };
    Ok(json!({
        "file": path.display().to_string(),
        "exists": !missing,
        "valid": errors.is_empty(),
        "errors": errors,
    }))
}

async fn history(ctx: &Ctx) -> Outcome {
    let body = ctx.client()?.get("/api/v1/config/history").await?.body;
    ctx.out.emit(&body, || {
        let entries = body["entries"].as_array().cloned().unwrap_or_default();
        if entries.is_empty() {
            println!("no kept versions yet (each write keeps the version it replaces)");
            return;
        }
        let rows = entries
            .iter()
            .map(|e| vec![cell(&e["id"]), cell(&e["replaced_at"]), cell(&e["size"])])
            .collect();
        println!("{}", ctx.out.table(&["id", "replaced at", "bytes"], rows));
        println!("show one: pryx config history <id>; bring it back: pryx config restore <id>");
    });
    Ok(())
}

async fn version(ctx: &Ctx, id: &str) -> Outcome {
    let path = format!("/api/v1/config/history/{}", segment(id));
    let body = ctx.client()?.get(&path).await?.body;
    ctx.out.emit(&body, || match body["error"].as_str() {
        Some(error) => println!("# this version does not parse: {error}"),
        None => print!("{}", yaml(&body["config"])),
    });
    Ok(())
}

async fn restore(ctx: &Ctx, id: &str) -> Outcome {
    let client = ctx.client()?;
    let current = client.get("/api/v1/config").await?;
    let revision = current
        .etag
        .or_else(|| current.body["revision"].as_str().map(str::to_owned))
        .ok_or_else(|| Failure::error("the host did not say the config's revision"))?;
    let path = format!("/api/v1/config/history/{}/restore", segment(id));
    let view = client
        .call(Method::POST, &path, None, Some(&revision))
        .await?
        .body;
    ctx.out.emit(&view, || {
        println!(
            "restored {id} (now revision {}); the version it replaced is kept in the history",
            cell(&view["revision"])
        );
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_become_nested_merge_patches() {
        assert_eq!(nested_patch("a", json!(1)).unwrap(), json!({"a": 1}));
        assert_eq!(
            nested_patch("a.b.c", json!(null)).unwrap(),
            json!({"a": {"b": {"c": null}}})
        );
        assert!(nested_patch("a..b", json!(1)).is_err());
        assert!(nested_patch("", json!(1)).is_err());
        let config = json!({"a": {"b": 2}});
        assert_eq!(lookup(&config, "a.b"), Some(&json!(2)));
        assert_eq!(lookup(&config, "a.c"), None);
    }

    #[tokio::test]
    async fn validation_reads_like_the_host_and_lists_every_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        assert_eq!(
            check_file(&path).await.unwrap()["valid"],
            true,
            "missing = defaults"
        );
        std::fs::write(
            &path,
            "model_name: llama3\nmemory_enabled: 3\nlisten_addr: nope\n",
        )
        .unwrap();
        let report = check_file(&path).await.unwrap();
        assert_eq!(report["valid"], false);
        let paths: Vec<&str> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["memory_enabled", "listen_addr"]);
        std::fs::write(&path, "a: [unclosed\n").unwrap();
        assert_eq!(check_file(&path).await.unwrap()["valid"], false);
    }
}

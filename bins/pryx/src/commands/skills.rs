//! `pryx skills list|show|enable|disable`.

use serde_json::Value as Json;

use super::segment;
use crate::cli::SkillsCommand;
use crate::context::Ctx;
use crate::failure::Outcome;
use crate::output::cell;

/// Runs one skills subcommand.
pub async fn run(ctx: &Ctx, command: SkillsCommand) -> Outcome {
    let client = ctx.client()?;
    let out = &ctx.out;
    match command {
        SkillsCommand::List => {
            let body = client.get("/api/v1/skills").await?.body;
            out.emit(&body, || {
                let skills = body["skills"].as_array().cloned().unwrap_or_default();
                if skills.is_empty() {
                    println!("no skills found (they live in <data-dir>/skills/<name>/SKILL.md)");
                    return;
                }
                let rows = skills.iter().map(|s| list_row(s, out)).collect();
                println!(
                    "{}",
                    out.table(&["id", "enabled", "eligible", "source", "notes"], rows)
                );
            });
        }
        SkillsCommand::Show { id } => {
            let skill = client
                .get(&format!("/api/v1/skills/{}", segment(&id)))
                .await?
                .body;
            out.emit(&skill, || print_skill(&skill));
        }
        SkillsCommand::Enable { id } => toggle(ctx, &client, &id, "enable").await?,
        SkillsCommand::Disable { id } => toggle(ctx, &client, &id, "disable").await?,
    }
    Ok(())
}

async fn toggle(ctx: &Ctx, client: &crate::client::ApiClient, id: &str, verb: &str) -> Outcome {
    let path = format!("/api/v1/skills/{}/{verb}", segment(id));
    let skill = client.post(&path, None).await?.body;
    ctx.out.emit(&skill, || {
        let state = if skill["enabled"] == Json::Bool(true) {
            "enabled"
        } else {
            "disabled"
        };
        println!("{id}: {}", ctx.out.state(state));
        if skill["eligible"] == Json::Bool(false) {
            println!("  not eligible on this machine: {}", missing(&skill));
        }
    });
    Ok(())
}

fn list_row(skill: &Json, out: &crate::output::Output) -> Vec<String> {
    let enabled = if skill["enabled"] == Json::Bool(true) {
        "enabled"
    } else {
        "disabled"
    };
    let notes = match skill["error"].as_str() {
        Some(error) => format!("error: {error}"),
        None if skill["eligible"] == Json::Bool(false) => format!("missing {}", missing(skill)),
        None => skill["description"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect(),
    };
    vec![
        cell(&skill["id"]),
        out.state(enabled),
        cell(&skill["eligible"]),
        cell(&skill["source"]),
        notes,
    ]
}

/// `bins: a, b; env: X`.
fn missing(skill: &Json) -> String {
    let mut parts = Vec::new();
    for kind in ["bins", "env"] {
        let list = cell(&skill["missing"][kind]);
        if list != "-" {
            parts.push(format!("{kind}: {list}"));
        }
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join("; ")
    }
}

fn print_skill(skill: &Json) {
    let Some(fields) = skill.as_object() else {
        println!("{skill}");
        return;
    };
    for (key, value) in fields {
        let text = match value {
            Json::Object(_) => value.to_string(),
            other => cell(other),
        };
        println!("{key:>12}: {text}");
    }
}

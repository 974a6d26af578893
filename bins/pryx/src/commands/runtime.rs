//! What the agent runtime offers (`providers`, `models`, `mcp tools`) and `runtime restart`.

use serde_json::{Value as Json, json};

use super::segment;
use crate::context::Ctx;
use crate::failure::Outcome;
use crate::output::{Output, cell};

/// `pryx providers`.
pub async fn providers(ctx: &Ctx) -> Outcome {
    let body = ctx.client()?.get("/api/v1/providers").await?.body;
    ctx.out.emit(&body, || {
        let columns = ["id", "name", "configured", "requires_api_key"];
        print_items(&ctx.out, &body["providers"], &columns, "no providers");
    });
    Ok(())
}

/// `pryx models [PROVIDER]`: one provider's models, or every provider's.
pub async fn models(ctx: &Ctx, provider: Option<String>) -> Outcome {
    let client = ctx.client()?;
    let ids = match provider {
        Some(id) => vec![id],
        None => {
            let body = client.get("/api/v1/providers").await?.body;
            body["providers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["id"].as_str().map(str::to_owned))
                .collect()
        }
    };
    let mut all = Vec::new();
    for id in ids {
        let path = format!("/api/v1/providers/{}/models", segment(&id));
        let body = client.get(&path).await?.body;
        for model in body["models"].as_array().into_iter().flatten() {
            let mut model = model.clone();
            if let Some(fields) = model.as_object_mut() {
                fields.insert("provider".into(), Json::String(id.clone()));
            }
            all.push(model);
        }
    }
    let value = json!({"models": all});
    ctx.out.emit(&value, || {
        print_items(
            &ctx.out,
            &value["models"],
            &["provider", "id", "name"],
            "no models",
        );
    });
    Ok(())
}

/// `pryx mcp tools`.
pub async fn mcp_tools(ctx: &Ctx) -> Outcome {
    let body = ctx.client()?.get("/api/v1/mcp/tools").await?.body;
    ctx.out.emit(&body, || {
        print_items(
            &ctx.out,
            &body["tools"],
            &["name", "title", "description"],
            "no MCP tools",
        );
    });
    Ok(())
}

/// `pryx runtime restart`: waits for the new run to be ready (or fail again).
pub async fn restart(ctx: &Ctx) -> Outcome {
    let status = ctx
        .client()?
        .post("/api/v1/runtime/restart", None)
        .await?
        .body;
    ctx.out.emit(&status, || {
        let state = status["state"].as_str().unwrap_or("?");
        println!(
            "runtime {} (version {}, pid {})",
            ctx.out.state(state),
            cell(&status["version"]),
            cell(&status["pid"])
        );
        if let Some(detail) = status["detail"].as_str() {
            println!("  {detail}");
        }
    });
    Ok(())
}

/// A table of `items` with the given columns (those present in any item).
fn print_items(out: &Output, items: &Json, columns: &[&str], empty: &str) {
    let items = items.as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        println!("{empty}");
        return;
    }
    let present: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| items.iter().any(|i| !i[*c].is_null()))
        .collect();
    let rows = items
        .iter()
        .map(|item| present.iter().map(|c| cell(&item[*c])).collect())
        .collect();
    println!("{}", out.table(&present, rows));
}

//! `pryx update check|apply`: the host's updater (`GET /api/v1/update`,
//! `POST /api/v1/update/apply`). A host without one, or with one that has no signing key
//! configured, says so (exit 9).

use serde_json::{Value as Json, json};

use crate::cli::UpdateCommand;
use crate::context::Ctx;
use crate::failure::{Exit, Failure, Outcome};
use crate::output::cell;

/// Runs one update subcommand.
pub async fn run(ctx: &Ctx, command: UpdateCommand) -> Outcome {
    let client = ctx.client()?;
    let answer = match &command {
        UpdateCommand::Check => client.get("/api/v1/update").await,
        UpdateCommand::Apply { allow_downgrade } => {
            let body = json!({"allow_downgrade": allow_downgrade});
            client.post("/api/v1/update/apply", Some(body)).await
        }
    };
    let body = answer.map_err(no_updater)?.body;
    ctx.out.emit(&body, || {
        let current = pick(&body, &["current_version", "current", "version"]);
        let available = pick(
            &body,
            &["available_version", "available", "latest", "new_version"],
        );
        match command {
            UpdateCommand::Check if available == "-" => println!("up to date ({current})"),
            UpdateCommand::Check => println!(
                "update available: {current} → {available}; apply it with `pryx update apply`"
            ),
            UpdateCommand::Apply { .. } => {
                println!("updated: {current} → {available}; the host restarts")
            }
        }
    });
    Ok(())
}

fn pick(body: &Json, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| &body[*n])
        .find(|v| !v.is_null())
        .map_or_else(|| "-".into(), cell)
}

fn no_updater(mut failure: Failure) -> Failure {
    if failure.code == "update_not_configured" {
        // The host has an updater but no key or endpoint: not an error of this command.
        failure.exit = Exit::Unsupported;
        failure.fix = Some(
            "start the host with --update-pubkey (or PRYX_UPDATE_PUBKEY); see docs/updater.md"
                .into(),
        );
        return failure;
    }
    if failure.exit != Exit::Unsupported {
        return failure;
    }
    Failure::new(
        Exit::Unsupported,
        "updater_unsupported",
        "this host has no updater yet (GET /api/v1/update answered 404)",
    )
    .with_fix("upgrade pryx-core by hand to a version with the updater")
}

//! `pryx`: the command line of Pryx. Without a subcommand it makes sure a host runs for the
//! data directory and opens the web UI; its subcommands drive that host through the admin API
//! (and `/ws`) with the per-install token. See `docs/cli.md`.

mod cli;
mod client;
mod commands;
mod context;
mod data_dir;
mod failure;
mod output;
mod process;
mod render;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::context::Ctx;
use crate::failure::{Failure, Outcome};
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("cannot start: {e}")))
        .and_then(|runtime| runtime.block_on(run(cli, out)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if failure.shown {
                // The command printed its own report.
            } else if out.json {
                println!("{}", failure.to_json());
            } else {
                eprintln!("pryx: {failure}");
            }
            ExitCode::from(failure.exit.code())
        }
    }
}

async fn run(cli: Cli, out: Output) -> Outcome {
    let data_dir = data_dir::resolve(cli.data_dir).map_err(Failure::error)?;
    let ctx = Ctx::new(data_dir, out);
    use commands::*;
    match cli.command {
        None => start::run(&ctx, &cli.start, !cli.no_open).await,
        Some(command) => match command {
            Command::Status => status::run(&ctx).await,
            Command::Open { no_open } => start::open(&ctx, !no_open).await,
            Command::Skills(sub) => skills::run(&ctx, sub).await,
            Command::Config(sub) => config::run(&ctx, sub).await,
            Command::Providers => runtime::providers(&ctx).await,
            Command::Models { provider } => runtime::models(&ctx, provider).await,
            Command::Mcp(cli::McpCommand::Tools) => runtime::mcp_tools(&ctx).await,
            Command::Logs { follow, limit } => logs::run(&ctx, follow, limit).await,
            Command::Watch(args) => watch::run(args, &ctx).await,
            Command::Chat(args) => chat::run(&ctx, args).await,
            Command::Runtime(cli::RuntimeCommand::Restart) => runtime::restart(&ctx).await,
            Command::Update(sub) => update::run(&ctx, sub).await,
            Command::Stop { timeout } => stop::run(&ctx, timeout).await,
            Command::Doctor { fix } => doctor::run(&ctx, fix).await,
            Command::Service(sub) => service::run(&ctx, sub).await,
            Command::Completions { shell } => completions(&ctx, shell),
        },
    }
}

/// `pryx completions <shell>`: the script on stdout (inside `{"shell", "script"}` with --json).
fn completions(ctx: &Ctx, shell: clap_complete::Shell) -> Outcome {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pryx", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    let value = serde_json::json!({"shell": shell.to_string(), "script": script});
    ctx.out.emit(&value, || print!("{script}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

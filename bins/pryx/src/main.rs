//! `pryx`: the command line of Pryx. It talks to a running Pryx host (started by the desktop
//! app or `pryx-core`); for now it has one command, `pryx watch`, which prints the host's live
//! events.

mod data_dir;
mod render;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Talk to a running Pryx host.
#[derive(Debug, Parser)]
#[command(name = "pryx", version, about)]
struct Cli {
    /// The data directory that holds `admin.token` (default: `~/.pryx`).
    #[arg(long, global = true, env = "PRYX_HOME", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the host's live events, one line each, reconnecting (and catching up) when the
    /// connection drops. Ctrl-C stops.
    Watch(watch::WatchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("pryx: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Watch(args) => watch::run(args, cli.data_dir).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pryx: {err}");
            ExitCode::FAILURE
        }
    }
}

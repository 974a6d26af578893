//! `pryx-core`: Pryx host without a window. Serves the admin API, the UI and (when configured)
//! supervises the agent runtime, on 127.0.0.1:42424 by default. The composition lives in the
//! package's library (`pryx_core::run`).

use std::process::ExitCode;

use clap::Parser;

use pryx_core::Options;

fn main() -> ExitCode {
    let options = Options::parse();
    // The logger (terminal, file, export) is installed by `pryx_core::start` once the data
    // dir is known; errors before that are printed on stderr below.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.worker_threads())
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("pryx-core: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(pryx_core::run(options));
    // A telemetry flush still waiting on a slow endpoint must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pryx-core: {err}");
            ExitCode::from(2)
        }
    }
}

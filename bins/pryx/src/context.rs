//! [`Ctx`]: what every command gets: the data directory, the output settings, and the way to
//! the running host.

use std::path::PathBuf;
use std::time::Duration;

use crate::client::ApiClient;
use crate::data_dir;
use crate::failure::{Exit, Failure, Outcome};
use crate::output::Output;
use crate::process::{self, RunningHost};

/// How long to wait for a host that holds the lock but has not announced its address yet.
const STARTING_PATIENCE: Duration = Duration::from_secs(5);

/// The context of one command.
#[derive(Debug)]
pub struct Ctx {
    /// The data directory (absolute).
    pub data_dir: PathBuf,
    /// Output settings.
    pub out: Output,
}

impl Ctx {
    /// A context for `data_dir`.
    pub fn new(data_dir: PathBuf, out: Output) -> Self {
        Self { data_dir, out }
    }

    /// The host running for this data directory, or the "no host" failure (exit 3).
    pub fn host(&self) -> Outcome<RunningHost> {
        process::find_waiting(&self.data_dir, STARTING_PATIENCE).ok_or_else(|| self.no_host())
    }

    /// An API client for the running host.
    pub fn client(&self) -> Outcome<ApiClient> {
        let host = self.host()?;
        let token = data_dir::trusted_token(&self.data_dir)?;
        ApiClient::new(host.addr, token)
    }

    /// The failure every command gives when no host runs.
    pub fn no_host(&self) -> Failure {
        Failure::new(
            Exit::NoHost,
            "no_host",
            format!("no Pryx host is running for {}", self.data_dir.display()),
        )
        .with_fix(if self.data_dir_is_default() {
            "start one with `pryx` (or `pryx-core`)".to_owned()
        } else {
            format!(
                "start one with `pryx --data-dir {}`",
                self.data_dir.display()
            )
        })
    }

    fn data_dir_is_default(&self) -> bool {
        data_dir::resolve(None).is_ok_and(|d| d == self.data_dir)
    }
}

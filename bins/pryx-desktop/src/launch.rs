//! Getting a host for the window: start the embedded one (the same composition as headless,
//! `pryx_core::start`), or — when a live host already holds the data dir's lock — attach to it.
//! The lock itself decides (a lock is held only by a live process), so a stale `host.lock`
//! from a crash never makes the window attach to nothing, and two hosts never share a dir.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pryx_core::{Options, StartError, StartedHost};

/// How long the embedded host may take to start before the window says it did not.
pub const START_PATIENCE: Duration = Duration::from_secs(8);
/// How long to wait for a host that holds the lock but has not announced its address yet.
pub const ANNOUNCE_PATIENCE: Duration = Duration::from_secs(5);

/// What the window got.
pub enum Backend {
    /// A host started in this process.
    Embedded(Box<StartedHost>),
    /// A host that already ran on the data dir (headless, or another embedder).
    Attached {
        /// Where it listens.
        addr: SocketAddr,
    },
}

/// What to do after trying to start: the pure part of [`launch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Another live host holds the data dir and listens at this address: attach to it.
    Attach(SocketAddr),
    /// Another live host holds the data dir but has not said where it listens yet.
    WaitForAddress,
    /// No host: show why.
    Fail(String),
}

/// Decides from a failed start: only "the data dir is held by a live host" leads to attaching.
pub fn plan_after(err: &StartError) -> Plan {
    match pryx_core::already_running(err) {
        Some(Some(addr)) => Plan::Attach(addr),
        Some(None) => Plan::WaitForAddress,
        None => Plan::Fail(err.to_string()),
    }
}

/// Starts the embedded host for `options`, or attaches to the one holding the data dir.
/// Always returns within [`START_PATIENCE`] + [`ANNOUNCE_PATIENCE`]: the error is the
/// sentence the window shows.
pub async fn launch(options: Options, data_dir: &Path) -> Result<Backend, String> {
    let started = tokio::time::timeout(START_PATIENCE, pryx_core::start(options)).await;
    let err = match started {
        Ok(Ok(host)) => return Ok(Backend::Embedded(Box::new(host))),
        Ok(Err(err)) => err,
        Err(_) => {
            return Err(format!(
                "the host did not start within {} s",
                START_PATIENCE.as_secs()
            ));
        }
    };
    match plan_after(&err) {
        Plan::Attach(addr) => Ok(Backend::Attached { addr }),
        Plan::Fail(why) => Err(why),
        Plan::WaitForAddress => {
            let deadline = Instant::now() + ANNOUNCE_PATIENCE;
            loop {
                if let Some(addr) = announced_addr(data_dir) {
                    return Ok(Backend::Attached { addr });
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "{err}; it did not say where it listens within {} s",
                        ANNOUNCE_PATIENCE.as_secs()
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The address the lock holder announced in `host.lock`, if any.
pub fn announced_addr(data_dir: &Path) -> Option<SocketAddr> {
    let text = std::fs::read_to_string(data_dir.join(pryx_store::LOCK_FILE_NAME)).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["addr"].as_str()?.parse().ok()
}

/// The data dir the options name: `--data-dir` / `PRYX_HOME`, else `~/.pryx` (as headless).
pub fn data_dir_of(options: &Options) -> Result<PathBuf, String> {
    pryx_core::resolve_data_dir(options.data_dir.clone()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn already_running(addr: Option<&str>) -> StartError {
        Box::new(pryx_store::StoreError::AlreadyRunning {
            data_dir: PathBuf::from("/d"),
            pid: Some(7),
            addr: addr.map(str::to_owned),
        })
    }

    #[test]
    fn a_live_holder_with_an_address_is_attached_to() {
        let plan = plan_after(&already_running(Some("127.0.0.1:4100")));
        assert_eq!(plan, Plan::Attach("127.0.0.1:4100".parse().unwrap()));
    }

    #[test]
    fn a_holder_still_starting_is_waited_for() {
        assert_eq!(plan_after(&already_running(None)), Plan::WaitForAddress);
    }

    #[test]
    fn any_other_failure_is_shown_not_attached() {
        let err: StartError =
            "127.0.0.1:42424 is already in use: is another Pryx host running?".into();
        assert!(matches!(plan_after(&err), Plan::Fail(why) if why.contains("already in use")));
    }

    #[tokio::test]
    async fn a_second_start_on_a_held_dir_attaches_to_the_first() {
        use clap::Parser as _;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("home");
        let args = |d: &Path| {
            Options::parse_from([
                "pryx-desktop",
                "--port",
                "0",
                "--data-dir",
                d.to_str().unwrap(),
            ])
        };
        let first = match launch(args(&data), &data).await {
            Ok(Backend::Embedded(host)) => host,
            Ok(Backend::Attached { .. }) => panic!("nothing ran yet, yet it attached"),
            Err(e) => panic!("first start failed: {e}"),
        };
        match launch(args(&data), &data).await {
            Ok(Backend::Attached { addr }) => assert_eq!(addr, first.local_addr()),
            Ok(Backend::Embedded(_)) => panic!("a second host started on the same data dir"),
            Err(e) => panic!("second start neither attached nor started: {e}"),
        }
        first.shutdown_handle().shutdown();
        first.wait().await.unwrap();
        // The lock is free again once the first stopped: a new host could take the dir.
        let reopened = pryx_store::DataDir::open(data.clone()).unwrap();
        assert!(
            reopened.lock().is_ok(),
            "the data dir stayed held after the host stopped"
        );
    }
}

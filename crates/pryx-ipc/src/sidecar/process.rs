//! Spawning the runtime so that it never outlives the host, and signalling its process group.
//!
//! The child leads its own process group (so a signal reaches everything it started) and, on
//! Linux, gets `PR_SET_PDEATHSIG = SIGKILL`, so it dies with the host even when the host itself is
//! SIGKILLed. `kill_on_drop` covers the host dropping its handle without a shutdown.
//!
//! The parent-death signal fires when the *thread* that forked the child exits, not the process.
//! A Tokio worker thread can retire (e.g. after `block_in_place`), so children are forked from one
//! dedicated thread that lives as long as the host process.

use std::io;
use std::process::Stdio;
use std::sync::{OnceLock, mpsc};

use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use super::SidecarConfig;
use crate::protocol::PROTOCOL_VERSION;

/// Starts the runtime with piped stdio, forked from the spawner thread.
pub(crate) async fn spawn(config: &SidecarConfig) -> io::Result<Child> {
    let cmd = command(config);
    let (reply, answer) = oneshot::channel();
    let job = SpawnJob {
        cmd,
        handle: tokio::runtime::Handle::current(),
        reply,
    };
    match spawner().send(job) {
        Ok(()) => answer
            .await
            .unwrap_or_else(|_| Err(io::Error::other("the spawner thread is gone"))),
        // No spawner thread could be started: fork from here instead.
        Err(mpsc::SendError(mut job)) => job.cmd.spawn(),
    }
}

struct SpawnJob {
    cmd: Command,
    handle: tokio::runtime::Handle,
    reply: oneshot::Sender<io::Result<Child>>,
}

/// The thread all runtimes are forked from; it never exits.
fn spawner() -> &'static mpsc::Sender<SpawnJob> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnJob>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        let started = std::thread::Builder::new()
            .name("pryx-ipc-spawner".into())
            .spawn(move || {
                for mut job in rx {
                    // The child's pipes register with the caller's runtime.
                    let _runtime = job.handle.enter();
                    let _ = job.reply.send(job.cmd.spawn());
                }
            });
        if let Err(e) = started {
            tracing::warn!(target: "pryx_ipc", error = %e, "no spawner thread; forking from the caller");
        }
        tx
    })
}

fn command(config: &SidecarConfig) -> Command {
    let mut cmd = Command::new(&config.program);
    cmd.args(&config.args)
        .env("PRYX_HOST_RPC", "1")
        .env("PRYX_IPC_PROTOCOL", PROTOCOL_VERSION)
        .envs(config.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(cwd) = &config.cwd {
        cmd.current_dir(cwd);
    }
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    die_with_parent(&mut cmd);
    cmd
}

#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe calls
    // (prctl, getppid); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // The host may have died before prctl took effect.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Sends `signal` to the process group led by `pid`. Errors (e.g. the group is gone) are
/// ignored: the caller only wants the group dead.
#[cfg(unix)]
pub(crate) fn signal_group(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid)
        && pid > 0
    {
        // SAFETY: kill has no memory-safety preconditions; a negative pid names a group.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
}

/// Not on Unix: only the child itself can be killed (by the caller, through `Child::kill`).
#[cfg(not(unix))]
pub(crate) fn signal_group(_pid: u32, _signal: i32) {}

/// SIGTERM, or a stand-in off Unix.
#[cfg(unix)]
pub(crate) const SIGTERM: libc::c_int = libc::SIGTERM;
/// SIGKILL, or a stand-in off Unix.
#[cfg(unix)]
pub(crate) const SIGKILL: libc::c_int = libc::SIGKILL;
#[cfg(not(unix))]
pub(crate) const SIGTERM: i32 = 15;
#[cfg(not(unix))]
pub(crate) const SIGKILL: i32 = 9;

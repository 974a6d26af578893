//! Finding the host of a data directory: `host.lock` names the pid (and, once it listens, the
//! address) of the one host allowed on it; `runtime.port` is the fallback for the port. A pid
//! counts only while it is alive and is a Pryx host (`pryx-core`, or `pryx-desktop` embedding
//! one), so a stale lock file never misleads.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock file a running host holds.
pub const LOCK_FILE: &str = "host.lock";
/// The file holding the running host's port.
pub const PORT_FILE: &str = "runtime.port";

/// What `host.lock` says about its holder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockRecord {
    /// The holder's process id.
    pub pid: Option<u32>,
    /// Where it listens, once it announced it.
    pub addr: Option<SocketAddr>,
}

/// A host found running for a data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningHost {
    /// Its process id.
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// Reads `host.lock` (and `runtime.port` for a missing address).
pub fn read_lock(dir: &Path) -> LockRecord {
    let text = std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let pid = json["pid"].as_u64().and_then(|p| u32::try_from(p).ok());
    let addr = json["addr"].as_str().and_then(|a| a.parse().ok());
    LockRecord { pid, addr }
}

/// The port in `runtime.port`, if the file holds one.
pub fn read_port_file(dir: &Path) -> Option<u16> {
    std::fs::read_to_string(dir.join(PORT_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The host running for `dir`, if any: the lock's pid is alive and a Pryx host, and it has
/// announced an address (or `runtime.port` holds one).
pub fn find(dir: &Path) -> Option<RunningHost> {
    let record = read_lock(dir);
    let pid = record.pid?;
    if !is_alive(pid) || !is_pryx_host(pid) {
        return None;
    }
    let addr = record
        .addr
        .or_else(|| read_port_file(dir).map(|port| SocketAddr::from(([127, 0, 0, 1], port))))?;
    Some(RunningHost { pid, addr })
}

/// Like [`find`], but when the lock names a live Pryx host that has not announced its
/// address yet (it is starting), waits up to `patience` for it.
pub fn find_waiting(dir: &Path, patience: Duration) -> Option<RunningHost> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(host) = find(dir) {
            return Some(host);
        }
        let starting = read_lock(dir)
            .pid
            .is_some_and(|pid| is_alive(pid) && is_pryx_host(pid));
        if !starting || Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Whether `pid` names a live process (a zombie is not alive).
#[cfg(unix)]
pub fn is_alive(pid: u32) -> bool {
    let Ok(pid_t) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid_t <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid_t, 0) };
    let exists = rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && !is_zombie(pid)
}

/// Whether `pid` names a live process.
#[cfg(not(unix))]
pub fn is_alive(_pid: u32) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn is_zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) S ...`: the state follows the last `)`.
    stat.rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
}

#[cfg(all(unix, not(target_os = "linux")))]
fn is_zombie(_pid: u32) -> bool {
    false
}

/// Whether `pid` runs a Pryx host: `pryx-core`, or `pryx-desktop` (which embeds the same host
/// in-process and quits cleanly on SIGTERM). A reused pid of anything else is never signalled.
pub fn is_pryx_host(pid: u32) -> bool {
    program_name(pid)
        .is_some_and(|name| name.starts_with("pryx-core") || name.starts_with("pryx-desktop"))
}

/// The executable name of `pid`.
#[cfg(target_os = "linux")]
pub fn program_name(pid: u32) -> Option<String> {
    if let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) {
        let name = exe.file_name()?.to_string_lossy().into_owned();
        // A binary replaced on disk (an update, a rebuild) reads `pryx-core (deleted)`.
        return Some(name.trim_end_matches(" (deleted)").to_owned());
    }
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim().to_owned())
}

/// The executable name of `pid`.
#[cfg(not(target_os = "linux"))]
pub fn program_name(pid: u32) -> Option<String> {
    let out = std::process::Command::new("ps")
        .args(["-p", &pid.to_string(), "-o", "comm="])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let path = text.trim();
    (!path.is_empty()).then(|| {
        Path::new(path)
            .file_name()
            .map_or(path.to_owned(), |n| n.to_string_lossy().into_owned())
    })
}

/// Sends SIGTERM to `pid`.
#[cfg(unix)]
pub fn terminate(pid: u32) -> std::io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    // SAFETY: sending a signal to a process we checked is a Pryx host of this data dir.
    if unsafe { libc::kill(pid, libc::SIGTERM) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Sends SIGTERM to `pid` (not supported on this platform).
#[cfg(not(unix))]
pub fn terminate(_pid: u32) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_record_and_port_file_are_read_leniently() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_lock(dir.path()), LockRecord::default());
        std::fs::write(dir.path().join(LOCK_FILE), r#"{"pid": 42}"#).unwrap();
        assert_eq!(read_lock(dir.path()).pid, Some(42));
        std::fs::write(
            dir.path().join(LOCK_FILE),
            r#"{"pid": 42, "addr": "127.0.0.1:4242"}"#,
        )
        .unwrap();
        assert_eq!(
            read_lock(dir.path()).addr,
            Some("127.0.0.1:4242".parse().unwrap())
        );
        std::fs::write(dir.path().join(PORT_FILE), "4243\n").unwrap();
        assert_eq!(read_port_file(dir.path()), Some(4243));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_live_process_that_is_not_pryx_core_is_no_host() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        assert!(is_alive(me));
        assert!(!is_pryx_host(me), "the test binary is not a pryx-core");
        std::fs::write(
            dir.path().join(LOCK_FILE),
            format!(r#"{{"pid": {me}, "addr": "127.0.0.1:1"}}"#),
        )
        .unwrap();
        assert_eq!(find(dir.path()), None);
        assert!(!is_alive(0) && !is_alive(u32::MAX));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_desktop_app_holding_the_lock_is_the_host() {
        // pryx-desktop embeds the host in-process: its pid is the host's.
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("pryx-desktop");
        std::fs::copy("/bin/sleep", &exe).unwrap();
        let mut child = std::process::Command::new(&exe).arg("5").spawn().unwrap();
        let pid = child.id();
        std::fs::write(
            dir.path().join(LOCK_FILE),
            format!(r#"{{"pid": {pid}, "addr": "127.0.0.1:4242"}}"#),
        )
        .unwrap();
        let found = find(dir.path());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            found,
            Some(RunningHost {
                pid,
                addr: "127.0.0.1:4242".parse().unwrap()
            })
        );
    }
}

//! [`DataDir`]: the data directory a host runs on, checked before anything in it is trusted,
//! and [`HostLock`]: the one host allowed to run on it.

use std::fs;
use std::io::{Read, Seek, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::atomic::{create_private_dir, write_atomic};
use crate::config_file::CONFIG_FILE_NAME;
use crate::error::StoreError;
use crate::roots::SKILLS_FILE_NAME;
use crate::token_file::TOKEN_FILE_NAME;
use crate::trust::{check_dir, check_file};

/// The lock file a running host holds, in the data directory.
pub const LOCK_FILE_NAME: &str = "host.lock";
/// The file the TUI and the CLI read to find the running host's port.
pub const PORT_FILE_NAME: &str = "runtime.port";
/// The files whose interrupted writes (`.<name>.*.tmp`) are removed when a host starts.
const WRITTEN_FILES: [&str; 4] = [
    CONFIG_FILE_NAME,
    SKILLS_FILE_NAME,
    TOKEN_FILE_NAME,
    PORT_FILE_NAME,
];

/// A data directory that passed the ownership and permission checks.
#[derive(Debug, Clone)]
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// Opens `path` as a data directory, creating it (mode `0700`) when missing.
    ///
    /// Refuses, with a message that says how to fix it ([`StoreError::Unsafe`]), like ssh does
    /// for `~/.ssh`: a directory owned by another user or writable by group/others (or below one
    /// another user could rename), and a `config.yaml`, `skills.yaml`, `admin.token`,
    /// `host.lock` or `runtime.port` in it that is owned by another user, writable by
    /// group/others, not a regular file, or a symbolic link out of the directory.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        create_private_dir(&path)?;
        check_dir(&path)?;
        for name in [
            CONFIG_FILE_NAME,
            SKILLS_FILE_NAME,
            TOKEN_FILE_NAME,
            LOCK_FILE_NAME,
            PORT_FILE_NAME,
        ] {
            check_file(&path.join(name), &path)?;
        }
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies the same checks to a file the host reads from elsewhere (e.g. a `skills.yaml`
    /// named by `PRYX_SKILLS_CONFIG_PATH`): its own directory must be trustworthy too.
    pub fn check_outside_file(&self, path: &Path) -> Result<(), StoreError> {
        if path.parent() == Some(self.path.as_path()) {
            return check_file(path, &self.path);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        if dir.exists() {
            check_dir(dir)?;
            check_file(path, dir)?;
        }
        Ok(())
    }

    /// Takes the data directory for this process: at most one host runs on a data directory.
    /// A second one gets [`StoreError::AlreadyRunning`] naming the first (pid, address). The
    /// lock lasts as long as the returned [`HostLock`] (and ends with the process, however it
    /// ends). Once taken, temporary files that interrupted writes left behind are removed.
    pub fn lock(&self) -> Result<HostLock, StoreError> {
        let path = self.path.join(LOCK_FILE_NAME);
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = options
            .open(&path)
            .map_err(|e| StoreError::io("open the lock file", &path, e))?;
        if let Err(e) = try_lock(&file) {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                return Err(StoreError::AlreadyRunning {
                    data_dir: self.path.clone(),
                    pid: holder["pid"].as_u64().map(|p| p as u32),
                    addr: holder["addr"].as_str().map(str::to_owned),
                });
            }
            return Err(StoreError::io("lock", &path, e));
        }
        write_holder(&mut file, &serde_json::json!({ "pid": std::process::id() }))
            .map_err(|e| StoreError::io("write", &path, e))?;
        let removed = self.remove_interrupted_writes();
        if removed > 0 {
            tracing::info!(removed, dir = %self.path.display(), "removed temporary files of interrupted writes");
        }
        Ok(HostLock {
            file,
            lock_path: path,
            port_path: self.path.join(PORT_FILE_NAME),
            announced: None,
        })
    }

    /// Removes `.<file>.*.tmp` files of this directory's own files; returns how many.
    fn remove_interrupted_writes(&self) -> usize {
        let Ok(entries) = fs::read_dir(&self.path) else {
            return 0;
        };
        entries
            .filter_map(Result::ok)
            .filter(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                WRITTEN_FILES
                    .iter()
                    .any(|file| name.starts_with(&format!(".{file}.")) && name.ends_with(".tmp"))
            })
            .filter(|entry| fs::remove_file(entry.path()).is_ok())
            .count()
    }
}

/// Proof that this process is the one host of a data directory; see [`DataDir::lock`].
///
/// Dropping it removes `runtime.port` (when it still names this host's port); the lock file
/// stays, unlocked.
#[derive(Debug)]
pub struct HostLock {
    file: fs::File,
    lock_path: PathBuf,
    port_path: PathBuf,
    announced: Option<u16>,
}

impl HostLock {
    /// Records where this host listens: in the lock file (so a second host can name it) and in
    /// `runtime.port`, rewritten even when a crashed host left one behind.
    pub fn announce(&mut self, addr: SocketAddr) -> Result<(), StoreError> {
        let holder = serde_json::json!({ "pid": std::process::id(), "addr": addr.to_string() });
        write_holder(&mut self.file, &holder)
            .map_err(|e| StoreError::io("write", &self.lock_path, e))?;
        write_atomic(&self.port_path, addr.port().to_string().as_bytes(), 0o644)?;
        self.announced = Some(addr.port());
        Ok(())
    }

    /// The `runtime.port` file this lock maintains.
    pub fn port_file(&self) -> &Path {
        &self.port_path
    }
}

impl Drop for HostLock {
    fn drop(&mut self) {
        if let Some(port) = self.announced {
            let ours = fs::read_to_string(&self.port_path)
                .is_ok_and(|text| text.trim() == port.to_string());
            if ours {
                let _ = fs::remove_file(&self.port_path);
            }
        }
    }
}

fn write_holder(file: &mut fs::File, holder: &serde_json::Value) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(holder.to_string().as_bytes())?;
    file.sync_data()
}

#[cfg(unix)]
fn try_lock(file: &fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is valid for the life of `file`.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn try_lock(file: &fs::File) -> std::io::Result<()> {
    file.try_lock().map_err(|e| match e {
        fs::TryLockError::WouldBlock => std::io::ErrorKind::WouldBlock.into(),
        fs::TryLockError::Error(e) => e,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_dir_names_the_holder_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path().join("data")).unwrap();
        fs::write(dir.path().join(".config.yaml.abc123.tmp"), "secret: x").unwrap();
        fs::write(dir.path().join(".unrelated.tmp"), "keep").unwrap();
        fs::write(dir.path().join(PORT_FILE_NAME), "1").unwrap();

        let mut lock = dir.lock().unwrap();
        assert!(!dir.path().join(".config.yaml.abc123.tmp").exists());
        assert!(dir.path().join(".unrelated.tmp").exists());
        lock.announce("127.0.0.1:4242".parse().unwrap()).unwrap();
        assert_eq!(fs::read_to_string(lock.port_file()).unwrap(), "4242");

        // flock locks belong to the open file description: a second open in this process
        // is refused like a second process would be.
        let err = dir.lock().unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, StoreError::AlreadyRunning { pid: Some(_), .. }),
            "{text}"
        );
        assert!(
            text.contains("127.0.0.1:4242") && text.contains("--data-dir"),
            "{text}"
        );

        drop(lock);
        assert!(!dir.path().join(PORT_FILE_NAME).exists());
        dir.lock().unwrap();
    }
}

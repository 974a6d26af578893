//! The log file: JSON lines under `<data-dir>/logs/`, rolled by size and by age, so the logs
//! directory never holds more than `(keep + 1) × max_bytes` (plus one line) and nothing older
//! than `max_age`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How the log file rolls.
#[derive(Debug, Clone)]
pub struct FileBounds {
    /// The current file is rolled once it reaches this size.
    pub max_bytes: u64,
    /// How many rolled files are kept (`pryx-host.log.1` is the newest).
    pub keep: usize,
    /// The current file is rolled at least this often, even when small.
    pub roll_every: Duration,
    /// Rolled files older than this are deleted.
    pub max_age: Duration,
}

impl Default for FileBounds {
    /// 10 MiB per file, 5 rolled files (60 MiB at most), rolled daily, kept 7 days.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            keep: 5,
            roll_every: Duration::from_secs(24 * 3600),
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// A size- and age-bounded log file. Every line is written whole with one `write` call.
#[derive(Debug)]
pub struct RollingFile {
    dir: PathBuf,
    name: String,
    bounds: FileBounds,
    file: File,
    size: u64,
    opened: Instant,
}

impl RollingFile {
    /// The current file's name.
    pub const FILE_NAME: &'static str = "pryx-host.log";

    /// Opens (appending) `dir/pryx-host.log`, creating `dir` (mode 0700 on Unix), and deletes
    /// rolled files past the bounds.
    pub fn open(dir: &Path, bounds: FileBounds) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        let name = Self::FILE_NAME.to_owned();
        let file = open_append(&dir.join(&name))?;
        let size = file.metadata()?.len();
        let mut this = Self {
            dir: dir.to_path_buf(),
            name,
            bounds,
            file,
            size,
            opened: Instant::now(),
        };
        if this.size >= this.bounds.max_bytes {
            this.roll()?;
        }
        this.prune();
        Ok(this)
    }

    /// The current file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// Appends `line` and a newline, rolling first when the bounds say so.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let len = line.len() as u64 + 1;
        let too_big = self.size > 0 && self.size + len > self.bounds.max_bytes;
        if too_big || self.opened.elapsed() >= self.bounds.roll_every {
            self.roll()?;
        }
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file.write_all(&buf)?;
        self.size += len;
        Ok(())
    }

    fn rolled(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{}.{n}", self.name))
    }

    fn roll(&mut self) -> io::Result<()> {
        let _ = fs::remove_file(self.rolled(self.bounds.keep.max(1)));
        for n in (1..self.bounds.keep.max(1)).rev() {
            let _ = fs::rename(self.rolled(n), self.rolled(n + 1));
        }
        if self.bounds.keep == 0 {
            let _ = fs::remove_file(self.path());
        } else {
            fs::rename(self.path(), self.rolled(1))?;
        }
        self.file = open_append(&self.path())?;
        self.size = 0;
        self.opened = Instant::now();
        self.prune();
        Ok(())
    }

    /// Deletes rolled files beyond `keep` and those older than `max_age`.
    fn prune(&self) {
        let now = SystemTime::now();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(n) = file_name
                .to_str()
                .and_then(|f| f.strip_prefix(&format!("{}.", self.name)))
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age > self.bounds.max_age);
            if n > self.bounds.keep || old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_bytes(dir: &Path) -> (u64, usize) {
        let mut total = 0;
        let mut count = 0;
        for e in fs::read_dir(dir).unwrap().flatten() {
            total += e.metadata().unwrap().len();
            count += 1;
        }
        (total, count)
    }

    #[test]
    fn a_flood_stays_within_the_size_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let bounds = FileBounds {
            max_bytes: 4096,
            keep: 3,
            ..FileBounds::default()
        };
        let mut f = RollingFile::open(tmp.path(), bounds.clone()).unwrap();
        let line = "x".repeat(100);
        for _ in 0..10_000 {
            f.write_line(&line).unwrap();
        }
        let (total, count) = dir_bytes(tmp.path());
        assert_eq!(count, 4, "the current file and 3 rolled ones");
        assert!(
            total <= (bounds.keep as u64 + 1) * bounds.max_bytes,
            "{total} bytes"
        );
        assert!(
            fs::read_to_string(f.path())
                .unwrap()
                .ends_with(&format!("{line}\n"))
        );
    }

    #[test]
    fn old_rolled_files_are_deleted_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = tmp.path().join("pryx-host.log.2");
        fs::write(&stale, "old\n").unwrap();
        let old = SystemTime::now() - Duration::from_secs(8 * 24 * 3600);
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        fs::write(tmp.path().join("pryx-host.log.9"), "beyond keep\n").unwrap();
        fs::write(tmp.path().join("pryx-host.log.1"), "recent\n").unwrap();
        let _f = RollingFile::open(tmp.path(), FileBounds::default()).unwrap();
        assert!(!stale.exists());
        assert!(!tmp.path().join("pryx-host.log.9").exists());
        assert!(tmp.path().join("pryx-host.log.1").exists());
    }
}

//! Running the real `pryx` binary against real `pryx-core` hosts in temporary data
//! directories. `pryx-core` and `pryx-runtime-ref` are other packages' binaries, so they are
//! built (once per test binary) into the same target directory as `pryx`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// No `pryx` call in a test may take longer.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The directory holding `pryx`, where `pryx-core` and `pryx-runtime-ref` are built too.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pryx"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `pryx-core`, built on first use.
pub fn core() -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let bin = bin_dir();
        let target = bin.parent().unwrap();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--quiet",
                "-p",
                "pryx-core",
                "-p",
                "pryx-runtime-ref",
            ])
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
            .arg("--target-dir")
            .arg(target);
        if bin.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building pryx-core failed");
    });
    bin_dir().join(format!("pryx-core{}", std::env::consts::EXE_SUFFIX))
}

/// The reference runtime.
pub fn runtime_ref() -> PathBuf {
    core();
    bin_dir().join(format!("pryx-runtime-ref{}", std::env::consts::EXE_SUFFIX))
}

/// One isolated user: a home, a config dir and a data dir, all temporary. Dropping it stops
/// any host still running for its data dir.
pub struct User {
    root: tempfile::TempDir,
    /// The data directory (`PRYX_HOME`); not created until something creates it.
    pub data: PathBuf,
}

/// A finished `pryx` call.
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Run {
    /// stdout as one JSON document.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl User {
    /// A fresh user.
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir(root.path().join("home")).unwrap();
        Self { root, data }
    }

    /// The home directory.
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// A scratch path in the user's temporary root.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// `pryx` with this user's environment (nothing from the real one that matters).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pryx"));
        command
            .args(args)
            .env("PRYX_HOME", &self.data)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("PRYX_CORE_BIN", core())
            .env("BROWSER", "false")
            .env("NO_COLOR", "1")
            .env_remove("PRYX_PORT")
            .env_remove("PRYX_RUNTIME")
            .env_remove("PRYX_WS_URL")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("EDITOR")
            .env_remove("VISUAL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `pryx args` to the end (bounded by [`CALL_TIMEOUT`]).
    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args))
    }

    /// `pryx --json args`, with its exit code and parsed stdout.
    pub fn json(&self, args: &[&str]) -> (i32, Json) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let json = run.json();
        (run.code, json)
    }

    /// Starts a host with the reference runtime on a free port; returns `pryx --json`'s answer.
    pub fn start(&self) -> Json {
        let runtime = runtime_ref();
        let (code, json) = self.json(&[
            "--no-open",
            "--port",
            "0",
            "--runtime",
            runtime.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{json}");
        json
    }
}

impl Default for User {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        if self.data.join("host.lock").exists() {
            let _ = self.run(&["stop"]);
        }
    }
}

/// Waits for `command` with a deadline; a hung `pryx` is killed and fails the test.
pub fn finish(mut command: Command) -> Run {
    let mut child = command.spawn().expect("pryx starts");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || read_all(stdout));
    let err = std::thread::spawn(move || read_all(stderr));
    let deadline = Instant::now() + CALL_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "pryx {:?} did not finish in {CALL_TIMEOUT:?}",
                command.get_args().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(mut stream: impl std::io::Read) -> String {
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

/// The output of a finished command, for assertions on `std::process::Output`.
pub fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

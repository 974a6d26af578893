//! The real `pryx-core` binary for the fault-injection and data-dir suites: start it on a data
//! dir, talk to it with its token, SIGKILL or SIGTERM it.

#![allow(dead_code)]

pub mod otlp;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A started host.
pub struct Host {
    pub child: Child,
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
}

/// The command that starts `pryx-core` on `data_dir` with a free port and no bundled skills.
pub fn command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pryx-core"));
    cmd.args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .env("PRYX_LOG", "warn")
        .env(
            "PRYX_BUNDLED_SKILLS_DIR",
            data_dir.join("no-bundled-skills"),
        )
        .current_dir(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

impl Host {
    /// Starts the host and waits for its "listening" line.
    pub fn start(data_dir: &Path) -> Self {
        Self::spawn(command(data_dir), data_dir)
    }

    /// Starts `cmd` (from [`command`]) and waits for its "listening" line.
    pub fn spawn(mut cmd: Command, data_dir: &Path) -> Self {
        let mut child = cmd.spawn().expect("spawn pryx-core");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let announced: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("{e}: stdout {line:?}, stderr {stderr}")
        });
        let addr = announced["addr"].as_str().unwrap().to_owned();
        let token = std::fs::read_to_string(data_dir.join("admin.token")).unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "authorization",
            format!("Bearer {}", token.trim()).parse().unwrap(),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        Self {
            child,
            base: format!("http://{addr}"),
            client,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait (at most 10 s) for a clean exit; returns stderr.
    pub fn stop(mut self) -> String {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                assert!(status.success(), "exit status {status:?}: {stderr}");
                return stderr;
            }
            assert!(Instant::now() < deadline, "host did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// GET `path` as JSON.
    pub async fn get(&self, path: &str) -> Value {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        res.json().await.unwrap()
    }

    /// GET `path`: the status and the body as JSON (`null` when it is not JSON).
    pub async fn get_with_status(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Starts the host supervising `runtime` (given `runtime_args`), with `env` added; its
    /// stderr is discarded.
    pub fn with_runtime(
        data_dir: &Path,
        runtime: &Path,
        runtime_args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let mut cmd = command(data_dir);
        cmd.arg("--runtime").arg(runtime);
        for arg in runtime_args {
            cmd.arg(format!("--runtime-arg={arg}"));
        }
        cmd.envs(env.iter().copied()).stderr(Stdio::null());
        Self::spawn(cmd, data_dir)
    }

    /// The runtime's part of health.
    pub async fn runtime(&self) -> Value {
        self.get("/api/v1/health").await["ports"]["runtime"].clone()
    }

    /// Polls health every 10 ms until the runtime satisfies `pred`; panics after `within`.
    pub async fn wait_runtime(&self, within: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let runtime = self.runtime().await;
            if pred(&runtime) {
                return runtime;
            }
            assert!(Instant::now() < deadline, "not reached in time: {runtime}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGTERM; how long the host took to exit with status 0 (panics after `within`).
    pub fn sigterm(&mut self, within: Duration) -> Duration {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status:?}");
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "the host did not exit within {within:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// A program built next to `pryx-core` by `cargo test --workspace` (the reference runtimes).
pub fn sibling(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_pryx-core")).with_file_name(name);
    assert!(
        path.exists(),
        "build it first: cargo build -p pryx-runtime-ref ({})",
        path.display()
    );
    path
}

/// The reference runtime.
pub fn reference_runtime() -> PathBuf {
    sibling("pryx-runtime-ref")
}

/// Whether process `pid` still exists.
pub fn alive(pid: i64) -> bool {
    unsafe { libc::kill(pid as i32, 0) == 0 }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Names in `dir` that look like temporary files of an interrupted write.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// Every kept version of a file in the data dir's history, as bytes.
pub fn history_of(data_dir: &Path, file: &str) -> Vec<Vec<u8>> {
    let dir = data_dir.join("history").join(file);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read(e.path()).ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

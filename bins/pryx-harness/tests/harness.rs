//! Runs the real `pryx-harness` binary and talks to it over HTTP.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long the binary may take to start or to stop.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A running harness, killed on drop if a test fails half-way.
struct Harness {
    child: Child,
    /// The `listening` line.
    announced: Value,
}

impl Harness {
    /// Starts the binary with `args` and waits for its `listening` line.
    fn start(args: &[&str]) -> Harness {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pryx-harness"))
            .args(["--port", "0"])
            .args(args)
            .env("PRYX_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the harness starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut harness = Harness {
            child,
            announced: Value::Null,
        };
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("the harness prints its listening line in time");
        harness.announced = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the first stdout line is JSON ({e}): {line:?}"));
        harness
    }

    fn url(&self, path: &str) -> String {
        let base = self.announced["url"].as_str().expect("url is a string");
        format!("{}{}", base, path.trim_start_matches('/'))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let token = self.announced["token"]
            .as_str()
            .expect("token is announced");
        let response = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is answered");
        let status = response.status().as_u16();
        (status, response.json().await.expect("the body is JSON"))
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self) -> ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) with a pid we spawned and still own; no memory is involved.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        wait_timeout(&mut self.child, TIMEOUT).expect("the harness exits after SIGTERM")
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait works") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn skill_ids(body: &Value) -> Vec<String> {
    let list = body.get("skills").unwrap_or(body);
    list.as_array()
        .expect("a list of skills")
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn serves_the_default_fixture_and_stops_cleanly_on_sigterm() {
    let harness = Harness::start(&[]);
    let announced = &harness.announced;
    assert_eq!(announced["event"], "listening");
    assert_eq!(announced["fixture"], "embedded");
    let addr = announced["addr"].as_str().unwrap();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );
    assert_eq!(announced["url"], format!("http://{addr}/"));

    let (status, health) = harness.get("/api/v1/health").await;
    assert_eq!(status, 200, "{health}");
    let ports = &health["ports"];
    assert_eq!(ports["config"]["adapter"], "memory");
    assert_eq!(ports["skills"]["adapter"], "memory");
    assert_eq!(
        ports["skills"]["status"], "degraded",
        "the fixture has a malformed skill"
    );
    assert_eq!(ports["telemetry"]["adapter"], "memory");
    assert_eq!(ports["runtime"]["state"], "ready");
    assert_eq!(ports["runtime"]["version"], "fixture");

    let (status, skills) = harness.get("/api/v1/skills").await;
    assert_eq!(status, 200, "{skills}");
    assert_eq!(
        skill_ids(&skills),
        ["broken-skill", "git-helper", "pdf-tools", "weather"]
    );
    let list = skills.get("skills").unwrap_or(&skills);
    assert!(list[0]["error"].is_string());
    assert_eq!(list[2]["missing"]["bins"][0], "pdftotext");

    let status = harness.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[tokio::test]
async fn serves_a_fixture_file_with_the_runtime_down() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.json");
    std::fs::write(
        &path,
        r#"{"config":{"model_name":"tiny"},"skills":[{"id":"only-skill","enabled":true}],
            "providers":[{"id":"ollama","name":"Ollama"}]}"#,
    )
    .unwrap();
    let harness = Harness::start(&["--fixture", path_str(&path), "--runtime-down"]);
    assert_eq!(harness.announced["fixture"], path_str(&path));

    let (_, health) = harness.get("/api/v1/health").await;
    assert_eq!(health["ports"]["runtime"]["state"], "unavailable");
    let (_, skills) = harness.get("/api/v1/skills").await;
    assert_eq!(skill_ids(&skills), ["only-skill"]);
    let (status, error) = harness.get("/api/v1/providers").await;
    assert!(status >= 500, "{status} {error}");
    assert!(error.to_string().contains("runtime_unavailable"), "{error}");

    assert!(harness.terminate().success());
}

#[test]
fn a_bad_fixture_fails_with_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\n  \"skills\": {}\n}").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pryx-harness"))
        .args(["--port", "0", "--fixture", path_str(&path)])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "nothing is announced");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(path_str(&path)), "{stderr}");
    assert!(
        stderr.contains("skills") && stderr.contains("line 2"),
        "{stderr}"
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

//! The real `pryx-core` binary, started as a user would: real files, a real socket, signals.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Host, reference_runtime};
use serde_json::{Value, json};

/// The binary started as a user would, plus `extra` arguments; it must listen on loopback.
fn start(data_dir: &Path, extra: &[&str]) -> Host {
    let mut cmd = common::command(data_dir);
    cmd.args(extra);
    let host = Host::spawn(cmd, data_dir);
    assert!(
        host.base.starts_with("http://127.0.0.1:"),
        "loopback by default: {}",
        host.base
    );
    host
}

/// The admin token the binary wrote into the data dir.
fn token_of(host: &Host) -> String {
    std::fs::read_to_string(host.data_dir.join("admin.token"))
        .expect("admin.token written")
        .trim()
        .to_owned()
}

/// GETs `url` and reads the JSON body.
async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

fn write_skill(root: &Path, dir: &str, front_matter: &str) {
    let path = root.join(dir);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(
        path.join("SKILL.md"),
        format!("---\n{front_matter}---\nDo the thing.\n"),
    )
    .unwrap();
}

#[tokio::test]
async fn config_and_skills_persist_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    write_skill(
        &data.join("skills"),
        "notes",
        "name: notes\ndescription: Take notes\n",
    );
    write_skill(&data.join(".pryx/skills"), "broken", "name: [unclosed\n");
    let host = start(data, &[]);
    let client = host.client.clone();
    let health: Value = get_json(&client, &host.url("/api/v1/health")).await;
    assert_eq!(health["ports"]["runtime"]["state"], "unavailable");
    assert_eq!(health["ports"]["config"]["adapter"], "file");

    let config: Value = get_json(&client, &host.url("/api/v1/config")).await;
    assert_eq!(config["persisted"], false, "no file yet: defaults");
    let res = client
        .patch(host.url("/api/v1/config"))
        .header(
            "If-Match",
            format!("\"{}\"", config["revision"].as_str().unwrap()),
        )
        .json(&json!({"model_name": "llama3.2", "telegram": {"bot_token": "s3cret"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let written: Value = res.json().await.unwrap();
    assert_eq!(written["config"]["telegram"]["bot_token"], "<redacted>");

    let file = data.join("config.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("llama3.2") && text.contains("s3cret"));
    for key in config["config"].as_object().unwrap().keys() {
        assert!(
            text.contains(key.as_str()),
            "first write must be complete; {key} missing"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let skills: Value = get_json(&client, &host.url("/api/v1/skills")).await;
    let ids: Vec<_> = skills["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        ids.contains(&"notes".to_owned()) && ids.contains(&"broken".to_owned()),
        "{ids:?}"
    );
    let res = client
        .post(host.url("/api/v1/skills/notes/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let _ = host.stop();

    let host = start(data, &[]);
    let client = host.client.clone();
    let config: Value = get_json(&client, &host.url("/api/v1/config")).await;
    assert_eq!(config["persisted"], true);
    assert_eq!(config["config"]["model_name"], "llama3.2");
    let notes: Value = get_json(&client, &host.url("/api/v1/skills/notes")).await;
    assert_eq!(notes["enabled"], true, "enabled set survives a restart");
    let _ = host.stop();
}

#[test]
fn a_second_instance_on_the_same_port_exits_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), &[]);
    let port = first.base.rsplit(':').next().unwrap().to_owned();
    // Another data dir (the same one is refused before the port is tried: see faults.rs).
    let mut second = Command::new(env!("CARGO_BIN_EXE_pryx-core"))
        .args(["--port", &port, "--data-dir"])
        .arg(other_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = second.wait().unwrap();
    let mut stderr = String::new();
    second
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = first.stop();
}

#[test]
fn pryx_home_sets_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pryx-core"))
        .args(["--port", "0"])
        .env("PRYX_HOME", dir.path())
        .env("PRYX_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let announced: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(announced["data_dir"], dir.path().display().to_string());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn the_admin_token_is_private_required_and_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let host = start(dir.path(), &[]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("admin.token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(token_of(&host).len() >= 43, "at least 256 bits");

    let anonymous = reqwest::Client::new();
    let res = anonymous
        .get(host.url("/api/v1/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = anonymous
        .get(host.url("/api/v1/config"))
        .header("authorization", "Bearer wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = host
        .client
        .get(host.url("/api/v1/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = token_of(&host);

    // A restart reuses the same token.
    let stderr = host.stop();
    assert!(!stderr.contains(&token), "the token leaked into the logs");
    assert!(
        !stderr.contains("#login="),
        "a login link was printed where no person reads it: {stderr}"
    );
    let again = start(dir.path(), &[]);
    assert_eq!(token_of(&again), token);
    let _ = again.stop();
}

#[test]
fn binding_a_non_loopback_address_needs_an_explicit_flag() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pryx-core"))
        .args(["--port", "0", "--bind", "0.0.0.0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--allow-remote"), "{stderr}");
    assert!(output.stdout.is_empty());
}

async fn wait_for_state(client: &reqwest::Client, url: &str, state: &str) -> Value {
    wait_for_runtime(client, url, state, 0).await
}

/// Waits until the runtime is in `state` having been restarted at least `restarts` times.
async fn wait_for_runtime(
    client: &reqwest::Client,
    url: &str,
    state: &str,
    restarts: u64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let health: Value = get_json(client, url).await;
        let runtime = &health["ports"]["runtime"];
        if runtime["state"] == state && runtime["restarts"].as_u64() >= Some(restarts) {
            return health;
        }
        assert!(
            Instant::now() < deadline,
            "runtime never became {state}: {health}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_supervised_runtime_answers_and_is_restarted_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = reference_runtime();
    let host = start(dir.path(), &["--runtime", runtime.to_str().unwrap()]);
    let client = host.client.clone();
    let health_url = host.url("/api/v1/health");
    let health = wait_for_state(&client, &health_url, "ready").await;
    let pid = health["ports"]["runtime"]["pid"]
        .as_i64()
        .expect("runtime pid");

    let providers: Value = get_json(&client, &host.url("/api/v1/providers")).await;
    assert!(
        !providers["providers"].as_array().unwrap().is_empty(),
        "{providers}"
    );
    let tools: Value = get_json(&client, &host.url("/api/v1/mcp/tools")).await;
    assert!(
        tools["tools"][0]["name"].as_str().unwrap().contains(':'),
        "{tools}"
    );
    let res = client
        .get(host.url("/api/v1/providers/no-such-provider/models"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Kill the runtime: the host keeps serving, says so, and brings it back.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let started = Instant::now();
    let res = client
        .get(host.url("/api/v1/providers"))
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(11),
        "no request outlives its timeout"
    );
    assert!(
        matches!(res.status().as_u16(), 200 | 503),
        "{}",
        res.status()
    );
    let health = wait_for_runtime(&client, &health_url, "ready", 1).await;
    assert_eq!(health["ports"]["runtime"]["restarts"], 1);
    assert_ne!(health["ports"]["runtime"]["pid"].as_i64(), Some(pid));
    let res = client
        .get(host.url("/api/v1/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Stopping the host stops the runtime: no orphan.
    let pid = health["ports"]["runtime"]["pid"].as_i64().unwrap();
    let _ = host.stop();
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z ") {
            break; // a zombie is dead; its parent (the test's host) is gone
        }
        assert!(Instant::now() < deadline, "runtime {pid} outlived the host");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Started from a terminal (a pseudo-terminal made by `script`), the host prints a one-time
/// login link, and it logs a browser in.
#[tokio::test]
async fn at_a_terminal_the_host_prints_a_login_link_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --port 0 --data-dir {}",
        env!("CARGO_BIN_EXE_pryx-core"),
        dir.path().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env(
            "PRYX_BUNDLED_SKILLS_DIR",
            dir.path().join("no-bundled-skills"),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1) from util-linux");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut pid = None;
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a login link within 10 s");
        if let Ok(announced) = serde_json::from_str::<Value>(line.trim()) {
            pid = announced["pid"].as_i64();
        }
        if let Some(at) = line.find("http://127.0.0.1:") {
            if line.contains("#login=") {
                break line[at..].split_whitespace().next().unwrap().to_owned();
            }
        }
    };
    let (base, code) = url.split_once("/#login=").unwrap();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/session"))
        .header("origin", base)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "the printed link logs a browser in");
    let pid = pid.expect("the listening line names the host's pid") as i32;
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let _ = child.wait();
}

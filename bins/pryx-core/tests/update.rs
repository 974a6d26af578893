//! The real `pryx-core`, copied to a temp dir, updates itself from a local HTTP server: the
//! apply answers, the host stops cleanly and the process becomes the new binary (same
//! arguments), with the previous binary kept next to it.

use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Serves `routes` (path → body) on 127.0.0.1 from a thread; anything else is a 404.
fn serve(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", Vec::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    base
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "pryx-core did not restart in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn an_applied_update_restarts_the_host_into_the_new_binary_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let exe = bin.join("pryx-core");
    std::fs::copy(env!("CARGO_BIN_EXE_pryx-core"), &exe).unwrap();
    let original = std::fs::read(&exe).unwrap();

    // The "new release": answers the trial run, and records how it was started.
    let new_binary = b"#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pryx-core 99.0.0'; exit 0; fi\necho \"$@\" > \"$(dirname \"$0\")/restarted-with\"\n".to_vec();
    let keys = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let sig = minisign::sign(
        Some(&keys.pk),
        &keys.sk,
        Cursor::new(&new_binary),
        Some("timestamp:1763000000\tfile:pryx-core_99.0.0_linux"),
        None,
    )
    .unwrap();
    let pubkey = STANDARD.encode(keys.pk.to_box().unwrap().to_string());
    let platform = format!(
        "{}-{}",
        if cfg!(target_os = "macos") {
            "darwin"
        } else {
            std::env::consts::OS
        },
        std::env::consts::ARCH
    );
    let manifest_for = |base: &str| {
        json!({
            "version": "99.0.0",
            "platforms": { platform.clone(): {
                "url": format!("{base}/dl/pryx-core"),
                "signature": STANDARD.encode(sig.to_string()),
            }}
        })
        .to_string()
        .into_bytes()
    };
    // The artifact's server first: the manifest names its address.
    let artifact_base = serve(vec![("/dl/pryx-core".into(), new_binary.clone())]);
    let base = serve(vec![("/latest.json".into(), manifest_for(&artifact_base))]);

    let mut child = Command::new(&exe)
        .args(["--port", "0", "--data-dir"])
        .arg(&data)
        .args(["--update-endpoint", &format!("{base}/latest.json")])
        .args(["--update-pubkey", &pubkey])
        .env("PRYX_LOG", "warn")
        .env("PRYX_BUNDLED_SKILLS_DIR", data.join("none"))
        .current_dir(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let announced: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let token = std::fs::read_to_string(data.join("admin.token")).unwrap();
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{}{p}", announced["addr"].as_str().unwrap());
    let auth = format!("Bearer {}", token.trim());

    let check: Value = client
        .get(url("/api/v1/update"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(check["current"], env!("CARGO_PKG_VERSION"));
    assert_eq!(check["available"], "99.0.0", "{check}");

    let response = client
        .post(url("/api/v1/update/apply"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let applied: Value = response.json().await.unwrap();
    assert_eq!(applied["installed"], "99.0.0", "{applied}");
    assert_eq!(applied["restart_needed"], true);

    let status = wait_for_exit(&mut child, Duration::from_secs(15));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    let restarted = std::fs::read_to_string(bin.join("restarted-with"))
        .unwrap_or_else(|e| panic!("the new binary never ran ({e}); stderr: {stderr}"));
    assert!(
        restarted.starts_with(&format!("--port 0 --data-dir {}", data.display())),
        "restarted with the same arguments: {restarted}"
    );
    assert_eq!(
        std::fs::read(bin.join("pryx-core.old")).unwrap(),
        original,
        "the old binary is kept"
    );
    assert!(
        !data.join("runtime.port").exists(),
        "the data dir was released before the restart"
    );
    assert_eq!(
        std::fs::read_dir(&bin).unwrap().count(),
        3,
        "pryx-core, pryx-core.old, restarted-with: no temp file left"
    );
}

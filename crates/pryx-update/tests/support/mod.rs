//! A real HTTP server on 127.0.0.1 serving what each test puts in it, a minisign key made by
//! the test and Tauri-format keys and signatures made with it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pryx_update::{Platform, UpdaterConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One canned answer.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub body: Vec<u8>,
    /// Send only this many bytes of the body (announcing all of it), then close.
    pub cut_at: Option<usize>,
}

impl Canned {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            cut_at: None,
        }
    }
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: Vec::new(),
            cut_at: None,
        }
    }
}

/// The server: paths (without query) to answers; every request line is recorded.
#[derive(Clone)]
pub struct Server {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Canned>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, q) = (routes.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (r, q) = (r.clone(), q.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    q.lock().unwrap().push(target.clone());
                    let path = target.split('?').next().unwrap().to_owned();
                    let canned = r
                        .lock()
                        .unwrap()
                        .get(&path)
                        .cloned()
                        .unwrap_or(Canned::status(404));
                    let reply = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                        canned.status,
                        canned.body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let sent = canned.cut_at.unwrap_or(canned.body.len());
                    let _ = socket.write_all(&canned.body[..sent]).await;
                    let _ = socket.flush().await;
                    // Closing here, short of the announced length, is the truncation.
                });
            }
        });
        Self {
            base,
            routes,
            requests,
        }
    }

    pub fn put(&self, path: &str, canned: Canned) {
        self.routes.lock().unwrap().insert(path.to_owned(), canned);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requested(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A signing key made for this test, with Tauri's encodings.
pub struct Signer {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Signer {
    pub fn generate() -> Self {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Self {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    /// What `tauri signer generate` writes to the .pub file: base64 of the minisign .pub file.
    pub fn tauri_pubkey(&self) -> String {
        STANDARD.encode(self.pk.to_box().unwrap().to_string())
    }

    /// The minisign .pub file's own text.
    pub fn minisign_pubkey_file(&self) -> String {
        self.pk.to_box().unwrap().to_string()
    }

    /// What `tauri signer sign` writes to the .sig file (base64 of a minisign signature file)
    /// with this trusted comment.
    pub fn tauri_signature(&self, bytes: &[u8], trusted_comment: &str) -> String {
        let sig = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(bytes),
            Some(trusted_comment),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        STANDARD.encode(sig.to_string())
    }

    /// The comment `tauri signer sign` writes: a timestamp and the signed file's name.
    pub fn tauri_comment(file: &str) -> String {
        format!("timestamp:1763000000\tfile:{file}")
    }
}

/// A "binary" (a shell script) that prints `pryx-core <version>` and exits 0, or fails.
pub fn script(version: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho \"pryx-core {version}\"\n").into_bytes()
}

/// A script that exits 1 whatever it is asked.
pub fn broken_script() -> Vec<u8> {
    b"#!/bin/sh\necho broken >&2\nexit 1\n".to_vec()
}

/// A `.tar.gz` holding `name` with `data`.
pub fn tar_gz(name: &str, data: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o755);
    header.set_cksum();
    builder.append_data(&mut header, name, data).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// An installed `pryx-core` 1.0.0 in a temp dir.
pub struct Install {
    pub dir: tempfile::TempDir,
    pub exe: PathBuf,
}

impl Install {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("pryx-core");
        std::fs::write(&exe, script("1.0.0")).unwrap();
        make_executable(&exe);
        Self { dir, exe }
    }

    /// What the installed binary prints when run.
    pub fn run(&self, path: &Path) -> String {
        let out = std::process::Command::new(path)
            .arg("--version")
            .output()
            .unwrap();
        assert!(out.status.success(), "{path:?} failed: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Every file in the install dir with its content, to prove nothing changed.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// An updater config for this install running 1.0.0, asking `endpoints`, trusting `pubkey`.
    pub fn config(&self, endpoints: Vec<String>, pubkey: &str) -> UpdaterConfig {
        let mut config = UpdaterConfig::new("1.0.0", &self.exe)
            .with_endpoints(endpoints)
            .with_pubkey(Some(pubkey.to_owned()));
        config.manifest_timeout = std::time::Duration::from_secs(5);
        config.download_timeout = std::time::Duration::from_secs(5);
        config
    }
}

pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The static manifest key for this machine (`linux-x86_64` on the CI machine).
pub fn platform_key() -> String {
    Platform::current().name()
}

/// A static Tauri manifest with one platform entry.
pub fn static_manifest(version: &str, key: &str, url: &str, signature: &str) -> Vec<u8> {
    serde_json::json!({
        "version": version,
        "notes": format!("Pryx {version}"),
        "pub_date": "2026-11-20T12:00:00Z",
        "platforms": { key: { "url": url, "signature": signature } }
    })
    .to_string()
    .into_bytes()
}

//! The desktop's updater configuration (`tauri.conf.json` → `plugins.updater`) is real and
//! agrees with the host's updater (`pryx-update`): an https endpoint, a minisign public key
//! in Tauri's format — the public half of the test key pair in tests/fixtures (the private
//! half is a TEST key, kept only there, never for releases) — that verifies what the fixture
//! key signs and refuses what another key signs. And the CSP is set, not null.

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

fn config() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn sign(secret_key_file: &str, bytes: &[u8], trusted_comment: &str) -> String {
    // The key is unencrypted (a test key); its second line is the key itself, base64.
    let line = secret_key_file.lines().nth(1).unwrap();
    let sk = minisign::SecretKey::from_bytes(&STANDARD.decode(line).unwrap()).unwrap();
    let sig = minisign::sign(None, &sk, Cursor::new(bytes), Some(trusted_comment), None).unwrap();
    STANDARD.encode(sig.to_string())
}

#[test]
fn the_configured_key_is_the_fixtures_and_verifies_its_signatures() {
    let config = config();
    let pubkey = config["plugins"]["updater"]["pubkey"].as_str().unwrap();
    let decoded = String::from_utf8(STANDARD.decode(pubkey).unwrap()).unwrap();
    assert_eq!(
        decoded,
        fixture("updater-test.pub"),
        "pubkey is the fixture's .pub, base64"
    );

    let key = pryx_update::TrustedKey::parse(pubkey).expect("a minisign public key");
    let artifact = b"pryx-desktop 0.2.0 bundle bytes";
    let comment = "timestamp:1763000000\tfile:pryx-desktop_0.2.0_amd64.AppImage.tar.gz";
    let signature = sign(&fixture("updater-test.key"), artifact, comment);
    let version = semver::Version::new(0, 2, 0);
    key.verify(artifact, &signature, &version)
        .expect("the fixture key's signature verifies with the configured key");
    assert!(
        key.verify(b"tampered bytes", &signature, &version).is_err(),
        "other bytes must not verify"
    );

    let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let foreign = minisign::sign(
        None,
        &other.sk,
        Cursor::new(&artifact[..]),
        Some(comment),
        None,
    )
    .unwrap();
    let foreign = STANDARD.encode(foreign.to_string());
    let err = key
        .verify(artifact, &foreign, &version)
        .unwrap_err()
        .to_string();
    assert!(err.contains("signed with key"), "{err}");
}

#[test]
fn the_endpoint_is_https_and_the_host_updater_accepts_the_same_config() {
    let config = config();
    let updater = &config["plugins"]["updater"];
    let endpoints: Vec<String> = updater["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect();
    assert!(!endpoints.is_empty());
    assert!(
        endpoints.iter().all(|e| e.starts_with("https://")),
        "{endpoints:?}"
    );
    // The embedded host's updater is handed this very config (src/updates.rs): it must be one
    // pryx-update takes as it is, with updates on.
    let exe = std::env::current_exe().unwrap();
    let host_side = pryx_update::UpdaterConfig::new("0.1.0", exe)
        .with_endpoints(endpoints)
        .with_pubkey(updater["pubkey"].as_str().map(str::to_owned));
    let problem = pryx_update::TauriUpdater::new(host_side).problem();
    assert_eq!(
        problem, None,
        "pryx-update refuses the desktop's updater config"
    );
}

#[test]
fn the_csp_is_set_and_strict() {
    let config = config();
    let csp = &config["app"]["security"]["csp"];
    assert!(csp.is_object(), "CSP must be set, not null: {csp}");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(csp["frame-ancestors"], "'none'");
    assert!(
        !csp.to_string().contains("unsafe-"),
        "no unsafe-inline/unsafe-eval in the app's CSP: {csp}"
    );
    assert_eq!(config["app"]["withGlobalTauri"], false);
}

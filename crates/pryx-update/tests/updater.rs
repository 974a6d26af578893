//! The updater against a real HTTP server on 127.0.0.1, with artifacts signed by a key the
//! test generates, installing over a real file that is then run.

mod support;

use pryx_core_api::{CoreError, UpdateRequest, Updater};
use pryx_update::{TauriUpdater, kept_path};
use support::*;

const TEMPLATE: &str = "/update/{{target}}/{{arch}}/{{current_version}}/{{bundle_type}}";

fn downgrade() -> UpdateRequest {
    UpdateRequest {
        allow_downgrade: true,
        version: None,
    }
}

/// Serves a static manifest announcing `version` for this platform, pointing at `artifact`
/// served at `/dl/<file>` and signed with `signature`.
fn serve_release(server: &Server, version: &str, file: &str, artifact: Vec<u8>, signature: &str) {
    let url = server.url(&format!("/dl/{file}"));
    server.put(&format!("/dl/{file}"), Canned::ok(artifact));
    server.put(
        "/latest.json",
        Canned::ok(static_manifest(version, &platform_key(), &url, signature)),
    );
}

async fn refused(updater: &TauriUpdater, install: &Install, request: &UpdateRequest) -> CoreError {
    let before = install.snapshot();
    let err = updater
        .apply(request)
        .await
        .expect_err("the update must be refused");
    assert_eq!(
        install.snapshot(),
        before,
        "a refused update changed files: {err}"
    );
    assert_eq!(install.run(&install.exe), "pryx-core 1.0.0");
    assert!(
        updater.restart_requested().borrow().is_none(),
        "no restart after a refusal"
    );
    err
}

#[tokio::test]
async fn an_update_in_a_tar_gz_is_found_applied_and_runs_with_the_old_binary_kept() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let file = format!("pryx-core_1.2.0_{}.tar.gz", platform_key());
    let artifact = tar_gz("pryx-core", &script("1.2.0"));
    let signature = signer.tauri_signature(&artifact, &Signer::tauri_comment(&file));
    serve_release(&server, "1.2.0", &file, artifact, &signature);
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    assert_eq!(updater.problem(), None);

    let info = updater.check(&UpdateRequest::default()).await.unwrap();
    assert_eq!(info.current, "1.0.0");
    assert_eq!(info.available.as_deref(), Some("1.2.0"));
    assert_eq!(info.notes.as_deref(), Some("Pryx 1.2.0"));
    assert_eq!(info.platform, platform_key());

    let applied = updater.apply(&UpdateRequest::default()).await.unwrap();
    assert_eq!(
        (applied.previous.as_str(), applied.installed.as_str()),
        ("1.0.0", "1.2.0")
    );
    assert!(applied.restart_needed);
    let kept = kept_path(&install.exe);
    assert_eq!(
        applied.previous_kept_as.as_deref(),
        Some(kept.to_str().unwrap())
    );
    assert_eq!(
        install.run(&install.exe),
        "pryx-core 1.2.0",
        "the new binary is in place and runs"
    );
    assert_eq!(
        install.run(&kept),
        "pryx-core 1.0.0",
        "the old binary is kept for a rollback"
    );
    let names: Vec<String> = install.snapshot().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["pryx-core", "pryx-core.old"],
        "no temp file left behind"
    );
    assert_eq!(
        updater.restart_requested().borrow().as_ref(),
        Some(&applied)
    );

    // Until the restart, another apply must not swap again (the kept copy is the rollback).
    let again = updater.apply(&UpdateRequest::default()).await.unwrap_err();
    assert_eq!(again.code(), "update_in_progress", "{again}");
    assert_eq!(install.run(&kept), "pryx-core 1.0.0");
}

#[tokio::test]
async fn endpoints_are_tried_in_order_templated_and_a_dynamic_answer_with_a_bare_binary_works() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/latest.json", l.local_addr().unwrap())
    };
    server.put("/broken.json", Canned::status(500));
    let binary = script("1.3.0");
    // minisign's own way to vouch for the version: `minisign -S -t "version:1.3.0"`.
    let signature = signer.tauri_signature(&binary, "timestamp:1763000000\tversion:1.3.0");
    let path = format!("/update/{}/1.0.0/bin", platform_key().replace('-', "/"));
    let dynamic = serde_json::json!({
        "version": "v1.3.0",
        "url": server.url("/dl/pryx-core"),
        "signature": signature,
    });
    server.put(&path, Canned::ok(dynamic.to_string()));
    server.put("/dl/pryx-core", Canned::ok(binary));
    let endpoints = vec![dead, server.url("/broken.json"), server.url(TEMPLATE)];
    // The key pasted as minisign's .pub file text works as well as Tauri's base64 of it.
    let updater = TauriUpdater::new(install.config(endpoints, &signer.minisign_pubkey_file()));

    let applied = updater.apply(&UpdateRequest::default()).await.unwrap();
    assert_eq!(applied.installed, "1.3.0");
    assert_eq!(install.run(&install.exe), "pryx-core 1.3.0");
    assert_eq!(install.run(&kept_path(&install.exe)), "pryx-core 1.0.0");
    assert_eq!(
        server.requested(),
        ["/broken.json", path.as_str(), "/dl/pryx-core"]
    );
}

#[tokio::test]
async fn no_update_is_204_and_the_same_version() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    server.put("/latest.json", Canned::status(204));
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let info = updater.check(&UpdateRequest::default()).await.unwrap();
    assert_eq!(
        (info.current.as_str(), info.available.as_deref()),
        ("1.0.0", None)
    );
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "no_update", "{err}");

    // A manifest announcing the running version is no update either.
    let binary = script("1.0.0");
    let sig = signer.tauri_signature(&binary, "version:1.0.0");
    serve_release(&server, "1.0.0", "pryx-core", binary, &sig);
    assert_eq!(
        updater
            .check(&UpdateRequest::default())
            .await
            .unwrap()
            .available,
        None
    );
    assert_eq!(
        refused(&updater, &install, &UpdateRequest::default())
            .await
            .code(),
        "no_update"
    );
}

#[tokio::test]
async fn a_signature_by_another_key_or_over_other_bytes_is_refused_and_nothing_changes() {
    let server = Server::start().await;
    let trusted = Signer::generate();
    let attacker = Signer::generate();
    let install = Install::new();
    let binary = script("6.6.6");
    let updater = TauriUpdater::new(
        install.config(vec![server.url("/latest.json")], &trusted.tauri_pubkey()),
    );

    let forged = attacker.tauri_signature(&binary, "version:1.2.0");
    serve_release(&server, "1.2.0", "pryx-core", binary.clone(), &forged);
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
    assert!(
        err.to_string().contains("regenerated"),
        "names the key mismatch: {err}"
    );

    let honest = trusted.tauri_signature(&script("1.2.0"), "version:1.2.0");
    serve_release(&server, "1.2.0", "pryx-core", binary, &honest);
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
    assert!(err.to_string().contains("do not match"), "{err}");

    serve_release(
        &server,
        "1.2.0",
        "pryx-core",
        script("1.2.0"),
        "not a signature",
    );
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
}

#[tokio::test]
async fn a_validly_signed_old_artifact_announced_as_new_is_refused() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let old_file = "pryx-core_1.1.0_linux.tar.gz";
    let artifact = tar_gz("pryx-core", &script("1.1.0"));
    let signature = signer.tauri_signature(&artifact, &Signer::tauri_comment(old_file));
    serve_release(
        &server,
        "1.2.0",
        "pryx-core_1.2.0.tar.gz",
        artifact,
        &signature,
    );
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_version_mismatch", "{err}");
    assert!(err.to_string().contains(old_file), "{err}");
}

#[tokio::test]
async fn a_manifest_without_this_platform_is_refused() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let manifest = static_manifest("1.2.0", "plan9-mips", &server.url("/dl/x"), "sig");
    server.put("/latest.json", Canned::ok(manifest));
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let err = updater.check(&UpdateRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), "update_platform_missing", "{err}");
    assert!(
        err.to_string().contains(&format!("{}-bin", platform_key())),
        "{err}"
    );
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_platform_missing");
}

#[tokio::test]
async fn a_truncated_download_is_refused() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let artifact = tar_gz("pryx-core", &script("1.2.0"));
    let signature = signer.tauri_signature(&artifact, "version:1.2.0");
    serve_release(&server, "1.2.0", "a.tar.gz", artifact.clone(), &signature);
    server.put(
        "/dl/a.tar.gz",
        Canned {
            cut_at: Some(artifact.len() / 2),
            ..Canned::ok(artifact)
        },
    );
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_download_failed", "{err}");
}

#[tokio::test]
async fn every_endpoint_down_is_refused_as_unavailable() {
    let signer = Signer::generate();
    let install = Install::new();
    let dead: Vec<String> = (0..2)
        .map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!(
                "http://{}/latest.json?token=SECRET",
                l.local_addr().unwrap()
            )
        })
        .collect();
    let updater = TauriUpdater::new(install.config(dead, &signer.tauri_pubkey()));
    let err = updater.check(&UpdateRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), "update_unavailable", "{err}");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(
        !err.to_string().contains("SECRET"),
        "a query is not shown: {err}"
    );
    assert_eq!(
        refused(&updater, &install, &UpdateRequest::default())
            .await
            .code(),
        "update_unavailable"
    );
}

#[tokio::test]
async fn a_downgrade_is_refused_unless_asked_for() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let binary = script("0.9.0");
    let signature = signer.tauri_signature(&binary, "version:0.9.0");
    serve_release(&server, "0.9.0", "pryx-core", binary, &signature);
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    assert_eq!(
        updater
            .check(&UpdateRequest::default())
            .await
            .unwrap()
            .available,
        None
    );
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_downgrade_refused", "{err}");

    assert_eq!(
        updater
            .check(&downgrade())
            .await
            .unwrap()
            .available
            .as_deref(),
        Some("0.9.0")
    );
    let applied = updater.apply(&downgrade()).await.unwrap();
    assert_eq!(applied.installed, "0.9.0");
    assert_eq!(install.run(&install.exe), "pryx-core 0.9.0");
}

#[tokio::test]
async fn without_a_key_nothing_is_even_asked() {
    let server = Server::start().await;
    let install = Install::new();
    let mut config = install.config(vec![server.url("/latest.json")], "x");
    config.pubkey = None;
    let updater = TauriUpdater::new(config);
    assert!(updater.problem().unwrap().contains("PRYX_UPDATE_PUBKEY"));
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_not_configured", "{err}");
    assert!(
        server.requested().is_empty(),
        "no request without a trusted key"
    );
}

#[tokio::test]
async fn a_signed_binary_that_does_not_run_is_not_swapped_in() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let binary = broken_script();
    let signature = signer.tauri_signature(&binary, "version:1.2.0");
    serve_release(&server, "1.2.0", "pryx-core", binary, &signature);
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let err = refused(&updater, &install, &UpdateRequest::default()).await;
    assert_eq!(err.code(), "update_install_failed", "{err}");
    assert!(
        err.to_string().contains("broken"),
        "shows its stderr: {err}"
    );
}

#[tokio::test]
async fn applying_a_version_other_than_the_one_checked_is_refused() {
    let server = Server::start().await;
    let signer = Signer::generate();
    let install = Install::new();
    let binary = script("1.3.0");
    let signature = signer.tauri_signature(&binary, "version:1.3.0");
    serve_release(&server, "1.3.0", "pryx-core", binary, &signature);
    let updater =
        TauriUpdater::new(install.config(vec![server.url("/latest.json")], &signer.tauri_pubkey()));
    let request = UpdateRequest {
        allow_downgrade: false,
        version: Some("1.2.0".into()),
    };
    let err = refused(&updater, &install, &request).await;
    assert_eq!(err.code(), "update_changed", "{err}");
}

//! `pryx config edit` (write-back with If-Match, conflicts kept), `pryx doctor [--fix]` on a
//! world-writable data directory, and `pryx service install` checked by systemd's own
//! verifier.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value as Json;
use support::{User, finish};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn script(user: &User, name: &str, body: &str) -> std::path::PathBuf {
    let path = user.path(name);
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn config_edit_writes_the_edit_back_and_never_over_a_concurrent_change() {
    let user = User::new();
    user.start();
    let editor = script(
        &user,
        "edit.sh",
        r#"sed -i 's/^model_name: .*/model_name: edited-in-editor/' "$1""#,
    );
    let mut edit = user.command(&["--json", "config", "edit"]);
    edit.env("EDITOR", &editor);
    let run = finish(edit);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["changed"], true);
    assert_eq!(
        user.json(&["config", "get", "model_name"]).1["value"],
        "edited-in-editor"
    );

    // An editor that quits without saving changes nothing.
    let mut noop = user.command(&["--json", "config", "edit"]);
    noop.env("EDITOR", "true");
    assert_eq!(finish(noop).json()["changed"], false);

    // Someone else writes while the editor is open: the edit is refused and kept.
    let pryx = env!("CARGO_BIN_EXE_pryx");
    let racing = script(
        &user,
        "race.sh",
        &format!(
            "PRYX_CORE_BIN=/nonexistent {pryx} config set model_name written-meanwhile >/dev/null\n\
         sed -i 's/^model_name: .*/model_name: my-edit/' \"$1\""
        ),
    );
    let mut edit = user.command(&["--json", "config", "edit"]);
    edit.env("EDITOR", &racing);
    let run = finish(edit);
    assert_eq!(run.code, 6, "{}{}", run.stdout, run.stderr);
    let error = &run.json()["error"];
    assert_eq!(error["code"], "config_conflict");
    let kept = error["details"]["kept"].as_str().unwrap();
    assert!(
        std::fs::read_to_string(kept)
            .unwrap()
            .contains("model_name: my-edit"),
        "the edit is kept"
    );
    assert_eq!(
        user.json(&["config", "get", "model_name"]).1["value"],
        "written-meanwhile",
        "not overwritten"
    );
    let _ = std::fs::remove_dir_all(Path::new(kept).parent().unwrap());
}

#[test]
fn doctor_finds_a_world_writable_data_dir_and_fix_backs_up_then_repairs() {
    let user = User::new();
    std::fs::create_dir(&user.data).unwrap();
    std::fs::write(user.data.join("config.yaml"), "model_name: x\n").unwrap();
    std::fs::set_permissions(&user.data, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(
        user.data.join("config.yaml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();

    // The host refuses such a directory; `pryx` says why.
    let (code, refused) = user.json(&["--no-open", "--port", "0"]);
    assert_eq!(code, 1, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("chmod 700"),
        "{refused}"
    );

    let (code, report) = user.json(&["doctor"]);
    assert_eq!(code, 10, "{report:#}");
    let problem = |report: &Json, check: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == check && c["level"] == "problem")
            .cloned()
    };
    let dir = problem(&report, "data_dir").expect("the data dir is a problem");
    assert_eq!(dir["fix"], format!("chmod 700 {}", user.data.display()));
    assert_eq!(dir["fixable"], true);
    assert!(problem(&report, "files").is_some(), "{report:#}");
    assert_eq!(
        mode(&user.data),
        0o777,
        "doctor without --fix changes nothing"
    );

    let (code, fixed) = user.json(&["doctor", "--fix"]);
    assert_eq!(code, 0, "{fixed:#}");
    assert_eq!(fixed["problems"], 0);
    assert_eq!(
        (mode(&user.data), mode(&user.data.join("config.yaml"))),
        (0o700, 0o600)
    );
    let backup = Path::new(fixed["backup"].as_str().unwrap());
    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).unwrap())
            .unwrap();
    let modes: Vec<&str> = manifest["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mode_before"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["0777", "0666"]);
    assert_eq!(
        std::fs::read_to_string(backup.join("config.yaml")).unwrap(),
        "model_name: x\n"
    );

    // And now the host starts.
    user.start();
}

#[test]
fn service_install_writes_a_unit_systemd_accepts_and_status_names_its_binary_and_data_dir() {
    let user = User::new();
    let runtime = support::runtime_ref();
    let (code, installed) = user.json(&[
        "service",
        "install",
        "--files-only",
        "--port",
        "0",
        "--runtime",
        runtime.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{installed}");
    let unit = user.home().join(".config/systemd/user/pryx-host.service");
    assert_eq!(installed["file"], unit.display().to_string());
    let text = std::fs::read_to_string(&unit).unwrap();
    let core = std::fs::canonicalize(support::core()).unwrap();
    let exec = format!(
        "ExecStart={} --data-dir {} --port 0 --runtime {}",
        core.display(),
        user.data.display(),
        std::fs::canonicalize(&runtime).unwrap().display()
    );
    assert!(text.lines().any(|l| l == exec), "{text}");

    match std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
    {
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "systemd-analyze verify: {stderr}");
            // It only warns (exit 0) about keys it cannot parse: none may name our unit.
            assert!(
                !stderr.contains(unit.to_str().unwrap()),
                "systemd-analyze verify: {stderr}"
            );
        }
        Err(_) => eprintln!(
            "skipped systemd-analyze verify: not installed (the unit rules are also checked by service_files::check_unit)"
        ),
    }

    let (code, status) = user.json(&["service", "status"]);
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["installed"], true);
    assert_eq!(status["binary"], core.display().to_string());
    assert_eq!(status["data_dir"], user.data.display().to_string());
    assert_eq!(status["this_data_dir"], true);

    assert_eq!(user.json(&["service", "uninstall", "--files-only"]).0, 0);
    assert!(!unit.exists());
    assert_eq!(user.json(&["service", "status"]).0, 10);
}

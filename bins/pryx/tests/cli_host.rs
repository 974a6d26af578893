//! `pryx` against real hosts: starting and reusing one, never two, stopping it, and the
//! `--json` output and exit code of every subcommand.

mod support;

use std::process::Stdio;

use serde_json::Value as Json;
use support::{User, finish};

/// Exit codes (docs/cli.md).
const NO_HOST: i32 = 3;
const NOT_FOUND: i32 = 5;
const CONFLICT: i32 = 6;
const INVALID: i32 = 7;
const UNSUPPORTED: i32 = 9;
const PROBLEMS: i32 = 10;

#[test]
fn without_a_host_every_host_command_exits_3_with_a_json_error() {
    let user = User::new();
    let commands: &[&[&str]] = &[
        &["status"],
        &["open"],
        &["skills", "list"],
        &["skills", "enable", "x"],
        &["config", "get"],
        &["config", "set", "a", "1"],
        &["config", "edit"],
        &["config", "history"],
        &["config", "restore", "x"],
        &["providers"],
        &["models"],
        &["mcp", "tools"],
        &["logs"],
        &["chat", "hi"],
        &["runtime", "restart"],
        &["update", "check"],
        &["update", "apply"],
        &["stop"],
        &["watch"],
    ];
    for args in commands {
        let (code, json) = user.json(args);
        assert_eq!(code, NO_HOST, "{args:?}: {json}");
        assert_eq!(json["error"]["code"], "no_host", "{args:?}");
        assert_eq!(json["error"]["exit_code"], NO_HOST);
        assert!(
            json["error"]["fix"].as_str().unwrap().contains("pryx"),
            "{json}"
        );
    }
    let human = user.run(&["status"]);
    assert_eq!(human.code, NO_HOST);
    assert!(
        human.stderr.contains("no Pryx host is running for"),
        "{}",
        human.stderr
    );
    assert!(human.stdout.is_empty());
}

#[test]
fn pryx_starts_a_host_then_reuses_it_and_stop_ends_it() {
    let user = User::new();
    let opened = user.path("opened-url");
    // $BROWSER is run with the URL: a script that records it stands in for a browser.
    let browser = user.path("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" > {}\n", opened.display()),
    )
    .unwrap();
    chmod_x(&browser);

    let runtime = support::runtime_ref();
    let mut first = user.command(&[
        "--json",
        "--port",
        "0",
        "--runtime",
        runtime.to_str().unwrap(),
    ]);
    first.env("BROWSER", &browser);
    let first = finish(first);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first = first.json();
    assert_eq!(first["started"], true);
    assert_eq!(first["opened"], true);
    let url = first["url"].as_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap().trim(),
        url,
        "the browser got the URL"
    );
    let token = std::fs::read_to_string(user.data.join("admin.token")).unwrap();
    assert!(
        url.contains("/#login=") && !url.contains(token.trim()),
        "code in the fragment, never the token: {url}"
    );
    assert_eq!(
        first["addr"].as_str().unwrap().rsplit(':').next(),
        std::fs::read_to_string(user.data.join("runtime.port"))
            .ok()
            .as_deref()
    );

    let second = user.start();
    assert_eq!(second["started"], false, "reused: {second}");
    assert_eq!(second["pid"], first["pid"]);
    assert_ne!(
        second["url"], first["url"],
        "a fresh one-time code each time"
    );

    let (code, status) = user.json(&["status"]);
    assert_eq!(code, 0);
    assert_eq!(status["pid"], first["pid"]);
    assert_eq!(status["health"]["ports"]["runtime"]["state"], "ready");

    let (code, stopped) = user.json(&["stop"]);
    assert_eq!(code, 0, "{stopped}");
    assert_eq!(stopped["pid"], first["pid"]);
    let pid = first["pid"].as_u64().unwrap();
    assert!(!running(pid), "the host process is gone");
    assert_eq!(user.json(&["status"]).0, NO_HOST);
}

#[test]
fn two_pryx_started_at_once_share_one_host() {
    let user = User::new();
    let spawn = || {
        let mut c = user.command(&["--json", "--no-open", "--port", "0"]);
        c.stdin(Stdio::null());
        std::thread::spawn(move || finish(c))
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    let (a, b) = (a.json(), b.json());
    assert_eq!(a["pid"], b["pid"], "one host: {a} {b}");
    assert_eq!(a["addr"], b["addr"]);
}

#[test]
fn every_subcommand_answers_json_with_its_exit_code() {
    let user = User::new();
    let skill = user.data.join("skills/demo");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: demo\ndescription: A demo skill\n---\n# demo\n",
    )
    .unwrap();
    set_mode(&user.data, 0o700);
    user.start();

    let ok = |args: &[&str]| -> Json {
        let (code, json) = user.json(args);
        assert_eq!(code, 0, "{args:?}: {json}");
        json
    };
    let fails = |args: &[&str], exit: i32, error: &str| {
        let (code, json) = user.json(args);
        assert_eq!(
            (code, json["error"]["code"].as_str()),
            (exit, Some(error)),
            "{args:?}: {json}"
        );
    };

    assert_eq!(ok(&["open", "--no-open"])["opened"], false);
    let skills = ok(&["skills", "list"]);
    assert_eq!(skills["skills"][0]["id"], "demo");
    assert_eq!(ok(&["skills", "enable", "demo"])["enabled"], true);
    assert_eq!(ok(&["skills", "show", "demo"])["enabled"], true);
    assert_eq!(ok(&["skills", "disable", "demo"])["enabled"], false);
    fails(&["skills", "show", "nope"], NOT_FOUND, "skill_not_found");
    fails(&["skills", "enable", "nope"], NOT_FOUND, "skill_not_found");

    assert!(ok(&["config", "get"])["config"].is_object());
    let before = ok(&["config", "get", "model_name"]);
    let set = ok(&["config", "set", "model_name", "gpt-4o"]);
    assert_eq!(set["value"], "gpt-4o");
    assert_eq!(ok(&["config", "get", "model_name"])["value"], "gpt-4o");
    fails(
        &["config", "get", "no.such.key"],
        NOT_FOUND,
        "config_key_not_found",
    );
    fails(
        &["config", "set", "memory_enabled", "3"],
        INVALID,
        "config_invalid",
    );
    ok(&["config", "set", "model_name", "llama3.2"]);
    let history = ok(&["config", "history"]);
    let entries = history["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{history}");
    // The newest kept version is the one `gpt-4o` replaced... find the one that holds gpt-4o.
    let with_gpt = entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .find(|id| ok(&["config", "history", id])["config"]["model_name"] == "gpt-4o")
        .expect("a kept version with gpt-4o");
    let restored = ok(&["config", "restore", &with_gpt]);
    assert_eq!(restored["config"]["model_name"], "gpt-4o");
    assert_ne!(before["value"], "gpt-4o");
    fails(
        &["config", "restore", "nope"],
        NOT_FOUND,
        "history_not_found",
    );
    assert_eq!(ok(&["config", "validate"])["valid"], true);

    assert!(
        !ok(&["providers"])["providers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(!ok(&["models"])["models"].as_array().unwrap().is_empty());
    assert!(
        !ok(&["models", "ollama"])["models"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    fails(&["models", "nope"], NOT_FOUND, "provider_not_found");
    assert!(ok(&["mcp", "tools"])["tools"].is_array());

    // The host keeps recent lines: the runtime's start and the writes above are among them.
    let logs = ok(&["logs"]);
    let lines = logs["lines"].as_array().expect("lines");
    assert!(
        lines.iter().any(|l| l["source"] == "runtime-stderr"),
        "{logs}"
    );
    // This host has the updater but no signing key: "not configured", exit 9.
    fails(&["update", "check"], UNSUPPORTED, "update_not_configured");
    fails(&["update", "apply"], UNSUPPORTED, "update_not_configured");

    let chat = ok(&["chat", "hello there", "--yes"]);
    assert_eq!(chat["reply"], "You said: hello there");
    assert_eq!(ok(&["runtime", "restart"])["state"], "ready");
    assert!(
        ok(&["completions", "bash"])["script"]
            .as_str()
            .unwrap()
            .contains("pryx")
    );
    let doctor = ok(&["doctor"]);
    assert_eq!(doctor["problems"], 0, "{doctor:#}");
    let (code, service) = user.json(&["service", "status"]);
    assert_eq!(
        (code, &service["installed"]),
        (PROBLEMS, &Json::Bool(false))
    );
    assert_eq!(ok(&["status"])["running"], true);
    let _ = CONFLICT;
    assert_eq!(ok(&["stop"])["stopped"], true);
}

#[test]
fn chat_asks_for_approval_on_the_terminal() {
    let user = User::new();
    user.start();
    for (answer, approved, reply) in [
        ("y\n", true, "I read README.md"),
        ("n\n", false, "Permission denied"),
    ] {
        let mut command = user.command(&["--json", "chat", "please use tool"]);
        command.stdin(Stdio::piped());
        let mut child = command.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains("Allow? [y/N]") && stderr.contains("fs:read_file"),
            "{stderr}"
        );
        let json: Json = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["approvals"][0]["approved"], approved, "{json}");
        assert!(json["reply"].as_str().unwrap().starts_with(reply), "{json}");
    }
}

/// Whether `pid` runs (and is not a zombie waiting for its parent to reap it).
fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, s)| !s.trim_start().starts_with(['Z', 'X']))
    })
}

fn chmod_x(path: &std::path::Path) {
    set_mode(path, 0o755);
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

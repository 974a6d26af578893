//! Fault injection against the real binary and real files: crashes during writes, concurrent
//! writers, a second host, and a person editing config.yaml while the API writes it. Each test
//! names the finding it reproduces (issue "No write is ever lost").

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Host, history_of, temp_files};
use serde_json::{Value, json};

/// One PATCH without If-Match; the status.
async fn patch(host: &Host, body: Value) -> u16 {
    match host
        .client
        .patch(host.url("/api/v1/config"))
        .json(&body)
        .send()
        .await
    {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

/// Finding 1 (temporary files pile up) and crash atomicity: SIGKILL while 16 clients write, in
/// several rounds. After every restart the file parses, every acknowledged write is present, and
/// no temporary file of an interrupted write is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_writes_loses_no_acknowledged_write_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let mut acked: HashMap<usize, u64> = HashMap::new();
    for round in 0..4u64 {
        let host = Arc::new(Host::start(&data));
        let config = host.get("/api/v1/config").await;
        assert_eq!(config["persisted"], round > 0, "round {round}: {config}");
        for (client, value) in &acked {
            let stored = config["config"][format!("counter_{client}")].as_u64();
            assert!(
                stored.is_some_and(|s| s >= *value),
                "round {round}: counter_{client} acknowledged {value}, stored {stored:?}"
            );
        }
        assert!(
            temp_files(&data).is_empty(),
            "round {round}: {:?}",
            temp_files(&data)
        );

        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..16usize)
            .map(|client| {
                let (host, stop) = (Arc::clone(&host), Arc::clone(&stop));
                let start = acked.get(&client).copied().unwrap_or(0);
                tokio::spawn(async move {
                    let mut last = None;
                    let mut n = start;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        if patch(&host, json!({ format!("counter_{client}"): n })).await == 200 {
                            last = Some(n);
                        }
                    }
                    (client, last)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150 + 50 * round)).await;
        // SIGKILL while the writers are still going.
        unsafe { libc::kill(host.child.id() as i32, libc::SIGKILL) };
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            let (client, last) = writer.await.unwrap();
            if let Some(last) = last {
                acked.insert(client, last);
            }
        }
        drop(host);
        // What a kill in the middle of a write leaves behind, whether or not this one did.
        std::fs::write(
            data.join(".config.yaml.Xk3j9a.tmp"),
            "telegram_token: s3cret\n",
        )
        .unwrap();
    }
    let host = Host::start(&data);
    assert!(temp_files(&data).is_empty(), "{:?}", temp_files(&data));
    let config = host.get("/api/v1/config").await;
    for (client, value) in &acked {
        let stored = config["config"][format!("counter_{client}")]
            .as_u64()
            .unwrap();
        assert!(
            stored >= *value,
            "counter_{client}: acknowledged {value}, stored {stored}"
        );
    }
    assert!(
        acked.values().sum::<u64>() > 16,
        "the writers got writes in: {acked:?}"
    );
    let _ = host.stop();
}

/// Finding 2: PATCHes without If-Match from 32 clients of one host never conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn patches_without_if_match_from_32_clients_never_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let host = Arc::new(Host::start(dir.path()));
    let clients: Vec<_> = (0..32usize)
        .map(|client| {
            let host = Arc::clone(&host);
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for n in 1..=8u64 {
                    statuses.push(patch(&host, json!({ format!("client_{client}"): n })).await);
                }
                statuses
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for client in clients {
        statuses.extend(client.await.unwrap());
    }
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!((conflicts, ok), (0, 256), "{statuses:?}");
    let config = host.get("/api/v1/config").await;
    for client in 0..32 {
        assert_eq!(
            config["config"][format!("client_{client}")],
            8,
            "client {client}"
        );
    }
    // A stale If-Match still conflicts, naming the current revision.
    let res = host
        .client
        .patch(host.url("/api/v1/config"))
        .header("If-Match", "\"0123456789abcdef0123456789abcdef\"")
        .json(&json!({"model_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["current_revision"],
        config["revision"]
    );
}

/// Finding 3: a second host on the same data dir exits at once, naming the running one; the
/// running one keeps `runtime.port` current and removes it on a clean exit.
#[tokio::test]
async fn a_second_host_on_the_same_data_dir_is_refused_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    std::fs::write(data.join("runtime.port"), "1").unwrap(); // left by a crashed host
    let first = Host::start(data);
    let port_file = std::fs::read_to_string(data.join("runtime.port")).unwrap();
    assert_eq!(
        port_file.trim(),
        first.port().to_string(),
        "a stale runtime.port is rewritten"
    );

    let started = std::time::Instant::now();
    let second = common::command(data).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        second.stdout.is_empty(),
        "the second host never announced itself"
    );
    assert!(
        stderr.contains(&format!("pid {}", first.child.id())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&first.base.replace("http://", "")),
        "{stderr}"
    );
    assert!(stderr.contains("--data-dir"), "{stderr}");

    // The first is untouched and still serves.
    let health = first.get("/api/v1/health").await;
    assert_eq!(health["status"], "ok", "{health}");
    let _ = first.stop();
    assert!(
        !data.join("runtime.port").exists(),
        "removed on a clean exit"
    );
}

/// A 30-key config as a person would write it.
fn person_file(round: usize) -> String {
    let mut text = format!("# edited by hand, round {round}\nperson_round: {round}\n");
    for key in 0..29 {
        text.push_str(&format!("person_key_{key}: value {key} of round {round}\n"));
    }
    text
}

/// Writes through the API in a loop until stopped; counts 5xx answers.
fn api_writer(host: &Arc<Host>, stop: &Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let (host, stop) = (Arc::clone(host), Arc::clone(stop));
    tokio::spawn(async move {
        let (mut n, mut server_errors) = (0u64, 0);
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let sent = host
                .client
                .patch(host.url("/api/v1/config"))
                .json(&json!({ "api_counter": n }))
                .send()
                .await;
            if let Ok(res) = sent {
                if res.status().as_u16() >= 500 {
                    server_errors += 1;
                    let status = res.status();
                    eprintln!("{status}: {}", res.text().await.unwrap_or_default());
                }
            }
        }
        server_errors
    })
}

/// The person's version is intact in the file or, byte for byte, in the history.
fn kept_somewhere(data: &std::path::Path, mine: &str) -> bool {
    let file = std::fs::read_to_string(data.join("config.yaml")).unwrap_or_default();
    let all_keys_in_file = mine
        .lines()
        .filter(|l| !l.starts_with('#'))
        .all(|line| file.contains(line));
    all_keys_in_file
        || history_of(data, "config.yaml")
            .iter()
            .any(|v| v == mine.as_bytes())
}

/// Finding 4 (rename-style editors such as vim): a save made while the API writes is, every
/// time, in the file or in the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rename_style_hand_edits_during_api_writes_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let host = Arc::new(Host::start(&data));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4).map(|_| api_writer(&host, &stop)).collect();
    let path = data.join("config.yaml");
    for round in 0..40 {
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 15))).await;
        let mine = person_file(round);
        let swap = data.join(".config.yaml.swp");
        std::fs::write(&swap, &mine).unwrap();
        std::fs::rename(&swap, &path).unwrap();
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 15))).await;
        assert!(
            kept_somewhere(&data, &mine),
            "round {round}: the person's save was lost"
        );
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        assert_eq!(writer.await.unwrap(), 0, "no 5xx while a person edits");
    }
}

/// Finding 4 (truncate-and-write editors): the file is cut and rewritten in place while the API
/// writes; the person's 30 keys are never destroyed without their full version in the history,
/// and the API never answers 500 for the half-written instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn truncate_style_hand_edits_during_api_writes_never_destroy_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let host = Arc::new(Host::start(&data));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4).map(|_| api_writer(&host, &stop)).collect();
    let path = data.join("config.yaml");
    for round in 0..40 {
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 15))).await;
        let mine = person_file(round);
        let (head, tail) = mine.split_at(mine.len() / 3);
        {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .create(true)
                .open(&path)
                .unwrap();
            file.write_all(head.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(fastrand_ms(0, 3)));
            file.write_all(tail.as_bytes()).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 15))).await;
        assert!(
            kept_somewhere(&data, &mine),
            "round {round}: the person's keys were destroyed"
        );
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        assert_eq!(
            writer.await.unwrap(),
            0,
            "no 5xx for a half-written instant"
        );
    }
}

/// Finding 4 for skills.yaml: a person's save while the API toggles skills is never lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hand_edits_of_skills_yaml_during_toggles_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    for id in ["alpha", "beta"] {
        let skill = data.join("skills").join(id);
        std::fs::create_dir_all(&skill).unwrap();
        std::fs::write(
            skill.join("SKILL.md"),
            format!("---\nname: {id}\n---\nbody\n"),
        )
        .unwrap();
    }
    let host = Arc::new(Host::start(&data));
    let stop = Arc::new(AtomicBool::new(false));
    let toggler = {
        let (host, stop) = (Arc::clone(&host), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut on = true;
            while !stop.load(Ordering::Relaxed) {
                let verb = if on { "enable" } else { "disable" };
                let url = host.url(&format!("/api/v1/skills/alpha/{verb}"));
                let res = host.client.post(url).send().await.unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                on = !on;
            }
        })
    };
    let path = data.join("skills.yaml");
    for round in 0..30 {
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 10))).await;
        let mine = format!("# round {round}\nenabled_skills:\n  beta: true\nnote_{round}: kept\n");
        let swap = data.join(".skills.yaml.swp");
        std::fs::write(&swap, &mine).unwrap();
        std::fs::rename(&swap, &path).unwrap();
        tokio::time::sleep(Duration::from_millis(fastrand_ms(2, 10))).await;
        let file = std::fs::read_to_string(&path).unwrap();
        let in_file = file.contains(&format!("note_{round}: kept")) && file.contains("beta: true");
        let in_history = history_of(&data, "skills.yaml")
            .iter()
            .any(|v| v == mine.as_bytes());
        assert!(
            in_file || in_history,
            "round {round}: lost; file is {file:?}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    toggler.await.unwrap();
}

/// The history API lists what writes replaced, redacted, and restores a version with If-Match.
#[tokio::test]
async fn history_lists_redacted_versions_and_restores_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    std::fs::write(
        data.join("config.yaml"),
        "model_name: first\ntelegram_token: t0ken\n",
    )
    .unwrap();
    let host = Host::start(data);
    assert_eq!(patch(&host, json!({"model_name": "second"})).await, 200);
    let list = host.get("/api/v1/config/history").await;
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    let id = entries[0]["id"].as_str().unwrap();
    let version = host.get(&format!("/api/v1/config/history/{id}")).await;
    assert_eq!(version["config"]["model_name"], "first");
    assert_eq!(
        version["config"]["telegram_token"], "<redacted>",
        "{version}"
    );
    assert!(!version.to_string().contains("t0ken"));

    let url = host.url(&format!("/api/v1/config/history/{id}/restore"));
    let res = host.client.post(&url).send().await.unwrap();
    assert_eq!(res.status(), 428, "restore needs If-Match");
    let res = host
        .client
        .post(&url)
        .header("If-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let current = host.get("/api/v1/config").await;
    let res = host
        .client
        .post(&url)
        .header(
            "If-Match",
            format!("\"{}\"", current["revision"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let file = std::fs::read_to_string(data.join("config.yaml")).unwrap();
    assert!(
        file.contains("model_name: first") && file.contains("t0ken"),
        "{file}"
    );
    let list = host.get("/api/v1/config/history").await;
    assert_eq!(
        list["entries"].as_array().unwrap().len(),
        2,
        "the restore kept what it replaced"
    );
    let res = host
        .client
        .get(host.url("/api/v1/config/history/..%2Fadmin.token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "history_not_found");
    let _ = host.stop();
}

fn fastrand_ms(lo: u64, hi: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(lo ^ hi);
    lo + h.finish() % (hi - lo + 1)
}

/// Finding 5: a toggle while skills.yaml is unreadable fails with a clear error and changes
/// nothing, also for a skill that looks disabled; once the file is fixed, nothing was changed.
#[tokio::test]
async fn a_toggle_while_skills_yaml_is_broken_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let skill = data.join("skills/notes");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(skill.join("SKILL.md"), "---\nname: notes\n---\nbody\n").unwrap();
    std::fs::write(data.join("skills.yaml"), "enabled_skills:\n  notes: true\n").unwrap();
    let host = Host::start(data);
    let broken = "enabled_skills: [notes\n";
    std::fs::write(data.join("skills.yaml"), broken).unwrap();
    for verb in ["disable", "enable"] {
        let url = host.url(&format!("/api/v1/skills/notes/{verb}"));
        let res = host.client.post(url).send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        assert!(status >= 400, "{verb} answered {status}: {body}");
        assert_eq!(body["error"]["code"], "storage_error", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("skills.yaml"),
            "{body}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(data.join("skills.yaml")).unwrap(),
        broken
    );
    std::fs::write(data.join("skills.yaml"), "enabled_skills:\n  notes: true\n").unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await; // the skill index refreshes
    let notes = host.get("/api/v1/skills/notes").await;
    assert_eq!(
        notes["enabled"], true,
        "the failed disable changed nothing: {notes}"
    );
    let _ = host.stop();
}

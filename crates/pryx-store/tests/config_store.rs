//! `FileConfigStore` against real temporary directories.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use pryx_core_api::{Config, ConfigStore, CoreError, PortState, Revision, Value};
use pryx_store::{FileConfigStore, RevisionKey, default_config};

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn config(yaml: &str) -> Config {
    serde_yaml_ng::from_str(yaml).unwrap()
}

#[tokio::test]
async fn missing_file_gives_stable_defaults_and_the_first_write_is_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("fresh/.pryx");
    let key = RevisionKey::derive_from(b"install secret");
    let store = FileConfigStore::new(&data_dir).with_revision_key(key.clone());

    let first = store.load().await.unwrap();
    assert!(!first.persisted);
    assert_eq!(first.config, default_config(&data_dir));
    pryx_core_api::config::validate(&first.config).unwrap();
    assert_eq!(store.load().await.unwrap().revision, first.revision);
    assert_eq!(
        FileConfigStore::new(&data_dir)
            .with_revision_key(key)
            .load()
            .await
            .unwrap()
            .revision,
        first.revision,
        "the defaults' revision is the same after a restart"
    );
    assert!(!data_dir.exists(), "loading writes nothing");

    let mut changed = first.config.clone();
    changed
        .0
        .insert("model_name".into(), Value::from("qwen2.5"));
    let revision = store.save(&changed, &first.revision).await.unwrap();
    assert_ne!(revision, first.revision);

    let stored = store.load().await.unwrap();
    assert!(stored.persisted);
    assert_eq!(stored.revision, revision);
    assert_eq!(stored.config, changed);
    for key in first.config.0.keys() {
        assert!(
            stored.config.0.contains_key(key),
            "{key} missing from the file"
        );
    }
    assert_eq!(entries(&data_dir), ["config.yaml"]);
}

#[tokio::test]
async fn round_trip_keeps_every_kind_of_value() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileConfigStore::new(tmp.path());
    let doc = config(
        "listen_addr: '127.0.0.1:3000'\nflag: true\ncount: -7\nratio: 0.25\nnothing: null\n\
         quoted_number: '42'\nlist: [a, 1, false]\nnested: {b: {c: [x, {d: e}]}}\nempty_map: {}\n",
    );
    let defaults_rev = store.load().await.unwrap().revision;
    let rev = store.save(&doc, &defaults_rev).await.unwrap();
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.config, doc);
    assert_eq!(loaded.revision, rev);
    assert_eq!(loaded.config.0["quoted_number"], Value::from("42"));
}

#[tokio::test]
async fn stale_revision_is_a_conflict_naming_the_current_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileConfigStore::new(tmp.path());
    let start = store.load().await.unwrap();
    let current = store.save(&config("a: 1"), &start.revision).await.unwrap();
    let err = store
        .save(&config("a: 2"), &start.revision)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CoreError::ConfigConflict {
            expected: start.revision.clone(),
            current: current.clone()
        }
    );
    let bogus = Revision("not-a-revision".into());
    assert!(matches!(
        store.save(&config("a: 3"), &bogus).await,
        Err(CoreError::ConfigConflict { current: c, .. }) if c == current
    ));
    assert_eq!(store.load().await.unwrap().config, config("a: 1"));
    assert_eq!(store.health().status, PortState::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_saves_on_one_revision_exactly_one_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(FileConfigStore::new(tmp.path()));
    for round in 0..10 {
        let base = store.load().await.unwrap().revision;
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let store = Arc::clone(&store);
                let base = base.clone();
                tokio::spawn(async move {
                    store
                        .save(&config(&format!("round: {round}\nwriter: {i}")), &base)
                        .await
                })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => wins += 1,
                Err(CoreError::ConfigConflict { .. }) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(wins, 1, "round {round}");
    }
    assert_eq!(entries(tmp.path()), ["config.yaml", "history"]);
    // Each round's winner replaced the previous round's file; the first replaced no file.
    assert_eq!(store.history().await.unwrap().len(), 9);
}

#[tokio::test]
async fn unknown_keys_and_key_order_survive_a_write() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.yaml");
    fs::write(
        &path,
        "zeta: 1\nmodel_name: llama3\nfuture_block:\n  inner: [1, 2]\n  alpha: x\nalpha: last\n",
    )
    .unwrap();
    let store = FileConfigStore::new(tmp.path());
    let snap = store.load().await.unwrap();
    let mut doc = snap.config.clone();
    doc.0.insert("model_name".into(), Value::from("mistral"));
    store.save(&doc, &snap.revision).await.unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "zeta: 1\nmodel_name: mistral\nfuture_block:\n  inner:\n  - 1\n  - 2\n  alpha: x\nalpha: last\n"
    );
}

#[tokio::test]
async fn an_unreadable_file_fails_loads_and_is_never_overwritten() {
    for broken in [
        "model_name: [unclosed\n",
        "- a list\n- at the top\n",
        "plain text",
        "a: 1\n  b: 2\n",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config.yaml");
        fs::write(&path, broken).unwrap();
        let store = FileConfigStore::new(tmp.path());

        let err = store.load().await.unwrap_err();
        let CoreError::ConfigUnreadable { reason } = &err else {
            panic!("{broken:?}: {err:?}");
        };
        assert!(
            reason.contains("line") && reason.contains("column"),
            "{reason}"
        );
        assert!(reason.contains("config.yaml"), "{reason}");
        assert_eq!(store.health().status, PortState::Error);

        let revision = Revision(format!("{:x}", 0));
        let defaults = store.defaults().clone();
        for expected in [revision, store.defaults_revision().clone()] {
            let err = store.save(&defaults, &expected).await.unwrap_err();
            assert!(matches!(err, CoreError::ConfigUnreadable { .. }), "{err:?}");
        }
        assert_eq!(fs::read(&path).unwrap(), broken.as_bytes());
        assert_eq!(entries(tmp.path()), ["config.yaml"]);

        fs::write(&path, "fixed: true\n").unwrap();
        assert!(store.load().await.unwrap().persisted);
        assert_eq!(store.health().status, PortState::Ok);
    }
}

#[tokio::test]
async fn an_empty_file_is_a_persisted_empty_document() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("config.yaml"), "").unwrap();
    let snap = FileConfigStore::new(tmp.path()).load().await.unwrap();
    assert!(snap.persisted);
    assert_eq!(snap.config, Config::default());
}

#[tokio::test]
async fn an_external_edit_changes_the_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let key = RevisionKey::derive_from(b"install secret");
    let store = FileConfigStore::new(tmp.path()).with_revision_key(key.clone());
    let defaults = store.load().await.unwrap();
    let rev = store
        .save(&config("a: 1"), &defaults.revision)
        .await
        .unwrap();
    fs::write(tmp.path().join("config.yaml"), "a: 1\nb: 2\n").unwrap();
    let edited = store.load().await.unwrap();
    assert_ne!(edited.revision, rev);
    assert!(matches!(
        store.save(&config("a: 9"), &rev).await,
        Err(CoreError::ConfigConflict { .. })
    ));
    // Same bytes, same revision, also from a new instance with the same key; with another key
    // the same bytes give another revision (a revision reveals nothing about the content).
    let again = FileConfigStore::new(tmp.path())
        .with_revision_key(key)
        .load()
        .await
        .unwrap();
    assert_eq!(again.revision, edited.revision);
    let other = FileConfigStore::new(tmp.path()).load().await.unwrap();
    assert_ne!(other.revision, edited.revision);
}

#[cfg(unix)]
#[tokio::test]
async fn files_are_private_and_stricter_modes_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("new-data-dir");
    let store = FileConfigStore::new(&data_dir);
    let path = data_dir.join("config.yaml");

    let mut rev = store.load().await.unwrap().revision;
    rev = store.save(&config("a: 1"), &rev).await.unwrap();
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&path), 0o600);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
    rev = store.save(&config("a: 2"), &rev).await.unwrap();
    assert_eq!(mode(&path), 0o600, "a looser mode is tightened");

    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    store.save(&config("a: 3"), &rev).await.unwrap();
    assert_eq!(mode(&path), 0o400, "a stricter mode is kept");
    assert_eq!(entries(&data_dir), ["config.yaml", "history"]);
    let history = data_dir.join("history/config.yaml");
    assert_eq!(mode(&history), 0o700);
    for kept in entries(&history) {
        assert_eq!(
            mode(&history.join(kept)),
            0o600,
            "a kept version is private"
        );
    }
}

#[tokio::test]
async fn io_failures_are_storage_errors_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_dir = tmp.path().join("plain-file");
    fs::write(&not_a_dir, "x").unwrap();
    let store = FileConfigStore::new(&not_a_dir);
    let err = store.load().await.unwrap_err();
    let CoreError::Storage(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("plain-file"), "{message}");
    assert_eq!(store.health().status, PortState::Error);
    let err = store
        .save(&config("a: 1"), store.defaults_revision())
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::Storage(_)), "{err:?}");
    assert_eq!(entries(tmp.path()), ["plain-file"]);
}

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;

const MAX: u64 = 1 << 20;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn replace(
    path: &Path,
    bytes: &[u8],
    base: Option<&[u8]>,
    history: &History,
) -> Result<(), ReplaceError> {
    Replace {
        path,
        bytes,
        mode: 0o600,
        base,
        history,
        max_len: MAX,
    }
    .run()
}

fn kept(history: &History) -> Vec<Vec<u8>> {
    history
        .list()
        .unwrap()
        .iter()
        .map(|e| fs::read(history.entry_path(&e.id).unwrap()).unwrap())
        .collect()
}

#[test]
fn replaces_the_base_and_keeps_it_in_history() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.yaml");
    let history = History::for_file(&path, 10);
    replace(&path, b"one", None, &history).unwrap();
    assert!(kept(&history).is_empty());
    replace(&path, b"two", Some(b"one"), &history).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"two");
    assert_eq!(kept(&history), [b"one".to_vec()]);
    assert_eq!(names(tmp.path()), ["config.yaml", "history"]);
}

#[test]
fn a_file_changed_since_the_base_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.yaml");
    let history = History::for_file(&path, 10);
    fs::write(&path, b"edited by hand").unwrap();
    assert!(matches!(
        replace(&path, b"api", Some(b"old"), &history),
        Err(ReplaceError::Changed)
    ));
    assert!(matches!(
        replace(&path, b"api", None, &history),
        Err(ReplaceError::Changed)
    ));
    assert_eq!(fs::read(&path).unwrap(), b"edited by hand");
    // The hand edit is in place; no temporary file and no copy of ours is left anywhere.
    assert_eq!(
        names(tmp.path())
            .iter()
            .filter(|n| n.ends_with(".tmp"))
            .count(),
        0
    );
    assert!(!kept(&history).iter().any(|k| k == b"api"));
}

#[test]
fn an_editor_still_writing_into_the_old_file_writes_into_its_history_entry() {
    // A truncate-and-write editor has the file open; the host replaces it in between. What the
    // editor writes afterwards must not vanish with an unlinked inode.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.yaml");
    let history = History::for_file(&path, 10);
    fs::write(&path, b"a: 1\n").unwrap();
    let mut editor = fs::OpenOptions::new().write(true).open(&path).unwrap();
    replace(&path, b"api: 1\n", Some(b"a: 1\n"), &history).unwrap();
    editor.set_len(0).unwrap();
    editor.write_all(b"a: 1\nb: 2\nc: 3\n").unwrap();
    drop(editor);
    assert_eq!(fs::read(&path).unwrap(), b"api: 1\n");
    assert_eq!(kept(&history), [b"a: 1\nb: 2\nc: 3\n".to_vec()]);
}

#[test]
fn a_rename_style_edit_during_host_writes_is_never_lost() {
    // A person saves with a rename-style editor (vim) while the host writes in a loop: the
    // version the person saved is, every time, in the file or in the history.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.yaml");
    let history = History::for_file(&path, 100_000);
    fs::write(&path, b"v: start\n").unwrap();
    for round in 0..100 {
        let stop = Arc::new(AtomicBool::new(false));
        let host = {
            let (path, stop, history) = (path.clone(), Arc::clone(&stop), history.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let base = fs::read(&path).unwrap();
                    let _ = replace(
                        &path,
                        format!("api: {round}.{i}\n").as_bytes(),
                        Some(&base),
                        &history,
                    );
                }
            })
        };
        std::thread::sleep(std::time::Duration::from_micros(fastrand::u64(0..2000)));
        let mine = format!("person: {round}\n").into_bytes();
        let swap = tmp.path().join(".config.yaml.swp");
        fs::write(&swap, &mine).unwrap();
        fs::rename(&swap, &path).unwrap();
        std::thread::sleep(std::time::Duration::from_micros(fastrand::u64(0..500)));
        stop.store(true, Ordering::Relaxed);
        host.join().unwrap();
        let present = fs::read(&path).unwrap() == mine || kept(&history).contains(&mine);
        assert!(
            present,
            "round {round}: the person's save is neither in the file nor in history"
        );
    }
    assert_eq!(
        names(tmp.path())
            .iter()
            .filter(|n| n.ends_with(".tmp"))
            .count(),
        0
    );
}

#[test]
fn a_failed_swap_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("taken");
    fs::create_dir(&path).unwrap();
    fs::write(path.join("inside"), b"x").unwrap();
    let history = History::for_file(&tmp.path().join("taken"), 10);
    assert!(replace(&path, b"data", Some(b"x"), &history).is_err());
    assert_eq!(names(tmp.path()), ["taken"]);
}

//! A data dir another local user could have prepared is refused before anything in it is used
//! (issue "Hardening", finding 1). The two-uid cases need root to create files as another user;
//! elsewhere they are skipped with a message.

mod common;

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::Path;

/// The attacker's uid in the two-uid cases (`nobody`).
const ATTACKER: u32 = 65534;
/// A victim that is not root, for the case where the victim's host runs unprivileged.
const VICTIM: u32 = 65533;
const PLANTED_TOKEN: &str = "attacker-knows-this-token-0123456789abcdefghijklmnop";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Runs the host on `data` (as `uid` when given) and expects it to refuse: exit 2, nothing on
/// stdout (it never listened), a message naming `expect`. Returns stderr.
fn refused(data: &Path, uid: Option<u32>, expect: &str) -> String {
    let mut cmd = common::command(data);
    cmd.current_dir("/");
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout {:?} stderr {stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "it must not listen: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains(expect), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Plants what the attacker of the finding planted: a known token and `config.yaml` linked to
/// the victim's shell profile.
fn plant(data: &Path, victim_file: &Path) {
    std::fs::write(data.join("admin.token"), PLANTED_TOKEN).unwrap();
    std::os::unix::fs::symlink(victim_file, data.join("config.yaml")).unwrap();
}

#[test]
fn a_data_dir_others_can_write_is_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    chmod(&data, 0o777);
    let stderr = refused(&data, None, "chmod 700");
    assert!(stderr.contains("other users can write it"), "{stderr}");
    assert!(
        !data.join("admin.token").exists(),
        "nothing was written into it"
    );
}

#[test]
fn a_config_link_out_of_the_data_dir_is_refused_and_its_target_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let bashrc = home.path().join(".bashrc");
    std::fs::write(&bashrc, "# victim's profile\n").unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    chmod(&data, 0o700);
    std::os::unix::fs::symlink(&bashrc, data.join("config.yaml")).unwrap();
    refused(&data, None, "outside the data directory");
    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "# victim's profile\n"
    );
}

#[test]
fn a_token_file_others_can_write_is_never_adopted() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    chmod(&data, 0o700);
    std::fs::write(data.join("admin.token"), PLANTED_TOKEN).unwrap();
    chmod(&data.join("admin.token"), 0o666);
    refused(&data, None, "admin.token");
}

#[test]
fn two_uids_a_dir_prepared_by_another_user_is_refused() {
    if !is_root() {
        eprintln!(
            "skipped: creating files as another user needs root (run the test command as root)"
        );
        return;
    }
    // The finding end to end: the attacker (uid 65534) makes a 0777 dir with a known token and
    // config.yaml -> the victim's ~/.bashrc; the victim runs the host on it.
    let tmp = tempfile::tempdir().unwrap();
    chmod(tmp.path(), 0o755);
    let victim_home = tmp.path().join("victim");
    std::fs::create_dir(&victim_home).unwrap();
    let bashrc = victim_home.join(".bashrc");
    std::fs::write(&bashrc, "# victim's profile\n").unwrap();
    let data = tmp.path().join("shared");
    std::fs::create_dir(&data).unwrap();
    plant(&data, &bashrc);
    for path in [&data, &data.join("admin.token")] {
        chown(path, Some(ATTACKER), Some(ATTACKER)).unwrap();
    }
    chmod(&data, 0o777);
    chmod(&data.join("admin.token"), 0o644);

    // The victim as root.
    let stderr = refused(&data, None, &format!("owned by uid {ATTACKER}"));
    assert!(stderr.contains("--data-dir"), "{stderr}");

    // The victim as an unprivileged user of its own, with its own profile.
    chown(&victim_home, Some(VICTIM), Some(VICTIM)).unwrap();
    chown(&bashrc, Some(VICTIM), Some(VICTIM)).unwrap();
    refused(&data, Some(VICTIM), &format!("owned by uid {ATTACKER}"));

    // Even a dir the victim owns and nobody else can write, with the planted files still in it.
    chmod(&data, 0o755);
    chown(&data, Some(VICTIM), Some(VICTIM)).unwrap();
    refused(&data, Some(VICTIM), "outside the data directory");
    std::fs::remove_file(data.join("config.yaml")).unwrap();
    refused(
        &data,
        Some(VICTIM),
        &format!("admin.token: it is owned by uid {ATTACKER}"),
    );

    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "# victim's profile\n"
    );
    assert_eq!(
        std::fs::read_to_string(data.join("admin.token")).unwrap(),
        PLANTED_TOKEN
    );
}

//! The checks `pryx doctor` makes of the data directory (the checks that ask the host or the
//! machine are in [`super::doctor_probes`]), each giving its [`Finding`]s with the command that
//! fixes them and, where it is safe to do automatically, the [`Repair`] `--fix` applies.

use std::path::Path;

use crate::data_dir::{self, TOKEN_FILE};
use crate::process::{self, LOCK_FILE, PORT_FILE};

use super::doctor_findings::{Finding, Level, Repair};

/// The files in the data directory the host checks before trusting them.
pub const CHECKED_FILES: [&str; 5] = [
    "config.yaml",
    "skills.yaml",
    TOKEN_FILE,
    LOCK_FILE,
    PORT_FILE,
];
/// Shortest token the host accepts.
const MIN_TOKEN_LEN: usize = 32;

/// Ownership and modes of the directory and everything above it.
#[cfg(unix)]
pub fn data_dir(dir: &Path) -> Vec<Finding> {
    use std::os::unix::fs::MetadataExt;
    let name = "data_dir";
    let shown = dir.display();
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(_) => {
            return vec![
                Finding::new(name, Level::Warn, format!("{shown} does not exist yet"))
                    .fix("`pryx` creates it (mode 0700) when it starts the host"),
            ];
        }
    };
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(dir) {
            Ok(m) => m,
            Err(_) => {
                return vec![
                    Finding::new(name, Level::Problem, format!("{shown} is a broken link"))
                        .fix(format!("rm {shown}")),
                ];
            }
        }
    } else {
        meta
    };
    if !meta.is_dir() {
        return vec![
            Finding::new(name, Level::Problem, format!("{shown} is not a directory"))
                .fix("pass a directory with --data-dir"),
        ];
    }
    let mut found = Vec::new();
    let mode = meta.mode() & 0o7777;
    if meta.uid() != data_dir::current_uid() {
        found.push(
            Finding::new(
                name,
                Level::Problem,
                format!(
                    "{shown} is owned by uid {}, not by you: the host refuses it",
                    meta.uid()
                ),
            )
            .fix(format!("sudo chown -R $(id -u) {shown}")),
        );
    } else if mode & 0o022 != 0 {
        found.push(
            Finding::new(
                name,
                Level::Problem,
                format!(
                    "{shown} is writable by other users (mode {mode:04o}): the host refuses it"
                ),
            )
            .fix(format!("chmod 700 {shown}"))
            .repair(Repair::Chmod {
                path: dir.to_path_buf(),
                mode: 0o700,
            }),
        );
    } else if mode & 0o077 != 0 {
        found.push(
            Finding::new(
                name,
                Level::Warn,
                format!("{shown} can be read by other users (mode {mode:04o})"),
            )
            .fix(format!("chmod 700 {shown}"))
            .repair(Repair::Chmod {
                path: dir.to_path_buf(),
                mode: 0o700,
            }),
        );
    }
    if let Ok(real) = std::fs::canonicalize(dir) {
        for ancestor in real.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(ancestor) else {
                continue;
            };
            let owner_ok = meta.uid() == data_dir::current_uid() || meta.uid() == 0;
            let open = meta.mode() & 0o022 != 0 && meta.mode() & 0o1000 == 0;
            if !owner_ok || open {
                found.push(Finding::new(name, Level::Problem, format!(
                    "{} above the data directory is {} (mode {:04o}): another user could replace the data directory, so the host refuses it",
                    ancestor.display(),
                    if owner_ok { "writable by other users" } else { "owned by another user" },
                    meta.mode() & 0o7777)).fix("use a data directory inside your home directory (the default ~/.pryx)"));
                break;
            }
        }
    }
    if found.is_empty() {
        found.push(Finding::new(
            name,
            Level::Ok,
            format!("{shown} is yours, mode {mode:04o}"),
        ));
    }
    found
}

/// Ownership and modes of the files the host checks; the token's presence and strength.
#[cfg(unix)]
pub fn files(dir: &Path) -> Vec<Finding> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    for file in CHECKED_FILES {
        let path = dir.join(file);
        let shown = path.display();
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if link.file_type().is_symlink() {
            let inside = std::fs::canonicalize(&path)
                .ok()
                .zip(std::fs::canonicalize(dir).ok())
                .is_some_and(|(target, dir)| target.starts_with(dir));
            if !inside {
                found.push(
                    Finding::new(
                        "files",
                        Level::Problem,
                        format!("{shown} is a link out of the data directory: the host refuses it"),
                    )
                    .fix(format!(
                        "rm {shown} (or replace it with a copy of the file)"
                    )),
                );
                continue;
            }
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = meta.mode() & 0o7777;
        if !meta.is_file() {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!("{shown} is not a regular file"),
                )
                .fix(format!("rm -r {shown}")),
            );
        } else if meta.uid() != data_dir::current_uid() {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!("{shown} is owned by uid {}, not by you", meta.uid()),
                )
                .fix(format!("sudo chown $(id -u) {shown}")),
            );
        } else if mode & 0o022 != 0 {
            found.push(
                Finding::new(
                    "files",
                    Level::Problem,
                    format!(
                        "{shown} is writable by other users (mode {mode:04o}): the host refuses it"
                    ),
                )
                .fix(format!("chmod 600 {shown}"))
                .repair(Repair::Chmod {
                    path: path.clone(),
                    mode: 0o600,
                }),
            );
        } else if file == TOKEN_FILE && mode & 0o044 != 0 {
            found.push(
                Finding::new(
                    "token",
                    Level::Warn,
                    format!("{shown} can be read by other users (mode {mode:04o})"),
                )
                .fix(format!("chmod 600 {shown}"))
                .repair(Repair::Chmod {
                    path: path.clone(),
                    mode: 0o600,
                }),
            );
        }
    }
    if found.is_empty() {
        found.push(Finding::new(
            "files",
            Level::Ok,
            "the data directory's files are yours and not writable by others",
        ));
    }
    let token = dir.join(TOKEN_FILE);
    match data_dir::admin_token(dir) {
        Ok(None) => found.push(
            Finding::new(
                "token",
                Level::Warn,
                format!("no token in {} yet", token.display()),
            )
            .fix("`pryx` starts the host, which creates it"),
        ),
        Ok(Some(t)) if t.len() < MIN_TOKEN_LEN => found.push(
            Finding::new(
                "token",
                Level::Warn,
                format!(
                    "the token in {} is too short; the host replaces it at its next start",
                    token.display()
                ),
            )
            .fix("`pryx stop && pryx`"),
        ),
        Ok(Some(_)) => found.push(Finding::new("token", Level::Ok, "admin.token is present")),
        Err(why) => found.push(
            Finding::new("token", Level::Problem, why)
                .fix(format!("chmod 600 {}", token.display())),
        ),
    }
    found
}

/// Whether a host holds the lock; stale files of a crashed one.
pub fn lock(dir: &Path) -> Vec<Finding> {
    let record = process::read_lock(dir);
    let port_file = dir.join(PORT_FILE);
    match (record.pid, process::find(dir)) {
        (_, Some(host)) => vec![Finding::new(
            "lock",
            Level::Ok,
            format!(
                "a host runs for this data directory: pid {}, {}",
                host.pid, host.addr
            ),
        )],
        (Some(pid), None) if process::is_alive(pid) && process::is_pryx_host(pid) => vec![
            Finding::new(
                "lock",
                Level::Warn,
                format!("pryx-core pid {pid} holds the lock but has not announced its address"),
            )
            .fix("wait a moment; if it stays so: `pryx stop` then `pryx`"),
        ],
        (_, None) if port_file.exists() => vec![
            Finding::new(
                "lock",
                Level::Warn,
                format!(
                    "no host runs, but {} was left by one that crashed",
                    port_file.display()
                ),
            )
            .fix(format!("rm {}", port_file.display()))
            .repair(Repair::Remove { path: port_file }),
        ],
        _ => vec![Finding::new(
            "lock",
            Level::Ok,
            "no host runs for this data directory (no stale files)",
        )],
    }
}

#[cfg(not(unix))]
pub fn data_dir(_dir: &Path) -> Vec<Finding> {
    Vec::new()
}

#[cfg(not(unix))]
pub fn files(_dir: &Path) -> Vec<Finding> {
    Vec::new()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_world_writable_data_dir_and_file_are_problems_with_their_chmod() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let found = data_dir(&dir);
        assert_eq!(found[0].level, Level::Problem, "{found:?}");
        assert_eq!(
            found[0].fix.as_deref(),
            Some(format!("chmod 700 {}", dir.display()).as_str())
        );
        assert_eq!(
            found[0].repair,
            Some(Repair::Chmod {
                path: dir.clone(),
                mode: 0o700
            })
        );

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(data_dir(&dir)[0].level, Level::Ok);
        let config = dir.join("config.yaml");
        std::fs::write(&config, "{}").unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
        let found = files(&dir);
        assert_eq!(found[0].level, Level::Problem, "{found:?}");
        assert_eq!(
            found[0].repair,
            Some(Repair::Chmod {
                path: config,
                mode: 0o600
            })
        );
    }
}

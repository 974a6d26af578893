//! Putting a verified artifact in place: the binary out of a `.tar.gz` (or the artifact
//! itself), a trial run, then an atomic swap that keeps the previous binary as `<exe>.old`.
//!
//! Every step before the swap works on a temp file next to the binary, so a failure leaves
//! the installed binary untouched; the swap itself is one `rename` over it.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::UpdateError;

/// The path the previous binary is kept at: `<exe>.old`.
pub fn kept_path(exe: &Path) -> PathBuf {
    let mut name = exe.file_name().unwrap_or_default().to_os_string();
    name.push(".old");
    exe.with_file_name(name)
}

/// The new binary inside `artifact`: the artifact itself, or — when it is gzip — the regular
/// file of a tar archive named like the running binary. Unpacking stops at `max` bytes.
pub(crate) fn binary_from_artifact(
    artifact: &[u8],
    exe: &Path,
    max: u64,
) -> Result<Vec<u8>, UpdateError> {
    if !artifact.starts_with(&[0x1f, 0x8b]) {
        return Ok(artifact.to_vec());
    }
    let wanted = exe.file_name().unwrap_or_default();
    let bad = |e: std::io::Error| UpdateError::Install(format!("the .tar.gz cannot be read: {e}"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(artifact));
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let is_file = entry.header().entry_type().is_file();
        let path = entry.path().map_err(bad)?.into_owned();
        if !is_file || path.file_name() != Some(wanted) {
            continue;
        }
        let mut binary = Vec::new();
        entry.take(max + 1).read_to_end(&mut binary).map_err(bad)?;
        if binary.len() as u64 > max {
            return Err(UpdateError::Install(format!(
                "{} in the archive is larger than {max} bytes",
                path.display()
            )));
        }
        return Ok(binary);
    }
    Err(UpdateError::Install(format!(
        "the .tar.gz holds no file named {:?}",
        wanted.to_string_lossy()
    )))
}

/// Writes `binary` next to `exe`, runs it with `probe` (it must exit 0), then swaps it in,
/// keeping the previous binary at [`kept_path`]. Returns that path.
pub(crate) async fn install(
    exe: &Path,
    binary: Vec<u8>,
    probe: Option<(Vec<String>, Duration)>,
) -> Result<PathBuf, UpdateError> {
    let staged = {
        let exe = exe.to_path_buf();
        tokio::task::spawn_blocking(move || stage(&exe, &binary))
            .await
            .map_err(|e| UpdateError::Install(e.to_string()))??
    };
    if let Some((args, timeout)) = probe {
        trial_run(&staged, &args, timeout).await?;
    }
    let exe = exe.to_path_buf();
    tokio::task::spawn_blocking(move || swap(&exe, staged))
        .await
        .map_err(|e| UpdateError::Install(e.to_string()))?
}

/// The new binary in a temp file next to `exe`, closed, with `exe`'s permissions (made
/// executable). Removed when dropped unless swapped in.
fn stage(exe: &Path, binary: &[u8]) -> Result<tempfile::TempPath, UpdateError> {
    use std::io::Write as _;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let io = |what: &str, e: std::io::Error| {
        UpdateError::Install(format!("{what} in {}: {e}", dir.display()))
    };
    let current = std::fs::metadata(exe).map_err(|e| io("cannot read the running binary", e))?;
    let mut file = tempfile::Builder::new()
        .prefix(".pryx-update-")
        .tempfile_in(dir)
        .map_err(|e| io("cannot create a temp file", e))?;
    file.write_all(binary)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| io("cannot write the new binary", e))?;
    let mut permissions = current.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        permissions.set_mode((permissions.mode() | 0o500) & 0o1755);
    }
    std::fs::set_permissions(file.path(), permissions)
        .map_err(|e| io("cannot make the new binary executable", e))?;
    // Closed before it is run: Linux refuses to execute a file open for writing.
    Ok(file.into_temp_path())
}

/// Runs the staged binary once; it must exit 0 in time. A wrong-architecture or broken binary
/// is refused here, before the swap.
async fn trial_run(staged: &Path, args: &[String], timeout: Duration) -> Result<(), UpdateError> {
    let mut attempts = 0;
    let output = loop {
        let run = tokio::process::Command::new(staged)
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        match tokio::time::timeout(timeout, run).await {
            Err(_) => {
                return Err(UpdateError::Install(format!(
                    "the new binary did not exit within {} s when run with {args:?}",
                    timeout.as_secs()
                )));
            }
            // A fork elsewhere in this process may briefly hold the staged file's write handle.
            Ok(Err(e)) if e.raw_os_error() == Some(26) && attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Ok(Err(e)) => {
                return Err(UpdateError::Install(format!(
                    "the new binary cannot be run: {e}"
                )));
            }
            Ok(Ok(output)) => break output,
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: String = stderr.chars().take(300).collect();
        return Err(UpdateError::Install(format!(
            "the new binary failed when run with {args:?} ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    Ok(())
}

/// The swap. Unix: link the current binary to a pending name, rename the new one over it (the
/// one step that changes what `exe` is, atomic), then name the pending link `<exe>.old`.
/// Windows (a running binary cannot be replaced, only renamed): rename it to `<exe>.old`, then
/// the new one into place, renaming it back if that fails.
fn swap(exe: &Path, staged: tempfile::TempPath) -> Result<PathBuf, UpdateError> {
    let kept = kept_path(exe);
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        UpdateError::Install(format!("{what}: {e}; the installed binary is unchanged"))
    };
    #[cfg(unix)]
    {
        let mut pending_name = std::ffi::OsString::from(".");
        pending_name.push(kept.file_name().unwrap_or_default());
        pending_name.push(".pending");
        let pending = exe.with_file_name(pending_name);
        let _ = std::fs::remove_file(&pending);
        if std::fs::hard_link(exe, &pending).is_err() {
            std::fs::copy(exe, &pending)
                .map_err(|e| fail("cannot keep a copy of the running binary", &e))?;
        }
        if let Err(e) = staged.persist(exe) {
            let _ = std::fs::remove_file(&pending);
            return Err(fail("cannot move the new binary into place", &e.error));
        }
        if let Err(e) = std::fs::rename(&pending, &kept) {
            tracing::warn!(error = %e, "the update is installed but the previous binary could not be named {}", kept.display());
        }
    }
    #[cfg(not(unix))]
    {
        let _ = std::fs::remove_file(&kept);
        std::fs::rename(exe, &kept)
            .map_err(|e| fail("cannot move the running binary aside", &e))?;
        if let Err(e) = staged.persist(exe) {
            let _ = std::fs::rename(&kept, exe);
            return Err(fail("cannot move the new binary into place", &e.error));
        }
    }
    if let Some(dir) = exe.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o755);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn the_binary_is_taken_by_name_from_an_archive() {
        let archive = tar_gz(&[("README", b"r"), ("pryx-1.2.0/pryx-core", b"new")]);
        let binary = binary_from_artifact(&archive, Path::new("/opt/pryx-core"), 100).unwrap();
        assert_eq!(binary, b"new");
    }

    #[test]
    fn an_archive_without_the_binary_or_with_a_huge_one_is_refused() {
        let archive = tar_gz(&[("Pryx.AppImage", b"x")]);
        assert!(binary_from_artifact(&archive, Path::new("/opt/pryx-core"), 100).is_err());
        let archive = tar_gz(&[("pryx-core", &[0u8; 200])]);
        let err = binary_from_artifact(&archive, Path::new("/opt/pryx-core"), 100).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn a_bare_artifact_is_the_binary() {
        assert_eq!(
            binary_from_artifact(b"\x7fELF..", Path::new("/x/pryx-core"), 100).unwrap(),
            b"\x7fELF.."
        );
    }
}

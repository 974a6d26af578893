//! Reading a file the host did not write itself: bounded in size, regular files only.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::error::StoreError;

/// The largest `config.yaml` or `skills.yaml` the host reads (4 MiB; a real one is a few KiB).
pub const MAX_DOCUMENT_LEN: u64 = 4 * 1024 * 1024;

/// Reads the whole file at `path` (following a symbolic link) when it is a regular file of at
/// most `max_len` bytes. A FIFO, a device (`/dev/zero`) or a directory is refused before it is
/// opened for reading, so a read never blocks or grows without bound.
pub(crate) fn read_capped(path: &Path, max_len: u64) -> Result<Vec<u8>, StoreError> {
    let meta = fs::metadata(path).map_err(|e| StoreError::io("read", path, e))?;
    if !meta.is_file() {
        return Err(StoreError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > max_len {
        return Err(StoreError::TooLarge {
            path: path.to_path_buf(),
            max_len,
        });
    }
    let file = fs::File::open(path).map_err(|e| StoreError::io("read", path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_len + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read", path, e))?;
    if bytes.len() as u64 > max_len {
        return Err(StoreError::TooLarge {
            path: path.to_path_buf(),
            max_len,
        });
    }
    Ok(bytes)
}

/// Like [`read_capped`], with a missing file as `None`.
pub(crate) fn read_optional(path: &Path, max_len: u64) -> Result<Option<Vec<u8>>, StoreError> {
    match read_capped(path, max_len) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_devices_and_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        fs::write(&big, vec![b'a'; 11]).unwrap();
        assert!(matches!(
            read_capped(&big, 10),
            Err(StoreError::TooLarge { .. })
        ));
        assert_eq!(read_capped(&big, 11).unwrap().len(), 11);
        assert!(matches!(
            read_capped(dir.path(), 10),
            Err(StoreError::NotAFile { .. })
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let err = read_capped(&link, 10).unwrap_err();
            assert!(matches!(err, StoreError::NotAFile { .. }), "{err}");
        }
        assert!(
            read_optional(&dir.path().join("missing"), 10)
                .unwrap()
                .is_none()
        );
    }
}

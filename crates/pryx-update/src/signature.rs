//! Signatures in Tauri's format, verified with `minisign-verify`.
//!
//! Tauri's signer (`tauri signer sign`) writes a minisign signature file and publishes it
//! base64-encoded; its public keys are the base64 of a minisign public key file. Both are
//! accepted that way, and also in minisign's own text form, so a key pasted from either tool
//! works. The trusted comment (covered by the signature) must name the announced version.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use minisign_verify::{PublicKey, Signature};

use crate::error::UpdateError;

/// A public key the updater trusts, with its key id for messages.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    key: PublicKey,
    key_id: String,
}

impl TrustedKey {
    /// Reads a key given as Tauri writes it (base64 of a `.pub` file), as a minisign `.pub`
    /// file's text, or as the bare key line (`RW...`).
    pub fn parse(text: &str) -> Result<Self, UpdateError> {
        let text = text.trim();
        let file = decode_file(text).unwrap_or_else(|| text.to_owned());
        let key_line = match file.lines().count() {
            1 => file.trim().to_owned(),
            _ => file.lines().nth(1).unwrap_or_default().trim().to_owned(),
        };
        let key = PublicKey::from_base64(&key_line)
            .map_err(|e| UpdateError::BadPublicKey(e.to_string()))?;
        let key_id = key_id_of(&key_line, 2).unwrap_or_else(|| "?".into());
        Ok(Self { key, key_id })
    }

    /// The key id, as minisign prints it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Checks that `signature` (Tauri's base64 of a `.sig` file, or the file's text) is this
    /// key's signature of `bytes` and that its trusted comment names `version`.
    pub fn verify(
        &self,
        bytes: &[u8],
        signature: &str,
        version: &semver::Version,
    ) -> Result<(), UpdateError> {
        let text = signature.trim();
        let file = decode_file(text).unwrap_or_else(|| text.to_owned());
        let sig = Signature::decode(&file).map_err(|e| {
            UpdateError::Signature(format!(
                "the manifest's signature is not a minisign signature ({e}); it must be the contents of the .sig file `tauri signer sign` wrote"
            ))
        })?;
        let sig_key_id = file
            .lines()
            .nth(1)
            .and_then(|l| key_id_of(l.trim(), 2))
            .unwrap_or_else(|| "?".into());
        self.key.verify(bytes, &sig, true).map_err(|e| match e {
            minisign_verify::Error::UnexpectedKeyId => UpdateError::Signature(format!(
                "signed with key {sig_key_id}, but the trusted key is {} (was the signing key regenerated?)",
                self.key_id
            )),
            minisign_verify::Error::InvalidSignature => UpdateError::Signature(
                "the downloaded bytes do not match the signature (tampered or truncated)".into(),
            ),
            other => UpdateError::Signature(other.to_string()),
        })?;
        check_signed_version(sig.trusted_comment(), version)
    }
}

/// The text of a file given base64-encoded, when `text` is that.
fn decode_file(text: &str) -> Option<String> {
    if text.contains('\n') {
        return None;
    }
    let bytes = STANDARD.decode(text.as_bytes()).ok()?;
    let file = String::from_utf8(bytes).ok()?;
    file.starts_with("untrusted comment:").then_some(file)
}

/// Minisign's key id (bytes `offset..offset+8` of the decoded line), printed as it prints it.
fn key_id_of(line: &str, offset: usize) -> Option<String> {
    let bytes = STANDARD.decode(line.as_bytes()).ok()?;
    let id: [u8; 8] = bytes.get(offset..offset + 8)?.try_into().ok()?;
    Some(format!("{:016X}", u64::from_le_bytes(id)))
}

/// The trusted comment must vouch for `version`: either a `version:<v>` field (minisign
/// `-t "version:1.2.0"`), or a `file:<name>` field (what `tauri signer sign` writes) whose
/// name holds the version between separators (`pryx-core_1.2.0_linux-x86_64.tar.gz`).
pub(crate) fn check_signed_version(
    trusted_comment: &str,
    version: &semver::Version,
) -> Result<(), UpdateError> {
    let fields: Vec<(&str, &str)> = trusted_comment
        .split('\t')
        .filter_map(|f| f.trim().split_once(':'))
        .collect();
    let mismatch = |signed: String| UpdateError::VersionMismatch {
        announced: version.to_string(),
        signed,
    };
    if let Some((_, v)) = fields.iter().find(|(k, _)| *k == "version") {
        let v = v.split_whitespace().next().unwrap_or_default();
        return match parse_version(v) {
            Some(signed) if signed == *version => Ok(()),
            _ => Err(mismatch(v.to_owned())),
        };
    }
    if let Some((_, file)) = fields.iter().find(|(k, _)| *k == "file") {
        return if file_names_version(file, &version.to_string()) {
            Ok(())
        } else {
            Err(mismatch(format!("file {file}")))
        };
    }
    Err(mismatch(format!(
        "no version in the trusted comment {trusted_comment:?}"
    )))
}

/// Parses a version as manifests write it (a leading `v` allowed).
pub(crate) fn parse_version(text: &str) -> Option<semver::Version> {
    semver::Version::parse(text.trim().trim_start_matches('v')).ok()
}

/// Whether `version` appears in `file` as a whole: after the start, `_`, `-` or `v`, and
/// before the end, `_`, or a `.` that does not start another number.
fn file_names_version(file: &str, version: &str) -> bool {
    let bytes = file.as_bytes();
    file.match_indices(version).any(|(at, _)| {
        let before_ok = at == 0 || matches!(bytes[at - 1], b'_' | b'-' | b'v');
        let end = at + version.len();
        let after_ok = match bytes.get(end) {
            None | Some(b'_') => true,
            Some(b'.') => !bytes.get(end + 1).is_some_and(u8::is_ascii_digit),
            _ => false,
        };
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> semver::Version {
        semver::Version::parse(s).unwrap()
    }

    #[test]
    fn a_version_field_must_equal_the_announced_version() {
        assert!(check_signed_version("timestamp:1\tversion:1.2.0", &v("1.2.0")).is_ok());
        assert!(check_signed_version("version:v1.2.0", &v("1.2.0")).is_ok());
        let err = check_signed_version("timestamp:1\tversion:1.1.0", &v("1.2.0")).unwrap_err();
        assert!(
            matches!(err, UpdateError::VersionMismatch { ref signed, .. } if signed == "1.1.0")
        );
    }

    #[test]
    fn a_tauri_file_field_must_hold_the_version_whole() {
        let ok = [
            "pryx-core_1.2.0_linux-x86_64.tar.gz",
            "pryx-core-v1.2.0.tar.gz",
            "1.2.0",
            "x_1.2.0",
        ];
        for file in ok {
            assert!(
                check_signed_version(&format!("timestamp:1\tfile:{file}"), &v("1.2.0")).is_ok(),
                "{file}"
            );
        }
        let wrong = [
            "pryx-core_1.1.0_linux.tar.gz",
            "pryx_11.2.0_x",
            "pryx_1.2.0.1_x",
            "pryx_1.2.0-beta_x",
            "pryx-core",
        ];
        for file in wrong {
            assert!(
                check_signed_version(&format!("timestamp:1\tfile:{file}"), &v("1.2.0")).is_err(),
                "{file}"
            );
        }
    }

    #[test]
    fn a_comment_without_a_version_is_refused() {
        assert!(check_signed_version("timestamp:1700000000", &v("1.2.0")).is_err());
    }

    #[test]
    fn a_key_in_no_known_format_says_how_to_give_one() {
        let err = TrustedKey::parse("not a key").unwrap_err();
        assert!(err.to_string().contains("tauri signer generate"), "{err}");
    }
}

//! Tauri's update manifests: a static JSON listing every platform, or what a dynamic endpoint
//! answers for one platform.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Platform;
use crate::error::UpdateError;
use crate::signature::parse_version;

/// The release an endpoint announces for this platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The announced version.
    pub version: semver::Version,
    /// Release notes, as announced.
    pub notes: Option<String>,
    /// Publication date, as announced.
    pub pub_date: Option<String>,
    /// Where the artifact is.
    pub url: String,
    /// Its signature (Tauri's base64 of a minisign `.sig` file).
    pub signature: String,
}

#[derive(Deserialize)]
struct RawManifest {
    version: String,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    pub_date: Option<String>,
    /// A static manifest.
    #[serde(default)]
    platforms: Option<BTreeMap<String, Entry>>,
    /// A dynamic answer: the one entry, inline.
    #[serde(flatten)]
    inline: Option<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    url: String,
    signature: String,
}

/// Reads a manifest body. A malformed one is the endpoint's fault
/// ([`UpdateError::Unavailable`] for the caller to try the next); a well-formed one without this
/// platform is final ([`UpdateError::PlatformMissing`]).
pub(crate) fn parse(
    body: &[u8],
    platform: &Platform,
) -> Result<Result<Release, UpdateError>, String> {
    let raw: RawManifest =
        serde_json::from_slice(body).map_err(|e| format!("the manifest is not valid: {e}"))?;
    let version = parse_version(&raw.version).ok_or_else(|| {
        format!(
            "the manifest's version {:?} is not a semantic version",
            raw.version
        )
    })?;
    let entry = match (raw.platforms, raw.inline) {
        (Some(mut platforms), _) => {
            let keys = platform.manifest_keys();
            match keys.iter().find_map(|k| platforms.remove(k)) {
                Some(entry) => entry,
                None => return Ok(Err(UpdateError::PlatformMissing(keys))),
            }
        }
        (None, Some(entry)) => entry,
        (None, None) => {
            return Err("the manifest has neither `platforms` nor `url` and `signature`".into());
        }
    };
    Ok(Ok(Release {
        version,
        notes: raw.notes,
        pub_date: raw.pub_date,
        url: entry.url,
        signature: entry.signature,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> Platform {
        Platform {
            target: "linux".into(),
            arch: "x86_64".into(),
            bundle_type: "bin".into(),
        }
    }

    #[test]
    fn a_static_manifest_prefers_the_bundle_specific_key() {
        let body = br#"{"version":"v1.2.0","notes":"n","platforms":{
            "linux-x86_64":{"url":"https://x/general","signature":"s1"},
            "linux-x86_64-bin":{"url":"https://x/bin","signature":"s2"},
            "darwin-aarch64":{"url":"https://x/mac","signature":"s3"}}}"#;
        let release = parse(body, &linux()).unwrap().unwrap();
        assert_eq!(release.version, semver::Version::new(1, 2, 0));
        assert_eq!(release.url, "https://x/bin");
        assert_eq!(release.notes.as_deref(), Some("n"));
    }

    #[test]
    fn a_dynamic_answer_is_one_inline_entry() {
        let body = br#"{"version":"1.3.0","pub_date":"2026-11-01T00:00:00Z","url":"https://x/a","signature":"s"}"#;
        let release = parse(body, &linux()).unwrap().unwrap();
        assert_eq!(release.url, "https://x/a");
        assert_eq!(release.pub_date.as_deref(), Some("2026-11-01T00:00:00Z"));
    }

    #[test]
    fn a_missing_platform_is_final_and_names_the_keys() {
        let body =
            br#"{"version":"1.2.0","platforms":{"windows-x86_64":{"url":"u","signature":"s"}}}"#;
        let err = parse(body, &linux()).unwrap().unwrap_err();
        assert_eq!(err.to_string(), "linux-x86_64-bin or linux-x86_64");
    }

    #[test]
    fn malformed_manifests_are_the_endpoints_fault() {
        assert!(parse(b"<html>", &linux()).is_err());
        assert!(
            parse(
                br#"{"version":"latest","url":"u","signature":"s"}"#,
                &linux()
            )
            .is_err()
        );
        assert!(parse(br#"{"version":"1.0.0"}"#, &linux()).is_err());
    }
}

//! The config document of a fresh install, and how config documents become bytes and back.

use std::path::Path;

use hmac::{Hmac, Mac};
use pryx_core_api::{Config, CoreError, Revision, Value};
use sha2::Sha256;

/// The embedded default document; `{data_dir}` marks paths inside the data directory.
const TEMPLATE: &str = include_str!("defaults.yaml");
const DATA_DIR_MARK: &str = "{data_dir}";
/// Hex characters kept of the HMAC-SHA-256 of a file in a [`Revision`] (128 bits).
const REVISION_HEX_LEN: usize = 32;

/// The complete config document the runtime should get when no `config.yaml` exists yet,
/// with its paths (database, skills, cache) placed inside `data_dir`.
///
/// Complete matters: when `config.yaml` exists the runtime takes it *instead of* its own
/// defaults, so a first write must carry every key. The listen address is loopback-only. The
/// document passes [`pryx_core_api::config::validate`].
pub fn default_config(data_dir: &Path) -> Config {
    // The template is part of this crate and checked by its tests, so it always parses.
    let mut config: Config =
        serde_yaml_ng::from_str(TEMPLATE).expect("the embedded defaults.yaml is a YAML map");
    for value in config.0.values_mut() {
        place_in(value, data_dir);
    }
    config
}

fn place_in(value: &mut Value, data_dir: &Path) {
    match value {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(DATA_DIR_MARK) {
                let rest = rest.trim_start_matches(['/', '\\']);
                let path = if rest.is_empty() {
                    data_dir.to_path_buf()
                } else {
                    data_dir.join(rest)
                };
                *s = path.to_string_lossy().into_owned();
            }
        }
        Value::List(items) => items.iter_mut().for_each(|v| place_in(v, data_dir)),
        Value::Map(map) => map.values_mut().for_each(|v| place_in(v, data_dir)),
        _ => {}
    }
}

/// The secret that keys revisions, so a revision (an ETag, a `config.changed` payload) reveals
/// nothing about the file: without the key, a guess at the content cannot be checked against it.
#[derive(Clone)]
pub struct RevisionKey([u8; 32]);

impl RevisionKey {
    /// A fresh random key: revisions are then stable for as long as this key is used.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS generator: still unpredictable enough to hide content from an offline guess.
            for chunk in key.chunks_mut(8) {
                chunk.copy_from_slice(&fastrand::u64(..).to_le_bytes());
            }
        }
        Self(key)
    }

    /// A key derived from a secret the caller keeps (e.g. the admin token), so revisions stay
    /// the same across restarts of the same install.
    pub fn derive_from(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"pryx config revision v1");
        Self(mac.finalize().into_bytes().into())
    }
}

impl std::fmt::Debug for RevisionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevisionKey(<secret>)")
    }
}

/// The revision of a stored file: the start of the hex HMAC-SHA-256 of its bytes under `key`.
pub(crate) fn revision_of(key: &RevisionKey, bytes: &[u8]) -> Revision {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes any key length");
    mac.update(bytes);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(REVISION_HEX_LEN);
    for byte in digest.iter().take(REVISION_HEX_LEN / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    Revision(hex)
}

/// Renders a config document as the YAML the runtime reads.
pub(crate) fn render(config: &Config) -> Result<Vec<u8>, CoreError> {
    serde_yaml_ng::to_string(config)
        .map(String::into_bytes)
        .map_err(|e| CoreError::Internal(format!("cannot render the config as YAML: {e}")))
}

/// Parses the bytes of a config file. An empty document (no content, only comments, or a bare
/// `null`) is an empty map; anything but a map at the top level is an error whose text names
/// the line and column.
pub(crate) fn parse(bytes: &[u8]) -> Result<Config, String> {
    match serde_yaml_ng::from_slice::<Option<Config>>(bytes) {
        Ok(config) => Ok(config.unwrap_or_default()),
        Err(e) => {
            let text = e.to_string();
            match e.location() {
                Some(loc) if !text.contains(" line ") => Err(format!(
                    "{text} (at line {} column {})",
                    loc.line(),
                    loc.column()
                )),
                Some(_) => Err(text),
                None => Err(format!("{text} (at line 1 column 1)")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_complete_and_placed_in_the_data_dir() {
        let config = default_config(Path::new("/data/pryx"));
        pryx_core_api::config::validate(&config).unwrap();
        let text = |k: &str| config.0.get(k).and_then(Value::as_str).unwrap().to_owned();
        assert_eq!(text("database_path"), "/data/pryx/pryx.db");
        assert_eq!(text("skills_path"), "/data/pryx/skills");
        assert_eq!(text("cache_path"), "/data/pryx/cache");
        assert!(text("listen_addr").starts_with("127.0.0.1:"));
        for key in [
            "cloud_api_url",
            "model_provider",
            "model_name",
            "ollama_endpoint",
            "configured_providers",
            "memory_enabled",
            "allowed_origins",
            "websocket_allowed_origins",
            "max_websocket_connections",
            "max_websocket_message_size",
            "websocket_rate_limit_per_minute",
            "telegram_token",
            "slack_bot_token",
        ] {
            assert!(config.0.contains_key(key), "missing default {key}");
        }
    }

    #[test]
    fn rendered_defaults_parse_back_to_themselves() {
        let config = default_config(Path::new("/tmp/x y/'quoted'"));
        let bytes = render(&config).unwrap();
        assert_eq!(parse(&bytes).unwrap(), config);
    }

    #[test]
    fn empty_documents_are_empty_maps_and_other_tops_are_errors_with_a_location() {
        for empty in ["", "   \n", "# only a comment\n", "null\n", "~"] {
            assert_eq!(parse(empty.as_bytes()).unwrap(), Config::default());
        }
        for bad in [
            "- a\n- b\n",
            "just text",
            "42",
            "a: [1, 2\n",
            "a: 1\n b: 2\n",
        ] {
            let reason = parse(bad.as_bytes()).unwrap_err();
            assert!(reason.contains("line"), "{bad:?} gave {reason:?}");
            assert!(reason.contains("column"), "{bad:?} gave {reason:?}");
        }
    }

    #[test]
    fn revisions_are_stable_hex_and_content_addressed() {
        let key = RevisionKey::derive_from(b"secret");
        assert_eq!(revision_of(&key, b"a"), revision_of(&key, b"a"));
        assert_ne!(revision_of(&key, b"a"), revision_of(&key, b"b"));
        assert_eq!(revision_of(&key, b"a").0.len(), REVISION_HEX_LEN);
        assert!(
            revision_of(&key, b"a")
                .0
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        );
    }

    #[test]
    fn a_revision_reveals_nothing_without_the_key() {
        // Finding: the revision was an unkeyed SHA-256 of the file, so a short secret could be
        // recovered offline by hashing guesses. Under a key, the same bytes give unrelated
        // revisions, and the unkeyed hash of the file never appears.
        use sha2::Digest;
        let file = b"telegram_token: '4821'\n";
        let a = revision_of(&RevisionKey::random(), file);
        let b = revision_of(&RevisionKey::random(), file);
        assert_ne!(a, b);
        let unkeyed: String = Sha256::digest(file)
            .iter()
            .take(REVISION_HEX_LEN / 2)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(a.0, unkeyed);
        assert_eq!(
            revision_of(&RevisionKey::derive_from(b"t"), file),
            revision_of(&RevisionKey::derive_from(b"t"), file)
        );
    }
}

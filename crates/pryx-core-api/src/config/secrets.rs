//! Secret redaction: what a client reads never holds a secret, and what it writes back with the
//! redaction marker in place of a secret keeps the stored secret.

use super::secret_values::{contains_secret, scrub};
use super::{Config, FieldError};
use crate::value::Value;

/// The marker that replaces a secret value in everything the host hands out.
pub const REDACTED: &str = "<redacted>";

/// Words that make a key a secret wherever they stand in it (`bot_token`, `token_url`,
/// `client_secret`, `db_password_file`).
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "pwd",
    "credential",
    "credentials",
    "apikey",
    "apikeys",
    "privatekey",
    "accesskey",
    "secretkey",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "bearer",
];

/// Words that make a key a secret when they are its last word (`openai_key`, `auth`,
/// `proxy_authorization`, `url_signature`).
const SECRET_LAST_WORDS: &[&str] = &[
    "key",
    "keys",
    "auth",
    "authorization",
    "cookie",
    "cookies",
    "signature",
];

/// Words before a final `key` that make it something other than a secret (`public_key`,
/// `sort_key`).
const HARMLESS_KEY_KINDS: &[&str] = &[
    "public",
    "primary",
    "foreign",
    "sort",
    "partition",
    "hot",
    "shortcut",
    "cache",
];

/// Whether a key names a secret. Words split on `_`, `-`, `.` and camelCase; trailing numbers
/// are ignored (`openai_key_2`). A key is a secret when
/// - any word is one of `token`, `secret(s)`, `password(s)`, `passwd`, `passphrase`, `pwd`,
///   `credential(s)`, `bearer`, `apikey`, `privatekey`, `accesskey`, ... (so `bot_token`,
///   `OPENAI_API_KEY`, `apiKey` are secrets while `max_tokens` is not);
/// - its last word is `key(s)` (unless it is a `public_key`, `sort_key`, ...), `auth`,
///   `authorization`, `cookie(s)` or `signature` (`openai_key`, `providers.openai.key`, `auth`);
/// - a `key` follows `api`, `private`, `access` or `secret` anywhere (`api_key_id`);
/// - it names a webhook URL (`webhook`, `webhook_url`, `slack_webhook_url`): the URL is the
///   credential.
pub fn is_secret_key(key: &str) -> bool {
    let mut words = split_words(key);
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        words.pop();
    }
    let Some(last) = words.last() else {
        return false;
    };
    let anywhere = words.iter().enumerate().any(|(i, w)| {
        SECRET_WORDS.contains(&w.as_str())
            || (w == "key"
                && i > 0
                && matches!(
                    words[i - 1].as_str(),
                    "api" | "private" | "access" | "secret"
                ))
    });
    let harmless_key = matches!(last.as_str(), "key" | "keys")
        && words.len() > 1
        && HARMLESS_KEY_KINDS.contains(&words[words.len() - 2].as_str());
    let last_word = SECRET_LAST_WORDS.contains(&last.as_str()) && !harmless_key;
    let webhook = words.iter().any(|w| w == "webhook" || w == "webhooks")
        && matches!(last.as_str(), "webhook" | "webhooks" | "url" | "urls");
    anywhere || last_word || webhook
}

fn split_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Returns a copy of `config` with every secret replaced by [`REDACTED`], and the dotted paths
/// that were replaced. A value is a secret when its key (or a key above it) names one (see
/// [`is_secret_key`]), or when it is text holding a credential anywhere (see
/// [`contains_secret`]); such text is replaced whole, so writing the marker back restores it.
/// Empty and null secrets are left as they are (they show "not set"), and so are booleans
/// (`requires_api_key: true` says nothing secret).
pub fn redact(config: &Config) -> (Config, Vec<String>) {
    let mut out = config.clone();
    let mut paths = Vec::new();
    for (key, value) in out.0.iter_mut() {
        redact_value(value, key, is_secret_key(key), &mut paths);
    }
    (out, paths)
}

fn redact_value(value: &mut Value, path: &str, secret: bool, paths: &mut Vec<String>) {
    match value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                let child_path = format!("{path}.{key}");
                redact_value(child, &child_path, secret || is_secret_key(key), paths);
            }
        }
        Value::List(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                redact_value(child, &format!("{path}.{i}"), secret, paths);
            }
        }
        Value::Null | Value::Bool(_) => {}
        Value::String(s) if s.is_empty() || s == REDACTED => {}
        Value::String(s) if secret || contains_secret(s) => {
            *value = Value::String(REDACTED.to_owned());
            paths.push(path.to_owned());
        }
        Value::Int(_) | Value::Float(_) if secret => {
            *value = Value::String(REDACTED.to_owned());
            paths.push(path.to_owned());
        }
        _ => {}
    }
}

/// Redacts data that leaves the host and is never written back: a runtime's answer, an event
/// payload. The same rule as [`redact`]: values under secret keys become [`REDACTED`]; in any
/// other text only the words holding a credential are replaced, so a chat message stays
/// readable. Returns how many values were changed.
pub fn redact_outbound(value: &mut Value) -> usize {
    redact_outbound_value(value, false)
}

fn redact_outbound_value(value: &mut Value, secret: bool) -> usize {
    match value {
        Value::Map(map) => map
            .iter_mut()
            .map(|(key, child)| redact_outbound_value(child, secret || is_secret_key(key)))
            .sum(),
        Value::List(items) => items
            .iter_mut()
            .map(|child| redact_outbound_value(child, secret))
            .sum(),
        Value::Null | Value::Bool(_) => 0,
        Value::String(s) if s.is_empty() || s == REDACTED => 0,
        Value::String(_) | Value::Int(_) | Value::Float(_) if secret => {
            *value = Value::String(REDACTED.to_owned());
            1
        }
        Value::String(s) => match scrub(s, REDACTED) {
            Some(clean) => {
                *s = clean;
                1
            }
            None => 0,
        },
        Value::Int(_) | Value::Float(_) => 0,
    }
}

/// Puts the stored secret back wherever `incoming` holds [`REDACTED`]. A marker with no stored
/// value at the same path is an error: the client cannot know the secret it claims to keep.
pub fn restore_secrets(incoming: &mut Config, stored: &Config) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (key, value) in incoming.0.iter_mut() {
        restore_value(value, stored.0.get(key), key, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn restore_value(
    value: &mut Value,
    stored: Option<&Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    match value {
        Value::String(s) if s == REDACTED => match stored {
            Some(original) if !matches!(original, Value::Null) => *value = original.clone(),
            _ => errors.push(FieldError::new(
                path,
                "holds the redaction marker but no secret is stored here; send the real value or leave the key out",
            )),
        },
        Value::Map(map) => {
            let stored_map = stored.and_then(Value::as_map);
            for (key, child) in map.iter_mut() {
                let child_stored = stored_map.and_then(|m| m.get(key));
                restore_value(child, child_stored, &format!("{path}.{key}"), errors);
            }
        }
        Value::List(items) => {
            let stored_items = match stored {
                Some(Value::List(s)) => Some(s),
                _ => None,
            };
            for (i, child) in items.iter_mut().enumerate() {
                let child_stored = stored_items.and_then(|s| s.get(i));
                restore_value(child, child_stored, &format!("{path}.{i}"), errors);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Config {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn secret_keys_are_recognised_by_word() {
        for key in [
            "token",
            "bot_token",
            "telegram_bot_token",
            "apiKey",
            "api_key",
            "OPENAI_API_KEY",
            "client_secret",
            "password",
            "private-key",
            "accessKey",
            "credentials",
        ] {
            assert!(is_secret_key(key), "{key} should be secret");
        }
        for key in [
            "max_tokens",
            "model_name",
            "keyboard",
            "listen_addr",
            "monkey",
            "tokens",
        ] {
            assert!(!is_secret_key(key), "{key} should not be secret");
        }
    }

    #[test]
    fn secret_names_the_old_rule_missed_are_recognised() {
        for key in [
            "openai_key",
            "anthropic_key",
            "google_key",
            "key",
            "auth",
            "bearer",
            "pwd",
            "db_pwd",
            "proxy_authorization",
            "session_cookie",
            "openai_key_2",
            "api_keys",
            "webhook_url",
            "slackWebhookUrl",
        ] {
            assert!(is_secret_key(key), "{key} should be secret");
        }
        for key in [
            "public_key",
            "sort_key",
            "author",
            "oauth_enabled",
            "auth_url",
            "keys_per_page",
            "session_id",
            "memory_flush_threshold_tokens",
            "max_websocket_message_size",
            "webhook_enabled",
        ] {
            assert!(!is_secret_key(key), "{key} should not be secret");
        }
    }

    /// The list the telemetry Worker's rule is tested against too (docs/fixtures).
    #[test]
    fn the_shared_list_of_key_names_is_classified_as_it_says() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../docs/fixtures/secret-key-names.json"
        ))
        .unwrap();
        let names = |list: &str| -> Vec<String> {
            fixture[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        assert!(names("secret").len() >= 30);
        for key in names("secret") {
            assert!(is_secret_key(&key), "{key} should be secret");
        }
        for key in names("not_secret") {
            assert!(!is_secret_key(&key), "{key} should not be secret");
        }
    }

    /// Every key of the config a fresh install writes (the defaults the runtime reads): only
    /// the channel tokens are secrets.
    #[test]
    fn of_the_upstream_config_keys_only_the_channel_tokens_are_secret() {
        let defaults = include_str!("../../../pryx-store/src/defaults.yaml");
        let keys: Vec<&str> = defaults
            .lines()
            .filter(|l| !l.starts_with([' ', '#']))
            .filter_map(|l| l.split_once(':').map(|(k, _)| k))
            .collect();
        assert!(keys.len() >= 25, "{keys:?}");
        let secret: Vec<&str> = keys.iter().copied().filter(|k| is_secret_key(k)).collect();
        assert_eq!(
            secret,
            ["telegram_token", "slack_app_token", "slack_bot_token"]
        );
        for key in [
            "model_name",
            "listen_addr",
            "max_websocket_message_size",
            "websocket_rate_limit_per_minute",
            "memory_flush_threshold_tokens",
            "cloud_api_url",
            "ollama_endpoint",
            "configured_providers",
        ] {
            assert!(keys.contains(&key), "{key} is in the defaults");
        }
    }

    #[test]
    fn credentials_in_values_are_redacted_whole_and_restored() {
        let stored = config(
            r#"{"providers":{"openai":{"key":"sk-abc","model":"gpt-4o"}},"openai_key":"sk-x",
                "webhook":{"target":"https://hooks.example/x?token=t0ps3cret"},
                "mirror":"https://user:pass@git.example/r.git","note":"uses sk-proj-0123456789abcdefghijKLMN",
                "requires_api_key":true,"listen_addr":"127.0.0.1:3000","model_name":"gpt-4o"}"#,
        );
        let (red, paths) = redact(&stored);
        assert_eq!(
            paths,
            [
                "providers.openai.key",
                "openai_key",
                "webhook.target",
                "mirror",
                "note"
            ]
        );
        assert_eq!(red.get_path("webhook.target"), Some(&Value::from(REDACTED)));
        assert_eq!(red.get_path("requires_api_key"), Some(&Value::Bool(true)));
        assert_eq!(red.get_path("model_name"), Some(&Value::from("gpt-4o")));
        let text = serde_json::to_string(&red).unwrap();
        for secret in ["sk-abc", "sk-x", "t0ps3cret", "pass@", "sk-proj"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let mut incoming = red;
        restore_secrets(&mut incoming, &stored).unwrap();
        assert_eq!(incoming, stored);
    }

    #[test]
    fn outbound_data_is_redacted_by_key_and_scrubbed_in_text() {
        let mut answer: Value = serde_json::from_str(
            r#"{"config":{"openai_key":"sk-1","telegram_bot_token":"1:2","max_tokens":5,"pin_pwd":1234},
                "messages":[{"content":"here: ghp_0123456789abcdefghijABCDEFGHIJ012345 done"}],
                "providers":[{"id":"openai","requires_api_key":true}],"session_id":"s-1"}"#,
        )
        .unwrap();
        assert_eq!(redact_outbound(&mut answer), 4);
        let text = serde_json::to_string(&answer).unwrap();
        assert_eq!(
            text,
            r#"{"config":{"openai_key":"<redacted>","telegram_bot_token":"<redacted>","max_tokens":5,"pin_pwd":"<redacted>"},"messages":[{"content":"here: <redacted> done"}],"providers":[{"id":"openai","requires_api_key":true}],"session_id":"s-1"}"#
        );
    }

    #[test]
    fn redacts_nested_secrets_and_reports_paths() {
        let c = config(
            r#"{"model_name":"gpt","channels":{"telegram":{"bot_token":"123:abc","enabled":true}},
                "secrets":{"a":"x","b":["y",""]},"api_key":"","max_tokens":5}"#,
        );
        let (red, paths) = redact(&c);
        assert_eq!(
            red.get_path("channels.telegram.bot_token"),
            Some(&Value::from(REDACTED))
        );
        assert_eq!(
            red.get_path("channels.telegram.enabled"),
            Some(&Value::Bool(true))
        );
        assert_eq!(red.get_path("secrets.a"), Some(&Value::from(REDACTED)));
        assert_eq!(red.get_path("api_key"), Some(&Value::from("")));
        assert_eq!(red.get_path("max_tokens"), Some(&Value::Int(5)));
        assert_eq!(
            paths,
            ["channels.telegram.bot_token", "secrets.a", "secrets.b.0"]
        );
    }

    #[test]
    fn round_trip_of_a_redacted_read_keeps_every_secret() {
        let stored =
            config(r#"{"channels":{"telegram":{"bot_token":"123:abc"}},"secrets":{"b":["y"]}}"#);
        let (mut incoming, _) = redact(&stored);
        restore_secrets(&mut incoming, &stored).unwrap();
        assert_eq!(incoming, stored);
    }

    #[test]
    fn marker_without_stored_secret_is_a_field_error() {
        let stored = config(r#"{}"#);
        let mut incoming = config(r#"{"slack":{"token":"<redacted>"}}"#);
        let errors = restore_secrets(&mut incoming, &stored).unwrap_err();
        assert_eq!(errors[0].path, "slack.token");
    }
}

//! Secret redaction: what a client reads never holds a secret, and what it writes back with the
//! redaction marker in place of a secret keeps the stored secret.

use super::{Config, FieldError};
use crate::value::Value;

/// The marker that replaces a secret value in everything the host hands out.
pub const REDACTED: &str = "<redacted>";

/// Whether a key names a secret: any word of it is `token`, `secret`, `password`,
/// `passphrase`, `credential(s)`, `apikey`, or it has `api key` / `private key` / `access key`
/// as neighbouring words. Words split on `_`, `-`, `.` and camelCase, so `bot_token`,
/// `apiKey` and `OPENAI_API_KEY` are secrets while `max_tokens` is not.
pub fn is_secret_key(key: &str) -> bool {
    let words = split_words(key);
    words.iter().enumerate().any(|(i, w)| {
        matches!(
            w.as_str(),
            "token"
                | "secret"
                | "secrets"
                | "password"
                | "passwd"
                | "passphrase"
                | "credential"
                | "credentials"
                | "apikey"
                | "privatekey"
        ) || (w == "key"
            && i > 0
            && matches!(
                words[i - 1].as_str(),
                "api" | "private" | "access" | "secret"
            ))
    })
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
/// that were replaced. Empty and null secrets are left as they are: they show "not set".
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
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        _ if secret => {
            *value = Value::String(REDACTED.to_owned());
            paths.push(path.to_owned());
        }
        _ => {}
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
            "key",
            "tokens",
        ] {
            assert!(!is_secret_key(key), "{key} should not be secret");
        }
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

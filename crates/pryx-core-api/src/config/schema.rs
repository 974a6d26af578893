//! Validation of the keys the host and runtime know. Known keys are checked against an
//! allow-list of shapes; keys nobody here knows are kept untouched (a newer runtime may own them).

use super::{Config, FieldError};
use crate::value::Value;

/// The shape a known key must have. `null` is always accepted: it means "unset".
#[derive(Clone, Copy)]
pub(super) enum Shape {
    Text,
    /// `host:port` (host may be empty, as in Go's `:8080`).
    HostPort,
    /// Empty, or an `http://` / `https://` URL.
    HttpUrl,
    TextList,
    /// A list of browser origins (`scheme://host[:port]`); a wildcard is refused.
    OriginList,
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    /// A Go duration string such as `30s`, `5m`, `1h30m` (the runtime rejects a bare number).
    Duration,
    /// A map whose known keys have these shapes (others are kept untouched).
    Section(&'static [(&'static str, Shape)]),
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

/// `telemetry:` — where the host exports OTLP (docs/telemetry.md). `ingest_key` is a secret by
/// its name and redacted like every `*_key`.
const TELEMETRY_KEYS: &[(&str, Shape)] = &[
    ("enabled", Shape::Bool),
    ("endpoint", Shape::HttpUrl),
    ("ingest_key", Shape::Text),
    ("compression", Shape::OneOf(&["gzip", "none"])),
];

/// Every top-level key the host or the runtime knows, with its shape.
pub(super) const KNOWN_KEYS: &[(&str, Shape)] = &[
    ("listen_addr", Shape::HostPort),
    ("database_path", Shape::Text),
    ("skills_path", Shape::Text),
    ("cache_path", Shape::Text),
    ("cloud_api_url", Shape::HttpUrl),
    ("model_provider", Shape::Text),
    ("model_name", Shape::Text),
    ("ollama_endpoint", Shape::HttpUrl),
    ("configured_providers", Shape::TextList),
    ("allowed_origins", Shape::OriginList),
    ("websocket_allowed_origins", Shape::OriginList),
    (
        "max_websocket_connections",
        Shape::Int {
            min: 0,
            max: 100_000,
        },
    ),
    (
        "max_websocket_message_size",
        Shape::Int {
            min: 1,
            max: 64 * 1024 * 1024,
        },
    ),
    (
        "websocket_rate_limit_per_minute",
        Shape::Int {
            min: 0,
            max: 1_000_000,
        },
    ),
    ("memory_enabled", Shape::Bool),
    ("memory_auto_flush", Shape::Bool),
    (
        "memory_flush_threshold_tokens",
        Shape::Int {
            min: 0,
            max: i64::MAX,
        },
    ),
    ("enable_memory_profiling", Shape::Bool),
    ("agent_detect_enabled", Shape::Bool),
    ("agent_detect_interval", Shape::Duration),
    ("telegram_enabled", Shape::Bool),
    ("slack_enabled", Shape::Bool),
    (
        "max_messages_per_session",
        Shape::Int {
            min: 0,
            max: 10_000_000,
        },
    ),
    (
        "websocket_buffer_size",
        Shape::Int {
            min: 0,
            max: 1_000_000,
        },
    ),
    ("telemetry_disabled", Shape::Bool),
    ("telemetry", Shape::Section(TELEMETRY_KEYS)),
];

/// The YAML 1.1 merge key. A YAML 1.1 reader (such as the runtime's) merges the map under it
/// into its parent, so a value written under it would bypass the checks of the known keys.
const MERGE_KEY: &str = "<<";

/// Checks every known key of `config`, and that no map anywhere has a YAML merge key (`<<`);
/// returns all failures at once, in document order.
pub fn validate(config: &Config) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (key, value) in &config.0 {
        if key == MERGE_KEY {
            errors.push(merge_key_error(key));
        } else if let Some((_, shape)) = KNOWN_KEYS.iter().find(|(k, _)| k == key) {
            check(key, value, *shape, &mut errors);
        }
        find_merge_keys(value, key, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn merge_key_error(path: &str) -> FieldError {
    FieldError::new(
        path,
        "a YAML merge key (`<<`) is not allowed in the config: write the keys themselves",
    )
}

fn find_merge_keys(value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    match value {
        Value::Map(map) => {
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                if key == MERGE_KEY {
                    errors.push(merge_key_error(&child_path));
                }
                find_merge_keys(child, &child_path, errors);
            }
        }
        Value::List(items) => {
            for (i, child) in items.iter().enumerate() {
                find_merge_keys(child, &format!("{path}.{i}"), errors);
            }
        }
        _ => {}
    }
}

fn check(path: &str, value: &Value, shape: Shape, errors: &mut Vec<FieldError>) {
    if matches!(value, Value::Null) {
        return;
    }
    let mut fail = |message: String| errors.push(FieldError::new(path, message));
    match shape {
        Shape::Text => {
            if value.as_str().is_none() {
                fail(format!("must be a string, got a {}", value.kind()));
            }
        }
        Shape::Bool => {
            if !matches!(value, Value::Bool(_)) {
                fail(format!("must be true or false, got a {}", value.kind()));
            }
        }
        Shape::Duration => match value.as_str() {
            Some(s) if is_go_duration(s) => {}
            _ => fail("must be a duration string such as \"30s\", \"5m\" or \"1h30m\"".to_owned()),
        },
        Shape::HostPort => match value.as_str() {
            Some(s) if is_host_port(s) => {}
            Some(s) => fail(format!(
                "must be host:port with a port of 0-65535, got {s:?}"
            )),
            None => fail(format!(
                "must be a host:port string, got a {}",
                value.kind()
            )),
        },
        Shape::HttpUrl => match value.as_str() {
            Some(s) if s.is_empty() || is_http_url(s) => {}
            Some(s) => fail(format!("must be an http:// or https:// URL, got {s:?}")),
            None => fail(format!("must be a URL string, got a {}", value.kind())),
        },
        Shape::Section(keys) => {
            let Value::Map(map) = value else {
                fail(format!("must be a map, got a {}", value.kind()));
                return;
            };
            for (key, child) in map {
                if let Some((_, shape)) = keys.iter().find(|(k, _)| k == key) {
                    check(&format!("{path}.{key}"), child, *shape, errors);
                }
            }
        }
        Shape::OneOf(allowed) => match value.as_str() {
            Some(s) if allowed.contains(&s) => {}
            _ => fail(format!("must be one of {}", allowed.join(", "))),
        },
        Shape::Int { min, max } => match value.as_i64() {
            Some(i) if (min..=max).contains(&i) => {}
            _ => fail(format!("must be a whole number from {min} to {max}")),
        },
        Shape::TextList | Shape::OriginList => {
            let Value::List(items) = value else {
                fail(format!("must be a list of strings, got a {}", value.kind()));
                return;
            };
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}.{i}");
                match (item.as_str(), shape) {
                    (None, _) => errors.push(FieldError::new(
                        item_path,
                        format!("must be a string, got a {}", item.kind()),
                    )),
                    (Some(s), Shape::OriginList) if !is_origin(s) => errors.push(FieldError::new(
                        item_path,
                        format!("must be an origin like http://localhost:5173 (no wildcard, no path), got {s:?}"),
                    )),
                    _ => {}
                }
            }
        }
    }
}

fn is_host_port(s: &str) -> bool {
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    let host_ok =
        !host.contains(char::is_whitespace) && (!host.starts_with('[') || host.ends_with(']'));
    host_ok && port.parse::<u16>().is_ok()
}

fn is_go_duration(s: &str) -> bool {
    let mut rest = s;
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/') && !s.contains(char::is_whitespace))
}

fn is_origin(s: &str) -> bool {
    is_http_url(s) && {
        let after_scheme = s.split_once("://").map_or("", |(_, r)| r);
        !after_scheme.contains(['/', '*', '?', '#', '@'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(json: &str) -> Vec<String> {
        let c: Config = serde_json::from_str(json).unwrap();
        validate(&c)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.path)
            .collect()
    }

    #[test]
    fn accepts_valid_known_and_any_unknown_keys() {
        assert!(paths(
            r#"{"listen_addr":"127.0.0.1:3000","cloud_api_url":"","ollama_endpoint":"http://localhost:11434",
                "allowed_origins":["http://localhost:5173"],"max_websocket_connections":100,
                "model_name":null,"some_future_key":{"anything":[1,2]}}"#
        )
        .is_empty());
        assert!(paths(r#"{"listen_addr":":8080"}"#).is_empty());
        assert!(paths(r#"{"agent_detect_interval":"1h30m"}"#).is_empty());
        assert_eq!(
            paths(r#"{"agent_detect_interval":30}"#),
            ["agent_detect_interval"]
        );
        assert_eq!(
            paths(r#"{"agent_detect_interval":"30"}"#),
            ["agent_detect_interval"]
        );
    }

    #[test]
    fn the_telemetry_section_is_checked_key_by_key() {
        assert!(paths(
            r#"{"telemetry":{"enabled":true,"endpoint":"https://t.example.workers.dev","ingest_key":"k","later":1}}"#
        )
        .is_empty());
        assert_eq!(
            paths(r#"{"telemetry":{"enabled":"yes","endpoint":"ftp://x","ingest_key":5}}"#),
            [
                "telemetry.enabled",
                "telemetry.endpoint",
                "telemetry.ingest_key"
            ]
        );
        assert_eq!(paths(r#"{"telemetry":true}"#), ["telemetry"]);
        assert!(paths(r#"{"telemetry":{"compression":"none"}}"#).is_empty());
        assert_eq!(
            paths(r#"{"telemetry":{"compression":"zstd"}}"#),
            ["telemetry.compression"]
        );
    }

    #[test]
    fn yaml_merge_keys_are_refused_anywhere() {
        assert_eq!(
            paths(
                r#"{"<<":{"max_websocket_connections":-5},"channels":{"telegram":{"<<":{"x":1}}},
                    "list":[{"<<":1}],"ok":{"a<<b":1}}"#
            ),
            ["<<", "channels.telegram.<<", "list.0.<<"]
        );
    }

    #[test]
    fn reports_every_bad_field_with_its_path() {
        assert_eq!(
            paths(
                r#"{"listen_addr":"nope","max_websocket_connections":-1,"model_name":5,
                    "allowed_origins":["http://ok:1","*",3],"cloud_api_url":"ftp://x"}"#
            ),
            [
                "listen_addr",
                "max_websocket_connections",
                "model_name",
                "allowed_origins.1",
                "allowed_origins.2",
                "cloud_api_url"
            ]
        );
    }
}

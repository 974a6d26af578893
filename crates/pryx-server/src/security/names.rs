//! Host names and origins, parsed strictly: a `Host` value is `uri-host [":" port]` (RFC 9110
//! §7.2, RFC 3986 §3.2.2) and nothing else; an origin is `scheme "://" host [":" port]`
//! (RFC 6454) and nothing else. Anything that does not parse names no host, so it is refused.

use std::net::Ipv6Addr;

/// Why a configured origin (`--allow-origin`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an origin: write scheme://host[:port] with no path, user or query \
     (e.g. http://localhost:5173); `null` and wildcards are never accepted"
)]
pub struct InvalidOrigin(pub String);

/// Why a configured host name (`--allow-host`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a host name: write a DNS name, an IPv4 address or a bracketed IPv6 address \
     (e.g. pryx.local, 192.168.1.5, [fd00::1]), optionally with :port"
)]
pub struct InvalidHostName(pub String);

/// The host name a `Host` header value (or an authority) names, lowercased, IPv6 in brackets in
/// its canonical form; `None` when the value is not exactly `uri-host [":" port]`.
pub(crate) fn host_name(value: &str) -> Option<String> {
    host_and_port(value).map(|(name, _)| name)
}

/// `uri-host [":" port]` split into the normalised name and the port, if one was given.
fn host_and_port(value: &str) -> Option<(String, Option<u16>)> {
    let (name, rest) = if let Some(inner) = value.strip_prefix('[') {
        let (address, rest) = inner.split_once(']')?;
        let address: Ipv6Addr = address.parse().ok()?;
        (format!("[{address}]"), rest)
    } else {
        let (name, rest) = match value.find(':') {
            Some(at) => value.split_at(at),
            None => (value, ""),
        };
        let well_formed = !name.is_empty()
            && !name.starts_with('.')
            && !name.ends_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !well_formed {
            return None;
        }
        (name.to_ascii_lowercase(), rest)
    };
    if rest.is_empty() {
        return Some((name, None));
    }
    let digits = rest.strip_prefix(':')?;
    let is_port = (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let port = digits.parse::<u16>().ok().filter(|_| is_port)?;
    Some((name, Some(port)))
}

/// A configured host name, normalised for comparison with [`host_name`]; `Ok(None)` for an
/// empty entry (e.g. `PRYX_ALLOWED_HOSTS=`), which allows nothing.
pub fn normalize_allowed_host(entry: &str) -> Result<Option<String>, InvalidHostName> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Ok(None);
    }
    host_name(entry)
        .map(Some)
        .ok_or_else(|| InvalidHostName(entry.to_owned()))
}

/// A configured browser origin in the form browsers send it (lowercase, default port
/// dropped); `Ok(None)` for an empty entry.
pub fn normalize_origin(entry: &str) -> Result<Option<String>, InvalidOrigin> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Ok(None);
    }
    let invalid = || InvalidOrigin(entry.to_owned());
    let trimmed = entry.strip_suffix('/').unwrap_or(entry);
    let (scheme, authority) = trimmed.split_once("://").ok_or_else(invalid)?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(invalid());
    }
    let scheme = scheme.to_ascii_lowercase();
    let (host, port) = host_and_port(authority).ok_or_else(invalid)?;
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    Ok(Some(match port {
        Some(port) if Some(port) != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values_parse_strictly() {
        for (value, name) in [
            ("localhost", "localhost"),
            ("LocalHost:42424", "localhost"),
            ("127.0.0.1:1", "127.0.0.1"),
            ("[::1]", "[::1]"),
            ("[0:0:0:0:0:0:0:1]:80", "[::1]"),
            ("pryx.local:65535", "pryx.local"),
        ] {
            assert_eq!(host_name(value).as_deref(), Some(name), "{value}");
        }
        for value in [
            "",
            ":80",
            "[::1]evil.example",
            "[::1]:evil",
            "localhost:evil.example",
            "localhost:",
            "localhost:65536",
            "localhost:+1",
            "a:1:2",
            "[::1",
            "[evil]",
            "user@localhost",
            "local host",
            "localhost.",
            "localhost/x",
        ] {
            assert_eq!(host_name(value), None, "{value:?}");
        }
    }

    #[test]
    fn configured_host_names_ignore_empty_entries() {
        assert_eq!(normalize_allowed_host(""), Ok(None));
        assert_eq!(normalize_allowed_host("  "), Ok(None));
        assert_eq!(
            normalize_allowed_host("Pryx.Local:42424"),
            Ok(Some("pryx.local".into()))
        );
        assert!(normalize_allowed_host("evil.example/path").is_err());
    }

    #[test]
    fn configured_origins_are_scheme_host_port() {
        for (entry, origin) in [
            ("http://localhost:5173", "http://localhost:5173"),
            ("HTTP://LocalHost:5173/", "http://localhost:5173"),
            ("http://localhost:80", "http://localhost"),
            ("https://pryx.local:443", "https://pryx.local"),
            ("tauri://localhost", "tauri://localhost"),
            ("http://[::1]:5173", "http://[::1]:5173"),
        ] {
            assert_eq!(normalize_origin(entry), Ok(Some(origin.into())), "{entry}");
        }
        assert_eq!(normalize_origin(" "), Ok(None));
        for entry in [
            "null",
            "*",
            "localhost:5173",
            "http://",
            "http://*",
            "http://localhost:5173/app",
            "http://user@localhost",
            "http://localhost?x=1",
            "http://localhost#x",
            "http://localhost:99999",
            "1http://localhost",
            "file:///etc",
        ] {
            assert!(normalize_origin(entry).is_err(), "{entry:?}");
        }
    }
}

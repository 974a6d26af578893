//! Secrets recognised by their value, wherever they sit: well-known credential formats
//! (`sk-…`, `ghp_…`, `xoxb-…`, `AKIA…`, JWTs, PEM private keys, `Bearer …`) and URLs that carry
//! a credential (userinfo, or a token-like query parameter).

use std::ops::Range;

use super::secrets::is_secret_key;

/// Characters that end a word when text is searched for secrets. The backslash is one so that
/// escaped JSON (`{\"key\":\"sk-…\"}`) and Windows paths split like their plain forms.
const DELIMITERS: &[char] = &[
    '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}', ',', ';', '|', '\\',
];

/// Whether `text` holds a secret anywhere (see [`secret_spans`]).
pub fn contains_secret(text: &str) -> bool {
    !secret_spans(text).is_empty()
}

/// The byte ranges of `text` that are secrets, in order and not overlapping: every word that
/// is a well-known credential format or a URL carrying a credential, the word after `Bearer`
/// or `Basic`, and a whole PEM private-key block.
pub fn secret_spans(text: &str) -> Vec<Range<usize>> {
    if let Some(start) = text.find("-----BEGIN ") {
        if text[start..].contains("PRIVATE KEY") {
            return std::iter::once(start..text.len()).collect();
        }
    }
    let mut spans = Vec::new();
    let mut after_scheme_word = false;
    for (start, word) in words(text) {
        let word_trimmed = word.trim_end_matches(['.', ':', '!', '?']);
        let range = start..start + word_trimmed.len();
        if after_scheme_word && word_trimmed.len() >= 8 {
            spans.push(range);
            after_scheme_word = false;
            continue;
        }
        after_scheme_word =
            word.eq_ignore_ascii_case("bearer") || word.eq_ignore_ascii_case("basic");
        if is_secret_word(word_trimmed) {
            spans.push(range);
        }
    }
    spans
}

/// `text` with every secret span replaced by `marker`.
pub fn scrub(text: &str, marker: &str) -> Option<String> {
    let spans = secret_spans(text);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(marker);
        at = span.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// Words of `text` with their byte offsets, split on whitespace and [`DELIMITERS`].
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let separator = c.is_whitespace() || DELIMITERS.contains(&c);
        match (separator, start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Whether one word is a credential by its format.
fn is_secret_word(w: &str) -> bool {
    is_credential_url(w)
        || prefixed(w, "sk-", 20, true)
        || prefixed(w, "sk_live_", 16, false)
        || prefixed(w, "sk_test_", 16, false)
        || prefixed(w, "rk_live_", 16, false)
        || ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
            .iter()
            .any(|p| prefixed(w, p, 20, false))
        || prefixed(w, "glpat-", 20, false)
        || [
            "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-", "xapp-",
        ]
        .iter()
        .any(|p| prefixed(w, p, 10, false))
        || prefixed(w, "hf_", 30, false)
        || prefixed(w, "npm_", 30, false)
        || prefixed(w, "AIza", 30, false)
        || is_aws_key_id(w)
        || is_jwt(w)
        || is_telegram_bot_token(w)
}

/// `prefix` followed by at least `min` token characters (`[A-Za-z0-9_-]`); with
/// `needs_digit`, the rest must hold a digit too (so prose like `sk-learn-…` is not a key).
fn prefixed(w: &str, prefix: &str, min: usize, needs_digit: bool) -> bool {
    let Some(rest) = w.strip_prefix(prefix) else {
        return false;
    };
    rest.len() >= min
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (!needs_digit || rest.chars().any(|c| c.is_ascii_digit()))
}

/// AWS access key ids: `AKIA` / `ASIA` and 16 upper-case letters or digits.
fn is_aws_key_id(w: &str) -> bool {
    (w.starts_with("AKIA") || w.starts_with("ASIA"))
        && w.len() == 20
        && w.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A JSON Web Token: three base64url parts joined by `.`, the first a JSON object (`eyJ`).
fn is_jwt(w: &str) -> bool {
    let parts: Vec<&str> = w.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[0].len() >= 10
        && parts[1].len() >= 10
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '=')
        })
}

/// A Telegram bot token: a numeric bot id, `:`, and a long token.
fn is_telegram_bot_token(w: &str) -> bool {
    let Some((id, token)) = w.split_once(':') else {
        return false;
    };
    id.len() >= 6
        && id.chars().all(|c| c.is_ascii_digit())
        && token.len() >= 30
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A URL (`scheme://…`) with userinfo (`user:pass@host`, `token@host`) or a query parameter
/// whose name is a secret key name (`?token=…`, `&api_key=…`, `&sig=…`).
pub(crate) fn is_credential_url(w: &str) -> bool {
    let Some((scheme, rest)) = w.split_once("://") else {
        return false;
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..authority_end].contains('@') {
        return true;
    }
    let Some(query_start) = rest.find('?') else {
        return false;
    };
    let query = &rest[query_start + 1..];
    let query = query.split('#').next().unwrap_or("");
    query.split(['&', ';']).any(|pair| {
        let name = pair.split('=').next().unwrap_or("");
        !name.is_empty()
            && (is_secret_key(name)
                || matches!(
                    name.to_ascii_lowercase().as_str(),
                    "sig" | "code" | "access_token" | "key"
                ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_formats_are_found() {
        for secret in [
            "sk-proj-abcdefghij0123456789ABCDEFGH",
            "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv0123456789",
            "sk_live_0123456789abcdefABCD",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "glpat-0123456789abcdefghij",
            "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
            "xapp-1-A0123456789-0123456789012-abcdef",
            "AKIAIOSFODNN7EXAMPLE",
            "AIzaSyA0123456789abcdefghijklmnopqrstuv",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
            "https://user:pass@example.com/path",
            "https://ghp_token@github.com/org/repo.git",
            "https://hooks.example.com/in?channel=x&token=abc123",
            "https://storage.example.com/f?X-Amz-Signature=abcd",
            "postgres://app:hunter2@db:5432/app",
        ] {
            assert!(contains_secret(secret), "{secret} should be found");
        }
    }

    #[test]
    fn ordinary_values_are_not_secrets() {
        for plain in [
            "",
            "gpt-4o-mini",
            "llama3",
            "127.0.0.1:3000",
            ":8080",
            "http://localhost:11434",
            "https://pryx.dev/api",
            "https://example.com/search?q=rust&page=2",
            "sk-learn-is-a-python-library",
            "30s",
            "{data_dir}/pryx.db",
            "the model answered in 5 seconds",
            "mailto:someone@example.com",
            "someone@example.com",
            "ask-for-a-key",
        ] {
            assert!(!contains_secret(plain), "{plain:?} should not be a secret");
        }
    }

    #[test]
    fn scrub_replaces_only_the_secret_words() {
        assert_eq!(
            scrub("my key is sk-abcdefghij0123456789XYZ, ok?", "<r>").as_deref(),
            Some("my key is <r>, ok?")
        );
        assert_eq!(
            scrub("curl -H 'Authorization: Bearer abcdefgh12345678' x", "<r>").as_deref(),
            Some("curl -H 'Authorization: Bearer <r>' x")
        );
        assert_eq!(
            scrub("é\u{a0}ghp_0123456789abcdefghijABCDEFGHIJ012345 ü", "<r>").as_deref(),
            Some("é\u{a0}<r> ü")
        );
        assert_eq!(
            scrub("x\n-----BEGIN RSA PRIVATE KEY-----\nMII...\n", "<r>").as_deref(),
            Some("x\n<r>")
        );
        assert_eq!(scrub("nothing here", "<r>"), None);
    }

    /// A JSON document printed inside a string (an error message quoting a request body, a
    /// log line's fields) has its quotes escaped; the secret between them is still a word.
    #[test]
    fn secrets_in_escaped_json_are_found() {
        assert_eq!(
            scrub(
                r#"request failed: {"key":"sk-proj-abcdefghij0123456789ABCDEFGH"}"#,
                "<r>"
            )
            .as_deref(),
            Some(r#"request failed: {"key":"<r>"}"#)
        );
        assert_eq!(
            scrub(r#""Bearer abcdefgh12345678""#, "<r>").as_deref(),
            Some(r#""Bearer <r>""#)
        );
        assert_eq!(
            scrub(
                r#"C:\Users\ada\ghp_0123456789abcdefghijABCDEFGHIJ012345"#,
                "<r>"
            )
            .as_deref(),
            Some(r#"C:\Users\ada\<r>"#)
        );
    }
}

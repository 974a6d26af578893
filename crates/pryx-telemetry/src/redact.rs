//! Redaction of everything the log and the exporter write: credentials found by their shape
//! (the core's [`scrub`] rule), values under secret keys, and the user's home directory, which
//! becomes `~` (a path under it says who the user is).

use std::borrow::Cow;

use pryx_core_api::Value;
use pryx_core_api::config::{REDACTED, is_secret_key, redact_outbound, scrub};

/// Redacts text and data trees before they are written anywhere.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    home: Option<String>,
}

impl Redactor {
    /// A redactor that also replaces `home` (when given and not `/`) with `~`.
    pub fn new(home: Option<String>) -> Self {
        let home = home
            .map(|h| h.trim_end_matches('/').to_owned())
            .filter(|h| h.len() > 1);
        Self { home }
    }

    /// A redactor for this process's user: the home directory from the OS.
    pub fn for_current_user() -> Self {
        let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
        Self::new(home)
    }

    /// `text` with credentials replaced by `<redacted>` and the home directory by `~`. Text that
    /// holds escaped quotes (a JSON document printed as a string, as the terminal shows the
    /// runtime's `fields`) is searched the same way: `\"sk-…\"` is found like `"sk-…"`.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = match scrub(text, REDACTED) {
            Some(clean) => Cow::Owned(clean),
            None => Cow::Borrowed(text),
        };
        if let Some(home) = &self.home {
            if out.contains(home.as_str()) {
                out = Cow::Owned(out.replace(home.as_str(), "~"));
            }
        }
        out
    }

    /// The value of a field named `key`: `<redacted>` when the key names a secret, else
    /// [`Redactor::text`].
    pub fn field(&self, key: &str, text: &str) -> String {
        if is_secret_key(key) && !text.is_empty() {
            return REDACTED.to_owned();
        }
        self.text(text).into_owned()
    }

    /// Redacts a data tree in place: values under secret keys, credentials in text, the home
    /// directory in every string.
    pub fn value(&self, value: &mut Value) {
        redact_outbound(value);
        if self.home.is_some() {
            self.home_in(value);
        }
    }

    fn home_in(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.text(s) {
                    *s = clean;
                }
            }
            Value::List(items) => items.iter_mut().for_each(|v| self.home_in(v)),
            Value::Map(map) => map.values_mut().for_each(|v| self.home_in(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_the_home_path_are_replaced() {
        let r = Redactor::new(Some("/home/ada/".into()));
        let out = r.text("open /home/ada/.pryx/config.yaml with Bearer abcdefgh12345678 ok");
        assert_eq!(out, "open ~/.pryx/config.yaml with Bearer <redacted> ok");
        assert_eq!(r.field("api_key", "plain"), REDACTED);
        assert_eq!(r.field("path", "/home/ada/x"), "~/x");
    }

    #[test]
    fn secrets_inside_escaped_json_are_found() {
        let r = Redactor::default();
        let shown = r#"fields="{\"session_id\":\"sk-live-0123456789abcdefghijklmnop\"}""#;
        let out = r.text(shown);
        assert!(!out.contains("sk-live"), "{out}");
        assert!(out.contains(r#"\"<redacted>\""#), "{out}");
    }

    #[test]
    fn a_root_home_is_not_replaced() {
        let r = Redactor::new(Some("/".into()));
        assert_eq!(r.text("/etc/passwd"), "/etc/passwd");
    }
}

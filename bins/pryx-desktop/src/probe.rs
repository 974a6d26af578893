//! Test-only evidence on stdout, when `PRYX_DESKTOP_PROBE=1`: one JSON line per fact the
//! real-window test asserts on (which host, the page's title and location, a read of the
//! dashboard's DOM, the tray's status, how Quit went). Off, it prints nothing. It never
//! prints a URL's fragment (where a login code travels) or anything secret.

use std::sync::OnceLock;

use serde_json::{Value, json};

/// Whether the probe is on (`PRYX_DESKTOP_PROBE=1`), read once.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("PRYX_DESKTOP_PROBE").is_ok_and(|v| v == "1"))
}

/// Prints `{"probe": event, ...fields}` as one line, when the probe is on.
pub fn emit(event: &str, fields: Value) {
    if !enabled() {
        return;
    }
    let mut line = json!({ "probe": event });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    println!("{line}");
}

/// `url` without its fragment (`#login=…` must not reach a log).
pub fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(before, _)| before)
}

/// The script the probe evaluates in the page: facts only the logged-in dashboard has.
pub const DOM_PROBE_JS: &str = "JSON.stringify({title: document.title, \
    path: location.pathname, \
    logged_in: document.querySelector('.topbar') !== null, \
    host_card: (document.getElementById('host-h') || {}).textContent || null, \
    runtime_card: (document.getElementById('rt-h') || {}).textContent || null})";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_code_in_the_fragment_is_never_printed() {
        assert_eq!(
            without_fragment("http://127.0.0.1:5/#login=abc"),
            "http://127.0.0.1:5/"
        );
        assert_eq!(
            without_fragment("http://127.0.0.1:5/x"),
            "http://127.0.0.1:5/x"
        );
    }
}

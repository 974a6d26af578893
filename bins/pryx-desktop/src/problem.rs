//! What the window shows when there is no host to show: a local page saying what went wrong
//! and what to do, rendered here (no script, nothing remote) and served on `pryx-local://`.

use std::fmt::Write as _;

/// A reason the window cannot show the host's UI, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// One line: what failed.
    pub title: String,
    /// The host's own explanation (it already names paths, ports and fixes).
    pub detail: String,
    /// What to do next.
    pub fix: String,
}

impl Problem {
    /// The problem for a host that could not start: the error's kind picks the headline and
    /// the advice; the error's text is kept whole.
    pub fn host_did_not_start(detail: &str) -> Self {
        let lower = detail.to_ascii_lowercase();
        let (title, fix) = if lower.contains("already in use") {
            (
                "The port is taken by another program",
                "Stop the program that listens on it, or use another port: quit Pryx (tray \
                 menu → Quit) and start it with PRYX_PORT=0 (or --port 0), which picks a free one.",
            )
        } else if lower.contains("refusing to use") {
            (
                "The data directory is not safe to use",
                "Apply the fix named above (or run `pryx doctor --fix`), then quit Pryx (tray \
                 menu → Quit) and open it again.",
            )
        } else if lower.contains("already runs") || lower.contains("already running") {
            (
                "Another Pryx host holds the data directory",
                "Stop it (`pryx stop`), then quit Pryx (tray menu → Quit) and open it again.",
            )
        } else {
            (
                "The Pryx host could not start",
                "Fix the cause named above, then quit Pryx (tray menu → Quit) and open it again. \
                 The host's log is in <data dir>/logs/.",
            )
        };
        Self {
            title: title.into(),
            detail: detail.into(),
            fix: fix.into(),
        }
    }

    /// The problem for a host that started (or was found) but cannot be logged into.
    pub fn login_failed(detail: &str) -> Self {
        Self {
            title: "Could not log the window in to the Pryx host".into(),
            detail: detail.into(),
            fix: "Check that <data dir>/admin.token belongs to you and is not writable by others, \
                  then choose Open in the tray menu to try again."
                .into(),
        }
    }

    /// The page: self-contained HTML, every text escaped.
    pub fn render(&self) -> String {
        let mut page = String::from(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Pryx: host not available</title><style>\
             body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#fef2f2;color:#111827}\
             main{max-width:42rem;margin:3rem auto;padding:0 1.5rem}\
             h1{color:#b91c1c;font-size:1.4rem}pre{white-space:pre-wrap;background:#fff;\
             border:1px solid #fecaca;padding:.75rem;border-radius:6px}\
             </style></head><body><main>",
        );
        let _ = write!(
            page,
            "<h1 id=\"problem\">{}</h1><p>Why:</p><pre id=\"detail\">{}</pre>\
             <p>What to do: <span id=\"fix\">{}</span></p></main></body></html>",
            escape(&self.title),
            escape(&self.detail),
            escape(&self.fix)
        );
        page
    }
}

/// The Content-Security-Policy of the local problem page: its own inline style, nothing else.
pub const PROBLEM_PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_taken_says_which_and_how_to_pick_another() {
        let p = Problem::host_did_not_start(
            "127.0.0.1:42424 is already in use: is another Pryx host running? Stop it, or pick another port (--port 0 picks a free one)",
        );
        assert_eq!(p.title, "The port is taken by another program");
        assert!(p.fix.contains("PRYX_PORT=0"));
        let html = p.render();
        assert!(html.contains("127.0.0.1:42424 is already in use"), "{html}");
        assert!(!html.contains("<script"), "the page runs no script");
    }

    #[test]
    fn unsafe_data_dir_keeps_the_hosts_fix() {
        let p = Problem::host_did_not_start(
            "refusing to use /home/u/.pryx: it is writable by group or others. To fix it: chmod 700 /home/u/.pryx",
        );
        assert_eq!(p.title, "The data directory is not safe to use");
        assert!(p.render().contains("chmod 700 /home/u/.pryx"));
    }

    #[test]
    fn unknown_errors_still_say_what_to_do() {
        let p = Problem::host_did_not_start("cannot read the current dir: gone");
        assert_eq!(p.title, "The Pryx host could not start");
        assert!(p.render().contains("What to do:"));
    }

    #[test]
    fn text_from_the_error_cannot_inject_markup() {
        let html = Problem::host_did_not_start("bad <img src=x onerror=alert(1)> & \"q\"").render();
        assert!(html.contains("bad &lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;"));
        assert!(!html.contains("<img"));
    }
}

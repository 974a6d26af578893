//! How results are printed: one JSON document on stdout with `--json`, otherwise lines and
//! tables for a person; colour only on a terminal and never with `NO_COLOR` set.

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value as Json;

/// Printing settings shared by every command.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: one JSON document on stdout, nothing else there.
    pub json: bool,
    /// ANSI colour on stdout.
    pub color: bool,
}

impl Output {
    /// Settings from the flag and the environment (`NO_COLOR`, a terminal on stdout).
    pub fn new(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            json,
            color: !json && !no_color && std::io::stdout().is_terminal(),
        }
    }

    /// Prints `value` as JSON with `--json`, else runs `human`.
    pub fn emit(&self, value: &Json, human: impl FnOnce()) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
            );
        } else {
            human();
        }
    }

    /// A table with `headers`, sized to the terminal.
    pub fn table(&self, headers: &[&str], rows: Vec<Vec<String>>) -> String {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(headers.iter().map(|h| h.to_uppercase()));
        if let Some(width) = terminal_width() {
            table.set_width(width);
        }
        for row in rows {
            table.add_row(row);
        }
        table.to_string()
    }

    /// `text` in a colour for a state word (ok green, warn yellow, anything else red).
    pub fn state(&self, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match text {
            "ok" | "ready" | "enabled" | "active" | "yes" => "32",
            "warn" | "starting" | "restarting" | "degraded" => "33",
            "-" | "disabled" | "no" | "info" => "2",
            _ => "31",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// The terminal's width from `COLUMNS` (comfy-table's own probe needs its `tty` feature).
fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// A JSON value as one cell: strings without quotes, `null` as `-`, lists joined by commas.
pub fn cell(value: &Json) -> String {
    match value {
        Json::Null => "-".into(),
        Json::String(s) if s.is_empty() => "-".into(),
        Json::String(s) => s.clone(),
        Json::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Json::Array(items) if items.is_empty() => "-".into(),
        Json::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_read_like_words_and_tables_have_headers() {
        assert_eq!(cell(&json!(null)), "-");
        assert_eq!(cell(&json!(true)), "yes");
        assert_eq!(cell(&json!(["a", "b"])), "a, b");
        assert_eq!(cell(&json!("x")), "x");
        assert_eq!(cell(&json!(3)), "3");
        let out = Output {
            json: false,
            color: false,
        };
        let table = out.table(&["id", "on"], vec![vec!["a".into(), "yes".into()]]);
        assert!(table.contains("ID") && table.contains("ON") && table.contains(" a "));
        assert_eq!(out.state("ok"), "ok", "no colour when off");
    }
}

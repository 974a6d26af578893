//! One module per subcommand (or group of them). Each calls the host through
//! [`crate::client::ApiClient`] and prints through [`crate::output::Output`].

pub mod chat;
pub mod config;
pub mod config_edit;
pub mod doctor;
pub mod doctor_checks;
pub mod doctor_findings;
pub mod doctor_probes;
pub mod logs;
pub mod runtime;
pub mod service;
pub mod service_files;
pub mod skills;
pub mod start;
pub mod status;
pub mod stop;
pub mod update;

/// `text` percent-encoded for one URL path segment (ids may hold any character).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(super::segment("a-b_c.d"), "a-b_c.d");
        assert_eq!(super::segment("a/b c?"), "a%2Fb%20c%3F");
    }
}

//! The admin token: the per-install secret every API and WebSocket client presents.

use std::fmt;

use subtle::ConstantTimeEq;

/// Fewest characters a token may have: 43 base64 or 64 hex characters carry 256 bits; 43 is
/// the floor so a weaker (e.g. upstream's 32-character) token is refused.
pub const MIN_TOKEN_LEN: usize = 43;

/// A secret admin token. Compared in constant time; never printed by `Debug`.
#[derive(Clone)]
pub struct AdminToken(String);

/// A token string that is too short or has characters a header cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an admin token needs at least {MIN_TOKEN_LEN} visible ASCII characters without spaces")]
pub struct WeakToken;

impl AdminToken {
    /// A fresh random token: 32 bytes from the OS generator, as 64 hex characters.
    pub fn generate() -> Self {
        Self(random_hex(32))
    }

    /// Wraps an existing token, refusing a weak or malformed one.
    pub fn new(token: impl Into<String>) -> Result<Self, WeakToken> {
        let token = token.into();
        let printable = token.bytes().all(|b| b.is_ascii_graphic());
        if token.len() < MIN_TOKEN_LEN || !printable {
            return Err(WeakToken);
        }
        Ok(Self(token))
    }

    /// The secret itself, to write to a 0600 file or hand to a trusted client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token. Constant time in the content of both.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate))
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// `bytes` random bytes from the OS, as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_256_bits_and_distinct() {
        let a = AdminToken::generate();
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a.expose(), AdminToken::generate().expose());
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn matching_checks_the_value_not_presence() {
        let t = AdminToken::generate();
        assert!(t.matches(t.expose().as_bytes()));
        assert!(!t.matches(b""));
        assert!(!t.matches(&t.expose().as_bytes()[..63]));
        let mut wrong = t.expose().to_owned().into_bytes();
        wrong[10] ^= 1;
        assert!(!t.matches(&wrong));
    }

    #[test]
    fn weak_tokens_are_refused() {
        assert_eq!(AdminToken::new("short").unwrap_err(), WeakToken);
        assert!(
            AdminToken::new("a".repeat(32)).is_err(),
            "upstream's 32 chars are too weak"
        );
        assert!(AdminToken::new(format!("{} x", "a".repeat(50))).is_err());
        assert!(AdminToken::new("a".repeat(43)).is_ok());
    }
}

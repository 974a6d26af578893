//! The browser login: a one-time, short-lived login code (handed to the browser in a URL
//! fragment) is traded once for a session whose id lives only in an HttpOnly cookie.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::token::random_hex;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "pryx_session";

/// One-time login codes and the sessions they became.
pub(crate) struct LoginBook {
    code_ttl: Duration,
    session_ttl: Duration,
    codes: Mutex<HashMap<String, Instant>>,
    sessions: Mutex<HashMap<String, Instant>>,
}

impl LoginBook {
    pub(crate) fn new(code_ttl: Duration, session_ttl: Duration) -> Self {
        Self {
            code_ttl,
            session_ttl,
            codes: Mutex::default(),
            sessions: Mutex::default(),
        }
    }

    /// A new login code, valid once within the code lifetime.
    pub(crate) fn mint_code(&self) -> (String, Duration) {
        let code = random_hex(32);
        let mut codes = lock(&self.codes);
        let now = Instant::now();
        codes.retain(|_, expires| *expires > now);
        codes.insert(code.clone(), now + self.code_ttl);
        (code, self.code_ttl)
    }

    /// Trades a login code for a new session id; `None` for an unknown, used or expired code.
    /// A code is dead after this call whatever the outcome.
    pub(crate) fn redeem(&self, code: &str) -> Option<(String, Duration)> {
        let expires = lock(&self.codes).remove(code)?;
        let now = Instant::now();
        if expires <= now {
            return None;
        }
        let session = random_hex(32);
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, expires| *expires > now);
        sessions.insert(session.clone(), now + self.session_ttl);
        Some((session, self.session_ttl))
    }

    /// Whether `session` names a live session.
    pub(crate) fn session_valid(&self, session: &str) -> bool {
        lock(&self.sessions)
            .get(session)
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Ends a session.
    pub(crate) fn end_session(&self, session: &str) {
        lock(&self.sessions).remove(session);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once() {
        let book = LoginBook::new(Duration::from_secs(60), Duration::from_secs(60));
        let (code, _) = book.mint_code();
        let (session, _) = book.redeem(&code).expect("first use");
        assert!(book.session_valid(&session));
        assert!(book.redeem(&code).is_none(), "second use");
        book.end_session(&session);
        assert!(!book.session_valid(&session));
    }

    #[test]
    fn an_expired_code_is_dead() {
        let book = LoginBook::new(Duration::ZERO, Duration::from_secs(60));
        let (code, _) = book.mint_code();
        assert!(book.redeem(&code).is_none());
        assert!(book.redeem("not-a-code").is_none());
    }
}

//! The browser login: a one-time, short-lived login code (handed to the browser in a URL
//! fragment) is traded once for a session whose id lives only in an HttpOnly cookie.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::token::random_hex;

/// The stem of the session cookie's name: the cookie is `pryx_session_<port>`, named for the
/// port of the host that set it (see [`cookie_name`]).
pub const SESSION_COOKIE: &str = "pryx_session";

/// The session cookie's name on a host listening on `port`: `pryx_session_<port>`. Browsers
/// send a `127.0.0.1` cookie to every port (RFC 6265 §8.5); naming it for the port means a
/// host only ever reads the cookie it set itself, never one another host (or another run on
/// another port) set.
pub(crate) fn cookie_name(port: u16) -> String {
    format!("{SESSION_COOKIE}_{port}")
}

/// Lifetimes of login codes and sessions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    /// How long a login code stays redeemable.
    pub code: Duration,
    /// How long a session lasts at most, used or not.
    pub session: Duration,
    /// How long a session lasts without a request; each authenticated request renews it.
    pub session_idle: Duration,
}

/// A live browser session.
struct Session {
    /// When it ends whatever happens.
    expires: Instant,
    /// When it was last used.
    last_seen: Instant,
    /// Cancelled when the session ends: what was opened with it (a `/ws` socket) closes.
    ended: CancellationToken,
}

impl Session {
    fn live(&self, now: Instant, idle: Duration) -> bool {
        self.expires > now && now.saturating_duration_since(self.last_seen) < idle
    }
}

type Sessions = Mutex<HashMap<String, Session>>;

/// One-time login codes and the sessions they became. Sessions live only in this host's
/// memory: a restart ends them all. A session that lapses ends by itself, even when nothing
/// uses it any more: a background sweep (started with the first session) cancels it, so the
/// `/ws` sockets opened with it close within a quarter of the idle lifetime (15 s at most).
pub(crate) struct LoginBook {
    lifetimes: Lifetimes,
    codes: Mutex<HashMap<String, Instant>>,
    sessions: Arc<Sessions>,
    sweeping: AtomicBool,
}

impl LoginBook {
    pub(crate) fn new(lifetimes: Lifetimes) -> Self {
        Self {
            lifetimes,
            codes: Mutex::default(),
            sessions: Arc::default(),
            sweeping: AtomicBool::new(false),
        }
    }

    /// Starts the sweep that ends lapsed sessions, once, on the current Tokio runtime; it stops
    /// when the book is dropped.
    fn start_sweep(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let sessions = Arc::downgrade(&self.sessions);
        let idle = self.lifetimes.session_idle;
        let period = (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(15));
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(sessions) = sessions.upgrade() else {
                    break;
                };
                end_lapsed(&sessions, Instant::now(), idle);
            }
        });
    }

    /// A new login code, valid once within the code lifetime.
    pub(crate) fn mint_code(&self) -> (String, Duration) {
        let code = random_hex(32);
        let mut codes = lock(&self.codes);
        let now = Instant::now();
        codes.retain(|_, expires| *expires > now);
        codes.insert(code.clone(), now + self.lifetimes.code);
        (code, self.lifetimes.code)
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
        self.start_sweep();
        end_lapsed(&self.sessions, now, self.lifetimes.session_idle);
        let mut sessions = lock(&self.sessions);
        sessions.insert(
            session.clone(),
            Session {
                expires: now + self.lifetimes.session,
                last_seen: now,
                ended: CancellationToken::new(),
            },
        );
        Some((session, self.lifetimes.session))
    }

    /// Whether `session` names a live session; using it renews its idle lifetime. A lapsed
    /// session is ended (its sockets close).
    pub(crate) fn session_valid(&self, session: &str) -> bool {
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        let Some(entry) = sessions.get_mut(session) else {
            return false;
        };
        if entry.live(now, self.lifetimes.session_idle) {
            entry.last_seen = now;
            return true;
        }
        if let Some(lapsed) = sessions.remove(session) {
            lapsed.ended.cancel();
        }
        false
    }

    /// A token cancelled when `session` ends (logout, lapse); `None` for no live session.
    pub(crate) fn ended_signal(&self, session: &str) -> Option<CancellationToken> {
        lock(&self.sessions).get(session).map(|s| s.ended.clone())
    }

    /// Ends a session: it is no credential any more, and what was opened with it closes.
    pub(crate) fn end_session(&self, session: &str) {
        if let Some(ended) = lock(&self.sessions).remove(session) {
            ended.ended.cancel();
        }
    }
}

/// Removes the sessions that are not live at `now`, cancelling what was opened with them.
fn end_lapsed(sessions: &Sessions, now: Instant, idle: Duration) {
    lock(sessions).retain(|_, s| {
        let live = s.live(now, idle);
        if !live {
            s.ended.cancel();
        }
        live
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(code: Duration, session_idle: Duration) -> LoginBook {
        LoginBook::new(Lifetimes {
            code,
            session: Duration::from_secs(60),
            session_idle,
        })
    }

    #[test]
    fn a_code_works_once() {
        let book = book(Duration::from_secs(60), Duration::from_secs(60));
        let (code, _) = book.mint_code();
        let (session, _) = book.redeem(&code).expect("first use");
        assert!(book.session_valid(&session));
        assert!(book.redeem(&code).is_none(), "second use");
        let ended = book.ended_signal(&session).expect("a live session");
        book.end_session(&session);
        assert!(!book.session_valid(&session));
        assert!(
            ended.is_cancelled(),
            "logging out ends what the session opened"
        );
    }

    /// Nothing uses the session after login: the sweep still ends it, and what was opened with
    /// it (a `/ws` socket) is told.
    #[tokio::test]
    async fn a_lapsed_session_ends_without_a_request() {
        let book = book(Duration::from_secs(60), Duration::from_millis(40));
        let (code, _) = book.mint_code();
        let (session, _) = book.redeem(&code).unwrap();
        let ended = book.ended_signal(&session).unwrap();
        tokio::time::timeout(Duration::from_secs(2), ended.cancelled())
            .await
            .expect("the lapsed session's sockets were never told");
        assert!(book.ended_signal(&session).is_none());
    }

    #[test]
    fn an_idle_session_lapses_and_use_renews_it() {
        let book = book(Duration::from_secs(60), Duration::from_millis(50));
        let (code, _) = book.mint_code();
        let (session, _) = book.redeem(&code).unwrap();
        let ended = book.ended_signal(&session).unwrap();
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(30));
            assert!(book.session_valid(&session), "renewed by use");
        }
        std::thread::sleep(Duration::from_millis(80));
        assert!(!book.session_valid(&session), "lapsed");
        assert!(ended.is_cancelled());
    }

    #[test]
    fn an_expired_code_is_dead() {
        let book = book(Duration::ZERO, Duration::from_secs(60));
        let (code, _) = book.mint_code();
        assert!(book.redeem(&code).is_none());
        assert!(book.redeem("not-a-code").is_none());
    }
}

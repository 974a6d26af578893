//! Safe by default: who may talk to the host, checked before any route runs.
//!
//! - **Host allow-list** (DNS rebinding): exactly one `Host` header, exactly `name[:port]`,
//!   naming this machine (`localhost`, `127.0.0.1`, `[::1]`) or a configured name; an
//!   absolute-form request target must name it too.
//! - **Authentication**: the admin token as `Authorization: Bearer`, or a browser session
//!   cookie (`pryx_session_<port>`) obtained through a one-time login code. Every API route
//!   except the minimal health and the login exchange requires one, on loopback too; the
//!   static UI files are public by design (they hold no data). Requests without a credential
//!   may send at most 4 KiB of body.
//! - **Origin check** on every state-changing request and WebSocket upgrade: only the host's own
//!   origins (and configured ones). A cookie-authenticated write must carry an Origin.
//! - No CORS headers, ever: a foreign page cannot read an answer.

mod guard;
mod login;
mod names;
mod token;

use std::time::Duration;

pub(crate) use guard::{Credential, GuardLayer, OriginChecked, SessionId, require_auth};
pub use login::SESSION_COOKIE;
pub(crate) use login::{Lifetimes, LoginBook};
pub use names::{InvalidHostName, InvalidOrigin, normalize_allowed_host, normalize_origin};
pub use token::{AdminToken, MIN_TOKEN_LEN, WeakToken};

/// Who may reach the host and how.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// The admin token clients present.
    pub token: AdminToken,
    /// Host names accepted in the `Host` header besides `localhost`, `127.0.0.1` and `[::1]`
    /// (lowercase, without port; IPv6 in brackets).
    pub extra_hosts: Vec<String>,
    /// Browser origins accepted besides the host's own (e.g. `http://localhost:5173` for a UI
    /// dev server).
    pub extra_origins: Vec<String>,
    /// How long a login code stays valid.
    pub login_code_ttl: Duration,
    /// How long a browser session lasts at most.
    pub session_ttl: Duration,
    /// How long a browser session lasts without being used; every authenticated request
    /// renews it.
    pub session_idle_ttl: Duration,
}

impl SecurityPolicy {
    /// The defaults around `token`: loopback names only, no extra origins, 60 s login codes,
    /// sessions of at most 12 h that lapse after 1 h unused.
    pub fn new(token: AdminToken) -> Self {
        Self {
            token,
            extra_hosts: Vec::new(),
            extra_origins: Vec::new(),
            login_code_ttl: Duration::from_secs(60),
            session_ttl: Duration::from_secs(12 * 3600),
            session_idle_ttl: Duration::from_secs(3600),
        }
    }
}

/// A one-time login link for the web UI (see [`RunningHost::login_link`](crate::RunningHost)).
#[derive(Debug, Clone)]
pub struct LoginLink {
    /// `http://127.0.0.1:<port>/#login=<code>`: opening it logs the browser in, once.
    pub url: String,
    /// The code alone (what the login page accepts when pasted).
    pub code: String,
    /// How long the code stays redeemable.
    pub expires_in: Duration,
}

/// The policy resolved against the bound port, plus live login state.
pub(crate) struct Security {
    pub token: AdminToken,
    hosts: Vec<String>,
    origins: Vec<String>,
    pub logins: LoginBook,
    pub port: u16,
    /// The session cookie's name on this host: `pryx_session_<port>`.
    pub cookie_name: String,
}

impl Security {
    pub(crate) fn new(policy: SecurityPolicy, port: u16) -> Self {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .map(String::from)
            .to_vec();
        for entry in &policy.extra_hosts {
            match names::normalize_allowed_host(entry) {
                Ok(Some(name)) => hosts.push(name),
                Ok(None) => {}
                Err(err) => tracing::warn!(%err, "ignoring a configured host name"),
            }
        }
        let mut origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}:{port}")).collect();
        if port == 80 {
            origins.extend(hosts.iter().map(|h| format!("http://{h}")));
        }
        for entry in &policy.extra_origins {
            match names::normalize_origin(entry) {
                Ok(Some(origin)) => origins.push(origin),
                Ok(None) => {}
                Err(err) => tracing::warn!(%err, "ignoring a configured origin"),
            }
        }
        Self {
            token: policy.token,
            hosts,
            origins,
            logins: LoginBook::new(Lifetimes {
                code: policy.login_code_ttl,
                session: policy.session_ttl,
                session_idle: policy.session_idle_ttl,
            }),
            port,
            cookie_name: login::cookie_name(port),
        }
    }

    /// A new one-time login link: the UI's address with a fresh code in its fragment (which a
    /// browser never sends to a server), and how long the code stays redeemable.
    pub(crate) fn login_link(&self) -> LoginLink {
        let (code, expires_in) = self.logins.mint_code();
        LoginLink {
            url: format!("http://127.0.0.1:{}/#login={code}", self.port),
            code,
            expires_in,
        }
    }

    /// Whether a `Host` header value (or a request target's authority) names this host: it
    /// must be exactly `name[:port]` with `name` on the allow-list.
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        names::host_name(host).is_some_and(|name| self.hosts.contains(&name))
    }

    /// Whether an `Origin` header value is one of ours.
    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

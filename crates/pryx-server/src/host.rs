//! [`Host`]: the public entry point. Give it adapters and an address; get a running server and
//! a handle to stop it.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use pryx_core_api::{
    ApprovalService, ConfigStore, Ports, RuntimeBridge, Services, SkillRegistry, TelemetrySink,
    UpdateService,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::events::EventHub;
use crate::layers::{self, Limits};
use crate::routes::{self, AppContext};
use crate::security::{AdminToken, LoginLink, Security, SecurityPolicy};
use crate::serve;

/// The port Pryx host listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 42424;

/// The adapters a host is composed of: one per domain port.
#[derive(Clone)]
pub struct Adapters {
    /// Where the config lives.
    pub config: Arc<dyn ConfigStore>,
    /// Where skills are found.
    pub skills: Arc<dyn SkillRegistry>,
    /// The agent runtime.
    pub runtime: Arc<dyn RuntimeBridge>,
    /// Where telemetry goes.
    pub telemetry: Arc<dyn TelemetrySink>,
}

/// Why a host could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Another process already listens on the address.
    #[error(
        "{addr} is already in use: is another Pryx host running? Stop it, or pick another port (--port 0 picks a free one)"
    )]
    AddrInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The address could not be bound for another reason.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server task ended abnormally.
    #[error("the server task ended abnormally: {0}")]
    Task(String),
}

/// Pryx host: the admin API, the embedded UI and the `/ws` live-event socket on one port.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use pryx_server::{Adapters, Host};
///
/// // Any adapters will do; these are the in-memory ones from pryx-testkit.
/// let t = pryx_testkit::Fixture::default().adapters();
/// let adapters = Adapters { config: t.config, skills: t.skills, runtime: t.runtime, telemetry: t.telemetry };
///
/// let host = Host::builder(adapters).bind("127.0.0.1:0".parse()?).start().await?;
/// println!("listening on http://{}", host.local_addr());
/// host.shutdown().await?; // stops accepting, drains requests, shuts the runtime down
/// # Ok(())
/// # }
/// ```
pub struct Host;

impl Host {
    /// Starts describing a host made of `adapters`.
    pub fn builder(adapters: Adapters) -> HostBuilder {
        HostBuilder {
            adapters,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
            hub: None,
            approvals: None,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            limits: Limits::default(),
            websocket: crate::ws::WsConfig::default(),
            lifecycle: crate::ws::Lifecycle::default(),
            security: SecurityPolicy::new(AdminToken::generate()),
            listener: None,
            updates: None,
            logs: None,
        }
    }
}

/// Describes a host before it starts. Defaults: `127.0.0.1:42424`, a fresh event hub.
pub struct HostBuilder {
    adapters: Adapters,
    bind: SocketAddr,
    hub: Option<Arc<EventHub>>,
    approvals: Option<ApprovalService>,
    version: String,
    limits: Limits,
    websocket: crate::ws::WsConfig,
    /// The shutdown token and the tracker of `/ws` tasks that must end with it.
    lifecycle: crate::ws::Lifecycle,
    security: SecurityPolicy,
    listener: Option<std::net::TcpListener>,
    updates: Option<UpdateService>,
    logs: Option<Arc<dyn pryx_core_api::LogRing>>,
}

impl HostBuilder {
    /// Serves `GET /api/v1/logs` from `logs` (default: a ring that keeps nothing).
    pub fn logs(mut self, logs: Arc<dyn pryx_core_api::LogRing>) -> Self {
        self.logs = Some(logs);
        self
    }

    /// Listens on `addr` (port 0 picks a free port; read it back with
    /// [`RunningHost::local_addr`]).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Shares an event hub created earlier, e.g. one a runtime adapter already publishes to.
    pub fn event_hub(mut self, hub: Arc<EventHub>) -> Self {
        self.hub = Some(hub);
        self
    }

    /// Shares an approval service created earlier, e.g. one a runtime adapter already uses.
    pub fn approvals(mut self, approvals: ApprovalService) -> Self {
        self.approvals = Some(approvals);
        self
    }

    /// The version shown in health (default: this crate's version).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Request limits (body size, timeout).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Limits and timings of `/ws` (connection cap, message size, lag, ping).
    pub fn websocket(mut self, config: crate::ws::WsConfig) -> Self {
        self.websocket = config;
        self
    }

    /// Who may talk to the host: the admin token, extra host names and origins (default: a
    /// fresh random token, loopback names only; read it back with [`HostBuilder::admin_token`]).
    pub fn security(mut self, policy: SecurityPolicy) -> Self {
        self.security = policy;
        self
    }

    /// Serves on a socket bound earlier (e.g. to learn that the port is taken before starting
    /// anything else); overrides [`HostBuilder::bind`].
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Checks for and applies updates of the host through `updates` (default: none, and
    /// `/api/v1/update` answers `update_not_configured`). Share the same service with the
    /// runtime adapter (its `updater.*` calls) so one apply at a time holds across both. Given
    /// apart from [`Adapters`] because a host may well have no updater.
    pub fn updates(mut self, updates: UpdateService) -> Self {
        self.updates = Some(updates);
        self
    }

    /// The admin token clients must present.
    pub fn admin_token(&self) -> &AdminToken {
        &self.security.token
    }

    /// The router and services this host would serve, without binding a socket (for tests that
    /// drive the router directly).
    pub fn into_router(self) -> (Router, Services) {
        let (router, services, _) = self.assemble();
        (router, services)
    }

    /// The router, the services and the security state (login codes and sessions) it uses.
    fn assemble(self) -> (Router, Services, Arc<Security>) {
        let hub = self
            .hub
            .unwrap_or_else(|| EventHub::new(EventHub::DEFAULT_CAPACITY));
        let ports = Ports {
            config: self.adapters.config,
            skills: self.adapters.skills,
            runtime: self.adapters.runtime,
            telemetry: self.adapters.telemetry,
            events: hub.clone(),
        };
        let approvals = self
            .approvals
            .unwrap_or_else(|| ApprovalService::new(hub.clone()));
        let mut services = Services::with_approvals(ports, approvals, self.version);
        if let Some(updates) = self.updates {
            services.update = updates;
        }
        let security = Arc::new(Security::new(self.security, self.bind.port()));
        let state = Arc::new(AppContext {
            services: services.clone(),
            hub,
            ws: crate::ws::WsState::new(self.websocket, self.lifecycle),
            security: security.clone(),
            logs: self
                .logs
                .unwrap_or_else(|| Arc::new(pryx_core_api::NoLogRing)),
        });
        let router = layers::apply(routes::router(state), &self.limits, security.clone());
        (router, services, security)
    }

    /// Binds the address and starts serving in the background.
    pub async fn start(mut self) -> Result<RunningHost, ServerError> {
        let addr = self.bind;
        let listener = match self.listener.take() {
            Some(std_listener) => std_listener
                .set_nonblocking(true)
                .and_then(|()| TcpListener::from_std(std_listener))
                .map_err(|source| ServerError::Bind { addr, source })?,
            None => bind(addr).await?,
        };
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        if !local_addr.ip().is_loopback() && !local_addr.ip().is_unspecified() {
            self.security.extra_hosts.push(host_name(local_addr.ip()));
        }
        self.bind = local_addr;
        let limits = self.limits.clone();
        let lifecycle = self.lifecycle.clone();
        let (router, services, security) = self.assemble();
        let token = lifecycle.token().clone();
        let stop = token.clone();
        let task = tokio::spawn(async move {
            // The runtime stops while the connections drain, not after: its calls in flight get
            // its shutdown grace to finish, and a hung runtime fails them when it is killed
            // instead of holding requests (and so the exit) until their call timeouts.
            let runtime = services.ports.runtime.clone();
            let runtime_stop = stop.clone();
            let runtime_stopped = tokio::spawn(async move {
                runtime_stop.cancelled().await;
                runtime.shutdown().await;
            });
            serve::serve(listener, router, &limits, stop).await;
            // `/ws` clients were told `going away` when `stop` fired; let that reach them.
            lifecycle.drain(std::time::Duration::from_secs(2)).await;
            let _ = runtime_stopped.await;
            if let Err(err) = services.ports.telemetry.flush().await {
                tracing::warn!(%err, "telemetry flush at shutdown failed");
            }
            Ok(())
        });
        tracing::info!(addr = %local_addr, "pryx host listening");
        Ok(RunningHost {
            local_addr,
            token,
            task,
            security,
        })
    }
}

/// Binds `addr`, naming the usual "already in use" case clearly.
async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServerError::AddrInUse { addr }
        } else {
            ServerError::Bind { addr, source }
        }
    })
}

/// Binds `addr` synchronously (for composition roots that must know the port is theirs before
/// starting anything else), naming the "already in use" case clearly.
pub fn bind_std(addr: SocketAddr) -> Result<std::net::TcpListener, ServerError> {
    std::net::TcpListener::bind(addr).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServerError::AddrInUse { addr }
        } else {
            ServerError::Bind { addr, source }
        }
    })
}

fn host_name(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// A host that is serving. Dropping it does not stop it; call [`RunningHost::shutdown`] or
/// use a [`ShutdownHandle`].
pub struct RunningHost {
    local_addr: SocketAddr,
    token: CancellationToken,
    task: JoinHandle<Result<(), ServerError>>,
    security: Arc<Security>,
}

impl RunningHost {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A new one-time login link for the web UI, as `POST /api/v1/auth/login-codes` gives one:
    /// for a composition root to show the person who started the host (never log it).
    pub fn login_link(&self) -> LoginLink {
        self.security.login_link()
    }

    /// A cloneable handle that stops the host from anywhere (a signal handler, a tray menu).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.token.clone())
    }

    /// Waits until the host has stopped (after a shutdown was requested), runtime included.
    pub async fn wait(self) -> Result<(), ServerError> {
        self.task
            .await
            .map_err(|e| ServerError::Task(e.to_string()))?
    }

    /// Stops accepting connections, lets requests in flight finish, shuts the runtime down,
    /// and waits for all of it.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        self.token.cancel();
        self.wait().await
    }
}

/// Stops a running host. Cloneable; calling it more than once is harmless.
#[derive(Clone, Debug)]
pub struct ShutdownHandle(CancellationToken);

impl ShutdownHandle {
    /// Asks the host to stop gracefully.
    pub fn shutdown(&self) {
        self.0.cancel();
    }
}

//! Composition: the headless host's adapters around the server. Nothing here but wiring.
//! [`start`] is the one place the adapters meet; `pryx-core` and `pryx-desktop` both use it.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pryx_core_api::{ApprovalService, ConfigStore, RuntimeBridge, TelemetrySink, UpdateService};
use pryx_ipc::{HostHandles, NoRuntime, SidecarBridge, SidecarConfig};
use pryx_server::{
    Adapters, AdminToken, EventHub, Host, LoginLink, MIN_TOKEN_LEN, RunningHost, SecurityPolicy,
    ShutdownHandle, StopSignals, bind_std,
};
use pryx_store::{
    DataDir, FileConfigStore, HostLock, MachineProbe, RevisionKey, SkillDirectories, SkillRoots,
    StoreError, TokenFile,
};
use pryx_telemetry::{HostLogOptions, NoopTelemetry, OtlpTelemetry, Resolved, TracedRuntime};
use pryx_update::{TauriUpdater, UpdaterConfig};

use crate::options::Options;

/// Errors that stop the host from starting, each with a sentence a person can act on.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// A host started by [`start`]: serving, holding its data dir's lock, its runtime supervised.
/// Stop it with [`StartedHost::shutdown_handle`] and then [`StartedHost::wait`]; dropping it
/// without waiting leaves the server task running until the process ends.
pub struct StartedHost {
    host: RunningHost,
    lock: HostLock,
    telemetry: Arc<dyn TelemetrySink>,
    updater: Arc<TauriUpdater>,
    data_dir: PathBuf,
    token_file: PathBuf,
    signals: Option<StopSignals>,
}

/// How a host stopped (see [`StartedHost::wait`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Asked to stop (a signal, a quit): nothing more to do.
    Stopped,
    /// An update of this program was installed: the caller should become the new binary
    /// ([`restart_into_update`]).
    UpdateInstalled,
}

impl StartedHost {
    /// The address the host listens on (the port is real even when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.host.local_addr()
    }

    /// The data directory this host holds.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The admin token's file (`<data-dir>/admin.token`).
    pub fn token_file(&self) -> &Path {
        &self.token_file
    }

    /// A new one-time login link for the web UI (valid once, for a minute).
    pub fn login_link(&self) -> LoginLink {
        self.host.login_link()
    }

    /// Stops the host gracefully from anywhere (requests in flight finish, the runtime is
    /// stopped); [`StartedHost::wait`] then returns.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.host.shutdown_handle()
    }

    /// SIGINT/SIGTERM, registered before the address was announced (so a signal right after
    /// start is never fatal). Taken once; an embedder routes them through its own quit path.
    pub fn take_signals(&mut self) -> Option<StopSignals> {
        self.signals.take()
    }

    /// Waits until the host has stopped (runtime included), gives queued telemetry one
    /// bounded chance to leave, and releases the data dir (removing `runtime.port`).
    pub async fn wait(self) -> Result<Stopped, StartError> {
        let Self {
            host,
            lock,
            telemetry,
            updater,
            ..
        } = self;
        host.wait().await?;
        let _ = tokio::time::timeout(Duration::from_secs(3), telemetry.flush()).await;
        drop(lock);
        if updater.restart_requested().borrow().is_some() {
            return Ok(Stopped::UpdateInstalled);
        }
        Ok(Stopped::Stopped)
    }
}

/// The address of the live host holding the data dir, when `err` says [`start`] failed
/// because one already runs there (`None` inside when it has not announced its address yet).
pub fn already_running(err: &StartError) -> Option<Option<SocketAddr>> {
    match err.downcast_ref::<StoreError>()? {
        StoreError::AlreadyRunning { addr, .. } => {
            Some(addr.as_deref().and_then(|a| a.parse().ok()))
        }
        _ => None,
    }
}

/// Starts the headless host, prints where it listens, and serves until SIGINT or SIGTERM;
/// after an installed update it becomes the new binary.
pub async fn run(options: Options) -> Result<(), StartError> {
    let mut started = start(options).await?;
    let bound = started.local_addr();
    println!(
        "{}",
        serde_json::json!({
            "event": "listening",
            "addr": bound.to_string(),
            "url": format!("http://{bound}/"),
            "data_dir": started.data_dir().display().to_string(),
            "token_file": started.token_file().display().to_string(),
            "pid": std::process::id(),
        })
    );
    // A person at a terminal gets a link that logs the browser in; a service manager's log or
    // a pipe never sees one (a login code is a credential for a minute).
    if std::io::stderr().is_terminal() {
        let link = started.login_link();
        eprintln!(
            "Open the web UI: {}\n  (a one-time login link, valid {} s; `pryx open` makes another)",
            link.url,
            link.expires_in.as_secs()
        );
    }
    if let Some(signals) = started.take_signals() {
        tokio::spawn(signals.stop_on_signal(started.shutdown_handle()));
    }
    match started.wait().await? {
        Stopped::Stopped => Ok(()),
        Stopped::UpdateInstalled => restart_into_update(),
    }
}

/// Becomes the updated binary (see [`Stopped::UpdateInstalled`]).
pub fn restart_into_update() -> Result<(), StartError> {
    restart(&updater_executable()?)
}

/// Composes and starts the host for `options`: takes the data dir (one host per data dir:
/// a second start fails with an error [`already_running`] recognises), installs the logger,
/// binds the port, starts the runtime's supervisor and the server. Returns once it serves.
pub async fn start(options: Options) -> Result<StartedHost, StartError> {
    // Nothing in the data dir is read before it passed the ownership checks, and nothing is
    // started before this process holds it: one host per data dir.
    let data = DataDir::open(resolve_data_dir(options.data_dir.clone())?)?;
    let mut lock = data.lock()?;
    let data_dir = data.path().to_path_buf();
    let cwd = std::env::current_dir()?;
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from));
    let roots =
        SkillRoots::standard(&data_dir, exe_dir, cwd).with_env(|name| std::env::var(name).ok());
    data.check_outside_file(&roots.enabled_file)?;

    // Telemetry export is decided before the logger is installed: its span layer is part of it.
    let telemetry_config = FileConfigStore::new(&data_dir)
        .load()
        .await
        .map(|s| s.config)
        .unwrap_or_default();
    let (otlp, off_reason) =
        match pryx_telemetry::otlp::resolve(|k| std::env::var(k).ok(), &telemetry_config) {
            Resolved::On(settings) => {
                match OtlpTelemetry::start(settings, &tokio::runtime::Handle::current()) {
                    Ok(otlp) => (Some(otlp), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
            Resolved::Off(reason) => (None, Some(reason)),
        };
    let logging = pryx_telemetry::init_host_logging(HostLogOptions {
        data_dir: Some(&data_dir),
        span_layer: otlp.as_ref().map(|o| o.span_layer()),
        ..HostLogOptions::default()
    })?;
    if let Some(e) = &logging.file_error {
        tracing::warn!("{e}; logging to stderr only");
    }
    if let Some(otlp) = &otlp {
        let _ = logging.sinks.errors.set(otlp.clone());
        tracing::info!(endpoint = %otlp.status().endpoint.unwrap_or_default(), "telemetry export on");
    }

    let addr = SocketAddr::new(options.bind, options.port);
    if !options.bind.is_loopback() {
        if !options.allow_remote {
            return Err(format!(
                "--bind {} is not a loopback address: other machines could reach the admin API. \
                 Add --allow-remote if that is what you want.",
                options.bind
            )
            .into());
        }
        tracing::warn!(%addr, "listening on a non-loopback address: other machines can reach the admin API (token still required)");
    }

    let token_file = TokenFile::in_data_dir(&data_dir);
    let token = token_file.load_or_create(
        |t| t.len() >= MIN_TOKEN_LEN && AdminToken::new(t).is_ok(),
        || AdminToken::generate().expose().to_owned(),
    )?;
    // Revisions keyed by the install's secret: they reveal nothing and survive a restart.
    let revision_key = RevisionKey::derive_from(token.as_bytes());
    let mut policy = SecurityPolicy::new(AdminToken::new(token)?);
    policy.extra_hosts = options.allowed_hosts.clone();
    policy.extra_origins = options.allowed_origins.clone();

    // Take the port before starting anything (a second host must not spawn a second runtime),
    // and listen for signals before announcing the address, so a stop right after start is clean.
    let listener = bind_std(addr)?;
    lock.announce(listener.local_addr()?)?;
    let signals = StopSignals::install()?;

    let events = EventHub::new(EventHub::DEFAULT_CAPACITY);
    let approvals = ApprovalService::new(events.clone());
    logging.live.attach(events.clone());
    if let Some(otlp) = &otlp {
        let hub = events.clone();
        let _ = otlp
            .observed()
            .ws_clients
            .set(Arc::new(move || hub.subscriber_count() as u64));
    }
    let telemetry: Arc<dyn TelemetrySink> = match &otlp {
        Some(otlp) => otlp.clone(),
        None => Arc::new(NoopTelemetry::because(off_reason.unwrap_or_default())),
    };
    let config_store = FileConfigStore::new(&data_dir).with_revision_key(revision_key);
    // One update service for the API and the runtime's `updater.*` calls, so one apply at a
    // time holds across both.
    let updater = Arc::new(updater(&options)?);
    let updates = UpdateService::new(updater.clone());
    let runtime: Arc<dyn RuntimeBridge> = match &options.runtime {
        Some(program) => {
            let mut config = SidecarConfig::new(program).with_args(options.runtime_args.clone());
            let ms = Duration::from_millis;
            config.ping_interval = ms(options.runtime_ping_interval_ms);
            config.ping_misses = options.runtime_ping_misses;
            config.restart.max_restarts = options.runtime_max_restarts;
            config.call_timeout = ms(options.runtime_call_timeout_ms);
            config.handshake_timeout = ms(options.runtime_handshake_timeout_ms);
            config.approval_timeout = ms(options.runtime_approval_timeout_ms);
            config.shutdown_grace = ms(options.runtime_shutdown_grace_ms);
            config.kill_grace = ms(options.runtime_kill_grace_ms);
            // Protocol 1.1: where the runtime finds the config, and which version it is.
            config.data_dir = Some(data_dir.clone());
            config.config_path = Some(config_store.path().to_path_buf());
            config.config_revision = config_store.load().await.ok().map(|c| c.revision.0);
            let handles = HostHandles {
                events: events.clone(),
                approvals: approvals.clone(),
                telemetry: telemetry.clone(),
                updates: updates.clone(),
            };
            SidecarBridge::start(config, handles)
        }
        None => Arc::new(NoRuntime::default()),
    };
    let runtime = match &otlp {
        Some(otlp) => {
            let _ = otlp.observed().runtime.set(runtime.clone());
            TracedRuntime::wrap(runtime)
        }
        None => runtime,
    };
    let adapters = Adapters {
        config: Arc::new(config_store),
        skills: Arc::new(SkillDirectories::new(roots, MachineProbe::from_process())),
        runtime,
        telemetry: telemetry.clone(),
    };

    let host = Host::builder(adapters)
        .listener(listener)
        .event_hub(events)
        .approvals(approvals)
        .security(policy)
        .updates(updates)
        .logs(logging.ring.clone())
        .start()
        .await?;
    // An installed update stops the host the same clean way a signal does (requests in flight,
    // the apply's own answer included, finish; the runtime is stopped); `wait` then says so.
    let mut installed = updater.restart_requested();
    let stop = host.shutdown_handle();
    tokio::spawn(async move {
        if installed.wait_for(Option::is_some).await.is_ok() {
            stop.shutdown();
        }
    });
    Ok(StartedHost {
        host,
        lock,
        telemetry,
        updater,
        data_dir,
        token_file: token_file.path().to_path_buf(),
        signals: Some(signals),
    })
}

/// The updater: the build's endpoints and key unless `--update-endpoint` / `--update-pubkey`
/// (or their environment variables) replace them; the binary to replace is this one, resolved
/// now, before any swap could make the running process's path point at the kept copy.
fn updater(options: &Options) -> Result<TauriUpdater, StartError> {
    let config = UpdaterConfig::new(env!("CARGO_PKG_VERSION"), updater_executable()?)
        .with_endpoints(options.update_endpoints.clone())
        .with_pubkey(options.update_pubkey.clone());
    let updater = TauriUpdater::new(config);
    if let Some(problem) = updater.problem() {
        tracing::info!(%problem, "updates are off");
    }
    Ok(updater)
}

/// This program's path, resolved once: after a swap, the running process's own path may
/// name the kept old copy.
fn updater_executable() -> Result<PathBuf, StartError> {
    static EXE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    EXE.get_or_init(|| std::env::current_exe().ok())
        .clone()
        .ok_or_else(|| "cannot find this program's own path, needed to update it".into())
}

/// Becomes the updated binary with the same arguments: `exec` on Unix (same process id, so a
/// service manager sees one process throughout), a new process on other systems.
fn restart(executable: &std::path::Path) -> Result<(), StartError> {
    tracing::info!(exe = %executable.display(), "restarting into the updated binary");
    let mut command = pryx_update::restart_command(executable);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let err = command.exec();
        Err(format!(
            "the update is installed but restarting into {} failed: {err}; start it by hand (the previous binary is kept as {})",
            executable.display(),
            pryx_update::kept_path(executable).display()
        )
        .into())
    }
    #[cfg(not(unix))]
    {
        command.spawn()?;
        Ok(())
    }
}

/// `--data-dir`, else `PRYX_HOME` (folded into the flag by clap), else `~/.pryx`.
pub fn resolve_data_dir(flag: Option<PathBuf>) -> Result<PathBuf, StartError> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let home = directories::BaseDirs::new()
        .ok_or("cannot find your home directory; pass --data-dir or set PRYX_HOME")?;
    Ok(home.home_dir().join(".pryx"))
}

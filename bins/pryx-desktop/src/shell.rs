//! The app's state and its few moves: show the host's UI logged in, show a problem page,
//! hide to the tray, quit (host and runtime stopped first, bounded), restart after an update.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::json;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager, Url};

use crate::host_client::HostClient;
use crate::launch::{self, Backend};
use crate::probe;
use crate::problem::Problem;
use crate::status::{Ownership, StatusLines};
use crate::tray::TrayItems;

/// The local page the window shows while the host starts (`local/index.html`).
pub const STARTING_PAGE: &str = "index.html";
/// Where the problem page is served (see [`crate::problem`]).
pub const PROBLEM_URL: &str = "pryx-local://localhost/problem";
/// How long Quit waits for the embedded host (and its runtime) to stop before exiting anyway.
pub const QUIT_PATIENCE: Duration = Duration::from_secs(8);

/// The host the window shows, once known.
#[derive(Clone)]
pub struct Connected {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Ours or attached.
    pub owner: Ownership,
    /// Its admin API.
    pub client: HostClient,
}

/// The app's shared state (managed by Tauri).
#[derive(Default)]
pub struct Shell {
    /// The tray's changing items, once built.
    pub tray: OnceLock<TrayItems>,
    connected: Mutex<Option<Connected>>,
    problem: Mutex<Option<Problem>>,
    embedded: Mutex<Option<EmbeddedHost>>,
    quitting: AtomicBool,
}

struct EmbeddedHost {
    stop: pryx_server::ShutdownHandle,
    done: JoinHandle<Result<pryx_core::Stopped, String>>,
}

impl Shell {
    /// The problem the window shows, if any.
    pub fn problem(&self) -> Option<Problem> {
        self.problem.lock().ok()?.clone()
    }

    fn connected(&self) -> Option<Connected> {
        self.connected.lock().ok()?.clone()
    }

    /// The tray's status lines now: from the host's health, or why there is none.
    pub async fn current_status(&self) -> StatusLines {
        if let Some(c) = self.connected() {
            let health = c.client.health().await;
            StatusLines::from_health(
                c.owner,
                c.addr.port(),
                health.as_ref().map_err(String::as_str),
            )
        } else if self.problem().is_some() {
            StatusLines::failed()
        } else {
            StatusLines::starting()
        }
    }

    /// Shows `text` as the tray's update line.
    pub fn show_updates(&self, text: &str) {
        if let Some(items) = self.tray.get() {
            items.show_updates(text);
        }
    }
}

/// Starts (or attaches to) the host, then logs the window in; on failure shows the problem
/// page. Runs once, from setup.
pub async fn bring_up(app: AppHandle, options: pryx_core::Options) {
    let data_dir = match launch::data_dir_of(&options) {
        Ok(dir) => dir,
        Err(why) => return show_problem(&app, Problem::host_did_not_start(&why)),
    };
    match launch::launch(options, &data_dir).await {
        Ok(backend) => connect(&app, backend, data_dir).await,
        Err(why) => show_problem(&app, Problem::host_did_not_start(&why)),
    }
}

async fn connect(app: &AppHandle, backend: Backend, data_dir: PathBuf) {
    let shell = app.state::<Shell>();
    let (addr, owner) = match backend {
        Backend::Embedded(host) => {
            let addr = host.local_addr();
            let stop = host.shutdown_handle();
            let watcher = app.clone();
            let done = tauri::async_runtime::spawn(async move {
                let outcome = host.wait().await.map_err(|e| e.to_string());
                host_stopped(&watcher, &outcome);
                outcome
            });
            if let Ok(mut slot) = shell.embedded.lock() {
                *slot = Some(EmbeddedHost { stop, done });
            }
            (addr, Ownership::Embedded)
        }
        Backend::Attached { addr } => (addr, Ownership::Attached),
    };
    let mode = match owner {
        Ownership::Embedded => "embedded",
        Ownership::Attached => "attached",
    };
    probe::emit(
        "host",
        json!({ "mode": mode, "addr": addr.to_string(), "data_dir": data_dir.display().to_string() }),
    );
    let client = match HostClient::new(addr, &data_dir) {
        Ok(client) => client,
        Err(why) => return show_problem(app, Problem::login_failed(&why)),
    };
    if let Ok(mut slot) = shell.connected.lock() {
        *slot = Some(Connected {
            addr,
            owner,
            client,
        });
    }
    log_in(app).await;
}

/// Navigates the window to a fresh one-time login URL of the host (the code is in the
/// fragment; the admin token never enters the webview).
pub async fn log_in(app: &AppHandle) {
    let Some(connected) = app.state::<Shell>().connected() else {
        return;
    };
    let url = match connected.client.login_url().await {
        Ok(url) => url,
        Err(why) => return show_problem(app, Problem::login_failed(&why)),
    };
    let Ok(url) = Url::parse(&url) else {
        return show_problem(
            app,
            Problem::login_failed("the host sent a malformed login URL"),
        );
    };
    if let Some(window) = app.get_webview_window("main") {
        if let Ok(mut problem) = app.state::<Shell>().problem.lock() {
            *problem = None;
        }
        let _ = window.navigate(url);
    }
}

/// Shows `problem` in the window (the local problem page) and on the probe.
pub fn show_problem(app: &AppHandle, problem: Problem) {
    probe::emit(
        "problem",
        json!({ "title": problem.title, "detail": problem.detail, "fix": problem.fix }),
    );
    tracing::error!(title = %problem.title, detail = %problem.detail, "the window shows a problem");
    if let Ok(mut slot) = app.state::<Shell>().problem.lock() {
        *slot = Some(problem);
    }
    if let (Some(window), Ok(url)) = (app.get_webview_window("main"), Url::parse(PROBLEM_URL)) {
        let _ = window.navigate(url);
        let _ = window.show();
    }
}

/// "Open" (and a second launch): shows and focuses the window; re-logs in when the page is
/// not the host's UI (a problem page after the host came back, or a stale session).
pub fn open_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
        let on_host = window
            .url()
            .is_ok_and(|u| u.scheme() == "http" || u.scheme() == "https");
        if !on_host {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { log_in(&app).await });
        }
    }
}

/// The embedded host stopped: after Quit that is expected; after an installed update the app
/// restarts into it; otherwise the window says so.
fn host_stopped(app: &AppHandle, outcome: &Result<pryx_core::Stopped, String>) {
    let shell = app.state::<Shell>();
    if shell.quitting.load(Ordering::SeqCst) {
        return;
    }
    match outcome {
        Ok(pryx_core::Stopped::UpdateInstalled) => restart_after_update(app.clone()),
        Ok(pryx_core::Stopped::Stopped) => show_problem(
            app,
            Problem::host_did_not_start("the embedded host stopped"),
        ),
        Err(why) => show_problem(app, Problem::host_did_not_start(why)),
    }
}

/// Stops the embedded host (requests finish, the runtime is stopped), at most
/// [`QUIT_PATIENCE`]; an attached host is left running. Returns whether it stopped in time.
async fn stop_host(app: &AppHandle) -> bool {
    let embedded = app
        .state::<Shell>()
        .embedded
        .lock()
        .ok()
        .and_then(|mut e| e.take());
    let Some(EmbeddedHost { stop, done }) = embedded else {
        return true;
    };
    stop.shutdown();
    matches!(
        tokio::time::timeout(QUIT_PATIENCE, done).await,
        Ok(Ok(Ok(_)))
    )
}

/// Quit: once, whatever asks (the tray, SIGTERM/SIGINT): the host and runtime stop first,
/// then the app exits.
pub fn quit(app: AppHandle) {
    if app.state::<Shell>().quitting.swap(true, Ordering::SeqCst) {
        return;
    }
    tauri::async_runtime::spawn(async move {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.hide();
        }
        let clean = stop_host(&app).await;
        probe::emit("quit", json!({ "host_stopped_cleanly": clean }));
        app.exit(if clean { 0 } else { 1 });
    });
}

/// After an update was installed: stop the host and runtime, then become the new version.
pub fn restart_after_update(app: AppHandle) {
    if app.state::<Shell>().quitting.swap(true, Ordering::SeqCst) {
        return;
    }
    tauri::async_runtime::spawn(async move {
        stop_host(&app).await;
        app.restart();
    });
}

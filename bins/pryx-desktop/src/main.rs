//! `pryx-desktop`: Pryx host with a window. The host runs in this process through the same
//! composition as headless (`pryx_core::start`: same adapters, same runtime supervision); when
//! a host already holds the data dir, the window attaches to it instead. The window shows the
//! host's UI logged in through a one-time code, or a local page saying why it cannot.
//! Flags and environment are `pryx-core`'s (`--data-dir`, `--port`, `--runtime`, …).
//! See docs/desktop.md.

mod host_client;
mod launch;
mod probe;
mod problem;
mod shell;
mod status;
mod tray;
mod updates;

use std::time::Duration;

use clap::Parser as _;
use serde_json::json;
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};

use crate::problem::{PROBLEM_PAGE_CSP, Problem};
use crate::shell::Shell;

fn main() {
    let options = pryx_core::Options::parse();
    // reqwest (ours and the updater's) is built on rustls without a default provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = tauri::Builder::default()
        // First, so a second launch hands over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            probe::emit("second-instance", json!({}));
            shell::open_window(app);
        }))
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(Shell::default())
        .register_uri_scheme_protocol("pryx-local", |ctx, _request| problem_page(ctx.app_handle()))
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Closing hides to the tray; Quit (tray) is what stops the host.
                api.prevent_close();
                let _ = window.hide();
                probe::emit("hidden", json!({}));
            }
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let items = tray::install(&handle)?;
            let _ = app.state::<Shell>().tray.set(items);
            main_window(&handle)?;
            let mut options = options;
            let (endpoints, pubkey) = updates::configured(&handle);
            if options.update_endpoints.is_empty() {
                options.update_endpoints = endpoints;
            }
            if options.update_pubkey.is_none() {
                options.update_pubkey = pubkey;
            }
            tauri::async_runtime::spawn(quit_on_signal(handle.clone()));
            let bring_up = tauri::async_runtime::spawn(shell::bring_up(handle.clone(), options));
            let watcher = handle.clone();
            tauri::async_runtime::spawn(async move {
                // Never a page that waits forever: a bug in bringing the host up is shown too.
                if let Err(e) = bring_up.await {
                    shell::show_problem(
                        &watcher,
                        Problem::host_did_not_start(&format!("internal error: {e}")),
                    );
                }
            });
            tauri::async_runtime::spawn(tray::refresh_forever(handle));
            probe::emit("ready", json!({ "pid": std::process::id() }));
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("pryx-desktop: cannot start the window: {e}");
            std::process::exit(2);
        }
    };
    app.run(|_app, event| {
        // The hidden window is not a reason to exit; only Quit is.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}

/// The one window: the local starting page until the host's UI (or the problem page) is
/// known. Its title follows the page's, so the window manager (and a test) sees which page
/// is up.
fn main_window(app: &AppHandle) -> tauri::Result<()> {
    WebviewWindowBuilder::new(app, "main", WebviewUrl::App(shell::STARTING_PAGE.into()))
        .title("Pryx")
        .inner_size(1100.0, 760.0)
        .on_document_title_changed(|window, title| {
            let _ = window.set_title(&title);
            probe::emit("title", json!({ "title": title }));
            if probe::enabled() {
                let app = window.app_handle().clone();
                tauri::async_runtime::spawn(probe_dom(app));
            }
        })
        .on_page_load(|_window, payload| {
            if payload.event() == PageLoadEvent::Finished {
                let url = probe::without_fragment(payload.url().as_str()).to_owned();
                probe::emit("page", json!({ "url": url }));
            }
        })
        .build()?;
    Ok(())
}

/// Test-only: reads the page's DOM a few times (the dashboard renders after its first
/// fetches) and prints each new reading.
async fn probe_dom(app: AppHandle) {
    let mut last = String::new();
    for _ in 0..10 {
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        let asked = window.eval_with_callback(probe::DOM_PROBE_JS, move |result| {
            if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
                let _ = tx.send(result);
            }
        });
        let answered = match asked {
            Ok(()) => tokio::time::timeout(Duration::from_secs(2), rx).await.ok(),
            Err(_) => None,
        };
        if let Some(Ok(result)) = answered {
            // The script returns a JSON string; the callback gets it JSON-encoded again.
            let text: String = serde_json::from_str(&result).unwrap_or(result);
            if text != last {
                let reading: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                probe::emit("dom", reading);
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// SIGTERM/SIGINT go through the tray's Quit: the same clean, bounded stop.
async fn quit_on_signal(app: AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        probe::emit("signal", json!({}));
        tray::on_menu(&app, "quit");
    }
}

/// `pryx-local://localhost/problem`: the current problem, rendered, with its own strict CSP.
fn problem_page(app: &AppHandle) -> http::Response<Vec<u8>> {
    let page = app
        .state::<Shell>()
        .problem()
        .unwrap_or_else(|| Problem::host_did_not_start("no problem recorded"))
        .render();
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CONTENT_SECURITY_POLICY, PROBLEM_PAGE_CSP)
        .body(page.into_bytes())
        .unwrap_or_default()
}

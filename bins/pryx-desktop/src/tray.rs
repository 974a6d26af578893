//! The tray icon: status lines (from the host's health, refreshed every 2 s), Open, Check for
//! updates, Quit. Closing the window only hides it; the tray is how to get it back or quit.

use std::time::Duration;

use serde_json::json;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::shell::{self, Shell};
use crate::status::StatusLines;
use crate::{probe, updates};

/// How often the status lines are refreshed from the host's health.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The menu items whose text changes.
pub struct TrayItems {
    host: MenuItem<Wry>,
    runtime: MenuItem<Wry>,
    updates: MenuItem<Wry>,
}

impl TrayItems {
    /// Shows `lines` (and says so on the probe when they changed).
    pub fn show(&self, app: &AppHandle, lines: &StatusLines) {
        let _ = self.host.set_text(&lines.host);
        let _ = self.runtime.set_text(&lines.runtime);
        if let Some(tray) = app.tray_by_id("main") {
            let _ = tray.set_tooltip(Some(format!("Pryx\n{}\n{}", lines.host, lines.runtime)));
        }
    }

    /// Shows the outcome of the last update check.
    pub fn show_updates(&self, text: &str) {
        let _ = self.updates.set_text(text);
    }
}

/// Builds the tray icon and its menu.
pub fn install(app: &AppHandle) -> tauri::Result<TrayItems> {
    let starting = StatusLines::starting();
    let host = MenuItem::with_id(app, "status-host", &starting.host, false, None::<&str>)?;
    let runtime = MenuItem::with_id(
        app,
        "status-runtime",
        &starting.runtime,
        false,
        None::<&str>,
    )?;
    let updates = MenuItem::with_id(
        app,
        "status-updates",
        "Updates: not checked",
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, "open", "Open Pryx", true, None::<&str>)?;
    let check = MenuItem::with_id(
        app,
        "check-updates",
        "Check for updates",
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit Pryx", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &host,
            &runtime,
            &updates,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &check,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id("main")
        .menu(&menu)
        .tooltip("Pryx")
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(TrayItems {
        host,
        runtime,
        updates,
    })
}

/// What each menu entry does; the same entry points serve the test's signal path.
pub fn on_menu(app: &AppHandle, id: &str) {
    probe::emit("menu", json!({ "id": id }));
    match id {
        "open" => shell::open_window(app),
        "check-updates" => updates::check_from_menu(app.clone()),
        "quit" => shell::quit(app.clone()),
        _ => {}
    }
}

/// Keeps the status lines current: every [`REFRESH`], the host's health decides them.
pub async fn refresh_forever(app: AppHandle) {
    let mut last: Option<StatusLines> = None;
    loop {
        let shell = app.state::<Shell>();
        let lines = shell.current_status().await;
        if last.as_ref() != Some(&lines) {
            if let Some(items) = shell.tray.get() {
                items.show(&app, &lines);
            }
            probe::emit(
                "status",
                json!({ "host": lines.host, "runtime": lines.runtime }),
            );
            last = Some(lines);
        }
        tokio::time::sleep(REFRESH).await;
    }
}

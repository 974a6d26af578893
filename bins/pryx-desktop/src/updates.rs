//! Updates of the desktop app: Tauri's updater plugin, configured in `tauri.conf.json`
//! (`plugins.updater`: our https manifest endpoint and minisign public key). The embedded
//! host's own updater (`pryx-update`, behind `/api/v1/update`) is given the same endpoint and
//! key, so both agree on where updates come from and who signs them.

use serde_json::json;
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::UpdaterExt as _;

use crate::probe;
use crate::shell::{self, Shell};

/// The updater endpoints and public key from the app's config (`plugins.updater`).
pub fn configured(app: &AppHandle) -> (Vec<String>, Option<String>) {
    let config = app.config().plugins.0.get("updater");
    let endpoints = config
        .and_then(|c| c["endpoints"].as_array())
        .map(|list| {
            list.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let pubkey = config.and_then(|c| c["pubkey"].as_str()).map(str::to_owned);
    (endpoints, pubkey)
}

/// "Check for updates": asks the manifest endpoint; an available update is downloaded,
/// verified against the configured key, installed, and the app restarts into it after the
/// host and runtime stopped (never two copies at once).
pub fn check_from_menu(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        shell.show_updates("Updates: checking…");
        let text = match check_and_install(&app).await {
            Ok(None) => "Updates: up to date".to_owned(),
            Ok(Some(version)) => {
                shell.show_updates(&format!("Updates: {version} installed, restarting…"));
                shell::restart_after_update(app.clone());
                return;
            }
            Err(e) => format!("Updates: check failed ({e})"),
        };
        probe::emit("updates", json!({ "result": text }));
        shell.show_updates(&text);
    });
}

async fn check_and_install(app: &AppHandle) -> Result<Option<String>, String> {
    let updater = app.updater().map_err(|e| e.to_string())?;
    let Some(update) = updater.check().await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let version = update.version.clone();
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(|e| e.to_string())?;
    Ok(Some(version))
}

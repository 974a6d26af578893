//! Legacy mode: serving a runtime that predates protocol 1.0 (it answers `initialize` with
//! -32601, like today's Go runtime) over the methods it does implement.
//!
//! What the mode costs is listed, as stable ids, in the status's `missing_features`
//! (`docs/ipc-protocol.md` §10): the host sends it no notifications (`config.changed`,
//! `skills.changed`) and no `shutdown` (it is stopped with SIGTERM), and when it has no
//! `admin.providers.list` the providers are read from `admin.health` and `admin.config.get`.

use std::time::Duration;

use pryx_core_api::{Model, Provider, Value};
use serde::Serialize;

use crate::error::IpcError;
use crate::message::codes;
use crate::peer::Peer;
use crate::protocol::{ModelsParams, ModelsResult, ProvidersResult, methods};

/// Its version and capabilities are unknown (no handshake).
pub const NO_HANDSHAKE: &str = "handshake";
/// It hears of no config or skill change (no `config.changed`, `skills.changed`); restart it to
/// apply one.
pub const NO_CONFIG_RELOAD: &str = "config_reload";
/// It is stopped with SIGTERM, not asked with `shutdown`.
pub const NO_GRACEFUL_SHUTDOWN: &str = "graceful_shutdown";
/// Its live events stay on its own `/ws` (no `event.publish`).
pub const NO_HOST_EVENTS: &str = "host_events";
/// No `admin.providers.list`: providers are ids read from `admin.health` and
/// `admin.config.get`, and a provider's models are only the configured `model_name`.
pub const NO_PROVIDER_CATALOG: &str = "provider_catalog";

/// What a legacy runtime turned out to implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Legacy {
    /// Whether it answers `admin.providers.list`.
    pub(crate) has_providers: bool,
}

#[derive(Serialize)]
struct NoParams {}

impl Legacy {
    /// Asks it once which optional methods it has.
    pub(crate) async fn probe(peer: &Peer, timeout: Duration) -> Legacy {
        let answer = peer
            .call::<_, ProvidersResult>(methods::ADMIN_PROVIDERS_LIST, &NoParams {}, timeout)
            .await;
        let has_providers = match answer {
            Ok(_) => true,
            Err(IpcError::Rpc { error, .. }) if error.code == codes::METHOD_NOT_FOUND => false,
            Err(e) => {
                tracing::warn!(target: "pryx_ipc", error = %e, "legacy runtime: admin.providers.list failed; reading providers from its health and config");
                false
            }
        };
        Legacy { has_providers }
    }

    /// What serving it in this mode costs, as the stable ids above.
    pub(crate) fn missing_features(self) -> Vec<String> {
        let mut missing = vec![
            NO_HANDSHAKE,
            NO_CONFIG_RELOAD,
            NO_GRACEFUL_SHUTDOWN,
            NO_HOST_EVENTS,
        ];
        if !self.has_providers {
            missing.push(NO_PROVIDER_CATALOG);
        }
        missing.into_iter().map(str::to_owned).collect()
    }

    /// The sentence health shows.
    pub(crate) fn detail(self) -> String {
        format!(
            "legacy runtime: it does not implement `initialize` (it predates protocol 1.0), so \
             it is served in compatibility mode; not available: {}",
            self.missing_features().join(", ")
        )
    }

    /// Its providers: `admin.providers.list` when it has it, else the ids named by its health
    /// (`providers`) and config (`model_provider`, `configured_providers`).
    pub(crate) async fn providers(
        self,
        peer: &Peer,
        timeout: Duration,
    ) -> Result<Vec<Provider>, IpcError> {
        if self.has_providers {
            let result: ProvidersResult = peer
                .call(methods::ADMIN_PROVIDERS_LIST, &NoParams {}, timeout)
                .await?;
            return Ok(result.providers);
        }
        let ids = derived(peer, timeout).await?;
        Ok(ids
            .into_iter()
            .map(|id| Provider {
                name: id.clone(),
                id,
                requires_api_key: false,
                configured: true,
            })
            .collect())
    }

    /// The models of `provider_id`; `Ok(None)` when it has no such provider.
    pub(crate) async fn models(
        self,
        peer: &Peer,
        timeout: Duration,
        provider_id: &str,
    ) -> Result<Option<Vec<Model>>, IpcError> {
        if self.has_providers {
            let params = ModelsParams {
                provider_id: provider_id.to_owned(),
            };
            match peer
                .call::<_, ModelsResult>(methods::ADMIN_PROVIDERS_MODELS, &params, timeout)
                .await
            {
                Ok(result) => return Ok(Some(result.models)),
                Err(IpcError::Rpc { error, .. }) if error.code == codes::NOT_FOUND => {
                    return Ok(None);
                }
                Err(IpcError::Rpc { error, .. }) if error.code == codes::METHOD_NOT_FOUND => {}
                Err(e) => return Err(e),
            }
        }
        let ids: Vec<String> = if self.has_providers {
            let listed = self.providers(peer, timeout).await?;
            listed.into_iter().map(|p| p.id).collect()
        } else {
            derived(peer, timeout).await?
        };
        if !ids.iter().any(|id| id == provider_id) {
            return Ok(None);
        }
        let config = config_of(peer, timeout).await?;
        let selected = str_at(&config, "model_provider") == Some(provider_id);
        Ok(Some(match str_at(&config, "model_name") {
            Some(name) if selected && !name.is_empty() => vec![Model {
                id: name.to_owned(),
                name: name.to_owned(),
            }],
            _ => Vec::new(),
        }))
    }
}

/// Its config as `admin.config.get` answers it; `null` when it does not have the method.
async fn config_of(peer: &Peer, timeout: Duration) -> Result<Value, IpcError> {
    match peer
        .call(methods::ADMIN_CONFIG_GET, &NoParams {}, timeout)
        .await
    {
        Ok(config) => Ok(config),
        Err(IpcError::Rpc { error, .. }) if error.code == codes::METHOD_NOT_FOUND => {
            Ok(Value::Null)
        }
        Err(e) => Err(e),
    }
}

/// Provider ids from its health and config, in that order without repeats.
async fn derived(peer: &Peer, timeout: Duration) -> Result<Vec<String>, IpcError> {
    let health: Value = peer
        .call(methods::ADMIN_HEALTH, &NoParams {}, timeout)
        .await?;
    let config = config_of(peer, timeout).await?;
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    };
    for list in [
        list_at(&health, "providers"),
        list_at(&config, "configured_providers"),
    ] {
        list.iter().filter_map(Value::as_str).for_each(&mut add);
    }
    if let Some(selected) = str_at(&config, "model_provider") {
        add(selected);
    }
    Ok(ids)
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.as_map()?.get(key)?.as_str()
}

fn list_at<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    match value.as_map().and_then(|m| m.get(key)) {
        Some(Value::List(items)) => items,
        _ => &[],
    }
}

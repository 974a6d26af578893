//! [`TauriUpdater`]: the [`Updater`] port over Tauri-compatible endpoints.

use async_trait::async_trait;
use pryx_core_api::{CoreError, UpdateApplied, UpdateInfo, UpdateRequest, Updater};
use tokio::sync::watch;

use crate::config::UpdaterConfig;
use crate::error::UpdateError;
use crate::fetch::{self, Announcement};
use crate::install;
use crate::manifest::Release;
use crate::signature::{TrustedKey, parse_version};

/// The updater: asks the endpoints, verifies with the trusted key, swaps the binary.
///
/// After a successful [`Updater::apply`] it raises [`TauriUpdater::restart_requested`]; the
/// process keeps running the old code until the composition root restarts it.
pub struct TauriUpdater {
    config: UpdaterConfig,
    key: Result<TrustedKey, UpdateError>,
    client: Result<reqwest::Client, String>,
    applied: watch::Sender<Option<UpdateApplied>>,
}

impl TauriUpdater {
    /// An updater with `config`. Never fails: a missing or unreadable key, or a bad endpoint,
    /// is reported by every call (and by [`TauriUpdater::problem`]) instead.
    pub fn new(config: UpdaterConfig) -> Self {
        let key = match config.pubkey.as_deref() {
            None => Err(UpdateError::NotConfigured(
                "no update public key is configured: pass --update-pubkey or set PRYX_UPDATE_PUBKEY \
                 to the contents of the .pub file `tauri signer generate` made. Unsigned updates are never installed"
                    .into(),
            )),
            Some(text) => TrustedKey::parse(text),
        };
        let client = fetch::client(&config).map_err(|e| e.to_string());
        Self {
            config,
            key,
            client,
            applied: watch::channel(None).0,
        }
    }

    /// Why this updater cannot work as configured, if it cannot (for a log line at start).
    pub fn problem(&self) -> Option<String> {
        let key = self.key.as_ref().err().map(ToString::to_string);
        key.or_else(|| {
            self.config
                .resolved_endpoints()
                .err()
                .map(|e| e.to_string())
        })
    }

    /// Becomes `Some` once an update was installed: the composition root should then stop the
    /// host cleanly and start [`UpdaterConfig::executable`] again.
    pub fn restart_requested(&self) -> watch::Receiver<Option<UpdateApplied>> {
        self.applied.subscribe()
    }

    fn current(&self) -> Result<semver::Version, UpdateError> {
        parse_version(&self.config.current_version).ok_or_else(|| {
            UpdateError::NotConfigured(format!(
                "the running version {:?} is not a semantic version",
                self.config.current_version
            ))
        })
    }

    async fn announced(&self) -> Result<(TrustedKey, reqwest::Client, Announcement), UpdateError> {
        let key = self.key.as_ref().map_err(clone_err)?.clone();
        let endpoints = self.config.resolved_endpoints()?;
        let client = self.client.clone().map_err(UpdateError::NotConfigured)?;
        let found = fetch::announcement(&client, &endpoints, &self.config).await?;
        Ok((key, client, found))
    }

    fn info(&self, release: Option<&Release>) -> UpdateInfo {
        UpdateInfo {
            current: self.config.current_version.clone(),
            available: release.map(|r| r.version.to_string()),
            notes: release.and_then(|r| r.notes.clone()),
            pub_date: release.and_then(|r| r.pub_date.clone()),
            platform: self.config.platform.name(),
        }
    }

    async fn check_inner(&self, request: &UpdateRequest) -> Result<UpdateInfo, UpdateError> {
        let current = self.current()?;
        let (_, _, found) = self.announced().await?;
        let release = match found {
            Announcement::Release(r)
                if is_wanted(&r.version, &current, request.allow_downgrade) =>
            {
                Some(r)
            }
            _ => None,
        };
        Ok(self.info(release.as_ref()))
    }

    async fn apply_inner(&self, request: &UpdateRequest) -> Result<UpdateApplied, UpdateError> {
        if let Some(done) = self.applied.borrow().as_ref() {
            return Err(UpdateError::RestartPending(done.installed.clone()));
        }
        let current = self.current()?;
        let (key, client, found) = self.announced().await?;
        let release = match found {
            Announcement::Release(r) => r,
            Announcement::Nothing => {
                return match &request.version {
                    Some(expected) => Err(UpdateError::Changed {
                        expected: expected.clone(),
                        announced: "none".into(),
                    }),
                    None => Err(UpdateError::UpToDate {
                        current: current.to_string(),
                    }),
                };
            }
        };
        if let Some(expected) = &request.version {
            if parse_version(expected).as_ref() != Some(&release.version) {
                return Err(UpdateError::Changed {
                    expected: expected.clone(),
                    announced: release.version.to_string(),
                });
            }
        }
        if release.version == current {
            return Err(UpdateError::UpToDate {
                current: current.to_string(),
            });
        }
        if release.version < current && !request.allow_downgrade {
            return Err(UpdateError::Downgrade {
                current: current.to_string(),
                announced: release.version.to_string(),
            });
        }
        let artifact = fetch::download(&client, &release, &self.config).await?;
        // Nothing touches the disk before this holds.
        key.verify(&artifact, &release.signature, &release.version)?;
        let exe = &self.config.executable;
        let binary = install::binary_from_artifact(&artifact, exe, self.config.max_artifact_bytes)?;
        drop(artifact);
        let probe = self
            .config
            .probe_args
            .clone()
            .map(|args| (args, self.config.probe_timeout));
        let kept = install::install(exe, binary, probe).await?;
        let applied = UpdateApplied {
            previous: current.to_string(),
            installed: release.version.to_string(),
            restart_needed: true,
            previous_kept_as: Some(kept.display().to_string()),
        };
        tracing::info!(from = %applied.previous, to = %applied.installed, kept = %kept.display(), "update installed; a restart is needed");
        self.applied.send_replace(Some(applied.clone()));
        Ok(applied)
    }
}

/// Whether `announced` is something to install: newer, or — when a downgrade is asked for —
/// any other version.
fn is_wanted(
    announced: &semver::Version,
    current: &semver::Version,
    allow_downgrade: bool,
) -> bool {
    announced > current || (allow_downgrade && announced != current)
}

fn clone_err(err: &UpdateError) -> UpdateError {
    match err {
        UpdateError::BadPublicKey(why) => UpdateError::BadPublicKey(why.clone()),
        other => UpdateError::NotConfigured(other.to_string()),
    }
}

#[async_trait]
impl Updater for TauriUpdater {
    async fn check(&self, request: &UpdateRequest) -> Result<UpdateInfo, CoreError> {
        Ok(self.check_inner(request).await?)
    }

    async fn apply(&self, request: &UpdateRequest) -> Result<UpdateApplied, CoreError> {
        self.apply_inner(request).await.map_err(|err| {
            tracing::warn!(%err, "update refused; nothing was changed");
            CoreError::from(err)
        })
    }
}

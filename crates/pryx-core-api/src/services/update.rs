//! Updates of the host itself: what is available, and applying it one at a time.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::error::CoreError;
use crate::ports::Updater;
use crate::update::{UpdateApplied, UpdateInfo, UpdateRequest};

/// Check for and apply updates of the host.
#[derive(Clone)]
pub struct UpdateService {
    updater: Arc<dyn Updater>,
    applying: Arc<Mutex<()>>,
}

impl UpdateService {
    /// A service over `updater`.
    pub fn new(updater: Arc<dyn Updater>) -> Self {
        Self {
            updater,
            applying: Arc::new(Mutex::new(())),
        }
    }

    /// What the update endpoints announce, compared with the running version.
    pub async fn check(&self, request: &UpdateRequest) -> Result<UpdateInfo, CoreError> {
        self.updater.check(request).await
    }

    /// Downloads, verifies and installs the announced update. One at a time: while one is
    /// being applied, another call fails at once with [`CoreError::UpdateInProgress`] instead
    /// of racing it for the binary.
    pub async fn apply(&self, request: &UpdateRequest) -> Result<UpdateApplied, CoreError> {
        let _guard = self
            .applying
            .try_lock()
            .map_err(|_| CoreError::UpdateInProgress)?;
        self.updater.apply(request).await
    }
}

impl Default for UpdateService {
    /// A service over [`NoUpdater`].
    fn default() -> Self {
        Self::new(Arc::new(NoUpdater::default()))
    }
}

/// The updater of a host composed without one: every call says so.
#[derive(Debug, Clone)]
pub struct NoUpdater {
    reason: String,
}

impl NoUpdater {
    /// An updater that answers every call with [`CoreError::UpdateNotConfigured`] and `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl Default for NoUpdater {
    fn default() -> Self {
        Self::new("this host was started without an updater")
    }
}

#[async_trait]
impl Updater for NoUpdater {
    async fn check(&self, _request: &UpdateRequest) -> Result<UpdateInfo, CoreError> {
        Err(CoreError::UpdateNotConfigured {
            reason: self.reason.clone(),
        })
    }

    async fn apply(&self, _request: &UpdateRequest) -> Result<UpdateApplied, CoreError> {
        Err(CoreError::UpdateNotConfigured {
            reason: self.reason.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockUpdater;

    fn applied() -> UpdateApplied {
        UpdateApplied {
            previous: "1.0.0".into(),
            installed: "1.1.0".into(),
            restart_needed: true,
            previous_kept_as: None,
        }
    }

    #[tokio::test]
    async fn no_updater_refuses_both_calls_with_not_configured() {
        let service = UpdateService::default();
        let request = UpdateRequest::default();
        let check = service.check(&request).await.unwrap_err();
        let apply = service.apply(&request).await.unwrap_err();
        assert_eq!(check.code(), "update_not_configured");
        assert_eq!(apply.code(), "update_not_configured");
    }

    #[tokio::test]
    async fn a_second_apply_while_one_runs_is_refused_not_queued() {
        let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let entered = std::sync::Mutex::new(Some(entered_tx));
        let mut updater = MockUpdater::new();
        updater.expect_apply().times(1).returning(move |_| {
            if let Some(tx) = entered.lock().unwrap().take() {
                let _ = tx.send(());
            }
            // Holds the apply until the test has tried a second one.
            let _ = release_rx.recv_timeout(std::time::Duration::from_secs(5));
            Ok(applied())
        });
        let service = UpdateService::new(Arc::new(updater));
        let first = {
            let service = service.clone();
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap()
                    .block_on(async move { service.apply(&UpdateRequest::default()).await })
            })
        };
        entered_rx.await.unwrap();
        let second = service.apply(&UpdateRequest::default()).await.unwrap_err();
        assert_eq!(second, CoreError::UpdateInProgress);
        release_tx.send(()).unwrap();
        assert_eq!(first.join().unwrap().unwrap(), applied());
    }
}

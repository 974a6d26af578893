//! The bridge of a host that runs without an agent runtime.

use async_trait::async_trait;
use pryx_core_api::{
    ChangeNotice, CoreError, McpTool, Model, Provider, RuntimeBridge, RuntimeStatus, Value,
};

/// A [`RuntimeBridge`] for a host with no runtime: status `unavailable`, every call fails at
/// once with [`CoreError::RuntimeUnavailable`] (no retry hint), `restart` with
/// [`CoreError::RuntimeNotConfigured`], notifications are dropped.
#[derive(Debug, Clone)]
pub struct NoRuntime {
    reason: String,
}

impl NoRuntime {
    /// A bridge that explains its absence with `reason` (shown in health and in errors).
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    fn unavailable<T>(&self) -> Result<T, CoreError> {
        Err(CoreError::RuntimeUnavailable {
            reason: self.reason.clone(),
            retry_after_secs: None,
        })
    }
}

impl Default for NoRuntime {
    fn default() -> Self {
        Self::new("no runtime is configured (start the host with --runtime <command>)")
    }
}

#[async_trait]
impl RuntimeBridge for NoRuntime {
    fn status(&self) -> RuntimeStatus {
        RuntimeStatus::unavailable(self.reason.clone())
    }
    async fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        self.unavailable()
    }
    async fn provider_models(&self, _provider_id: &str) -> Result<Vec<Model>, CoreError> {
        self.unavailable()
    }
    async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError> {
        self.unavailable()
    }
    async fn notify(&self, _change: ChangeNotice) -> Result<(), CoreError> {
        Ok(())
    }
    async fn call(&self, _method: &str, _params: Value) -> Result<Value, CoreError> {
        self.unavailable()
    }
    async fn shutdown(&self) {}
    async fn restart(&self) -> Result<RuntimeStatus, CoreError> {
        Err(CoreError::RuntimeNotConfigured {
            reason: self.reason.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::RuntimeState;

    #[tokio::test]
    async fn reports_unavailable_and_fails_fast() {
        let rt = NoRuntime::default();
        assert_eq!(rt.status().state, RuntimeState::Unavailable);
        let err = rt.providers().await.unwrap_err();
        assert_eq!(err.code(), "runtime_unavailable");
        assert!(matches!(
            err,
            CoreError::RuntimeUnavailable {
                retry_after_secs: None,
                ..
            }
        ));
        let err = rt.restart().await.unwrap_err();
        assert_eq!(err.code(), "runtime_not_configured");
        assert!(
            rt.notify(ChangeNotice::SkillToggled {
                id: "x".into(),
                enabled: true
            })
            .await
            .is_ok()
        );
    }
}

//! What the runtime offers: providers, models, MCP tools.

use std::sync::Arc;

use crate::config::redact_outbound;
use crate::error::CoreError;
use crate::ports::RuntimeBridge;
use crate::runtime::{McpTool, Model, Provider, RuntimeStatus};
use crate::value::Value;

/// Ask the runtime what it offers.
#[derive(Clone)]
pub struct RuntimeService {
    runtime: Arc<dyn RuntimeBridge>,
}

impl RuntimeService {
    pub(crate) fn new(runtime: Arc<dyn RuntimeBridge>) -> Self {
        Self { runtime }
    }

    /// The runtime's status.
    pub fn status(&self) -> RuntimeStatus {
        self.runtime.status()
    }

    /// Model providers.
    pub async fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        self.runtime.providers().await
    }

    /// Models of one provider.
    pub async fn provider_models(&self, provider_id: &str) -> Result<Vec<Model>, CoreError> {
        self.runtime.provider_models(provider_id).await
    }

    /// MCP tools.
    pub async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError> {
        self.runtime.mcp_tools().await
    }

    /// Starts the runtime again with a fresh restart budget (e.g. after it `failed`) and returns
    /// its new status.
    pub async fn restart(&self) -> Result<RuntimeStatus, CoreError> {
        self.runtime.restart().await
    }

    /// Forwards a client's call (chat, approvals, sessions) to the runtime. The answer is
    /// redacted before it is returned ([`redact_outbound`]): whatever the runtime puts in it, a
    /// secret never leaves the host.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError> {
        let mut answer = self.runtime.call(method, params).await?;
        redact_outbound(&mut answer);
        Ok(answer)
    }
}

//! A [`RuntimeBridge`] decorator: every call to the runtime runs in an `ipc.call` span (target
//! [`crate::IPC_SPAN_TARGET`]), so export shows IPC calls and their latency. Status reads are
//! not traced (they do no I/O).

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use pryx_core_api::{
    ChangeNotice, CoreError, McpTool, Model, Provider, RuntimeBridge, RuntimeStatus, Value,
};
use tracing::Instrument;

/// Wraps a runtime so each of its calls is a span.
pub struct TracedRuntime {
    inner: Arc<dyn RuntimeBridge>,
}

impl TracedRuntime {
    /// Wraps `inner`.
    pub fn wrap(inner: Arc<dyn RuntimeBridge>) -> Arc<dyn RuntimeBridge> {
        Arc::new(Self { inner })
    }
}

async fn traced<T>(
    method: &str,
    call: impl Future<Output = Result<T, CoreError>>,
) -> Result<T, CoreError> {
    // The method may come from a client: keep span names and metric attributes short.
    let method = crate::capture::clip(method, 64);
    let span = tracing::info_span!(
        target: "pryx_ipc_call",
        "ipc.call",
        otel.name = %format_args!("ipc {method}"),
        otel.kind = "client",
        rpc.system = "jsonrpc",
        rpc.method = method,
        outcome = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let result = call.instrument(span.clone()).await;
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(e) => {
            span.record("otel.status_code", "ERROR");
            span.record("outcome", e.code())
        }
    };
    result
}

#[async_trait]
impl RuntimeBridge for TracedRuntime {
    fn status(&self) -> RuntimeStatus {
        self.inner.status()
    }
    async fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        traced("providers.list", self.inner.providers()).await
    }
    async fn provider_models(&self, provider_id: &str) -> Result<Vec<Model>, CoreError> {
        traced("providers.models", self.inner.provider_models(provider_id)).await
    }
    async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError> {
        traced("mcp.tools.list", self.inner.mcp_tools()).await
    }
    async fn notify(&self, change: ChangeNotice) -> Result<(), CoreError> {
        traced("notify", self.inner.notify(change)).await
    }
    async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError> {
        traced(method, self.inner.call(method, params)).await
    }
    async fn shutdown(&self) {
        self.inner.shutdown().await
    }
    async fn restart(&self) -> Result<RuntimeStatus, CoreError> {
        traced("restart", self.inner.restart()).await
    }
}
